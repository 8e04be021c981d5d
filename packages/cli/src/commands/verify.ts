/**
 * `hookwarden verify --request FILE --config FILE [--endpoint NAME] [--now UNIX] [--json]`
 * Exit 0 accepted, 1 rejected, 2 unusable input.
 * @module
 */

import { MemoryNonceStore, refineVerdict, selectEndpoint, verify } from '@hookwarden/core'
import type { Command } from 'commander'
import { parseEntry, parseNow, readConfig, readRequest } from '../io.js'
import { verdictHuman, verdictJson } from '../output/verdict.js'

interface Options {
  request: string
  config: string
  endpoint?: string
  now?: string
  json?: boolean
  entry?: string
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a captured request against the config; exit 0 accepted, 1 rejected')
    .requiredOption('--request <file>', 'the request: raw HTTP, curl, HAR or JSON')
    .requiredOption('--config <file>', 'hookwarden.yaml')
    .option('--endpoint <name>', 'the endpoint to verify against (default: by path)')
    .option('--now <unix>', 'fix the clock, seconds since the epoch')
    .option(
      '--entry <n>',
      'which entry of a HAR, a JSON list or a curl -v -L transcript (default: the first; a transcript: the request first sent and the final answer)',
    )
    .option('--json', 'print the verdict as JSON')
    .action(async (o: Options) => {
      const now = parseNow(o.now)
      const request = readRequest(o.request, parseEntry(o.entry))
      const config = readConfig(o.config)
      const endpoint = selectEndpoint(config, request, o.endpoint)
      const own = await verify(request, endpoint, { now, nonceStore: new MemoryNonceStore() })
      // Another endpoint's credential (environment, tenant) is named: the config as a whole knows.
      const verdict = await refineVerdict(request, endpoint, own, config.endpoints, now)
      process.stdout.write(
        o.json ? `${JSON.stringify(verdictJson(verdict), null, 2)}\n` : verdictHuman(verdict),
      )
      process.exitCode = verdict.ok ? 0 : 1
    })
}
