/**
 * `hookwarden sign --request FILE --config FILE [--endpoint NAME] [--now UNIX]`: prints the
 * request signed for the endpoint, as raw HTTP.
 * @module
 */

import {
  type HttpRequest,
  printRawHttpRequestBytes,
  selectEndpoint,
  sign,
  signerNotice,
} from '@hookwarden/core'
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
      // Bytes, not text: a body that is not UTF-8 is printed exactly as it was signed.
      process.stdout.write(printRawHttpRequestBytes(sendable(signed)))
    })
}

/** Methods whose request content has a meaning (RFC 9110 §9.3). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/**
 * What a curl command or a JSON capture lacks to be sent as raw HTTP (`nc`, a replay): an
 * origin-form target with its Host, and the body's Content-Length. A raw capture has them.
 */
export function sendable(req: HttpRequest): HttpRequest {
  const has = (name: string) => req.headers.some(([n]) => n.toLowerCase() === name)
  let { url } = req
  const headers = [...req.headers]
  // The path exactly as signed (new URL() would normalise it); user-info never goes in Host.
  const absolute = /^https?:\/\/(?:[^/?#@]*@)?([^/?#]+)([^#]*)/i.exec(url)
  if (absolute) {
    url = absolute[2] || '/'
    if (!has('host')) headers.unshift(['Host', absolute[1]!])
  }
  // RFC 9110 §8.6: a request whose method gives content a meaning says its length, even 0
  // (without it, a POST is "no body" to some servers and "read until close" to none: 411).
  const framed = req.body.length > 0 || BODY_METHODS.has(req.method.toUpperCase())
  if (framed && !has('content-length') && !has('transfer-encoding'))
    headers.push(['Content-Length', String(req.body.length)])
  return { ...req, url, headers }
}
