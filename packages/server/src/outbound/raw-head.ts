/**
 * The header bytes of a raw HTTP capture, for sending them again as they were. The capture's
 * parser reads each header value as UTF-8 where the bytes are valid UTF-8 and keeps the rest
 * as Latin-1, so `caf\xe9` and `café` typed in UTF-8 parse to the same text; only the file
 * tells them apart. The headers are remade with the gateway's own reading of raw values
 * (capture.ts), and each remembers its bytes (`valueAsSent`) for `wireValueOf`.
 * @module
 */
import type { Header, HttpRequest } from '@hookwarden/core'
import { headersFromRaw, valueAsSent } from '../capture.js'

/** A remade header → its value as the capture's bytes, one Latin-1 character per byte. */
const wire = new WeakMap<Header, string>()

/** The bytes `header` was captured as (Latin-1 string), when withCapturedHeaderBytes made it. */
export function wireValueOf(header: Header): string | undefined {
  return wire.get(header)
}

const REQUEST_LINE = /^[A-Za-z]+ \S+( HTTP\/\d(\.\d)?)?$/

/** The head's header lines as `[name, value, …]` in Latin-1, or null for no raw capture. */
function rawHeaderLines(bytes: Uint8Array): string[] | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  const lines = text
    .replace(/^\xef\xbb\xbf/, '')
    .replace(/^[\r\n]+/, '')
    .split(/\r?\n/)
  if (!REQUEST_LINE.test(lines[0]?.trim() ?? '')) return null
  const out: string[] = []
  for (const line of lines.slice(1)) {
    if (line === '') break
    // A folded or indented head is rare; sending its values as parsed is close enough.
    if (/^[ \t]/.test(line)) return null
    const colon = line.indexOf(':')
    if (colon <= 0) return null
    out.push(line.slice(0, colon).trim(), trimSpaceTab(line.slice(colon + 1)))
  }
  return out
}

/**
 * `request` with headers that remember the capture's bytes, when `capture` is the raw HTTP it
 * was parsed from and its header lines match the parsed headers one for one; else `request`.
 */
export function withCapturedHeaderBytes(request: HttpRequest, capture: Uint8Array): HttpRequest {
  const raw = rawHeaderLines(capture)
  if (!raw || raw.length !== request.headers.length * 2) return request
  const remade: Header[] = headersFromRaw(raw)
  const same = remade.every(
    ([n, v], i) => n === request.headers[i]![0] && v === request.headers[i]![1],
  )
  if (!same) return request
  for (const h of remade) wire.set(h, valueAsSent(h))
  return { ...request, headers: remade }
}

/**
 * Spaces and tabs cut from both ends (HTTP's optional whitespace), in one pass: the regex
 * /[ \t]+$/ retried from every character of a long run of spaces that ends in another
 * character, quadratic in a long header value of the capture.
 */
function trimSpaceTab(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--
  return value.slice(start, end)
}
