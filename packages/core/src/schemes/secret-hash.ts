/**
 * A plain hash (not an HMAC) over a template that includes the secret itself: HubSpot's v1
 * (`sha256(clientSecret + body)`) and v2 (`sha256(clientSecret + method + uri + body)`)
 * signatures, and the providers that copied the pattern.
 * @module
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { decodeStrict, type Encoding } from '../crypto/encoding.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getHeader, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { currentCredential } from './credential.js'
import { expired, fail, label, oneSignatureHeader, pass } from './provider-common.js'
import { placeholders, renderMessage, unknownPlaceholders } from './provider-payload.js'
import type { Check, ReplayKey, Scheme } from './types.js'

export interface SecretHashPolicy {
  scheme: 'secret_hash'
  header: string
  algorithm: 'sha1' | 'sha256' | 'sha512'
  encoding: Encoding
  /** Template with {secret}: {secret}{body}, {secret}{method}{url}{body}… */
  payload: string
  /** Headers that must say which signature version this is (`X-HubSpot-Signature-Version: v1`). */
  version?: { header: string; value: string }
  /** The URL as configured at the provider, when {url} must not be the received one. */
  url?: string
  secrets: Credential[]
  retired: Credential[]
}

export const secretHashSchema = z
  .object({
    scheme: z.literal('secret_hash'),
    header: z.string().min(1),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64', 'base64url']).default('hex'),
    payload: z.string().default('{secret}{body}'),
    version: z
      .object({ header: z.string().min(1), value: z.string() })
      .strict()
      .optional(),
    url: z.string().url().optional(),
    secrets: z.array(credential).min(1, 'needs at least one secret'),
    retired: z.array(credential).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    const unknown = unknownPlaceholders(v.payload, ['secret'])
    if (unknown.length > 0)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['payload'],
        message: `has unknown placeholder ${unknown.join(', ')}`,
      })
    if (!placeholders(v.payload).includes('secret'))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['payload'],
        message: 'must include {secret}: without it the hash proves nothing',
      })
  })

function digest(req: HttpRequest, policy: SecretHashPolicy, secret: string): Buffer {
  const message = renderMessage(policy.payload, req, {
    secret,
    ...(policy.url ? { url: policy.url } : {}),
  })
  return createHash(policy.algorithm).update(message).digest()
}

export const secretHash: Scheme<SecretHashPolicy> = {
  name: 'secret_hash',

  verify(req, policy, ctx): Check[] {
    const header = oneSignatureHeader(req, policy.header)
    if (typeof header !== 'string') return [header]
    if (policy.version) {
      const v = getHeader(req.headers, policy.version.header)
      if (v !== undefined && v.trim() !== policy.version.value) {
        return [
          fail(
            'signature',
            'signature_wrong_payload',
            `${policy.version.header} is ${JSON.stringify(v.slice(0, 8))}, this endpoint checks ${policy.version.value}`,
          ),
        ]
      }
    }
    const text = header.trim()
    const sig = decodeStrict(text, policy.encoding)
    if (sig === null)
      return [
        fail(
          'signature',
          'signature_header_malformed',
          `${policy.header} (${fingerprint(text)}) is not ${policy.encoding}`,
        ),
      ]
    for (const [i, c] of policy.secrets.entries()) {
      if (!safeEqual(digest(req, policy, c.value), sig)) continue
      if (expired(c, ctx.now))
        return [
          fail(
            'signature',
            'credential_revoked',
            `the signature matches ${label('secret', c, i)}, which expired`,
          ),
        ]
      return [pass('signature', `matches ${label('secret', c, i)}`, c)]
    }
    if (policy.retired.some((c) => safeEqual(digest(req, policy, c.value), sig))) {
      return [
        fail('signature', 'signature_previous_secret', 'the signature matches a retired secret'),
      ]
    }
    return [
      fail(
        'signature',
        'signature_mismatch',
        `the ${policy.algorithm} hash of the payload does not match with any configured secret`,
      ),
    ]
  },

  sign(req, policy, options): HttpRequest {
    const c = currentCredential(policy.secrets, options.now, options.keyId)
    if (!c) throw new RangeError('secret_hash: no secret to sign with')
    let headers = withHeader(
      req.headers,
      policy.header,
      digest(req, policy, c.value).toString(policy.encoding),
    )
    if (policy.version) headers = withHeader(headers, policy.version.header, policy.version.value)
    return { ...req, headers }
  },

  challenge: (policy) => ({
    scheme: 'Signature',
    params: { realm: 'hookwarden', header: policy.header },
  }),

  replayKey(req, policy): ReplayKey | null {
    const v = getHeader(req.headers, policy.header)
    return v === undefined ? null : { key: `sig:${v.trim()}`, ttlMs: 24 * 3600 * 1000 }
  },
}
