/**
 * The `detail` of a hookwarden gateway's problem+json answer: its own sentence about this
 * occurrence (its 404 names the endpoint a near-miss URL meant). Quoted back to the sender.
 * Only hookwarden's (`type` under https://hookwarden.dev/): its details never hold a secret,
 * while another receiver's may echo the credential it refused, and output never holds one.
 * @module
 */
import { getHeader } from '../message/headers.js'
import type { HttpResponse } from '../message/types.js'

/** Longest detail quoted back. */
const MAX = 300

/** The answer's problem `detail`, one line, or null when it has none or is not hookwarden's. */
export function problemDetail(res: HttpResponse): string | null {
  const type = getHeader(res.headers, 'content-type') ?? ''
  if (!/\bjson\b|\+json\b/i.test(type) || res.body.byteLength > 65536) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(res.body).toString('utf8'))
  } catch {
    return null
  }
  const { type: problemType, detail } = (parsed ?? {}) as { type?: unknown; detail?: unknown }
  if (typeof problemType !== 'string' || !problemType.startsWith('https://hookwarden.dev/'))
    return null
  if (typeof detail !== 'string') return null
  const line = detail.replace(/\s+/g, ' ').trim()
  if (!line) return null
  return line.length > MAX ? `${line.slice(0, MAX)}…` : line
}
