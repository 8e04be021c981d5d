/**
 * Twilio's request signature (also Mandrill's): base64 HMAC over the full URL Twilio called
 * followed by every POST parameter as name+value, sorted by name (`X-Twilio-Signature`).
 * JSON bodies are covered by `bodySHA256=<hex sha256>` in the URL instead. Like Twilio's SDK,
 * the URL is tried with and without its default port; a configured `url` replaces what a
 * proxy in front of us changed (scheme, host, path). HMAC-SHA256 when Twilio says so in
 * `X-Twilio-Webhooks-Signature-Settings` (SharedKey signing).
 * @module
 */
import { createHash, createHmac } from 'node:crypto'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { bodyText } from '../crypto/bytes.js'
import { decodeStrict } from '../crypto/encoding.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getHeader, requestQuery, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { currentCredential } from './credential.js'
import { signedUrl } from './payload.js'
import { expired, fail, label, oneSignatureHeader, pass } from './provider-common.js'
import type { Check, ReplayKey, Scheme } from './types.js'

export interface TwilioPolicy {
  scheme: 'twilio'
  header: string
  algorithm: 'sha1' | 'sha256'
  /** The webhook URL as configured at the provider (without the query); default: as received. */
  url?: string
  secrets: Credential[]
  retired: Credential[]
}

export const twilioSchema = z
  .object({
    scheme: z.literal('twilio'),
    header: z.string().min(1).default('X-Twilio-Signature'),
    algorithm: z.enum(['sha1', 'sha256']).default('sha1'),
    url: z.string().url().optional(),
    secrets: z.array(credential).min(1, 'needs at least one auth token'),
    retired: z.array(credential).default([]),
  })
  .strict()

const SETTINGS = 'x-twilio-webhooks-signature-settings'

/** The URL the provider signed: the configured one plus the received query, or as received. */
export function twilioUrl(req: HttpRequest, policy: Pick<TwilioPolicy, 'url'>): string {
  if (policy.url === undefined) return signedUrl(req)
  if (policy.url.includes('?')) return policy.url
  const q = requestQuery(req)
  return q === '' ? policy.url : `${policy.url}?${q}`
}

function splitPort(
  url: string,
): { head: string; port: string; rest: string; scheme: string } | null {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url)
  if (!m) return null
  const authority = m[2]!
  const portStart = authority.indexOf(':', authority.lastIndexOf(']') + 1)
  return {
    scheme: m[1]!,
    head: m[1]! + (portStart === -1 ? authority : authority.slice(0, portStart)),
    port: portStart === -1 ? '' : authority.slice(portStart),
    rest: url.slice(m[0].length),
  }
}

/** The URL as received, without its port and with the default port (Twilio signs either). */
export function urlCandidates(url: string): string[] {
  const p = splitPort(url)
  if (!p) return [url]
  const withPort =
    p.head + (p.port || (p.scheme.toLowerCase() === 'https://' ? ':443' : ':80')) + p.rest
  const without = p.head + p.rest
  return [...new Set([url, without, withPort])]
}

/** name+value of every parameter, sorted by name; repeated names de-duplicated and sorted. */
export function sortedParams(req: HttpRequest): string {
  const ct = (getHeader(req.headers, 'content-type') ?? '').toLowerCase()
  if (req.body.length === 0 || (ct !== '' && !ct.startsWith('application/x-www-form-urlencoded')))
    return ''
  const params = new Map<string, string[]>()
  for (const [k, v] of new URLSearchParams(bodyText(req.body))) {
    const list = params.get(k)
    if (list) list.push(v)
    else params.set(k, [v])
  }
  let out = ''
  for (const k of [...params.keys()].sort()) {
    for (const v of [...new Set(params.get(k)!)].sort()) out += k + v
  }
  return out
}

function bodyHashParam(url: string): string | null {
  const q = url.indexOf('?')
  if (q === -1) return null
  return new URLSearchParams(url.slice(q + 1)).get('bodySHA256')
}

function algorithmOf(req: HttpRequest, policy: TwilioPolicy): 'sha1' | 'sha256' | null {
  const settings = getHeader(req.headers, SETTINGS)
  if (settings === undefined) return policy.algorithm
  for (const part of settings.split(',')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === 'algorithm') {
      const a = part
        .slice(eq + 1)
        .trim()
        .toUpperCase()
      return a === 'HMAC_SHA256' ? 'sha256' : a === 'HMAC_SHA1' || a === '' ? 'sha1' : null
    }
  }
  return 'sha1'
}

function mac(algorithm: string, secret: string, data: string): Buffer {
  return createHmac(algorithm, secret).update(data, 'utf8').digest()
}

export const twilio: Scheme<TwilioPolicy> = {
  name: 'twilio',

  verify(req, policy, ctx): Check[] {
    const header = oneSignatureHeader(req, policy.header)
    if (typeof header !== 'string') return [header]
    const text = header.trim()
    const sig = decodeStrict(text, 'base64')
    if (sig === null)
      return [
        fail(
          'signature',
          'signature_header_malformed',
          `${policy.header} (${fingerprint(text)}) is not base64`,
        ),
      ]
    const algorithm = algorithmOf(req, policy)
    if (algorithm === null)
      return [
        fail(
          'signature',
          'signature_wrong_algorithm',
          `${SETTINGS} names an algorithm other than HMAC_SHA1 or HMAC_SHA256`,
        ),
      ]

    const url = twilioUrl(req, policy)
    const checks: Check[] = []
    const bodyHash = bodyHashParam(url)
    let params = ''
    if (bodyHash !== null) {
      const actual = createHash('sha256').update(req.body).digest('hex')
      if (!safeEqual(actual, bodyHash.toLowerCase())) {
        return [
          fail(
            'body',
            'signature_body_modified',
            'the body does not hash to the bodySHA256 value in the URL',
          ),
        ]
      }
      checks.push(pass('body', 'the body hashes to bodySHA256'))
    } else params = sortedParams(req)

    const candidates = urlCandidates(url)
    const tryAll = (list: readonly Credential[]) =>
      list.findIndex((c) =>
        candidates.some((u) => safeEqual(mac(algorithm, c.value, u + params), sig)),
      )
    const i = tryAll(policy.secrets)
    if (i !== -1) {
      const c = policy.secrets[i]!
      if (!expired(c, ctx.now))
        return [
          ...checks,
          pass(
            'signature',
            `matches ${label('auth token', c, i)} over the URL and ${params ? 'sorted parameters' : 'no parameters'}`,
            c,
          ),
        ]
      return [
        ...checks,
        fail(
          'signature',
          'credential_revoked',
          `the signature matches ${label('auth token', c, i)}, which expired`,
        ),
      ]
    }
    if (tryAll(policy.retired) !== -1)
      return [
        ...checks,
        fail(
          'signature',
          'signature_previous_secret',
          'the signature matches a retired auth token',
        ),
      ]
    return [
      ...checks,
      fail(
        'signature',
        'signature_mismatch',
        `no auth token signs ${candidates.length} form${candidates.length > 1 ? 's' : ''} of the URL (with and without the default port)${params ? ' and the sorted parameters' : ''}`,
      ),
    ]
  },

  sign(req, policy, options): HttpRequest {
    const c = currentCredential(policy.secrets, options.now, options.keyId)
    if (!c) throw new RangeError('twilio: no auth token to sign with')
    let target = req
    const ct = (getHeader(req.headers, 'content-type') ?? '').toLowerCase()
    if (ct.includes('json') && bodyHashParam(twilioUrl(req, policy)) === null) {
      // Twilio covers a JSON body by its hash in the URL, not by parameters.
      const hash = createHash('sha256').update(req.body).digest('hex')
      target = { ...req, url: `${req.url}${req.url.includes('?') ? '&' : '?'}bodySHA256=${hash}` }
    }
    const url = twilioUrl(target, policy)
    const data = url + (bodyHashParam(url) !== null ? '' : sortedParams(target))
    return {
      ...target,
      headers: withHeader(
        target.headers,
        policy.header,
        mac(policy.algorithm, c.value, data).toString('base64'),
      ),
    }
  },

  challenge: (policy) => ({
    scheme: 'Signature',
    params: { realm: 'hookwarden', header: policy.header },
  }),

  replayKey(req, policy): ReplayKey | null {
    // No id and no timestamp: the signature identifies the message for a day.
    const v = getHeader(req.headers, policy.header)
    return v === undefined
      ? null
      : {
          key: `sig:${v.trim()}:${createHash('sha256').update(req.body).digest('hex')}`,
          ttlMs: 24 * 3600 * 1000,
        }
  },
}
