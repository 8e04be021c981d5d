/**
 * API keys: a key in a named header (`X-API-Key: <key>`, name matched case-insensitively) or a
 * named query parameter (`?api_key=<key>`). Names the usual defects: the key under another
 * header name, in the query where a header is expected (or the reverse), sent twice, padded.
 * @module
 */
import type { ApiKeyPolicy } from '../config/types.js'
import { getAllHeaders, requestQuery, withHeader } from '../message/headers.js'
import type { Header, HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import {
  credentialShapeDefect,
  currentCredential,
  matchCredential,
  noSigner,
  revokedDetail,
} from './credential.js'
import type { Check, Scheme } from './types.js'

const NAME = 'api_key'
const PREFIXED = /^(bearer|token|apikey|api-key|key|basic)[ \t]+(\S+)$/i

export const apiKey: Scheme<ApiKeyPolicy> = {
  name: 'api_key',

  verify(req, policy, ctx) {
    const located =
      policy.query !== undefined
        ? locateInQuery(req, policy, policy.query)
        : locateInHeader(req, policy, policy.header ?? 'X-API-Key')
    if ('reason' in located) return [fail(located.reason, located.detail)]

    const presented = located.value
    // An empty value (`X-API-Key:` from an unset template variable) is no credential at all.
    if (presented.trim() === '') return [fail('credentials_missing', `${located.where} is empty`)]
    const shape = credentialShapeDefect(presented)
    if (shape) return [fail(shape.reason, `key ${fingerprint(presented)} in ${located.where}`)]

    const m = matchCredential(presented, policy.keys, policy.retired, ctx.now)
    if (m.kind === 'unknown') {
      // `X-API-Key: Bearer <key>`: a scheme word where the bare key is expected.
      const prefixed = PREFIXED.exec(presented)
      if (prefixed && isKnown(prefixed[2]!, policy)) {
        return [
          fail(
            'scheme_prefix_malformed',
            `the key in ${located.where} is prefixed with "${prefixed[1]} "; send the key alone`,
          ),
        ]
      }
      return [
        fail(
          'credential_unknown',
          `key ${fingerprint(presented)} in ${located.where} is not configured`,
        ),
      ]
    }
    if (m.kind === 'revoked') return [fail('credential_revoked', revokedDetail(m))]
    const check: Check = {
      name: NAME,
      ok: true,
      reason: null,
      detail: `API key in ${located.where} matches`,
    }
    if (m.credential.id) check.key_id = m.credential.id
    return [check]
  },

  sign(req, policy, options): HttpRequest {
    const key = currentCredential(policy.keys, options.now, options.keyId)
    if (!key) throw noSigner('api_key', 'keys', options.keyId)
    if (policy.query !== undefined)
      return { ...req, url: withQueryParam(req.url, policy.query, key.value) }
    return { ...req, headers: withHeader(req.headers, policy.header ?? 'X-API-Key', key.value) }
  },

  challenge(policy) {
    // No registered scheme exists for API keys; RFC 9110 §15.5.2 still needs a challenge on 401.
    const params: Record<string, string> = { realm: 'hookwarden' }
    if (policy.query !== undefined) params.query = policy.query
    else params.header = policy.header ?? 'X-API-Key'
    return { scheme: 'ApiKey', params }
  },
}

type Located =
  | { value: string; where: string }
  | { reason: NonNullable<Check['reason']>; detail: string }

function locateInHeader(req: HttpRequest, policy: ApiKeyPolicy, header: string): Located {
  const values = getAllHeaders(req.headers, header)
  const query = queryKeyParam(req, policy, header)
  if (values.length > 1)
    return {
      reason: 'duplicate_auth_header',
      detail: `${values.length} ${header} headers were sent`,
    }
  if (values.length === 1) {
    if (query)
      return {
        reason: 'duplicate_auth_header',
        detail: `a key was sent both in ${header} and as ?${query}= in the URL`,
      }
    return { value: values[0]!, where: header }
  }
  const other = otherHeader(req.headers, policy, header)
  if (other)
    return {
      reason: 'header_name_wrong',
      detail: `the key was sent as ${other} where ${header} is expected`,
    }
  if (query)
    return {
      reason: 'credential_in_query',
      detail: `the key was sent as ?${query}= in the URL where the ${header} header is expected`,
    }
  return { reason: 'credentials_missing', detail: `no ${header} header` }
}

function locateInQuery(req: HttpRequest, policy: ApiKeyPolicy, param: string): Located {
  const params = new URLSearchParams(requestQuery(req))
  const values = params.getAll(param)
  if (values.length > 1)
    return {
      reason: 'duplicate_auth_header',
      detail: `?${param}= appears ${values.length} times in the URL`,
    }
  if (values.length === 1) return { value: values[0]!, where: `?${param}=` }
  for (const [name, value] of params) {
    if (sameName(name, param) || isKnown(value, policy)) {
      return {
        reason: 'header_name_wrong',
        detail: `the key was sent as ?${name}= where ?${param}= is expected`,
      }
    }
  }
  const header = otherHeader(req.headers, policy, param, true)
  if (header)
    return {
      reason: 'credential_in_header',
      detail: `the key was sent in the ${header} header where ?${param}= in the URL is expected`,
    }
  return { reason: 'credentials_missing', detail: `no ?${param}= in the URL` }
}

/** A query parameter that carries the key (by its name or by its value), or null. */
function queryKeyParam(req: HttpRequest, policy: ApiKeyPolicy, header: string): string | null {
  const q = requestQuery(req)
  if (q === '') return null
  for (const [name, value] of new URLSearchParams(q)) {
    if (sameName(name, header) || isKnown(value, policy)) return name
  }
  return null
}

/** A header other than `expected` that carries the key: a near name (`X_API_KEY`) or a known value. */
function otherHeader(
  headers: readonly Header[],
  policy: ApiKeyPolicy,
  expected: string,
  /** Query mode: a header named exactly like the parameter also counts. */
  includeExact = false,
): string | null {
  for (const [name, value] of headers) {
    if (!includeExact && name.toLowerCase() === expected.toLowerCase()) continue
    if (sameName(name, expected)) return name
    // `Authorization: <key>` or `Authorization: Bearer <key>`.
    const bare = value.trim().replace(/^(?:bearer|token|apikey|api-key|key)\s+/i, '')
    if (isKnown(bare, policy)) return name
  }
  return null
}

/** `X_API_KEY`, `x-apikey`, `XApiKey` and `api-key` all name `X-API-Key`. */
function sameName(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .replace(/^x(?=.)/, '')
  return norm(a) === norm(b)
}

function isKnown(value: string, policy: ApiKeyPolicy): boolean {
  if (value === '') return false
  return (
    matchCredential(value, policy.keys, policy.retired, Number.NEGATIVE_INFINITY).kind !== 'unknown'
  )
}

/** The URL with `name=value` as the one occurrence of `name`, the rest of the query untouched. */
function withQueryParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#')
  const fragment = hash === -1 ? '' : url.slice(hash)
  const beforeHash = hash === -1 ? url : url.slice(0, hash)
  const q = beforeHash.indexOf('?')
  const base = q === -1 ? beforeHash : beforeHash.slice(0, q)
  const kept =
    q === -1
      ? []
      : beforeHash
          .slice(q + 1)
          .split('&')
          .filter((p) => p !== '' && decodeName(p) !== name)
  kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
  return `${base}?${kept.join('&')}${fragment}`
}

function decodeName(pair: string): string {
  const eq = pair.indexOf('=')
  const raw = (eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ')
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

function fail(reason: Check['reason'], detail: string): Check {
  return { name: NAME, ok: false, reason, detail }
}
