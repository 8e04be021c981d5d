/**
 * Amazon SNS HTTP(S) deliveries: the signature is in the JSON body (`Signature`,
 * `SignatureVersion` 1 = SHA1withRSA, 2 = SHA256withRSA) over "Key\nvalue\n" lines of the
 * documented fields, verified offline with the signing certificate given in the config (the
 * one `SigningCertURL` points to). An optional `topic_arns` list refuses other topics.
 * @module
 */
import { createPrivateKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { bodyText, utf8 } from '../crypto/bytes.js'
import { decodeStrict } from '../crypto/encoding.js'
import type { HttpRequest } from '../message/types.js'
import { expired, fail, label, pass } from './provider-common.js'
import { parsePublicKey, publicKeyProblem } from './public-key.js'
import type { Check, ReplayKey, Scheme } from './types.js'

export interface AwsSnsPolicy {
  scheme: 'aws_sns'
  /** The SNS signing certificate(s), PEM. */
  public_keys: Credential[]
  retired: Credential[]
  /** Accept only these topics (recommended by AWS). */
  topic_arns?: string[]
  /** A private key (PEM) to sign test messages. */
  signing_key?: string
}

export const awsSnsSchema = z
  .object({
    scheme: z.literal('aws_sns'),
    public_keys: z.array(credential).min(1, 'needs the SNS signing certificate'),
    retired: z.array(credential).default([]),
    topic_arns: z.array(z.string().min(1)).optional(),
    signing_key: z.string().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const list of ['public_keys', 'retired'] as const) {
      v[list].forEach((k, i) => {
        const p = publicKeyProblem(k.value, 'rsa')
        if (p) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [list, i], message: p })
      })
    }
  })

const NOTIFICATION = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
const CONFIRMATION = [
  'Message',
  'MessageId',
  'SubscribeURL',
  'Timestamp',
  'Token',
  'TopicArn',
  'Type',
]

type SnsMessage = Record<string, unknown>

function parse(req: HttpRequest): SnsMessage | null {
  try {
    const v = JSON.parse(bodyText(req.body)) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as SnsMessage) : null
  } catch {
    return null
  }
}

/** The string SNS signs for `message`, or null when a required field is missing. */
export function snsStringToSign(message: SnsMessage): string | null {
  const fields = message.Type === 'Notification' ? NOTIFICATION : CONFIRMATION
  let out = ''
  for (const f of fields) {
    const v = message[f]
    if (v === undefined || v === null) {
      if (f === 'Subject') continue
      return null
    }
    if (typeof v !== 'string') return null
    out += `${f}\n${v}\n`
  }
  return out
}

function hashOf(version: unknown): 'sha1' | 'sha256' | null {
  return version === '1' ? 'sha1' : version === '2' ? 'sha256' : null
}

export const awsSns: Scheme<AwsSnsPolicy> = {
  name: 'aws_sns',

  verify(req, policy, ctx): Check[] {
    const m = parse(req)
    if (m === null)
      return [
        fail('signature', 'signature_header_malformed', 'the body is not an SNS JSON message'),
      ]
    if (typeof m.Signature !== 'string')
      return [fail('signature', 'signature_missing', 'the message has no Signature field')]
    const hash = hashOf(m.SignatureVersion)
    if (hash === null)
      return [
        fail(
          'signature',
          'signature_wrong_algorithm',
          'SignatureVersion is neither "1" (SHA1withRSA) nor "2" (SHA256withRSA)',
        ),
      ]
    const text = snsStringToSign(m)
    if (text === null)
      return [
        fail(
          'signature',
          'signature_header_malformed',
          `the ${String(m.Type)} message lacks a field it must sign`,
        ),
      ]
    const sig = decodeStrict(m.Signature, 'base64')
    if (sig === null)
      return [fail('signature', 'signature_header_malformed', 'Signature is not base64')]
    const verifies = (c: Credential) => {
      try {
        return cryptoVerify(hash, utf8(text), parsePublicKey(c.value, 'rsa'), sig)
      } catch {
        return false
      }
    }
    const checks: Check[] = []
    const i = policy.public_keys.findIndex(verifies)
    if (i === -1) {
      if (policy.retired.some(verifies))
        return [
          fail(
            'signature',
            'signature_previous_secret',
            'the signature verifies with a retired certificate',
          ),
        ]
      return [
        fail(
          'signature',
          'signature_mismatch',
          `the ${hash === 'sha1' ? 'SHA1withRSA' : 'SHA256withRSA'} signature does not verify with the configured certificate`,
        ),
      ]
    }
    const c = policy.public_keys[i]!
    if (expired(c, ctx.now))
      return [
        fail(
          'signature',
          'credential_revoked',
          `the signature verifies with ${label('certificate', c, i)}, which expired`,
        ),
      ]
    checks.push(pass('signature', `verifies with ${label('certificate', c, i)}`, c))
    if (policy.topic_arns && !policy.topic_arns.includes(String(m.TopicArn))) {
      checks.push(
        fail(
          'topic',
          'credential_unknown',
          'the message comes from a topic that is not in topic_arns',
        ),
      )
    }
    return checks
  },

  sign(req, policy, options): HttpRequest {
    if (policy.signing_key === undefined)
      throw new RangeError('aws_sns: signing needs signing_key (a private key)')
    const m = parse(req) ?? {}
    m.Type ??= 'Notification'
    m.MessageId ??= options.messageId ?? 'msg-1'
    m.TopicArn ??= policy.topic_arns?.[0] ?? 'arn:aws:sns:us-east-1:123456789012:test'
    m.Message ??= ''
    m.Timestamp = new Date(Math.floor(options.now) * 1000).toISOString()
    m.SignatureVersion ??= '2'
    const text = snsStringToSign(m)
    if (text === null) throw new RangeError('aws_sns: the message to sign lacks a required field')
    m.Signature = cryptoSign(
      hashOf(m.SignatureVersion) ?? 'sha256',
      utf8(text),
      createPrivateKey(policy.signing_key),
    ).toString('base64')
    return { ...req, body: utf8(JSON.stringify(m)) }
  },

  challenge: () => ({ scheme: 'Signature', params: { realm: 'hookwarden' } }),

  replayKey(req): ReplayKey | null {
    const m = parse(req)
    return typeof m?.MessageId === 'string'
      ? { key: `id:${m.MessageId}`, ttlMs: 24 * 3600 * 1000 }
      : null
  },
}
