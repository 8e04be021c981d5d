/**
 * Public-key webhook signatures, one verify path for the three key types providers use:
 * Ed25519 (Discord, Telnyx), ECDSA P-256 (SendGrid) and RSA (PayPal, with the certificate
 * given in the config). The signed message is a template (provider-payload.ts); the config
 * holds public keys (`public_keys`), and a private key only to sign test requests.
 * @module
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  randomBytes,
  X509Certificate,
} from 'node:crypto'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { decodeStrict, type Encoding } from '../crypto/encoding.js'
import { ConfigError } from '../errors.js'
import { getHeader, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import {
  checkProviderTimestamp,
  crc32,
  expired,
  fail,
  label,
  oneSignatureHeader,
  type ProviderTimestamp,
  pass,
  timestampText,
} from './provider-common.js'
import { placeholders, renderMessage, unknownPlaceholders } from './provider-payload.js'
import type { Check, ReplayKey, Scheme, SignOptions, VerifyContext } from './types.js'

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa'

export interface PublicKeyPolicy {
  scheme: KeyType
  header: string
  encoding: Encoding
  prefix?: string
  /** Template: {body} {timestamp} {id} {method} {path} {url} {header:NAME} {webhook_id} {crc32}. */
  payload: string
  /** Hash for ECDSA and RSA (Ed25519 has its own). */
  algorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512'
  timestamp?: ProviderTimestamp
  id?: { header: string }
  /** PayPal: the webhook id the message names. */
  webhook_id?: string
  /** PEM public keys or certificates, base64 SPKI DER, or (Ed25519) the raw 32-byte key in hex or base64. */
  public_keys: Credential[]
  retired: Credential[]
  /** A private key (PEM, or an Ed25519 32-byte seed in hex) to sign test requests. Never needed to verify. */
  signing_key?: string
}

const KNOWN = ['timestamp', 'id', 'webhook_id', 'crc32']
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex')
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')

function schemaFor(type: KeyType) {
  return z
    .object({
      scheme: z.literal(type),
      header: z.string().min(1, 'must name the signature header'),
      encoding: z.enum(['hex', 'base64', 'base64url']).default('base64'),
      prefix: z.string().optional(),
      payload: z.string().default('{body}'),
      algorithm: z.enum(['sha1', 'sha256', 'sha384', 'sha512']).default('sha256'),
      timestamp: z
        .object({
          header: z.string().min(1),
          unit: z.enum(['seconds', 'milliseconds', 'rfc3339']).default('seconds'),
          tolerance: z.number().nonnegative().default(300),
        })
        .strict()
        .optional(),
      id: z
        .object({ header: z.string().min(1) })
        .strict()
        .optional(),
      webhook_id: z.string().optional(),
      public_keys: z.array(credential).min(1, 'needs at least one public key'),
      retired: z.array(credential).default([]),
      signing_key: z.string().optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
      const unknown = unknownPlaceholders(v.payload, KNOWN)
      if (unknown.length > 0)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['payload'],
          message: `has unknown placeholder ${unknown.join(', ')}`,
        })
      const used = placeholders(v.payload)
      if (used.includes('timestamp') && !v.timestamp)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['payload'],
          message: 'uses {timestamp} but no timestamp: { header } is configured',
        })
      if (used.includes('id') && !v.id)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['payload'],
          message: 'uses {id} but no id: { header } is configured',
        })
      if (used.includes('webhook_id') && v.webhook_id === undefined)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['webhook_id'],
          message: 'is required: the payload uses {webhook_id}',
        })
      for (const list of ['public_keys', 'retired'] as const) {
        v[list].forEach((k, i) => {
          const problem = publicKeyProblem(k.value, type)
          if (problem)
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: [list, i], message: problem })
        })
      }
    })
}

export const publicKeySchemas = {
  ed25519: schemaFor('ed25519'),
  ecdsa: schemaFor('ecdsa'),
  rsa: schemaFor('rsa'),
}

/** Parses a configured public key; throws on what it cannot read. */
export function parsePublicKey(text: string, type: KeyType): KeyObject {
  const t = text.trim()
  let key: KeyObject
  if (t.includes('-----BEGIN CERTIFICATE-----')) key = new X509Certificate(t).publicKey
  else if (t.includes('-----BEGIN')) key = createPublicKey(t)
  else {
    const raw = decodeStrict(t, 'hex') ?? decodeStrict(t, 'base64') ?? decodeStrict(t, 'base64url')
    if (raw === null) throw new Error('is not PEM, hex or base64')
    if (type === 'ed25519' && raw.length === 32)
      key = createPublicKey({
        key: Buffer.concat([ED25519_SPKI, raw]),
        format: 'der',
        type: 'spki',
      })
    else key = createPublicKey({ key: raw, format: 'der', type: 'spki' })
  }
  const expected = type === 'ecdsa' ? 'ec' : type
  if (key.asymmetricKeyType !== expected)
    throw new Error(`is an ${key.asymmetricKeyType} key, not ${type}`)
  return key
}

export function publicKeyProblem(text: string, type: KeyType): string | null {
  try {
    parsePublicKey(text, type)
    return null
  } catch (e) {
    const m = (e as Error).message
    return m.startsWith('is ')
      ? m
      : `is not a readable ${type} public key (PEM, certificate${type === 'ed25519' ? ', 32 bytes in hex' : ''} or base64 DER)`
  }
}

function parsePrivateKey(text: string, type: KeyType): KeyObject {
  const t = text.trim()
  if (t.includes('-----BEGIN')) return createPrivateKey(t)
  const raw = decodeStrict(t, 'hex') ?? decodeStrict(t, 'base64')
  if (raw !== null && type === 'ed25519' && raw.length === 32)
    return createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8, raw]),
      format: 'der',
      type: 'pkcs8',
    })
  if (raw !== null) return createPrivateKey({ key: raw, format: 'der', type: 'pkcs8' })
  throw new ConfigError('signing_key is not a readable private key', { field: 'signing_key' })
}

interface Compiled {
  keys: { key: KeyObject; credential: Credential; label: string }[]
  retired: { key: KeyObject; credential: Credential; label: string }[]
}

const cache = new WeakMap<PublicKeyPolicy, Compiled>()

function compile(policy: PublicKeyPolicy): Compiled {
  let c = cache.get(policy)
  if (c === undefined) {
    const load = (list: Credential[], field: string) =>
      list.map((credential, i) => {
        try {
          return {
            key: parsePublicKey(credential.value, policy.scheme),
            credential,
            label: label('public key', credential, i),
          }
        } catch (e) {
          throw new ConfigError(`${field}[${i}] ${(e as Error).message}`, {
            field: `${field}[${i}]`,
          })
        }
      })
    c = { keys: load(policy.public_keys, 'public_keys'), retired: load(policy.retired, 'retired') }
    cache.set(policy, c)
  }
  return c
}

function hashFor(policy: PublicKeyPolicy): string | null {
  return policy.scheme === 'ed25519' ? null : policy.algorithm
}

function messageValues(
  req: HttpRequest,
  policy: PublicKeyPolicy,
  timestamp: string | undefined,
  id: string | undefined,
): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {
    timestamp,
    id,
    webhook_id: policy.webhook_id,
  }
  if (placeholders(policy.payload).includes('crc32')) values.crc32 = String(crc32(req.body))
  return values
}

function verifyPublicKey(req: HttpRequest, policy: PublicKeyPolicy, ctx: VerifyContext): Check[] {
  const c = compile(policy)
  const header = oneSignatureHeader(req, policy.header)
  if (typeof header !== 'string') return [header]
  let text = header.trim()
  if (policy.prefix) {
    if (!text.startsWith(policy.prefix))
      return [
        fail(
          'signature',
          'signature_header_malformed',
          `${policy.header} does not start with "${policy.prefix}"`,
        ),
      ]
    text = text.slice(policy.prefix.length)
  }
  const sig = decodeStrict(text, policy.encoding)
  if (sig === null || sig.length === 0) {
    return [
      fail(
        'signature',
        'signature_header_malformed',
        `${policy.header} (${fingerprint(text)}) is not valid ${policy.encoding}`,
      ),
    ]
  }
  const checks: Check[] = []
  const timestamp = policy.timestamp ? getHeader(req.headers, policy.timestamp.header) : undefined
  if (policy.timestamp) {
    const t = checkProviderTimestamp(timestamp, policy.timestamp, ctx.now)
    checks.push(t)
    if (!t.ok) return checks
  }
  const id = policy.id ? getHeader(req.headers, policy.id.header) : undefined
  if (policy.id && id === undefined)
    return [
      ...checks,
      fail(
        'message_id',
        'signature_wrong_payload',
        `no ${policy.id.header} header: the signed message needs it`,
      ),
    ]
  const message = renderMessage(policy.payload, req, messageValues(req, policy, timestamp, id))
  const hash = hashFor(policy)
  let revoked: (typeof c.keys)[number] | undefined
  for (const k of c.keys) {
    if (!safeVerify(hash, message, k.key, sig)) continue
    if (expired(k.credential, ctx.now)) {
      revoked ??= k
      continue
    }
    checks.push(pass('signature', `verifies with ${k.label} (${policy.scheme})`, k.credential))
    return checks
  }
  if (revoked !== undefined) {
    checks.push(
      fail(
        'signature',
        'credential_revoked',
        `the signature verifies with ${revoked.label}, which expired`,
      ),
    )
    return checks
  }
  for (const k of c.retired) {
    if (safeVerify(hash, message, k.key, sig)) {
      checks.push(
        fail(
          'signature',
          'signature_previous_secret',
          `the signature verifies with retired ${k.label}`,
        ),
      )
      return checks
    }
  }
  checks.push(
    fail(
      'signature',
      'signature_mismatch',
      `the ${policy.scheme} signature does not verify with ${c.keys.length === 1 ? 'the configured public key' : `any of the ${c.keys.length} configured public keys`}`,
    ),
  )
  return checks
}

function safeVerify(
  hash: string | null,
  message: Uint8Array,
  key: KeyObject,
  sig: Buffer,
): boolean {
  try {
    return cryptoVerify(hash, message, key, sig)
  } catch {
    return false
  }
}

function signPublicKey(
  req: HttpRequest,
  policy: PublicKeyPolicy,
  options: SignOptions,
): HttpRequest {
  if (policy.signing_key === undefined)
    throw new RangeError(
      `${policy.scheme}: signing needs signing_key (a private key); verifying needs only public_keys`,
    )
  const key = parsePrivateKey(policy.signing_key, policy.scheme)
  let headers = req.headers
  let timestamp: string | undefined
  if (policy.timestamp) {
    timestamp = timestampText(policy.timestamp.unit, options.now)
    headers = withHeader(headers, policy.timestamp.header, timestamp)
  }
  let id: string | undefined
  if (policy.id) {
    id = options.messageId ?? `msg_${randomBytes(12).toString('hex')}`
    headers = withHeader(headers, policy.id.header, id)
  }
  const signed: HttpRequest = { ...req, headers }
  const message = renderMessage(
    policy.payload,
    signed,
    messageValues(signed, policy, timestamp, id),
  )
  const sig = cryptoSign(hashFor(policy), message, key)
  signed.headers = withHeader(
    headers,
    policy.header,
    `${policy.prefix ?? ''}${sig.toString(policy.encoding)}`,
  )
  return signed
}

// The key is the signed message, never the id alone: a sender's retry keeps its id but is signed
// anew with a new timestamp, and must reach the upstream (see hmacReplayKey). ECDSA signatures
// are randomized, so the message, not the signature, is what an exact replay repeats.
function replayKey(req: HttpRequest, policy: PublicKeyPolicy): ReplayKey | null {
  const tolerance = policy.timestamp?.tolerance || 0
  const ttlMs = tolerance > 0 ? 2 * tolerance * 1000 + 60_000 : 24 * 3600 * 1000
  const raw = getHeader(req.headers, policy.header)
  const sig =
    raw === undefined
      ? null
      : decodeStrict(raw.trim().slice(policy.prefix?.length ?? 0), policy.encoding)
  if (sig === null) return null
  const timestamp = policy.timestamp ? getHeader(req.headers, policy.timestamp.header) : undefined
  const id = policy.id ? getHeader(req.headers, policy.id.header) : undefined
  const message = renderMessage(policy.payload, req, messageValues(req, policy, timestamp, id))
  return { key: `msg:${createHash('sha256').update(message).digest('hex')}`, ttlMs }
}

function make(type: KeyType): Scheme<PublicKeyPolicy> {
  return {
    name: type,
    verify: verifyPublicKey,
    sign: signPublicKey,
    challenge: (policy) => ({
      scheme: 'Signature',
      params: { realm: 'hookwarden', header: policy.header },
    }),
    replayKey,
  }
}

export const ed25519 = make('ed25519')
export const ecdsa = make('ecdsa')
export const rsa = make('rsa')
