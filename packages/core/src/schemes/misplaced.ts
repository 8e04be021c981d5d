/**
 * Where a token went when no Authorization header came: a query parameter (`?token=`,
 * `?access_token=`) or a cookie. Asked only after a request without Authorization, so that
 * the answer says where the token is instead of "no credentials were sent".
 * @module
 */
import type { Credential } from '../config/types.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getAllHeaders, requestQuery } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import type { ReasonCode } from '../verdict/reasons.js'

/** Names senders and frameworks put a bearer token under, outside Authorization. */
const TOKEN_NAMES =
  /^(?:access_token|token|auth_token|bearer|bearer_token|jwt|id_token|authorization)$/i
const JWT = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

export interface Misplaced {
  reason: Extract<ReasonCode, 'credential_in_query' | 'credential_in_header'>
  detail: string
}

/**
 * The token's place, or null. `known`: the configured tokens (a value equal to one is the
 * token whatever its name); `jwt`: a JWT-shaped value is the token too.
 */
export function misplacedToken(
  req: HttpRequest,
  known: readonly Credential[],
  jwt: boolean,
): Misplaced | null {
  const isToken = (name: string, value: string) =>
    value.length > 0 &&
    (known.some((c) => safeEqual(value, c.value)) ||
      (jwt && JWT.test(value)) ||
      (TOKEN_NAMES.test(name) && value.length >= 8))
  if (req.url.includes('?')) {
    for (const [name, value] of new URLSearchParams(requestQuery(req)))
      if (isToken(name, value))
        return {
          reason: 'credential_in_query',
          detail: `the token was sent as ?${name}= in the URL`,
        }
  }
  for (const cookie of getAllHeaders(req.headers, 'cookie')) {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=')
      if (eq === -1) continue
      const name = part.slice(0, eq).trim()
      const value = part.slice(eq + 1).trim()
      // A cookie's name alone says little (browsers carry many): the value must be the token.
      if (known.some((c) => safeEqual(value, c.value)) || (jwt && JWT.test(value)))
        return {
          reason: 'credential_in_header',
          detail: `the token was sent in the Cookie header (${name}=…), not in Authorization: Bearer`,
        }
    }
  }
  return null
}
