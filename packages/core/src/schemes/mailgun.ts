/**
 * Mailgun: the signature travels in the body, not in a header — `signature.{timestamp,
 * token, signature}` in JSON webhooks, `timestamp`/`token`/`signature` fields in form posts.
 * hex HMAC-SHA256 of `timestamp + token` with the Webhook Signing Key. The event itself is
 * not covered, so the timestamp window and the single use of each token matter.
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { bodyText, utf8 } from '../crypto/bytes.js'
import { decodeStrict } from '../crypto/encoding.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { currentCredential } from './credential.js'
import { checkTimestamp } from './hmac.js'
import { expired, fail, label, pass } from './provider-common.js'
import type { Check, ReplayKey, Scheme } from './types.js'

export interface MailgunPolicy {
  scheme: 'mailgun'
  /** Seconds either side of now. */
  tolerance: number
  secrets: Credential[]
  retired: Credential[]
}

export const mailgunSchema = z
  .object({
    scheme: z.literal('mailgun'),
    tolerance: z.number().nonnegative().default(300),
    secrets: z.array(credential).min(1, 'needs the Webhook Signing Key'),
    retired: z.array(credential).default([]),
  })
  .strict()

interface Fields {
  timestamp?: string | undefined
  token?: string | undefined
  signature?: string | undefined
}

function isForm(req: HttpRequest): boolean {
  const ct = (getHeader(req.headers, 'content-type') ?? '').toLowerCase()
  return ct.startsWith('application/x-www-form-urlencoded')
}

/** The three signature fields, read from a JSON or form body (never re-serialized to hash). */
export function mailgunFields(req: HttpRequest): Fields | null {
  const text = bodyText(req.body)
  if (isForm(req)) {
    const p = new URLSearchParams(text)
    return {
      timestamp: p.get('timestamp') ?? undefined,
      token: p.get('token') ?? undefined,
      signature: p.get('signature') ?? undefined,
    }
  }
  try {
    const json = JSON.parse(text) as { signature?: Record<string, unknown> }
    const s = json?.signature
    if (!s || typeof s !== 'object') return {}
    const str = (v: unknown) =>
      typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
    return { timestamp: str(s.timestamp), token: str(s.token), signature: str(s.signature) }
  } catch {
    return null
  }
}

function mac(secret: string, f: Fields): Buffer {
  return createHmac('sha256', secret).update(`${f.timestamp}${f.token}`).digest()
}

export const mailgun: Scheme<MailgunPolicy> = {
  name: 'mailgun',

  verify(req, policy, ctx): Check[] {
    const f = mailgunFields(req)
    if (f === null)
      return [
        fail(
          'signature',
          'signature_header_malformed',
          'the body is neither JSON nor a form, so it carries no signature object',
        ),
      ]
    if (f.signature === undefined)
      return [fail('signature', 'signature_missing', 'the body has no signature.signature field')]
    if (f.token === undefined)
      return [
        fail('signature', 'signature_header_malformed', 'the body has no signature.token field'),
      ]
    const t = checkTimestamp(
      f.timestamp,
      { unit: 'seconds', tolerance: policy.tolerance },
      ctx.now,
      'signature.timestamp in the body',
    )
    if (!t.ok) return [t]
    const sig = decodeStrict(f.signature, 'hex')
    if (sig === null)
      return [t, fail('signature', 'signature_header_malformed', 'signature.signature is not hex')]
    for (const [i, c] of policy.secrets.entries()) {
      if (!safeEqual(mac(c.value, f), sig)) continue
      if (expired(c, ctx.now))
        return [
          t,
          fail(
            'signature',
            'credential_revoked',
            `the signature matches ${label('key', c, i)}, which expired`,
          ),
        ]
      return [t, pass('signature', `matches ${label('key', c, i)} over timestamp + token`, c)]
    }
    if (policy.retired.some((c) => safeEqual(mac(c.value, f), sig)))
      return [
        t,
        fail('signature', 'signature_previous_secret', 'the signature matches a retired key'),
      ]
    return [
      t,
      fail(
        'signature',
        'signature_mismatch',
        'hex HMAC-SHA256 of timestamp + token does not match with the configured signing key (the API key is not the signing key)',
      ),
    ]
  },

  sign(req, policy, options): HttpRequest {
    const c = currentCredential(policy.secrets, options.now, options.keyId)
    if (!c) throw new RangeError('mailgun: no signing key to sign with')
    const f: Fields = {
      timestamp: String(Math.floor(options.now)),
      token: options.messageId ?? randomBytes(25).toString('hex'),
    }
    f.signature = mac(c.value, f).toString('hex')
    // Signing writes the signature into the body, as Mailgun does; the bytes after it are what is sent.
    if (isForm(req)) {
      const p = new URLSearchParams(bodyText(req.body))
      for (const k of ['timestamp', 'token', 'signature'] as const) p.set(k, f[k]!)
      return { ...req, body: utf8(p.toString()) }
    }
    let json: Record<string, unknown> = {}
    try {
      const parsed = JSON.parse(bodyText(req.body)) as unknown
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        json = parsed as Record<string, unknown>
    } catch {
      // an empty or non-JSON body becomes a body with the signature only
    }
    return { ...req, body: utf8(JSON.stringify({ ...json, signature: f })) }
  },

  challenge: () => ({ scheme: 'Signature', params: { realm: 'hookwarden' } }),

  replayKey(req, policy): ReplayKey | null {
    const f = mailgunFields(req)
    return f?.token
      ? { key: `token:${f.token}`, ttlMs: Math.max(2 * policy.tolerance, 1) * 1000 + 60_000 }
      : null
  },
}
