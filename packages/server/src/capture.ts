/**
 * CAPTURE: a Fastify request → the one HttpRequest model. Headers come from
 * `req.raw.rawHeaders` (order, duplicates and casing as sent: Node's `req.headers` would
 * merge a second Authorization away); the body is the raw Buffer, never parsed.
 * @module
 */

import type { Header, HttpRequest } from '@hookwarden/core'
import type { FastifyRequest } from 'fastify'

const EMPTY = new Uint8Array(0)

export function headersFromRaw(rawHeaders: readonly string[]): Header[] {
  const out: Header[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) out.push([rawHeaders[i]!, rawHeaders[i + 1]!])
  return out
}

export function captureRequest(req: FastifyRequest): HttpRequest {
  const body = req.body
  return {
    method: (req.raw.method ?? 'GET').toUpperCase(),
    url: req.raw.url ?? '/',
    headers: headersFromRaw(req.raw.rawHeaders),
    body: body instanceof Uint8Array ? body : EMPTY,
    httpVersion: `HTTP/${req.raw.httpVersion}`,
  }
}
