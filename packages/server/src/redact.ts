/**
 * Redaction of what the gateway records, logs and echoes: credential and signature headers
 * (Authorization, Cookie, X-API-Key, *signature*, *token*, *secret*, and every header the
 * endpoint's auth config names) and credential-like query parameters become fingerprints; a
 * credential the installation knows becomes one wherever else it appears (known-secrets.ts).
 * @module
 */
import { type Endpoint, fingerprint, type Header } from '@hookwarden/core'
import { endpointSecrets, scrubKnown } from './known-secrets.js'

const SENSITIVE_HEADER =
  /authorization|auth[-_]|cookie|signature|token|secret|hmac|api[-_]?key|access[-_]?key|private[-_]?key|password|passwd|credential|session/i

const SENSITIVE_QUERY =
  /^(?:api[-_]?key|apikey|key|token|access[-_]?token|auth|secret|sig|signature|password|pass|code)$/i

/** Words kept in front of a fingerprinted Authorization value, so a record still shows the scheme. */
const SCHEME_WORD = /^(Bearer|Basic|Token|Digest|ApiKey|Key|HMAC|Signature|JWT)( +)(.*)$/is

/** Header names the endpoint's auth config reads credentials from (lower case). */
export function configuredCredentialHeaders(endpoints: EndpointScope): ReadonlySet<string> {
  // Asked on every recorded attempt: one Set per endpoint object (a reload makes new ones).
  const key = typeof endpoints === 'object' && endpoints !== null ? endpoints : null
  const known = key ? credentialHeaderSets.get(key) : undefined
  if (known) return known
  const names = new Set<string>()
  for (const endpoint of Array.isArray(endpoints) ? endpoints : endpoints ? [endpoints] : []) {
    const auth = endpoint.auth as unknown as Record<string, unknown>
    if (typeof auth.header === 'string') names.add(auth.header.toLowerCase())
    if (endpoint.auth.scheme === 'standard_webhooks') names.add('webhook-signature')
  }
  if (key) credentialHeaderSets.set(key, names)
  return names
}

const credentialHeaderSets = new WeakMap<object, Set<string>>()

/** Whether a header name looks like a credential's, remembered per name (senders repeat them). */
function sensitiveName(name: string): boolean {
  let hit = sensitiveNames.get(name)
  if (hit === undefined) {
    hit = SENSITIVE_HEADER.test(name)
    if (sensitiveNames.size >= CACHE_SIZE) sensitiveNames.clear()
    sensitiveNames.set(name, hit)
  }
  return hit
}

const sensitiveNames = new Map<string, boolean>()

/** Values that change on every delivery (signatures): caching their fingerprint only churns. */
const PER_DELIVERY = /signature|hmac/i

/** One endpoint, every endpoint (the inspector redacts for all of them), or none. */
export type EndpointScope = Endpoint | readonly Endpoint[] | null | undefined

/** Query parameter names the endpoint's auth config reads credentials from. */
function configuredCredentialQuery(endpoints: EndpointScope): Set<string> {
  const names = new Set<string>()
  for (const endpoint of Array.isArray(endpoints) ? endpoints : endpoints ? [endpoints] : []) {
    const auth = endpoint.auth as unknown as Record<string, unknown>
    if (typeof auth.query === 'string') names.add(auth.query)
  }
  return names
}

export function isCredentialHeader(name: string, endpoint?: EndpointScope): boolean {
  return sensitiveName(name) || configuredCredentialHeaders(endpoint).has(name.toLowerCase())
}

/** One header value as it may be shown: the scheme word kept, the credential fingerprinted. */
export function redactValue(value: string, cached = true): string {
  if (value === '') return ''
  const hit = cached ? cache.get(value) : undefined
  if (hit !== undefined) return hit
  const m = SCHEME_WORD.exec(value)
  const shown = m && m[3] !== '' ? `${m[1]}${m[2]}${fingerprint(m[3]!)}` : fingerprint(value)
  if (!cached) return shown
  // Senders repeat the same credential on every delivery: one HMAC per distinct value, in
  // memory only, bounded (an attacker's stream of new values just cycles the cache).
  if (cache.size >= CACHE_SIZE) cache.clear()
  cache.set(value, shown)
  return shown
}

const CACHE_SIZE = 4096
const cache = new Map<string, string>()

/** Forgets cached fingerprints (after the fingerprint key changes). */
export function clearRedactionCache(): void {
  cache.clear()
}

export function redactHeaders(
  headers: readonly Header[],
  endpoint?: EndpointScope,
  own: OwnCredentials = () => requestCredentials(headers, endpoint),
): [string, string][] {
  const extra = configuredCredentialHeaders(endpoint)
  let ownValues: readonly string[] | undefined
  // Any other header is shown as sent, but for a known credential, a JWT, or this request's
  // own credential copied into it (X-Debug-Sig: the signature again) (known-secrets.ts). The
  // request's credentials are gathered only when a header could hold one: long enough, and
  // not one whose value the protocol or the sender's library writes (Host, Content-Type, the
  // message id and timestamp) — the hot path's requests have none.
  return headers.map(([n, v]) => {
    if (sensitiveName(n) || extra.has(n.toLowerCase()))
      return [n, redactValue(v, !PER_DELIVERY.test(n))]
    if (v.length < OWN_MIN || PROTOCOL_HEADER.test(n)) return [n, scrubKnown(v)]
    ownValues ??= typeof own === 'function' ? own() : own
    return [n, scrubKnown(v, ownValues)]
  })
}

/** This request's credentials, or how to gather them when needed (requestCredentials). */
export type OwnCredentials = readonly string[] | (() => readonly string[])

/** Headers whose values the protocol or the sender's library writes, never a copied credential. */
const PROTOCOL_HEADER =
  /^(?:host|content-(?:type|length|encoding)|accept(?:-encoding|-language)?|connection|user-agent|date|(?:webhook|svix)-(?:id|timestamp)|traceparent|tracestate|x-forwarded-(?:for|proto|host))$/i

const NONE: readonly string[] = []
/** Shorter pieces of a credential header (`v1`, `t=…`'s number) are not secret on their own. */
const OWN_MIN = 16

/**
 * The credentials this request carries under credential header names, as they may recur
 * elsewhere in it: each value without its scheme word, and each long piece of a signature
 * list (`v1,<sig> v1,<sig>`, `t=…,v1=<sig>`). Only pieces of OWN_MIN or more characters: a
 * timestamp or a version label is not a secret.
 */
export function requestCredentials(
  headers: readonly Header[],
  endpoint?: EndpointScope,
): readonly string[] {
  const out: string[] = []
  let extra: ReadonlySet<string> | undefined
  for (const [n, v] of headers) {
    if (v.length < OWN_MIN) continue
    if (!sensitiveName(n)) {
      extra ??= configuredCredentialHeaders(endpoint)
      if (!extra.has(n.toLowerCase())) continue
    }
    const m = SCHEME_WORD.exec(v)
    const value = (m ? m[3]! : v).trim()
    if (value.length >= OWN_MIN) out.push(value)
    if (/[\s,;]/.test(value))
      for (const part of value.split(/[\s,;]+/)) {
        const piece = part.replace(/^[A-Za-z0-9_.-]{1,16}=(?=.)/, '')
        if (piece.length >= OWN_MIN && piece !== value) out.push(piece)
      }
  }
  // Longest first, so a whole value is replaced before a piece of it.
  return out.length === 0 ? NONE : out.sort((a, b) => b.length - a.length)
}

/** The request target with credential-like query parameter values fingerprinted. */
export function redactTarget(
  target: string,
  endpoint?: EndpointScope,
  own: OwnCredentials = NONE,
): string {
  const q = target.indexOf('?')
  if (q === -1) return scrubKnown(target)
  const shown = mapCredentialQuery(target, endpoint, (name, value) =>
    value === '' ? `${name}=` : `${name}=${encodeURIComponent(fingerprint(value))}`,
  )
  return scrubKnown(shown, typeof own === 'function' ? own() : own)
}

/**
 * The request target without its credential-like query parameters (`strip_credentials`: the
 * upstream gets neither the credential headers nor an `?api_key=`).
 */
export function stripCredentialQuery(target: string, endpoint?: Endpoint): string {
  const q = target.indexOf('?')
  if (q === -1) return target
  // Also split on ';' (some frameworks read `a=1;api_key=…` as two parameters), and drop any
  // parameter, whatever its name, whose value is one of this endpoint's credentials.
  const own = new Set(endpoint ? endpointSecrets(endpoint) : [])
  const piece = (part: string) => {
    const eq = part.indexOf('=')
    if (eq === -1) return true
    let value = part.slice(eq + 1)
    try {
      value = decodeURIComponent(value.replaceAll('+', ' '))
    } catch {}
    return !own.has(value) && mapCredentialQuery(`?${part}`, endpoint, () => null) !== '?'
  }
  const query = target.slice(q + 1)
  const kept = query
    .split('&')
    .map((part) => part.split(';').filter(piece).join(';'))
    .filter((part) => part !== '')
    .join('&')
  return kept === '' ? target.slice(0, q) : `${target.slice(0, q)}?${kept}`
}

/** Each `name=value` of the query whose name is a credential's, replaced (null: dropped). */
function mapCredentialQuery(
  target: string,
  endpoint: EndpointScope | undefined,
  replace: (name: string, value: string) => string | null,
): string {
  const q = target.indexOf('?')
  const own = configuredCredentialQuery(endpoint)
  const hash = target.indexOf('#', q)
  const query = target.slice(q + 1, hash === -1 ? undefined : hash)
  const parts: string[] = []
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    if (eq === -1) {
      parts.push(part)
      continue
    }
    const name = part.slice(0, eq)
    let decoded = name
    try {
      decoded = decodeURIComponent(name)
    } catch {}
    const sensitive =
      SENSITIVE_QUERY.test(decoded) || SENSITIVE_HEADER.test(decoded) || own.has(decoded)
    const out = sensitive ? replace(name, part.slice(eq + 1)) : part
    if (out !== null) parts.push(out)
  }
  return `${target.slice(0, q)}?${parts.join('&')}${hash === -1 ? '' : target.slice(hash)}`
}

/** Schemes whose credential or signature travels inside the body: their bodies are never stored. */
const BODY_CREDENTIAL_SCHEMES = new Set(['body_secret', 'mailgun', 'adyen', 'aws_sns'])

export function bodyCarriesCredential(endpoint: Endpoint | null | undefined): boolean {
  return (
    endpoint !== null && endpoint !== undefined && BODY_CREDENTIAL_SCHEMES.has(endpoint.auth.scheme)
  )
}
