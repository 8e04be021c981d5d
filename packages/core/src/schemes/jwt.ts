/**
 * JWT bearer tokens (RFC 7519, RFC 8725): `Authorization: Bearer <JWT>`, signed with HS*
 * shared secrets, or RS/PS/ES/EdDSA keys from an inline JWKS or a cached `jwks_url`.
 * Checks, in order: header construction, format, algorithm allow-list, signature, then the
 * claims (exp/nbf with leeway at `ctx.now`, iss, aud, scopes — a missing scope is 403).
 * @module
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'
import {
  type CryptoKey,
  compactVerify,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  SignJWT,
} from 'jose'
import type { Credential, JwtPolicy } from '../config/types.js'
import { decodeStrict } from '../crypto/encoding.js'
import { ConfigError } from '../errors.js'
import { getAllHeaders, requestQuery, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import type { ReasonCode } from '../verdict/reasons.js'
import { parseAuthorization } from './authorization.js'
import { hiddenScheme } from './bearer.js'
import { credentialShapeDefect, currentCredential, isExpired, noSigner } from './credential.js'
import { misplacedToken } from './misplaced.js'
import type { Check, Scheme, VerifyContext } from './types.js'

const HS_HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }
/** Signature bytes of the fixed-length algorithms (RSA depends on the modulus). */
const SIG_BYTES: Record<string, number> = {
  HS256: 32,
  HS384: 48,
  HS512: 64,
  ES256: 64,
  ES384: 96,
  ES512: 132,
  EdDSA: 64,
  Ed25519: 64,
}
/** The year 9999 in milliseconds: a JWT time beyond it is no date in any unit. */
const MAX_MILLISECONDS = 253402300799999
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const utf8Fatal = new TextDecoder('utf-8', { fatal: true })

/** jose's local and remote key sets: a resolver, with the set it holds (remote: once fetched). */
type KeySet = ((header: JWSHeaderParameters) => Promise<CryptoKey>) & {
  jwks?: () => JSONWebKeySet | undefined
}

/** What the `jwks_url` answered last (jose's errors do not say): status, type, redirect target. */
interface JwksAnswer {
  status: number
  statusText: string
  contentType: string | null
  location: string | null
}

/** Why the keys behind `jwks_url` could not be had, as verify found it (for diagnose's fix). */
export interface JwksFailure {
  kind: 'redirect' | 'status' | 'not_json' | 'not_jwks' | 'timeout' | 'unreachable' | 'other'
  /** One sentence: what the URL answered. */
  detail: string
  status?: number
  contentType?: string
  /** The redirect's target, origin and path only. */
  location?: string
}

/** What a policy needs at verify time, made once per policy object. */
interface Prepared {
  hs: { credential: Credential; key: KeyObject; retired: boolean }[]
  keySet: KeySet | null
  issuers: string[] | null
  audiences: string[] | null
  /** jwks_url only: its last answer, and the failure verify last reported. */
  remote: { answer: JwksAnswer | null; failure: JwksFailure | null } | null
}

const preparedByPolicy = new WeakMap<JwtPolicy, Prepared>()

function prepare(policy: JwtPolicy, ctx: VerifyContext): Prepared {
  let p = preparedByPolicy.get(policy)
  if (p) return p
  const hs = [
    ...policy.secrets.map((credential) => ({ credential, retired: false })),
    ...policy.retired.map((credential) => ({ credential, retired: true })),
  ]
    .map((e) => ({ ...e, bytes: secretBytes(e.credential.value, policy) }))
    .filter((e): e is typeof e & { bytes: Buffer } => e.bytes !== null && e.bytes.length > 0)
    .map(({ bytes, ...e }) => ({ ...e, key: createSecretKey(bytes) }))
  let keySet: KeySet | null = null
  let remote: Prepared['remote'] = null
  if (policy.jwks) {
    keySet = createLocalJWKSet({ keys: policy.jwks.keys.map(publicPart) } as JSONWebKeySet)
  } else if (policy.jwks_url) {
    // jose caches the set (10 min), refetches on an unknown kid at most every 30 s, and never
    // follows redirects. The URL comes from the config only, never from a token (RFC 8725 §3.10).
    // Its errors do not carry the HTTP answer, so the fetch notes it for the refusal's detail.
    const state: NonNullable<Prepared['remote']> = { answer: null, failure: null }
    remote = state
    const base = ctx.fetch ?? fetch
    const noting = async (url: string, init: RequestInit): Promise<Response> => {
      state.answer = null
      const res = await base(url, init)
      state.answer = {
        status: res.status,
        statusText: res.statusText,
        contentType: res.headers.get('content-type'),
        location: res.headers.get('location'),
      }
      return res
    }
    keySet = createRemoteJWKSet(new URL(policy.jwks_url), { [customFetch]: noting })
  }
  const list = (v: string | string[] | undefined) =>
    v === undefined ? null : ([] as string[]).concat(v)
  p = { hs, keySet, issuers: list(policy.issuer), audiences: list(policy.audience), remote }
  preparedByPolicy.set(policy, p)
  return p
}

/** HS* key bytes of a configured secret string (config/load.ts has checked the encoding). */
function secretBytes(value: string, policy: JwtPolicy): Buffer | null {
  const enc = policy.secret_encoding ?? 'utf8'
  return enc === 'utf8' ? Buffer.from(value, 'utf8') : decodeStrict(value, enc)
}

/** A JWK without its private members: a JWKS for verifying holds public keys only. */
function publicPart(jwk: Record<string, unknown>): Record<string, unknown> {
  const {
    d: _d,
    p: _p,
    q: _q,
    dp: _dp,
    dq: _dq,
    qi: _qi,
    oth: _oth,
    k: _k,
    priv: _priv,
    ...pub
  } = jwk
  return pub
}

interface Decoded {
  token: string
  header: Record<string, unknown>
  payload: Record<string, unknown>
  alg: string
  kid?: string
}

export const jwt: Scheme<JwtPolicy> = {
  name: 'jwt',

  // Synchronous for HS* (no Promise on the hot path); a Promise only when a JWKS is consulted.
  verify(req, policy, ctx): Check[] | Promise<Check[]> {
    const located = locate(req)
    if (typeof located !== 'string') return [located]
    const checks: Check[] = [
      { name: 'authorization_header', ok: true, reason: null, detail: 'Bearer token present' },
    ]

    const decoded = decode(located)
    if ('reason' in decoded) return [...checks, fail('jwt_format', decoded.reason, decoded.detail)]
    checks.push({
      name: 'jwt_format',
      ok: true,
      reason: null,
      detail: `JWT, alg ${decoded.alg}${decoded.kid !== undefined ? `, kid ${JSON.stringify(decoded.kid)}` : ''}`,
    })

    const alg = checkAlgorithm(decoded, policy)
    checks.push(alg)
    if (!alg.ok) return checks

    let prepared: Prepared
    try {
      prepared = prepare(policy, ctx)
    } catch (e) {
      // A JWKS jose cannot read: the receiver's keys are unusable, not the sender's token.
      return [
        ...checks,
        fail(
          'jwt_signature',
          'jwt_jwks_unavailable',
          `the configured keys cannot be used (${(e as Error).name})`,
        ),
      ]
    }
    const finish = (signature: Check): Check[] => {
      checks.push(signature)
      if (signature.ok) checkClaims(checks, decoded.payload, policy, prepared, ctx.now)
      return checks
    }
    if (decoded.alg in HS_HASH) return finish(verifyHmac(decoded, prepared, ctx.now))
    return verifyPublic(decoded, prepared, policy).then(finish)
  },

  async sign(req, policy, options): Promise<HttpRequest> {
    const now = Math.floor(options.now)
    const claims: JWTPayload = policy.scopes.length > 0 ? { scope: policy.scopes.join(' ') } : {}
    let token = new SignJWT(claims).setIssuedAt(now).setExpirationTime(now + 300)
    const issuer = Array.isArray(policy.issuer) ? policy.issuer[0] : policy.issuer
    if (issuer !== undefined) token = token.setIssuer(issuer)
    if (policy.audience !== undefined) token = token.setAudience(policy.audience)

    const hsAlg = policy.algorithms.find((a) => a in HS_HASH)
    let compact: string
    if (hsAlg) {
      const secret = currentCredential(policy.secrets, now, options.keyId)
      if (!secret) throw noSigner('jwt', 'secrets', options.keyId)
      compact = await token
        .setProtectedHeader({ alg: hsAlg, typ: 'JWT', ...(secret.id ? { kid: secret.id } : {}) })
        .sign(secretBytes(secret.value, policy) ?? Buffer.alloc(0))
    } else {
      const jwk = (policy.jwks?.keys ?? []).find(
        (k) => typeof k.d === 'string' && (options.keyId === undefined || k.kid === options.keyId),
      ) as JWK | undefined
      if (!jwk) {
        throw new ConfigError(
          "jwt: only public keys are configured, so hookwarden cannot sign; a token must be signed with the issuer's private key",
          { field: 'auth.jwks' },
        )
      }
      const alg =
        jwk.alg ?? policy.algorithms.find((a) => algFitsKey(a, jwk)) ?? policy.algorithms[0]!
      const key = await importJWK(jwk, alg)
      compact = await token
        .setProtectedHeader({ alg, typ: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
        .sign(key)
    }
    return { ...req, headers: withHeader(req.headers, 'Authorization', `Bearer ${compact}`) }
  },

  challenge: () => ({ scheme: 'Bearer', params: { realm: 'hookwarden' } }),
}

/** The token from `Authorization: Bearer <JWT>`, or the failed check that says why there is none. */
function locate(req: HttpRequest): string | Check {
  const name = 'authorization_header'
  const values = getAllHeaders(req.headers, 'authorization')
  const inQuery =
    req.url.includes('?') && new URLSearchParams(requestQuery(req)).has('access_token')
  if (values.length > 1)
    return fail(name, 'duplicate_auth_header', `${values.length} Authorization headers were sent`)
  if (values.length === 0) {
    if (inQuery)
      return fail(name, 'credential_in_query', 'the token was sent as ?access_token= in the URL')
    const elsewhere = misplacedToken(req, [], true)
    return elsewhere
      ? fail(name, elsewhere.reason, elsewhere.detail)
      : fail(name, 'credentials_missing', 'no Authorization header')
  }
  // RFC 6750 §2: more than one method in one request is invalid_request.
  if (inQuery)
    return fail(
      name,
      'duplicate_auth_header',
      'a token was sent both in the Authorization header and in the query string',
    )
  const parsed = parseAuthorization(values[0]!, 'Bearer')
  if (parsed.reason) {
    // A BOM before `Bearer`, or a non-breaking space after it: invisible characters, as in bearer.ts.
    const hidden = hiddenScheme(values[0]!, 'Bearer') ?? parsed
    return fail(name, hidden.reason, hidden.detail)
  }
  // A well-formed compact JWT cannot hold spaces, quotes, % or invisible characters.
  const shape = isCompact(parsed.credential) ? null : credentialShapeDefect(parsed.credential)
  if (shape) return fail(name, shape.reason, `token ${fingerprint(parsed.credential)}`)
  return parsed.credential
}

/** The last string that matched COMPACT: locate() and decode() test the same token. */
let lastCompact: string | null = null

function isCompact(token: string): boolean {
  if (token === lastCompact) return true
  if (!COMPACT.test(token)) return false
  lastCompact = token
  return true
}

function decode(token: string): Decoded | { reason: ReasonCode; detail: string } {
  const malformed = (detail: string) => ({ reason: 'jwt_malformed' as const, detail })
  if (!isCompact(token)) {
    const parts = token.split('.').length
    if (parts === 5)
      return malformed(
        'the token is an encrypted JWE (5 parts); a signed JWS (3 parts) is expected',
      )
    if (parts !== 3)
      return malformed(
        `the token has ${parts} dot-separated part${parts === 1 ? '' : 's'}; a JWT has 3`,
      )
    return malformed('a part of the token holds characters outside base64url (A-Z a-z 0-9 - _)')
  }
  const dot1 = token.indexOf('.')
  const dot2 = token.indexOf('.', dot1 + 1)
  const header = parseHeader(token.slice(0, dot1))
  if (!header) return malformed('the header is not base64url-encoded UTF-8 JSON object')
  const payload = parseJsonObject(token.slice(dot1 + 1, dot2))
  if (!payload) return malformed('the payload is not a base64url-encoded UTF-8 JSON object')
  if (typeof header.alg !== 'string' || header.alg === '')
    return malformed('the header has no "alg"')
  // RFC 7515 §4.1.11: a verifier that does not understand a `crit` extension must refuse the token;
  // RFC 7797 b64:false changes what is signed and is refused here as well.
  if (header.crit !== undefined)
    return malformed('the header names "crit" extensions this verifier does not support')
  if (header.b64 !== undefined && header.b64 !== true)
    return malformed('the header sets "b64": false (unencoded payload), which is not supported')
  const out: Decoded = { token, header, payload, alg: header.alg }
  if (header.kid !== undefined) {
    // RFC 8725 §3.10: the kid is attacker input; only a short string is ever compared with the JWKS.
    if (typeof header.kid !== 'string' || header.kid.length > 256)
      return { reason: 'jwt_unknown_kid', detail: 'the header\'s "kid" is not a short string' }
    out.kid = header.kid
  }
  return out
}

/** Decoded headers by their encoded text: senders reuse one header for every token. */
const headerCache = new Map<string, Record<string, unknown> | null>()

function parseHeader(part: string): Record<string, unknown> | null {
  let header = headerCache.get(part)
  if (header === undefined) {
    header = parseJsonObject(part)
    if (header) Object.freeze(header)
    if (headerCache.size >= 256) headerCache.clear()
    if (part.length <= 1024) headerCache.set(part, header)
  }
  return header
}

function parseJsonObject(part: string): Record<string, unknown> | null {
  if (part.length % 4 === 1) return null
  try {
    const v: unknown = JSON.parse(utf8Fatal.decode(Buffer.from(part, 'base64url')))
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

function checkAlgorithm(d: Decoded, policy: JwtPolicy): Check {
  const name = 'jwt_algorithm'
  // RFC 8725 §3.1–3.2: only the configured algorithms; `none` never (CVE-2015-2951).
  if (d.alg.toLowerCase() === 'none')
    return fail(name, 'jwt_alg_not_allowed', `alg "${d.alg}" (unsigned) is never accepted`)
  if (!policy.algorithms.includes(d.alg)) {
    return fail(
      name,
      'jwt_alg_not_allowed',
      `alg ${JSON.stringify(d.alg.slice(0, 32))} is not one of ${policy.algorithms.join(', ')}`,
    )
  }
  return { name, ok: true, reason: null, detail: `alg ${d.alg} is allowed` }
}

/**
 * HS*: node:crypto HMAC with KeyObjects made once per policy, compared in constant time.
 * jose's HS256 goes through async WebCrypto and runs at 0.08× of this (perf.md).
 */
function verifyHmac(d: Decoded, prepared: Prepared, now: number): Check {
  const name = 'jwt_signature'
  const lastDot = d.token.lastIndexOf('.')
  const cut = truncated(d)
  if (cut) return cut
  const sigText = d.token.slice(lastDot + 1)
  const want = Math.ceil((SIG_BYTES[d.alg]! * 4) / 3)
  if (sigText.length !== want) {
    return fail(
      name,
      'jwt_signature_invalid',
      `the signature has ${sigText.length} characters; ${d.alg} makes ${want}`,
    )
  }
  // Comparing the canonical encodings (equal lengths, constant time) also refuses a signature
  // whose last character carries non-zero padding bits: one signature, one spelling.
  const presented = Buffer.from(sigText, 'latin1')
  const input = d.token.slice(0, lastDot)
  let hit: Prepared['hs'][number] | null = null
  for (const entry of prepared.hs) {
    const mac = createHmac(HS_HASH[d.alg]!, entry.key).update(input).digest('base64url')
    if (timingSafeEqual(Buffer.from(mac, 'latin1'), presented) && !hit) hit = entry
  }
  if (!hit)
    return fail(
      name,
      'jwt_signature_invalid',
      `no configured secret verifies the ${d.alg} signature`,
    )
  const c = hit.credential
  const id = c.id ? ` "${c.id}"` : ''
  if (hit.retired)
    return withKeyId(
      fail(name, 'credential_revoked', `the token is signed with the retired secret${id}`),
      c.id,
    )
  if (isExpired(c, now)) {
    return withKeyId(
      fail(
        name,
        'credential_revoked',
        `the token is signed with the secret${id}, which expired at ${new Date(c.not_after * 1000).toISOString()}`,
      ),
      c.id,
    )
  }
  return withKeyId(
    { name, ok: true, reason: null, detail: `${d.alg} signature verifies with the secret${id}` },
    c.id,
  )
}

/** RS/PS/ES/EdDSA: the key from the JWKS (by kid and key type), then jose's compactVerify. */
async function verifyPublic(d: Decoded, prepared: Prepared, policy: JwtPolicy): Promise<Check> {
  const name = 'jwt_signature'
  if (!prepared.keySet)
    return fail(name, 'jwt_signature_invalid', 'no JWKS is configured for public-key algorithms')
  const cut = truncated(d)
  if (cut) return cut
  const header = d.header as JWSHeaderParameters
  let candidates: CryptoKey[]
  try {
    candidates = [await prepared.keySet(header)]
    if (prepared.remote) prepared.remote.failure = null
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
      candidates = []
      for await (const k of e as AsyncIterable<CryptoKey>) candidates.push(k)
    } else if (code === 'ERR_JWKS_NO_MATCHING_KEY') {
      const unfit = unmatchedKey(d.alg, d.kid, keysOf(prepared) ?? [])
      return fail(name, unfit.reason, unfit.detail)
    } else if (code === 'ERR_JOSE_NOT_SUPPORTED') {
      return fail(name, 'jwt_alg_not_allowed', `alg ${d.alg} cannot be used with a JWKS`)
    } else {
      const failure = prepared.remote
        ? jwksFailure(e, prepared.remote.answer, policy.jwks_url ?? '')
        : null
      if (prepared.remote) prepared.remote.failure = failure
      return fail(
        name,
        'jwt_jwks_unavailable',
        failure?.detail ?? `the JWKS could not be loaded (${code ?? (e as Error).name})`,
      )
    }
  }
  const kid = typeof d.kid === 'string' ? d.kid : undefined
  const verified = (detail: string): Check =>
    withKeyId({ name, ok: true, reason: null, detail }, kid)
  const sigText = d.token.slice(d.token.lastIndexOf('.') + 1)
  // RSA signatures are as long as the key's modulus: shorter than every candidate's is a cut.
  const rsaChars = candidates.map(rsaSignatureChars)
  if (rsaChars.length > 0 && rsaChars.every((n) => n !== null && sigText.length < n)) {
    const want = Math.min(...(rsaChars as number[]))
    return fail(
      name,
      'credential_truncated',
      `the signature has ${sigText.length} characters where ${d.alg} with the ${modulusBits(candidates[0]!)}-bit key${kid ? ` ${JSON.stringify(kid.slice(0, 64))}` : ''} makes ${want}: the token was cut short`,
    )
  }
  let last = 'no key'
  for (const key of candidates) {
    try {
      await compactVerify(d.token, key, { algorithms: policy.algorithms })
      return verified(`${d.alg} signature verifies${kid ? ` with kid ${JSON.stringify(kid)}` : ''}`)
    } catch (e) {
      last = (e as { code?: string }).code ?? (e as Error).name
    }
  }
  if (last === 'ERR_JWS_INVALID') return fail(name, 'jwt_malformed', 'the token is not a valid JWS')
  if (last === 'ERR_JOSE_ALG_NOT_ALLOWED')
    return fail(name, 'jwt_alg_not_allowed', `alg ${d.alg} is not allowed`)
  // An ECDSA signature in ASN.1 DER (what OpenSSL, Java and node:crypto's default make) where
  // JWS takes r || s (RFC 7518 §3.4): converted, does it verify? Then the key is right.
  const sig = Buffer.from(sigText, 'base64url')
  const p1363 = derToP1363(sig, d.alg)
  if (p1363) {
    const converted = `${d.token.slice(0, d.token.lastIndexOf('.'))}.${p1363.toString('base64url')}`
    const der = `the ${d.alg} signature is ASN.1 DER (${sig.length} bytes), where JWS takes the ${p1363.length}-byte r||s form (IEEE P1363, RFC 7518 §3.4)`
    for (const key of candidates) {
      try {
        await compactVerify(converted, key, { algorithms: policy.algorithms })
        return withKeyId(
          fail(
            name,
            'signature_wrong_encoding',
            `${der}; converted, it verifies${kid ? ` with kid ${JSON.stringify(kid)}` : ''}`,
          ),
          kid,
        )
      } catch {
        // Not this key: the plain refusal below says so.
      }
    }
    return fail(name, 'jwt_signature_invalid', `${der}, and even converted it does not verify`)
  }
  const lengths = rsaChars.filter((n): n is number => n !== null)
  const longer =
    lengths.length > 0 && lengths.every((n) => sigText.length > n)
      ? `; the signature has ${sigText.length} characters where the key makes ${Math.min(...lengths)}`
      : ''
  return fail(
    name,
    'jwt_signature_invalid',
    `the ${d.alg} signature does not verify with the JWKS key (${last})${longer}`,
  )
}

/** Base64url characters of an RSA signature made with `key`, or null for other key types. */
function rsaSignatureChars(key: CryptoKey): number | null {
  const bits = modulusBits(key)
  return bits === null ? null : Math.ceil((Math.ceil(bits / 8) * 4) / 3)
}

function modulusBits(key: CryptoKey): number | null {
  const bits = (key.algorithm as { modulusLength?: unknown }).modulusLength
  return typeof bits === 'number' && bits > 0 ? bits : null
}

/** Bytes of r and of s in a JWS ECDSA signature (RFC 7518 §3.4). */
const EC_HALF: Record<string, number> = { ES256: 32, ES384: 48, ES512: 66 }

/**
 * An ECDSA signature in ASN.1 DER (`SEQUENCE { INTEGER r, INTEGER s }`, 0x30 first) as JWS's
 * fixed-length r || s, or null when `sig` is not one for `alg`.
 */
export function derToP1363(sig: Uint8Array, alg: string): Buffer | null {
  const half = EC_HALF[alg]
  if (half === undefined || sig.length === 2 * half || sig[0] !== 0x30) return null
  let i = 1
  let len = sig[i++]
  if (len === 0x81) len = sig[i++] // a long form length: ES512's DER runs past 127 bytes
  if (len === undefined || len !== sig.length - i) return null
  const out = Buffer.alloc(2 * half)
  for (const at of [0, half]) {
    const n = sig[i + 1]
    if (sig[i] !== 0x02 || n === undefined || n === 0 || i + 2 + n > sig.length) return null
    let int = sig.subarray(i + 2, i + 2 + n)
    i += 2 + n
    while (int.length > half && int[0] === 0) int = int.subarray(1)
    if (int.length > half) return null
    out.set(int, at + half - int.length)
  }
  return i === sig.length ? out : null
}

/** The keys of the JWKS (inline, or the set jwks_url last answered), or null before any. */
function keysOf(prepared: Prepared): Record<string, unknown>[] | null {
  const set = prepared.keySet?.jwks?.()
  return set && Array.isArray(set.keys) ? (set.keys as Record<string, unknown>[]) : null
}

/** Why a JWKS key cannot verify the token, for diagnose's fix. */
export interface UnmatchedKey {
  reason: ReasonCode
  detail: string
  /** `kid`: no key has the token's kid; `use`/`key_ops`: the key is not for signatures; `alg`/`kty`/`crv`: not for this algorithm; `none`: no kid and no key fits. */
  kind: 'kid' | 'use' | 'key_ops' | 'alg' | 'kty' | 'crv' | 'none'
  /** The kids of the JWKS (public, as the JWKS is). */
  kids: string[]
  /** The key's own "alg" when kind is `alg`. */
  keyAlg?: string
}

const KTY_FOR: [RegExp, string][] = [
  [/^(RS|PS)\d+$/, 'RSA'],
  [/^ES\d+K?$/, 'EC'],
  [/^(EdDSA|Ed25519|Ed448)$/, 'OKP'],
]
const CRV_FOR: Record<string, string> = {
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
  ES256K: 'secp256k1',
  Ed25519: 'Ed25519',
  Ed448: 'Ed448',
}

/**
 * Why jose found no key for the token in `keys` (ERR_JWKS_NO_MATCHING_KEY): a key with the
 * token's kid that is for encryption (`use`, `key_ops`) or for another algorithm (`alg`, key
 * type, curve), or no key with that kid at all. The kids are listed: a JWKS is public.
 */
export function unmatchedKey(
  alg: string,
  kid: string | undefined,
  keys: readonly Record<string, unknown>[],
): UnmatchedKey {
  const kids = keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string')
  const listed =
    kids.length > 0
      ? `the JWKS has kid${kids.length === 1 ? '' : 's'} ${kids
          .slice(0, 10)
          .map((k) => JSON.stringify(k.slice(0, 64)))
          .join(', ')}${kids.length > 10 ? ', …' : ''}`
      : `the JWKS has ${keys.length} key${keys.length === 1 ? '' : 's'}, none with a kid`
  const q = (v: unknown) => short(v)
  const named = kid === undefined ? null : JSON.stringify(kid.slice(0, 64))
  // Without a kid, one key can be blamed only when it is the only one.
  const same =
    kid === undefined ? (keys.length === 1 ? keys : []) : keys.filter((k) => k.kid === kid)
  if (kid !== undefined && same.length === 0)
    return {
      reason: 'jwt_unknown_kid',
      kind: 'kid',
      kids,
      detail: `no key in the JWKS has kid ${named}; ${listed}`,
    }
  const kty = KTY_FOR.find(([re]) => re.test(alg))?.[1]
  const what = (k: Record<string, unknown>) =>
    named ? `the JWKS key with kid ${named}` : `the JWKS key${k.kid ? ` ${q(k.kid)}` : ''}`
  for (const k of same) {
    if (k.use !== undefined && k.use !== 'sig')
      return {
        reason: 'jwt_unknown_kid',
        kind: 'use',
        kids,
        detail: `${what(k)} has "use": ${q(k.use)}${k.use === 'enc' ? ' (for encryption)' : ''}, so it cannot verify a signature ("use": "sig" or no "use" can); ${listed}`,
      }
    if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes('verify')))
      return {
        reason: 'jwt_unknown_kid',
        kind: 'key_ops',
        kids,
        detail: `${what(k)} has "key_ops": ${q(k.key_ops)} without "verify", so it cannot verify a signature; ${listed}`,
      }
    if (typeof k.alg === 'string' && k.alg !== alg)
      return {
        reason: 'jwt_alg_not_allowed',
        kind: 'alg',
        kids,
        keyAlg: k.alg,
        detail: `${what(k)} is for "alg": ${q(k.alg)}, but the token is signed with ${alg}; ${listed}`,
      }
    if (kty && k.kty !== kty)
      return {
        reason: 'jwt_alg_not_allowed',
        kind: 'kty',
        kids,
        detail: `${what(k)} is a ${q(k.kty)} key, which cannot verify ${alg} (a ${kty} key can); ${listed}`,
      }
    const crv = CRV_FOR[alg]
    if (crv && k.crv !== crv)
      return {
        reason: 'jwt_alg_not_allowed',
        kind: 'crv',
        kids,
        detail: `${what(k)} is on curve ${q(k.crv)}, but ${alg} needs ${crv}; ${listed}`,
      }
    if (named) break
  }
  return {
    reason: 'jwt_unknown_kid',
    kind: named ? 'kid' : 'none',
    kids,
    detail: named
      ? `no usable key in the JWKS has kid ${named} for ${alg}; ${listed}`
      : `the token names no kid and no key in the JWKS fits ${alg}; ${listed}`,
  }
}

/** One sentence on what `jwks_url` answered, from jose's error and the answer the fetch noted. */
function jwksFailure(e: unknown, answer: JwksAnswer | null, url: string): JwksFailure {
  const code = (e as { code?: string }).code
  if (code === 'ERR_JWKS_TIMEOUT')
    return { kind: 'timeout', detail: 'jwks_url did not answer within 5 s' }
  if (!answer) {
    const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause
    const why =
      typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message.slice(0, 80)
          : (e as Error).name
    return { kind: 'unreachable', detail: `jwks_url could not be reached (${why})` }
  }
  const type = answer.contentType?.split(';')[0]?.trim() || null
  const status = `${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`
  const base = { status: answer.status, ...(type ? { contentType: type } : {}) }
  if (answer.status >= 300 && answer.status < 400) {
    const location = answer.location ? redirectTarget(answer.location, url) : null
    return {
      kind: 'redirect',
      ...base,
      ...(location ? { location } : {}),
      detail: `jwks_url answered ${status}, a redirect${location ? ` to ${location}` : ''}, which is not followed (keys are fetched from the configured address only)`,
    }
  }
  if (answer.status !== 200)
    return {
      kind: 'status',
      ...base,
      detail: `jwks_url answered ${status}${type ? ` (${type})` : ''}, not 200 with a JWKS`,
    }
  if (code === 'ERR_JWKS_INVALID')
    return {
      kind: 'not_jwks',
      ...base,
      detail: `jwks_url answered 200 with JSON that is not a JWKS (an object with a "keys" list of public keys)`,
    }
  if (code === 'ERR_JOSE_GENERIC')
    return {
      kind: 'not_json',
      ...base,
      detail: `jwks_url answered 200 with ${type ?? 'no Content-Type'}, not a JSON JWKS`,
    }
  return { kind: 'other', ...base, detail: `the JWKS could not be loaded (${code ?? 'error'})` }
}

/** A redirect's target, origin and path only (a query may hold anything). */
function redirectTarget(location: string, base: string): string | null {
  try {
    const u = new URL(location, base)
    const s = `${u.origin}${u.pathname}`
    return s.length > 120 ? `${s.slice(0, 117)}...` : s
  } catch {
    return null
  }
}

/** What verify last found wrong with the policy's jwks_url, or null. */
export function lastJwksFailure(policy: JwtPolicy): JwksFailure | null {
  return preparedByPolicy.get(policy)?.remote?.failure ?? null
}

/** The keys of the policy's JWKS: inline, or what its jwks_url last answered (null before). */
export function jwksKeys(policy: JwtPolicy): Record<string, unknown>[] | null {
  if (policy.jwks) return policy.jwks.keys as Record<string, unknown>[]
  const p = preparedByPolicy.get(policy)
  return p ? keysOf(p) : null
}

/**
 * A signature shorter than its algorithm makes: the token was cut short in a copy and paste
 * or a length-limited field. An empty signature is no signature (jwt_signature_invalid).
 */
function truncated(d: Decoded): Check | null {
  const chars = d.token.length - d.token.lastIndexOf('.') - 1
  if (chars === 0)
    return fail('jwt_signature', 'jwt_signature_invalid', 'the signature part is empty')
  const bytes = SIG_BYTES[d.alg]
  if (bytes === undefined) return null
  const want = Math.ceil((bytes * 4) / 3)
  if (chars >= want) return null
  // A short DER ECDSA signature (small r and s) is named by verifyPublic, not called a cut.
  if (derToP1363(Buffer.from(d.token.slice(-chars), 'base64url'), d.alg)) return null
  return fail(
    'jwt_signature',
    'credential_truncated',
    `the signature has ${chars} characters; ${d.alg} makes ${want}: the token was cut short`,
  )
}

/** exp/nbf (jose's boundaries: expired iff exp <= now - leeway), iss, aud, scopes. */
function checkClaims(
  checks: Check[],
  payload: Record<string, unknown>,
  policy: JwtPolicy,
  prepared: Prepared,
  now: number,
): void {
  const { exp, nbf, iat } = payload
  const leeway = policy.leeway
  const time = 'jwt_time'
  const isTime = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v))
  // Above 1e11 (the year 5138 in seconds) a time is milliseconds: an exp written so would
  // never expire, an nbf never begin. Beyond the year 9999 in milliseconds it is no date at
  // all (`1e300`), and calling it milliseconds would mislead.
  const times = ['exp', 'nbf', 'iat'] as const
  const absurd = times.find(
    (k) => typeof payload[k] === 'number' && Math.abs(payload[k] as number) > MAX_MILLISECONDS,
  )
  const inMs = times.find((k) => typeof payload[k] === 'number' && (payload[k] as number) > 1e11)
  if (!isTime(exp) || !isTime(nbf) || !isTime(iat)) {
    checks.push(
      fail(time, 'jwt_malformed', 'exp, nbf and iat must be numbers (seconds since the epoch)'),
    )
  } else if (absurd) {
    checks.push(
      fail(
        time,
        'jwt_malformed',
        `${absurd} ${payload[absurd]} is no date, neither in seconds nor in milliseconds since the epoch`,
      ),
    )
  } else if (inMs) {
    checks.push(
      fail(
        time,
        'timestamp_milliseconds',
        `${inMs} ${payload[inMs]} is in milliseconds; JWT times are seconds since the epoch${inMs === 'exp' ? ' (read as seconds, the token would never expire)' : ''}`,
      ),
    )
  } else if (typeof exp === 'number' && exp <= now - leeway) {
    checks.push(
      fail(
        time,
        'jwt_expired',
        `exp ${iso(exp)} is not after now ${iso(now)}${leeway ? ` minus ${leeway}s leeway` : ''}`,
      ),
    )
  } else if (policy.max_age !== undefined && typeof iat !== 'number') {
    checks.push(fail(time, 'jwt_malformed', 'the token has no iat, which max_age needs'))
  } else if (
    policy.max_age !== undefined &&
    typeof iat === 'number' &&
    now - iat - leeway > policy.max_age
  ) {
    checks.push(
      fail(
        time,
        'jwt_expired',
        `iat ${iso(iat)} is more than max_age ${policy.max_age}s before now ${iso(now)}`,
      ),
    )
  } else if (policy.max_age !== undefined && typeof iat === 'number' && iat > now + leeway) {
    checks.push(fail(time, 'jwt_not_yet_valid', `iat ${iso(iat)} is after now ${iso(now)}`))
  } else if (typeof nbf === 'number' && nbf > now + leeway) {
    checks.push(
      fail(
        time,
        'jwt_not_yet_valid',
        `nbf ${iso(nbf)} is after now ${iso(now)}${leeway ? ` plus ${leeway}s leeway` : ''}`,
      ),
    )
  } else {
    checks.push({
      name: time,
      ok: true,
      reason: null,
      detail: typeof exp === 'number' ? `valid until exp ${exp}` : 'the token has no exp',
    })
  }

  if (prepared.issuers) {
    const want = prepared.issuers
    const iss = payload.iss
    const slash = typeof iss === 'string' ? slashTwin(iss, want) : null
    checks.push(
      typeof iss === 'string' && want.includes(iss)
        ? { name: 'jwt_issuer', ok: true, reason: null, detail: `iss ${iss}` }
        : fail(
            'jwt_issuer',
            'jwt_wrong_issuer',
            `iss ${iss === undefined ? 'is missing' : `${short(iss)} is not`} ${want.map((w) => JSON.stringify(w)).join(' or ')}${slash === null ? '' : ` (they differ only by a trailing slash: issuers are compared character for character)`}`,
          ),
    )
  }

  if (prepared.audiences) {
    // RFC 8725 §3.9: when an audience is configured, a token without aud is refused.
    const want = prepared.audiences
    const aud = payload.aud
    const hit =
      typeof aud === 'string'
        ? want.includes(aud) && aud
        : Array.isArray(aud) && aud.find((a) => typeof a === 'string' && want.includes(a))
    checks.push(
      typeof hit === 'string'
        ? { name: 'jwt_audience', ok: true, reason: null, detail: `aud includes ${hit}` }
        : fail(
            'jwt_audience',
            'jwt_wrong_audience',
            `aud ${aud === undefined ? 'is missing' : short(aud)}; expected ${want.map((w) => JSON.stringify(w)).join(' or ')}`,
          ),
    )
  }

  if (policy.scopes.length > 0) {
    const granted = grantedScopes(payload)
    const missing = policy.scopes.filter((s) => !granted.has(s))
    checks.push(
      missing.length === 0
        ? {
            name: 'jwt_scope',
            ok: true,
            reason: null,
            detail: `scopes ${policy.scopes.join(' ')} granted`,
          }
        : fail(
            'jwt_scope',
            'jwt_insufficient_scope',
            `missing scope ${missing.join(' ')} (granted: ${[...granted].join(' ') || 'none'})`,
          ),
    )
  }
}

/**
 * The configured issuer that `iss` matches but for a trailing slash (`https://x/` against
 * `https://x`), or null. Auth0, for one, ends its iss with a slash; others do not.
 */
export function slashTwin(iss: string, issuers: readonly string[]): string | null {
  const bare = iss.replace(/\/+$/, '')
  return issuers.find((w) => w !== iss && w.replace(/\/+$/, '') === bare && bare !== '') ?? null
}

/**
 * `scope` (RFC 8693: space-separated string), `scp` (array, or string in some issuers) and
 * `permissions` (Auth0's RBAC: an array).
 */
function grantedScopes(payload: Record<string, unknown>): Set<string> {
  const out = new Set<string>()
  for (const v of [payload.scope, payload.scp, payload.permissions]) {
    if (typeof v === 'string') for (const s of v.split(' ')) s && out.add(s)
    else if (Array.isArray(v)) for (const s of v) typeof s === 'string' && out.add(s)
  }
  return out
}

function algFitsKey(alg: string, jwk: JWK): boolean {
  if (jwk.kty === 'RSA') return /^(RS|PS)\d+$/.test(alg)
  if (jwk.kty === 'EC') return /^ES\d+$/.test(alg)
  if (jwk.kty === 'OKP') return alg === 'EdDSA' || alg === 'Ed25519'
  return false
}

function iso(seconds: number): string {
  const d = new Date(seconds * 1000)
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString()
}

function short(v: unknown): string {
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    // A claim nested thousands deep overflows JSON.stringify (RangeError); it is still only data.
    s = Array.isArray(v) ? '[…]' : typeof v
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}

function withKeyId(check: Check, id: string | undefined): Check {
  if (id) check.key_id = id
  return check
}

function fail(name: string, reason: ReasonCode, detail: string): Check {
  return { name, ok: false, reason, detail }
}
