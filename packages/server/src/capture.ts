/**
 * CAPTURE: a Fastify request → the one HttpRequest model. Headers come from
 * `req.raw.rawHeaders` (order, duplicates and casing as sent: Node's `req.headers` would
 * merge a second Authorization away); the body is the raw Buffer, never parsed.
 * @module
 */

import type { Header, HttpRequest } from '@hookwarden/core'
import type { FastifyRequest } from 'fastify'

const EMPTY = new Uint8Array(0)

const NON_ASCII = /[^\x00-\x7f]/

/**
 * Node hands header values over as Latin-1 (one character per byte). A sender writes UTF-8:
 * a zero-width space pasted after a token is three bytes, and read as Latin-1 it would be
 * three other characters, hiding `credential_invisible_chars` and garbling the record. Valid
 * UTF-8 is read as such (the same bytes again when encoded); anything else stays byte for byte.
 */
export function headerText(value: string): string {
  if (!NON_ASCII.test(value)) return value
  const utf8 = Buffer.from(value, 'latin1').toString('utf8')
  return utf8.includes('\ufffd') && !value.includes('\ufffd') ? value : utf8
}

/** A header read as UTF-8 → its value as Node gave it, for forwarding the same bytes. */
const sentAs = new WeakMap<Header, string>()

/** The value as received, byte for byte (Latin-1 string), of a header made by headersFromRaw. */
export function valueAsSent(header: Header): string {
  return sentAs.get(header) ?? header[1]
}

export function headersFromRaw(rawHeaders: readonly string[]): Header[] {
  const out: Header[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i + 1]!
    const text = headerText(raw)
    const header: Header = [rawHeaders[i]!, text]
    if (text !== raw) sentAs.set(header, raw)
    out.push(header)
  }
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
