/**
 * Adyen standard (payment) notifications: each `NotificationRequestItem` carries
 * `additionalData.hmacSignature`, base64 HMAC-SHA256 with the hex-decoded HMAC key over
 * `pspReference:originalReference:merchantAccountCode:merchantReference:amount.value:
 * amount.currency:eventCode:success` (empty fields stay empty). Every item must verify.
 * @module
 */
import { createHmac, type KeyObject } from 'node:crypto'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { bodyText, utf8 } from '../crypto/bytes.js'
import { decodeStrict } from '../crypto/encoding.js'
import { hmacKey, secretProblem } from '../crypto/hmac-key.js'
import { safeEqual } from '../crypto/safe-equal.js'
import type { HttpRequest } from '../message/types.js'
import { currentCredential } from './credential.js'
import { expired, fail, label, pass } from './provider-common.js'
import type { Check, Scheme } from './types.js'

export interface AdyenPolicy {
  scheme: 'adyen'
  secrets: Credential[]
  retired: Credential[]
}

export const adyenSchema = z
  .object({
    scheme: z.literal('adyen'),
    secrets: z.array(credential).min(1, 'needs the HMAC key (hex)'),
    retired: z.array(credential).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const list of ['secrets', 'retired'] as const) {
      v[list].forEach((s, i) => {
        const p = secretProblem(s.value, 'hex')
        if (p)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [list, i],
            message: `${p}: the Adyen HMAC key is hex`,
          })
      })
    }
  })

type Item = Record<string, unknown> & {
  amount?: { value?: unknown; currency?: unknown }
  additionalData?: Record<string, unknown>
}

/** The string Adyen signs for one notification item. */
export function adyenDataToSign(item: Item): string {
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v))
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    item.amount?.value,
    item.amount?.currency,
    item.eventCode,
    item.success,
  ]
    .map(s)
    .join(':')
}

function items(
  req: HttpRequest,
): { json: { notificationItems?: { NotificationRequestItem?: Item }[] }; list: Item[] } | null {
  try {
    const json = JSON.parse(bodyText(req.body)) as {
      notificationItems?: { NotificationRequestItem?: Item }[]
    }
    const list = Array.isArray(json?.notificationItems)
      ? json.notificationItems
          .map((n) => n?.NotificationRequestItem)
          .filter((x): x is Item => !!x && typeof x === 'object')
      : []
    return { json, list }
  } catch {
    return null
  }
}

function mac(key: KeyObject, item: Item): Buffer {
  return createHmac('sha256', key).update(adyenDataToSign(item), 'utf8').digest()
}

export const adyen: Scheme<AdyenPolicy> = {
  name: 'adyen',

  verify(req, policy, ctx): Check[] {
    const parsed = items(req)
    if (parsed === null)
      return [
        fail(
          'signature',
          'signature_header_malformed',
          'the body is not JSON, so it carries no notificationItems',
        ),
      ]
    if (parsed.list.length === 0)
      return [
        fail(
          'signature',
          'signature_missing',
          'the body has no notificationItems[].NotificationRequestItem',
        ),
      ]
    const keys = policy.secrets.map((c, i) => ({
      c,
      i,
      key: hmacKey(c.value, 'hex', `secrets[${i}]`),
    }))
    let matched: (typeof keys)[number] | undefined
    for (const [n, item] of parsed.list.entries()) {
      const text = item.additionalData?.hmacSignature
      if (typeof text !== 'string')
        return [
          fail(
            'signature',
            'signature_missing',
            `item ${n + 1} has no additionalData.hmacSignature`,
          ),
        ]
      const sig = decodeStrict(text, 'base64')
      if (sig === null)
        return [
          fail(
            'signature',
            'signature_header_malformed',
            `item ${n + 1}: hmacSignature is not base64`,
          ),
        ]
      const k = keys.find((k) => safeEqual(mac(k.key, item), sig))
      if (!k) {
        const retired = policy.retired.some((c, i) =>
          safeEqual(mac(hmacKey(c.value, 'hex', `retired[${i}]`), item), sig),
        )
        return retired
          ? [
              fail(
                'signature',
                'signature_previous_secret',
                `item ${n + 1} is signed with a retired HMAC key`,
              ),
            ]
          : [
              fail(
                'signature',
                'signature_mismatch',
                `item ${n + 1}: the hmacSignature does not match (HMAC-SHA256, hex-decoded key, over the eight fields)`,
              ),
            ]
      }
      matched ??= k
    }
    if (matched && expired(matched.c, ctx.now))
      return [
        fail(
          'signature',
          'credential_revoked',
          `the items match ${label('key', matched.c, matched.i)}, which expired`,
        ),
      ]
    return [
      pass(
        'signature',
        `${parsed.list.length} item${parsed.list.length > 1 ? 's' : ''} match ${label('key', matched!.c, matched!.i)}`,
        matched!.c,
      ),
    ]
  },

  sign(req, policy, options): HttpRequest {
    const c = currentCredential(policy.secrets, options.now, options.keyId)
    if (!c) throw new RangeError('adyen: no HMAC key to sign with')
    const parsed = items(req)
    if (parsed === null) throw new RangeError('adyen: the body to sign must be a JSON notification')
    const key = hmacKey(c.value, 'hex')
    for (const item of parsed.list)
      item.additionalData = {
        ...item.additionalData,
        hmacSignature: mac(key, item).toString('base64'),
      }
    return { ...req, body: utf8(JSON.stringify(parsed.json)) }
  },

  challenge: () => ({ scheme: 'Signature', params: { realm: 'hookwarden' } }),
}
