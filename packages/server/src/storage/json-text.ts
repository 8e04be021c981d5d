/**
 * The JSON text of a record's headers and checks, the two JSON columns every insert writes.
 * Hand-built because these shapes are fixed and small: JSON.stringify walked them generically
 * at ~1.4 µs (6 headers) and ~1.8 µs (3 checks) a row, measured. Anything outside the usual
 * shape (an unknown field, a non-string value) goes through JSON.stringify, so the text always
 * parses back to exactly what JSON.stringify would have written.
 * @module
 */
import type { Check } from '@hookwarden/core'

/** Characters JSON.stringify escapes: `"`, `\`, controls, and (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

function str(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`
}

/** `[[name, value], …]` as JSON.stringify writes it. */
export function headersJson(headers: readonly (readonly [string, string])[]): string {
  let out = '['
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    const n = h[0]
    const v = h[1]
    if (h.length !== 2 || typeof n !== 'string' || typeof v !== 'string')
      return JSON.stringify(headers)
    out += `${i === 0 ? '' : ','}[${str(n)},${str(v)}]`
  }
  return `${out}]`
}

/** A check's usual fields, in the order the schemes create them. */
function checkJson(c: Check): string | null {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return null
  let keys = 0
  for (const _ in c) keys++
  const hasDetail = c.detail !== undefined
  const hasKeyId = c.key_id !== undefined
  if (
    keys !== 3 + (hasDetail ? 1 : 0) + (hasKeyId ? 1 : 0) ||
    typeof c.name !== 'string' ||
    typeof c.ok !== 'boolean' ||
    (c.reason !== null && typeof c.reason !== 'string') ||
    (hasDetail && typeof c.detail !== 'string') ||
    (hasKeyId && typeof c.key_id !== 'string')
  )
    return null
  let out = `{"name":${str(c.name)},"ok":${c.ok},"reason":${c.reason === null ? 'null' : str(c.reason)}`
  if (hasDetail) out += `,"detail":${str(c.detail!)}`
  if (hasKeyId) out += `,"key_id":${str(c.key_id!)}`
  return `${out}}`
}

/** `[check, …]`, parsing back to what JSON.stringify(checks) parses to. */
export function checksJson(checks: readonly unknown[]): string {
  let out = '['
  for (let i = 0; i < checks.length; i++) {
    const one = checkJson(checks[i] as Check)
    if (one === null) return JSON.stringify(checks)
    out += i === 0 ? one : `,${one}`
  }
  return `${out}]`
}
