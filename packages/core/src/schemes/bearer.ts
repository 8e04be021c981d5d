/**
 * Bearer tokens (RFC 6750): `Authorization: Bearer <token>`.
 * Besides matching, names the header-construction defects a sender makes: no prefix, a glued
 * prefix (`Bearer{{token}}`), a doubled one, another scheme, the token in the query string.
 * @module
 */
import type { BearerPolicy } from '../config/types.js'
import { getAllHeaders, requestQuery, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { parseAuthorization } from './authorization.js'
import {
  credentialShapeDefect,
  currentCredential,
  matchCredential,
  noSigner,
  revokedDetail,
} from './credential.js'
import { misplacedToken } from './misplaced.js'
import type { Check, Scheme } from './types.js'

const NAME = 'authorization_header'

export const bearer: Scheme<BearerPolicy> = {
  name: 'bearer',

  verify(req, policy, ctx) {
    const values = getAllHeaders(req.headers, 'authorization')
    const inQuery = new URLSearchParams(requestQuery(req)).has('access_token')
    if (values.length > 1)
      return [fail('duplicate_auth_header', `${values.length} Authorization headers were sent`)]
    if (values.length === 0) {
      const elsewhere = inQuery
        ? null
        : misplacedToken(req, [...policy.tokens, ...policy.retired], false)
      return [
        inQuery
          ? fail('credential_in_query', 'the token was sent as ?access_token= in the URL')
          : elsewhere
            ? fail(elsewhere.reason, elsewhere.detail)
            : fail('credentials_missing', 'no Authorization header'),
      ]
    }
    if (inQuery)
      return [
        fail(
          'duplicate_auth_header',
          'a token was sent both in the Authorization header and in the query string',
        ),
      ]

    const parsed = parseAuthorization(values[0]!, 'Bearer')
    if (parsed.reason) {
      const hidden = hiddenScheme(values[0]!, 'Bearer') ?? parsed
      return [fail(hidden.reason, hidden.detail)]
    }
    const shape = credentialShapeDefect(parsed.credential)
    if (shape) return [fail(shape.reason, `token ${fingerprint(parsed.credential)}`)]

    const m = matchCredential(parsed.credential, policy.tokens, policy.retired, ctx.now)
    if (m.kind === 'unknown') {
      // `Bearer a, Bearer b`: two header lines merged by a proxy; a token never holds ", ".
      if (JOINED.test(parsed.credential))
        return [
          fail(
            'duplicate_auth_header',
            'two Authorization values were joined by a comma into one header',
          ),
        ]
      return [
        fail('credential_unknown', `token ${fingerprint(parsed.credential)} is not configured`),
      ]
    }
    if (m.kind === 'revoked') return [fail('credential_revoked', revokedDetail(m))]
    const check: Check = { name: NAME, ok: true, reason: null, detail: 'Bearer token matches' }
    if (m.credential.id) check.key_id = m.credential.id
    return [check]
  },

  sign(req, policy, options): HttpRequest {
    const token = currentCredential(policy.tokens, options.now, options.keyId)
    if (!token) throw noSigner('bearer', 'tokens', options.keyId)
    return { ...req, headers: withHeader(req.headers, 'Authorization', `Bearer ${token.value}`) }
  },

  challenge: () => ({ scheme: 'Bearer', params: { realm: 'hookwarden' } }),
}

const JOINED = /,[ \t]*bearer[ \t]/i

/**
 * A BOM before the scheme word (a value pasted from a file) or a non-breaking space after it
 * hides an otherwise well-built header: credential_invisible_chars, not scheme_prefix_missing.
 * Only called on the failure path; basic.ts uses it too.
 */
export function hiddenScheme(
  value: string,
  expected: 'Bearer' | 'Basic',
): { reason: NonNullable<Check['reason']>; detail: string } | null {
  // `Authorization: "Bearer eyJ…"`: the whole value quoted (a JSON string pasted as is).
  const quoted = /^[ \t]*(["'])([\s\S]*)\1[ \t]*$/.exec(value)
  if (quoted && !parseAuthorization(quoted[2]!, expected).reason)
    return {
      reason: 'credential_quoted',
      detail: `the whole Authorization value is wrapped in quotes (${quoted[1]}${expected} …${quoted[1]})`,
    }
  const spaced = value.replace(/[\u00A0\u202F\u2007]/g, ' ')
  const shape = credentialShapeDefect(spaced)
  const visible = shape?.reason === 'credential_invisible_chars' ? shape.cleaned : spaced
  return visible !== value && !parseAuthorization(visible, expected).reason ? HIDDEN : null
}

const HIDDEN = {
  reason: 'credential_invisible_chars',
  detail: 'invisible characters (BOM, zero-width or non-breaking space) around the scheme word',
} as const

function fail(reason: Check['reason'], detail: string): Check {
  return { name: NAME, ok: false, reason, detail }
}
