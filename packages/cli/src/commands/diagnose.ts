/**
 * `hookwarden diagnose --request FILE [--response FILE] [--config FILE] [--endpoint NAME]
 * [--now UNIX] [--sender make|zapier|n8n|curl|code] [--json]`
 * Exit 0 nothing wrong, 1 causes found, 2 unusable input.
 * @module
 */

import { ConfigError, diagnose, parseCapture, SENDERS, type Sender } from '@hookwarden/core'
import type { Command } from 'commander'
import {
  captureOptions,
  parseEntry,
  parseNow,
  readConfig,
  readInput,
  readRequest,
  readResponse,
} from '../io.js'
import { diagnosisHuman, diagnosisJson } from '../output/diagnosis.js'

interface Options {
  request: string
  response?: string
  config?: string
  endpoint?: string
  now?: string
  json?: boolean
  entry?: string
  sender?: string
}

export function registerDiagnose(program: Command): void {
  program
    .command('diagnose')
    .description(
      'say why a request is (or would be) refused, and the fix; exit 0 nothing wrong, 1 causes found',
    )
    .requiredOption('--request <file>', 'the request: raw HTTP, curl, HAR or JSON')
    .option('--response <file>', 'the response the sender got (raw HTTP, HAR or JSON)')
    .option('--config <file>', 'hookwarden.yaml (without it: the request and response alone)')
    .option('--endpoint <name>', 'the endpoint to check against (default: by path)')
    .option('--now <unix>', 'fix the clock, seconds since the epoch')
    .option(
      '--sender <tool>',
      'word the fix for make, zapier, n8n, curl or code (default: from the User-Agent)',
    )
    .option(
      '--entry <n>',
      'which entry of a HAR, a JSON list or a curl -v -L transcript (default: the first; a transcript: the request first sent and the final answer)',
    )
    .option('--json', 'print the diagnosis as JSON')
    .action(async (o: Options) => {
      const now = parseNow(o.now)
      if (o.sender !== undefined && !SENDERS.includes(o.sender as Sender)) {
        throw new ConfigError(
          `--sender must be one of ${SENDERS.join(', ')}, got ${JSON.stringify(o.sender)}`,
          { field: '--sender' },
        )
      }
      if (o.endpoint !== undefined && o.config === undefined)
        throw new ConfigError('--endpoint names an endpoint of a config: give --config too', {
          field: '--endpoint',
        })
      const entry = parseEntry(o.entry)
      const request = readRequest(o.request, entry)
      // A HAR entry (or a JSON {request, response}) carries the answer too: use it when no
      // --response is given.
      const response =
        o.response !== undefined
          ? readResponse(o.response, entry)
          : parseCapture(readInput(o.request, 'request'), captureOptions(o.request, entry)).response
      const config = o.config !== undefined ? readConfig(o.config) : undefined
      const d = await diagnose(request, {
        now,
        ...(response ? { response } : {}),
        ...(config ? { config } : {}),
        ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
        ...(o.sender !== undefined ? { sender: o.sender as Sender } : {}),
        // Offline, the search is bounded by candidates, not by a hot path's clock: a loaded
        // machine must not change the answer.
        budget: { candidates: 5000, ms: 10_000 },
      })
      process.stdout.write(
        o.json ? `${JSON.stringify(diagnosisJson(d), null, 2)}\n` : diagnosisHuman(d),
      )
      process.exitCode = d.causes.length > 0 ? 1 : 0
    })
}
