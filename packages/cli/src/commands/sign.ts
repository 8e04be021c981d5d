/**
 * `hookwarden sign --request FILE --config FILE [--endpoint NAME] [--now UNIX]`: prints the
 * request signed for the endpoint, as raw HTTP.
 * @module
 */

import { printRawHttpRequest, selectEndpoint, sign, signerNotice } from '@hookwarden/core'
import type { Command } from 'commander'
import { parseNow, readConfig, readRequest } from '../io.js'

interface Options {
  request: string
  config: string
  endpoint?: string
  now?: string
  keyId?: string
}

export function registerSign(program: Command): void {
  program
    .command('sign')
    .description(
      'sign a request for an endpoint (for tests, canaries and replays); prints raw HTTP',
    )
    .requiredOption('--request <file>', 'the request to sign: raw HTTP, curl, HAR or JSON')
    .requiredOption('--config <file>', 'hookwarden.yaml')
    .option('--endpoint <name>', 'the endpoint (default: by path)')
    .option('--now <unix>', 'fix the clock, seconds since the epoch')
    .option('--key-id <id>', 'sign with the credential with this id')
    .action(async (o: Options) => {
      const now = parseNow(o.now)
      const request = readRequest(o.request)
      const endpoint = selectEndpoint(readConfig(o.config), request, o.endpoint)
      const signed = await sign(request, endpoint, { now, ...(o.keyId ? { keyId: o.keyId } : {}) })
      const notice = signerNotice(endpoint, now, o.keyId)
      if (notice) process.stderr.write(`hookwarden: warning: ${notice}\n`)
      process.stdout.write(printRawHttpRequest(signed))
    })
}
