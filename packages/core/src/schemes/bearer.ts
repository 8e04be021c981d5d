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
      return [
        inQuery
          ? fail('credential_in_query', 'the token was sent as ?access_token= in the URL')
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
    if (parsed.reason) return [fail(parsed.reason, parsed.detail)]
    const shape = credentialShapeDefect(parsed.credential)
    if (shape) return [fail(shape.reason, `token ${fingerprint(parsed.credential)}`)]

    const m = matchCredential(parsed.credential, policy.tokens, policy.retired, ctx.now)
    if (m.kind === 'unknown')
      return [
        fail('credential_unknown', `token ${fingerprint(parsed.credential)} is not configured`),
      ]
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

function fail(reason: Check['reason'], detail: string): Check {
  return { name: NAME, ok: false, reason, detail }
}
