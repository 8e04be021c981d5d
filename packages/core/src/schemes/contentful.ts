/**
 * Contentful's request verification: hex HMAC-SHA256 over
 * `method \n path \n name:value;… (the signed headers, sorted) \n body`, the signed header
 * names listed in `x-contentful-signed-headers`, the time in `x-contentful-timestamp`
 * (milliseconds). The path is normalised as `@contentful/node-apps-toolkit` does.
 * @module
 */
import { createHmac } from 'node:crypto'
import { escape as qsEscape } from 'node:querystring'
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { concatBytes, utf8 } from '../crypto/bytes.js'
import { decodeStrict } from '../crypto/encoding.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getHeader, requestPath, requestQuery, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { currentCredential } from './credential.js'
import { checkTimestamp } from './hmac.js'
import { expired, fail, label, pass } from './provider-common.js'
import type { Check, Scheme } from './types.js'

export interface ContentfulPolicy {
  scheme: 'contentful'
  /** Seconds; only too old is refused, as in the toolkit (default 30). 0 = not checked. */
  tolerance: number
  secrets: Credential[]
  retired: Credential[]
}

export const contentfulSchema = z
  .object({
    scheme: z.literal('contentful'),
    tolerance: z.number().nonnegative().default(30),
    secrets: z.array(credential).min(1, 'needs the webhook signing secret'),
    retired: z.array(credential).default([]),
  })
  .strict()

const SIG = 'x-contentful-signature'
const SIGNED = 'x-contentful-signed-headers'
const TS = 'x-contentful-timestamp'

/** The path as the toolkit signs it: query escaped, then the whole encodeURI'd. */
export function contentfulPath(req: HttpRequest): string {
  const q = requestQuery(req)
  const path = requestPath(req)
  const escaped = q ? qsEscape(q) : ''
  try {
    return encodeURI(escaped ? `${path}?${escaped}` : path)
  } catch {
    // A lone surrogate cannot be encoded: such a path was never signed by Contentful.
    return path
  }
}

function canonical(req: HttpRequest, names: readonly string[], timestamp: string): Uint8Array {
  const headers = new Map<string, string>()
  for (const n of names) {
    const v = getHeader(req.headers, n)
    if (v !== undefined) headers.set(n, v.trim())
  }
  // The toolkit re-derives both of its own headers from what it signs.
  headers.set(TS, String(Number.parseInt(timestamp, 10)))
  const sortedNames = [...new Set([...headers.keys(), SIGNED])].sort((a, b) => (a > b ? 1 : -1))
  headers.set(SIGNED, sortedNames.join(','))
  const text = sortedNames.map((n) => `${n}:${headers.get(n)}`).join(';')
  return concatBytes([utf8(`${req.method}\n${contentfulPath(req)}\n${text}\n`), req.body])
}

function mac(secret: string, message: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(message).digest()
}

export const contentful: Scheme<ContentfulPolicy> = {
  name: 'contentful',

  verify(req, policy, ctx): Check[] {
    const sigText = getHeader(req.headers, SIG)
    if (sigText === undefined) return [fail('signature', 'signature_missing', `no ${SIG} header`)]
    const signedList = getHeader(req.headers, SIGNED)
    if (signedList === undefined)
      return [fail('signature', 'signature_header_malformed', `no ${SIGNED} header`)]
    const names = signedList
      .split(',')
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean)
    if (!names.includes(TS))
      return [fail('signature', 'signature_header_malformed', `${SIGNED} does not list ${TS}`)]
    const raw = getHeader(req.headers, TS)
    // Present and an integer (any age), then the toolkit's rule: only too old is refused.
    const shape = checkTimestamp(
      raw,
      { unit: 'milliseconds', tolerance: Number.MAX_SAFE_INTEGER },
      ctx.now,
      `${TS} header`,
    )
    if (!shape.ok) return [shape]
    const age = ctx.now - Number(raw) / 1000
    if (policy.tolerance > 0 && age >= policy.tolerance) {
      return [
        fail(
          'timestamp',
          'timestamp_out_of_window',
          `the request was signed ${Math.round(age)} s ago (TTL ${policy.tolerance} s)`,
        ),
      ]
    }
    const t = pass(
      'timestamp',
      policy.tolerance > 0 ? `inside the ${policy.tolerance} s TTL` : 'present (TTL disabled)',
    )
    const sig = decodeStrict(sigText.trim(), 'hex')
    if (sig === null)
      return [t, fail('signature', 'signature_header_malformed', `${SIG} is not hex`)]
    const message = canonical(req, names, raw!)
    for (const [i, c] of policy.secrets.entries()) {
      if (!safeEqual(mac(c.value, message), sig)) continue
      if (expired(c, ctx.now))
        return [
          t,
          fail(
            'signature',
            'credential_revoked',
            `the signature matches ${label('secret', c, i)}, which expired`,
          ),
        ]
      return [
        t,
        pass(
          'signature',
          `matches ${label('secret', c, i)} over method, path, ${names.length} signed headers and body`,
          c,
        ),
      ]
    }
    if (policy.retired.some((c) => safeEqual(mac(c.value, message), sig)))
      return [
        t,
        fail('signature', 'signature_previous_secret', 'the signature matches a retired secret'),
      ]
    return [
      t,
      fail(
        'signature',
        'signature_mismatch',
        'hex HMAC-SHA256 of the canonical request does not match',
      ),
    ]
  },

  sign(req, policy, options): HttpRequest {
    const c = currentCredential(policy.secrets, options.now, options.keyId)
    if (!c) throw new RangeError('contentful: no secret to sign with')
    const timestamp = String(Math.floor(options.now * 1000))
    const names = [SIGNED, TS]
    const message = canonical(req, names, timestamp)
    let headers = withHeader(req.headers, TS, timestamp)
    headers = withHeader(headers, SIGNED, [...names].sort().join(','))
    headers = withHeader(headers, SIG, mac(c.value, message).toString('hex'))
    return { ...req, headers }
  },

  challenge: () => ({ scheme: 'Signature', params: { realm: 'hookwarden', header: SIG } }),
}
