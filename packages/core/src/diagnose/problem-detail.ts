/**
 * The `detail` of an RFC 9457 problem+json answer: the receiver's own sentence about this
 * occurrence (hookwarden's 404 names the endpoint a near-miss URL meant). Quoted back to the
 * sender as evidence; nothing else of the body is trusted.
 * @module
 */
import { getHeader } from '../message/headers.js'
import type { HttpResponse } from '../message/types.js'

/** Longest detail quoted back. */
const MAX = 300

/** The answer's problem `detail`, one line, or null when it has none. */
export function problemDetail(res: HttpResponse): string | null {
  const type = getHeader(res.headers, 'content-type') ?? ''
  if (!/\bjson\b|\+json\b/i.test(type) || res.body.byteLength > 65536) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(res.body).toString('utf8'))
  } catch {
    return null
  }
  const detail = (parsed as { detail?: unknown } | null)?.detail
  if (typeof detail !== 'string') return null
  const line = detail.replace(/\s+/g, ' ').trim()
  if (!line) return null
  return line.length > MAX ? `${line.slice(0, MAX)}…` : line
}
