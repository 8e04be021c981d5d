/**
 * Parses an `Authorization` value against the scheme an endpoint expects and names how its
 * construction went wrong (RFC 9110 §11.6.2: `scheme SP credentials`, scheme case-insensitive).
 * @module
 */
import type { ReasonCode } from '../verdict/reasons.js'

export type ParsedAuthorization =
  | { reason: null; credential: string }
  | { reason: ReasonCode; detail: string }

const KNOWN = [
  'bearer',
  'basic',
  'token',
  'digest',
  'negotiate',
  'apikey',
  'api-key',
  'jwt',
  'hmac',
  'key',
]

/** The scheme written a second time after the first (`Bearer Bearer x`, `Bearer Bearer: x`). */
const AGAIN = { Bearer: /^Bearer[ \t:]/i, Basic: /^Basic[ \t:]/i } as const

export function parseAuthorization(
  value: string,
  expected: 'Bearer' | 'Basic',
): ParsedAuthorization {
  const exp = expected.toLowerCase()
  const v = value.replace(/^[ \t]+/, '')
  // An empty header (an unset template variable) carries no credentials at all.
  if (v.trim() === '')
    return { reason: 'credentials_missing', detail: 'the Authorization header is empty' }
  const m = /^([A-Za-z][A-Za-z0-9._~+-]*)(:?)([ \t]*)([\s\S]*)$/.exec(v)
  const word = m?.[1]?.toLowerCase() ?? ''
  if (m && word === exp) {
    const rest = m[4] ?? ''
    if (m[2] === ':')
      return {
        reason: 'scheme_prefix_malformed',
        detail: `"${expected}:" has a colon after the scheme`,
      }
    if (m[3] === '') {
      if (rest === '')
        return {
          reason: 'credentials_missing',
          detail: `"${expected}" with no credential after it`,
        }
      return {
        reason: 'scheme_prefix_missing',
        detail: `nothing separates "${expected}" from the credential`,
      }
    }
    if (AGAIN[expected].test(rest))
      return { reason: 'scheme_prefix_malformed', detail: `"${expected}" is written twice` }
    if (rest === '')
      return { reason: 'credentials_missing', detail: `"${expected}" with no credential after it` }
    return { reason: null, credential: rest }
  }
  // A glued prefix: `BearerabcDEF` (the template `Bearer{{token}}` with no space).
  if (v.toLowerCase().startsWith(exp) && v.length > exp.length) {
    return {
      reason: 'scheme_prefix_missing',
      detail: `nothing separates "${expected}" from the credential`,
    }
  }
  if (m && m[3] !== '' && KNOWN.includes(word)) {
    return {
      reason: 'scheme_mismatch',
      detail: `"${m[1]}" was sent where "${expected}" is expected`,
    }
  }
  return { reason: 'scheme_prefix_missing', detail: `the value does not start with "${expected} "` }
}
