/**
 * HMAC signatures over a payload template (GitHub, Stripe, Slack, Shopify and most others).
 * The verify path is locate → parse → check time → compute → compare in constant time; the
 * policy is compiled once (keys decoded, template split, header names lowered) so the hot
 * path decodes nothing but the signature.
 * @module
 */
import { createHmac, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Credential, HmacPolicy, TimestampPolicy } from '../config/types.js'
import { decodeStrict, type Encoding } from '../crypto/encoding.js'
import { hmacKey } from '../crypto/hmac-key.js'
import { getHeader, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import type { ReasonCode } from '../verdict/reasons.js'
import { currentCredential, isExpired } from './credential.js'
import {
  compileFeeder,
  compilePayload,
  type PayloadFeeder,
  type PayloadValues,
  type Segment,
  usesPlaceholder,
} from './payload.js'
import { formatSignatureHeader, parseSignatureHeader } from './signature-header.js'
import type { Check, ReplayKey, Scheme, SignOptions, VerifyContext } from './types.js'

const MAC_LENGTH = { sha1: 20, sha256: 32, sha512: 64 } as const
/**
 * How far ahead of now a one-sided window still accepts a timestamp (seconds). The providers'
 * SDKs accept any; a bound keeps replay protection (the key must be remembered that long) and
 * still refuses a timestamp in milliseconds read as seconds.
 */
export const ONE_SIDED_AHEAD = 7 * 24 * 3600
/** Replay keys of requests without a timestamp are kept this long. */
const NO_TIMESTAMP_TTL_MS = 24 * 3600 * 1000

interface KeyEntry {
  key: KeyObject
  credential: Credential
  /** `secret "2026-11"` or `secret #2`: names the key in details, never its value. */
  label: string
  /** The detail of the ok check, made once. */
  okDetail: string
}

/** An HMAC policy prepared for the hot path. */
export interface CompiledHmac {
  policy: HmacPolicy
  /** Lower-cased header names. */
  signatureHeader: string
  timestampHeader: string | undefined
  idHeader: string | undefined
  segments: Segment[]
  /** Feeds the payload to the HMAC, specialised for the template. */
  feed: PayloadFeeder
  payloadUsesTimestamp: boolean
  /** The first character codes of the three lower-cased header names (-1 when unused). */
  firstChars: [number, number, number]
  /** Where the timestamp comes from, or undefined when the request carries none. */
  timestampFrom: 'header' | 'signature' | undefined
  macLength: number
  /** How the timestamp is named in details: `X-Timestamp header`, `t= in the Stripe-Signature header`. */
  timestampSource: string
  okTimestampDetail: string
  current: KeyEntry[]
  retired: KeyEntry[]
  /** Tried when the signature header is absent but this one's is present (svix-* names, aliases). */
  fallback?: CompiledHmac
  /** The detail of a missing signature: `no X header` (naming the aliases too). */
  missingDetail: string
}

const compiled = new WeakMap<HmacPolicy, CompiledHmac>()

/** The compiled form of `policy`, cached for as long as the policy object lives. */
export function compileHmac(policy: HmacPolicy): CompiledHmac {
  let c = compiled.get(policy)
  if (c === undefined) {
    c = compile(policy)
    compiled.set(policy, c)
  }
  return c
}

function compile(policy: HmacPolicy): CompiledHmac {
  const segments = compilePayload(policy.payload)
  const keys = (list: readonly Credential[], field: string): KeyEntry[] =>
    list.map((credential, i) => {
      const label = credential.id !== undefined ? `secret "${credential.id}"` : `secret #${i + 1}`
      const key = hmacKey(credential.value, policy.secret_encoding, `${field}[${i}]`)
      return { key, credential, label, okDetail: `matches ${label}` }
    })
  const tsKey = policy.format.kind === 'pairs' ? policy.format.timestamp_key : undefined
  const timestampFrom =
    policy.timestamp?.header !== undefined
      ? 'header'
      : tsKey !== undefined
        ? 'signature'
        : undefined
  const aliases = policy.header_aliases ?? []
  const c: CompiledHmac = {
    policy,
    signatureHeader: policy.header.toLowerCase(),
    timestampHeader: policy.timestamp?.header?.toLowerCase(),
    idHeader: policy.id?.header.toLowerCase(),
    segments,
    feed: compileFeeder(segments),
    payloadUsesTimestamp: usesPlaceholder(segments, 'timestamp'),
    firstChars: [policy.header, policy.timestamp?.header, policy.id?.header].map((h) =>
      h === undefined ? -1 : h.toLowerCase().charCodeAt(0) | 0x20,
    ) as [number, number, number],
    timestampFrom,
    macLength: MAC_LENGTH[policy.algorithm],
    timestampSource:
      timestampFrom === 'header'
        ? `${policy.timestamp!.header} header`
        : `${tsKey ?? 'timestamp'}= in the ${policy.header} header`,
    okTimestampDetail: policy.timestamp ? windowDetail(policy.timestamp) : '',
    current: keys(policy.secrets, 'secrets'),
    retired: keys(policy.retired, 'retired'),
    missingDetail: `no ${[policy.header, ...aliases].join(' or ')} header`,
  }
  // Each alias is the same policy under another header name, tried in turn when absent.
  if (aliases.length > 0) {
    const [next, ...rest] = aliases
    c.fallback = compileHmac({ ...policy, header: next!, header_aliases: rest })
  }
  return c
}

export const hmac: Scheme<HmacPolicy> = {
  name: 'hmac',
  verify: (req, policy, ctx) => verifyHmac(req, compileHmac(policy), ctx),
  sign: (req, policy, options) => signHmac(req, compileHmac(policy), options),
  challenge: (policy) => ({
    scheme: 'HMAC',
    params: { realm: 'hookwarden', header: policy.header },
  }),
  replayKey: (req, policy) => hmacReplayKey(req, compileHmac(policy)),
}

function fail(name: string, reason: ReasonCode, detail: string): Check {
  return { name, ok: false, reason, detail }
}

// What locate() found, read right after each call: module state instead of a result object,
// so the hot path allocates nothing for it (verification is synchronous, never re-entered).
let foundSignature: string | undefined
let foundSignatureCount = 0
let foundTimestamp: string | undefined
let foundId: string | undefined

/** One pass over the headers for the (up to) three this policy reads; sets found*. */
function locate(req: HttpRequest, c: CompiledHmac): void {
  let signature: string | undefined
  let signatureCount = 0
  let timestamp: string | undefined
  let id: string | undefined
  const sigLen = c.signatureHeader.length
  const tsLen = c.timestampHeader?.length ?? -1
  const idLen = c.idHeader?.length ?? -1
  const headers = req.headers
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    const raw = h[0]
    const len = raw.length
    // Compare lengths, then the first letter (| 0x20 lower-cases ASCII letters): most headers are
    // skipped without lower-casing their name.
    if (len !== sigLen && len !== tsLen && len !== idLen) continue
    const first = raw.charCodeAt(0) | 0x20
    if (first !== c.firstChars[0] && first !== c.firstChars[1] && first !== c.firstChars[2])
      continue
    // The configured spelling and lower case are matched as is; only other casings are lowered.
    const p = c.policy
    const name =
      raw === c.signatureHeader || raw === c.timestampHeader || raw === c.idHeader
        ? raw
        : raw === p.header
          ? c.signatureHeader
          : raw === p.timestamp?.header
            ? c.timestampHeader
            : raw === p.id?.header
              ? c.idHeader
              : raw.toLowerCase()
    if (name === c.signatureHeader) {
      if (signatureCount++ === 0) signature = h[1]
      // Node joins repeated headers with ", " before a framework sees them: for `t=…,v1=…`
      // pairs that is one header stripe-node reads (the first t=, every v1=).
      else if (c.policy.format.kind === 'pairs') signature += `, ${h[1]}`
    } else if (name === c.timestampHeader) {
      timestamp ??= h[1]
    } else if (name === c.idHeader) {
      id ??= h[1]
    }
  }
  foundSignature = signature
  foundSignatureCount = signatureCount
  foundTimestamp = timestamp
  foundId = id
}

/** Verifies a request against a compiled policy. Returns the checks in order; never throws. */
export function verifyHmac(req: HttpRequest, c: CompiledHmac, ctx: VerifyContext): Check[] {
  locate(req, c)
  const signatureValue = foundSignature
  const signatureCount = foundSignatureCount
  const id = foundId
  const headerTimestamp = foundTimestamp
  if (signatureValue === undefined) {
    for (let f = c.fallback; f !== undefined; f = f.fallback) {
      locate(req, f)
      if (foundSignature !== undefined) return verifyHmac(req, f, ctx)
    }
    return [fail('signature', 'signature_missing', c.missingDetail)]
  }
  if (signatureCount > 1 && c.policy.format.kind !== 'pairs') {
    return [
      fail(
        'signature',
        'signature_header_malformed',
        `${c.policy.header} was sent ${signatureCount} times`,
      ),
    ]
  }
  const parsed = parseSignatureHeader(signatureValue, c.policy.format, c.policy.prefix)
  if ('error' in parsed)
    return [fail('signature', 'signature_header_malformed', `${c.policy.header} ${parsed.error}`)]

  if (c.idHeader !== undefined && id === undefined) {
    return [fail('message_id', 'message_id_missing', `no ${c.policy.id!.header} header`)]
  }
  const timestamp = c.timestampFrom === 'header' ? headerTimestamp : parsed.timestamp
  if (c.policy.timestamp !== undefined) {
    const problem = timestampProblem(timestamp, c.policy.timestamp, ctx.now, c.timestampSource)
    if (problem !== null) return [problem]
    const signature = matchSignatures(req, c, parsed.signatures, { timestamp, id }, ctx.now)
    if (signature.ok && ctx.nonceStore !== undefined) rememberMatch(req, c, timestamp)
    return [{ name: 'timestamp', ok: true, reason: null, detail: c.okTimestampDetail }, signature]
  }
  if (timestamp === undefined && c.payloadUsesTimestamp) {
    return [fail('timestamp', 'timestamp_missing', `no ${c.timestampSource}`)]
  }
  const signature = matchSignatures(req, c, parsed.signatures, { timestamp, id }, ctx.now)
  if (signature.ok && ctx.nonceStore !== undefined) rememberMatch(req, c, timestamp)
  return [signature]
}

// The MAC that matched in the last matchSignatures() call (read right after it, as found*).
let matchedMac: Buffer | undefined
/**
 * Signature-based replay keys of requests verified with a nonce store, so that replayKey()
 * need not compute the HMAC again. Keyed by the request object, checked against the policy.
 */
const replayKeys = new WeakMap<HttpRequest, { c: CompiledHmac; key: string }>()

function rememberMatch(req: HttpRequest, c: CompiledHmac, timestamp: string | undefined): void {
  if (matchedMac !== undefined) {
    replayKeys.set(req, { c, key: signatureReplayKey(matchedMac, timestamp) })
  }
}

// The bytes, never the text: two encodings of one signature are one message. Latin-1 maps each
// byte to one character: the cheapest exact text of them (hex cost 0.25 µs an attempt).
function signatureReplayKey(mac: Buffer, timestamp: string | undefined): string {
  return `sig:${mac.toString('latin1')}:${timestamp ?? ''}`
}

function isInteger(raw: string): boolean {
  if (raw.length === 0 || raw.length > 16) return false
  for (let i = 0; i < raw.length; i++) {
    const d = raw.charCodeAt(i) - 48
    if (d < 0 || d > 9) return false
  }
  return true
}

/** The timestamp check: present, an integer, in the configured unit, inside the window. */
export function checkTimestamp(
  raw: string | undefined,
  tp: TimestampPolicy,
  now: number,
  source: string,
): Check {
  return (
    timestampProblem(raw, tp, now, source) ?? {
      name: 'timestamp',
      ok: true,
      reason: null,
      detail: windowDetail(tp),
    }
  )
}

function windowDetail(tp: TimestampPolicy): string {
  return tp.one_sided === true
    ? `at most ${tp.tolerance} s old`
    : `inside the ${tp.tolerance} s window`
}

/** The failed timestamp check, or null when the timestamp is fine. */
function timestampProblem(
  raw: string | undefined,
  tp: TimestampPolicy,
  now: number,
  source: string,
): Check | null {
  if (raw === undefined) return fail('timestamp', 'timestamp_missing', `no ${source}`)
  if (!isInteger(raw)) {
    const shown = raw.length > 24 ? `${raw.slice(0, 24)}…` : raw
    return fail(
      'timestamp',
      'timestamp_malformed',
      `${source} is ${JSON.stringify(shown)}, not integer ${tp.unit} since the epoch`,
    )
  }
  const value = Number(raw)
  const seconds = tp.unit === 'seconds' ? value : value / 1000
  const age = now - seconds
  if (age <= tp.tolerance && age >= (tp.one_sided === true ? -ONE_SIDED_AHEAD : -tp.tolerance))
    return null
  // A value about 1000× (or 1/1000 of) now is the other unit, not a clock problem.
  const ratio = seconds / now
  if (tp.unit === 'seconds' && ratio > 500 && ratio < 2000) {
    return fail(
      'timestamp',
      'timestamp_milliseconds',
      `${source} is ${raw}: milliseconds where seconds are expected`,
    )
  }
  if (tp.unit === 'milliseconds' && ratio > 1 / 2000 && ratio < 1 / 500) {
    return fail(
      'timestamp',
      'timestamp_milliseconds',
      `${source} is ${raw}: seconds where milliseconds are expected`,
    )
  }
  const off = Math.round(Math.abs(age))
  const direction = age > 0 ? 'in the past' : 'in the future'
  return fail(
    'timestamp',
    'timestamp_out_of_window',
    `the timestamp is ${off} s ${direction} (${tp.one_sided === true && age < 0 ? `at most ${ONE_SIDED_AHEAD} s ahead` : `tolerance ${tp.tolerance} s`})`,
  )
}

function computeMac(
  req: HttpRequest,
  c: CompiledHmac,
  key: KeyObject,
  values: PayloadValues,
): Buffer {
  const h = createHmac(c.policy.algorithm, key)
  c.feed(h, req, values)
  return h.digest()
}

/**
 * Decodes a received signature for comparison: lenient (and fast) here; a signature that
 * matched is then held to its canonical text by `isCanonical`. Wrong length → null.
 */
function decodeForCompare(text: string, encoding: Encoding, macLength: number): Buffer | null {
  if (encoding === 'hex' && text.length !== macLength * 2) return null
  const bytes = Buffer.from(text, encoding)
  return bytes.length === macLength ? bytes : null
}

const BASE64_VALUE = new Int8Array(128).fill(-1)
const BASE64URL_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) {
  BASE64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i
  BASE64URL_VALUE[
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)
  ] = i
}

/**
 * Whether `text`, which decoded leniently to the `macLength` bytes of a matching MAC, is their
 * canonical encoding (what decodeStrict accepts). Node's decoder takes either base64 alphabet,
 * skips junk and ignores the spare bits of the last character (`QR==` decodes to `QQ==`'s
 * byte); junk shortens the decoded bytes, so the length checks catch it, and the rest is
 * checked here in a few operations. Hex of exact length that decoded fully is canonical.
 */
function isCanonical(text: string, encoding: Encoding, macLength: number): boolean {
  if (encoding === 'hex') return true
  const dataChars = Math.ceil((macLength * 4) / 3)
  const paddedLength = Math.ceil(macLength / 3) * 4
  if (text.length !== paddedLength && !(encoding === 'base64url' && text.length === dataChars))
    return false
  for (let i = dataChars; i < text.length; i++) if (text.charCodeAt(i) !== 61) return false
  const url = encoding === 'base64url'
  if (text.indexOf(url ? '+' : '-') !== -1 || text.indexOf(url ? '/' : '_') !== -1) return false
  const code = text.charCodeAt(dataChars - 1)
  const last = code < 128 ? (url ? BASE64URL_VALUE : BASE64_VALUE)[code]! : -1
  if (last < 0) return false
  const spare = (dataChars * 6) % 8
  return (last & ((1 << spare) - 1)) === 0
}

/** The index of the signature that equals `mac`, or -1. Each compare is constant time. */
function findMatch(decoded: readonly (Buffer | null)[], mac: Buffer): number {
  for (let i = 0; i < decoded.length; i++) {
    const d = decoded[i]
    if (d !== null && d !== undefined && timingSafeEqual(d, mac)) return i
  }
  return -1
}

const expired = isExpired

function matchSignatures(
  req: HttpRequest,
  c: CompiledHmac,
  signatures: readonly string[],
  values: PayloadValues,
  now: number,
): Check {
  const encoding = c.policy.encoding
  const decoded: (Buffer | null)[] = []
  for (let i = 0; i < signatures.length; i++)
    decoded.push(decodeForCompare(signatures[i]!, encoding, c.macLength))
  let revoked: KeyEntry | undefined
  for (const entry of c.current) {
    const mac = computeMac(req, c, entry.key, values)
    const i = findMatch(decoded, mac)
    if (i === -1) continue
    if (!isCanonical(signatures[i]!, encoding, c.macLength)) {
      return fail(
        'signature',
        'signature_header_malformed',
        `signature ${i + 1} is not canonical ${encoding}`,
      )
    }
    // A match with an expired secret only counts when no valid secret matches.
    if (expired(entry.credential, now)) {
      revoked ??= entry
      continue
    }
    const keyId = entry.credential.id
    matchedMac = mac
    return keyId === undefined
      ? { name: 'signature', ok: true, reason: null, detail: entry.okDetail }
      : { name: 'signature', ok: true, reason: null, detail: entry.okDetail, key_id: keyId }
  }
  if (revoked !== undefined) {
    const at = new Date(revoked.credential.not_after! * 1000).toISOString()
    return fail(
      'signature',
      'credential_revoked',
      `the signature matches ${revoked.label}, which expired at ${at}`,
    )
  }
  // Retired secrets are tried only after every current one failed: they cost time on a miss only.
  for (const entry of c.retired) {
    if (findMatch(decoded, computeMac(req, c, entry.key, values)) !== -1) {
      return fail(
        'signature',
        'signature_previous_secret',
        `the signature matches retired ${entry.label}`,
      )
    }
  }
  const bad = signatures.findIndex((s) => decodeStrict(s, encoding) === null)
  if (bad !== -1) {
    return fail(
      'signature',
      'signature_header_malformed',
      `signature ${bad + 1} (${fingerprint(signatures[bad]!)}) is not valid ${encoding}`,
    )
  }
  const n = signatures.length
  return fail(
    'signature',
    'signature_mismatch',
    `${n === 1 ? 'the signature' : `none of the ${n} signatures`} (${c.policy.algorithm}, ${encoding}) ${n === 1 ? 'does not match' : 'matches'} ${c.current.length === 1 ? 'the configured secret' : `any of the ${c.current.length} configured secrets`}`,
  )
}

/**
 * The replay key of an accepted request: the bytes of the MAC that matched, and the timestamp.
 * Not the message id alone: a sender's retry keeps the id but is signed anew with a new
 * timestamp (Standard Webhooks, Svix, Twitch), and must reach the upstream, which dedupes by id;
 * an exact copy of a signed message is what an attacker can replay, and that is refused. An id
 * the signature does not cover would let a replay through with another id.
 */
export function hmacReplayKey(req: HttpRequest, c: CompiledHmac): ReplayKey | null {
  locate(req, c)
  const found = { signature: foundSignature, timestamp: foundTimestamp, id: foundId }
  if (found.signature === undefined && c.fallback !== undefined)
    return hmacReplayKey(req, c.fallback)
  if (found.signature === undefined) return null
  // The header is parsed only when needed (the hot path has the key remembered): for a
  // timestamp inside it that sets a one-sided window's TTL, or for the signature key.
  const parse = () =>
    found.signature === undefined
      ? undefined
      : parseSignatureHeader(found.signature, c.policy.format, c.policy.prefix)
  let parsed =
    c.timestampFrom !== 'header' && c.policy.timestamp?.one_sided === true ? parse() : undefined
  const timestamp =
    c.timestampFrom === 'header'
      ? found.timestamp
      : parsed !== undefined && !('error' in parsed)
        ? parsed.timestamp
        : undefined
  const ttlMs = replayTtlMs(c.policy.timestamp, timestamp)
  const remembered = replayKeys.get(req)
  replayKeys.delete(req)
  if (remembered !== undefined && remembered.c === c) return { key: remembered.key, ttlMs }
  parsed ??= parse()
  if (parsed === undefined || 'error' in parsed) return null
  const signedAt = c.timestampFrom === 'header' ? found.timestamp : parsed.timestamp
  const values: PayloadValues = { timestamp: signedAt, id: found.id }
  const decoded = parsed.signatures.map((s) => decodeForCompare(s, c.policy.encoding, c.macLength))
  for (const entry of c.current) {
    const mac = computeMac(req, c, entry.key, values)
    if (findMatch(decoded, mac) !== -1) return { key: signatureReplayKey(mac, signedAt), ttlMs }
  }
  return null
}

/**
 * How long a replay key is kept: past the whole window. A timestamp ahead of now under a
 * one-sided window stays valid until it is `tolerance` old, so it is kept until then (the
 * nonce store runs on the wall clock).
 */
function replayTtlMs(tp: TimestampPolicy | undefined, timestamp: string | undefined): number {
  if (tp === undefined) return NO_TIMESTAMP_TTL_MS
  const base = Math.max(2 * tp.tolerance, 1) * 1000 + 60_000
  if (tp.one_sided !== true || timestamp === undefined || !isInteger(timestamp)) return base
  const seconds = tp.unit === 'seconds' ? Number(timestamp) : Number(timestamp) / 1000
  const ahead = seconds - Date.now() / 1000
  const longest = (ONE_SIDED_AHEAD + tp.tolerance) * 1000 + 60_000
  return Math.min(Math.max(base, (ahead + tp.tolerance) * 1000 + 60_000), longest)
}

/** Signs `req` so that verifyHmac accepts it: sets the timestamp, id and signature headers. */
export function signHmac(req: HttpRequest, c: CompiledHmac, options: SignOptions): HttpRequest {
  const p = c.policy
  const credential = currentCredential(p.secrets, options.now, options.keyId)
  if (credential === undefined) {
    throw new RangeError(
      `hmac: no secret ${options.keyId !== undefined ? `with id "${options.keyId}"` : 'to sign with'}`,
    )
  }
  const entry = c.current[p.secrets.indexOf(credential)]!
  let headers = req.headers
  let timestamp: string | undefined
  if (c.timestampFrom !== undefined || usesPlaceholder(c.segments, 'timestamp')) {
    const unit = p.timestamp?.unit ?? 'seconds'
    timestamp = String(Math.floor(unit === 'seconds' ? options.now : options.now * 1000))
    if (c.timestampFrom === 'header') headers = withHeader(headers, p.timestamp!.header!, timestamp)
  }
  let id: string | undefined
  if (p.id !== undefined) {
    // Re-signing a captured request keeps its message id unless told otherwise.
    id =
      options.messageId ??
      getHeader(headers, p.id.header) ??
      `msg_${randomBytes(12).toString('hex')}`
    headers = withHeader(headers, p.id.header, id)
  }
  const signed: HttpRequest = { ...req, headers }
  const mac = computeMac(signed, c, entry.key, { timestamp, id })
  const text = mac.toString(p.encoding)
  const tsInHeader = c.timestampFrom === 'signature' ? timestamp : undefined
  signed.headers = withHeader(
    headers,
    p.header,
    formatSignatureHeader(text, p.format, p.prefix, tsInHeader),
  )
  return signed
}
