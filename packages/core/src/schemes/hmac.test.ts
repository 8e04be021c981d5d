/**
 * The hmac scheme: one valid signed request, and one case per reason code that breaks exactly
 * one thing in it.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint, HmacPolicy } from '../config/types.js'
import { ConfigError } from '../errors.js'
import { getHeader, withHeader, withoutHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { MemoryNonceStore } from '../nonce/memory.js'
import { sign } from '../verdict/sign.js'
import { verify } from '../verdict/verify.js'
import { hmac } from './hmac.js'

const NOW = 1_800_000_000

function endpoint(auth: string): Endpoint {
  return loadConfig(`auth:\n${auth.replace(/^/gm, '  ')}`).endpoints[0]!
}

const orders = endpoint(`scheme: hmac
header: X-Signature
algorithm: sha256
encoding: hex
prefix: "sha256="
payload: "{timestamp}.{id}.{body}"
timestamp: { header: X-Timestamp, unit: seconds, tolerance: 300 }
id: { header: X-Request-Id }
secrets:
  - { value: current-secret, id: "2026-11" }
  - { value: expired-secret, id: "2026-05", not_after: "2026-06-01T00:00:00Z" }
retired: [retired-secret]
`)

const base: HttpRequest = {
  method: 'POST',
  url: '/hooks/orders',
  headers: [
    ['Host', 'example.com'],
    ['Content-Type', 'application/json'],
  ],
  body: new TextEncoder().encode('{"id":"ord_1","amount":1200}'),
}

const signed = await sign(base, orders, { now: NOW, messageId: 'msg_1' })
const setHeader = (name: string, value: string) => (r: HttpRequest) => ({
  ...r,
  headers: withHeader(r.headers, name, value),
})
const dropHeader = (name: string) => (r: HttpRequest) => ({
  ...r,
  headers: withoutHeader(r.headers, name),
})
const sigHex = getHeader(signed.headers, 'x-signature')!.slice('sha256='.length)

async function signedWith(secret: string): Promise<HttpRequest> {
  const e = endpoint(`scheme: hmac
header: X-Signature
prefix: "sha256="
payload: "{timestamp}.{id}.{body}"
timestamp: { header: X-Timestamp }
id: { header: X-Request-Id }
secrets: [${secret}]
`)
  return sign(base, e, { now: NOW, messageId: 'msg_1' })
}

describe('hmac', () => {
  it('accepts the signed request and names the key that matched', async () => {
    const v = await verify(signed, orders, { now: NOW })
    expect(v.ok).toBe(true)
    expect(v.key_id).toBe('2026-11')
    expect(v.checks.map((c) => c.name)).toEqual(['timestamp', 'signature'])
  })

  it('finds its headers in any casing, among others of the same length', async () => {
    const shuffled: HttpRequest = {
      ...signed,
      headers: [
        ['x-signaturf', 'noise'],
        ['Y-Timestamp', 'noise'],
        ...signed.headers.map(([n, v]) => [n.toUpperCase(), v] as const),
      ],
    }
    expect((await verify(shuffled, orders, { now: NOW })).ok).toBe(true)
    const lower = {
      ...signed,
      headers: signed.headers.map(([n, v]) => [n.toLowerCase(), v] as const),
    }
    expect((await verify(lower, orders, { now: NOW })).ok).toBe(true)
  })

  it('signs headers as configured', () => {
    expect(getHeader(signed.headers, 'x-timestamp')).toBe(String(NOW))
    expect(getHeader(signed.headers, 'x-request-id')).toBe('msg_1')
    expect(getHeader(signed.headers, 'x-signature')).toMatch(/^sha256=[0-9a-f]{64}$/)
  })

  const cases: {
    code: string
    why: string
    request: () => Promise<HttpRequest> | HttpRequest
    now?: number
    detail?: RegExp
  }[] = [
    {
      code: 'signature_missing',
      why: 'no signature header',
      request: () => dropHeader('X-Signature')(signed),
    },
    {
      code: 'signature_header_malformed',
      why: 'signature not hex',
      request: () => setHeader('X-Signature', `sha256=${'zz'.repeat(32)}`)(signed),
      detail: /not valid hex/,
    },
    {
      code: 'signature_header_malformed',
      why: 'prefix missing',
      request: () => setHeader('X-Signature', sigHex)(signed),
      detail: /does not start with "sha256="/,
    },
    {
      code: 'signature_header_malformed',
      why: 'header sent twice',
      request: () => ({
        ...signed,
        headers: [...signed.headers, ['x-signature', `sha256=${sigHex}`] as const],
      }),
      detail: /2 times/,
    },
    {
      code: 'signature_mismatch',
      why: 'body changed after signing',
      request: () => ({
        ...signed,
        body: new TextEncoder().encode('{"id":"ord_1","amount":1201}'),
      }),
    },
    {
      code: 'signature_mismatch',
      why: 'message id changed',
      request: () => setHeader('X-Request-Id', 'msg_2')(signed),
    },
    {
      code: 'signature_previous_secret',
      why: 'signed with a retired secret',
      request: () => signedWith('retired-secret'),
      detail: /retired secret #1/,
    },
    {
      code: 'credential_revoked',
      why: 'signed with a secret past not_after',
      request: () => signedWith('expired-secret'),
      detail: /"2026-05", which expired at 2026-06-01T00:00:00.000Z/,
    },
    {
      code: 'timestamp_missing',
      why: 'no timestamp header',
      request: () => dropHeader('X-Timestamp')(signed),
    },
    {
      code: 'timestamp_malformed',
      why: 'timestamp not an integer',
      request: () => setHeader('X-Timestamp', '2027-01-15T08:00:00Z')(signed),
    },
    {
      code: 'timestamp_milliseconds',
      why: 'milliseconds where seconds are expected',
      request: () => setHeader('X-Timestamp', String(NOW * 1000))(signed),
    },
    {
      code: 'timestamp_out_of_window',
      why: 'signed 400 s ago',
      request: () => signed,
      now: NOW + 400,
      detail: /400 s in the past \(tolerance 300 s\)/,
    },
    {
      code: 'timestamp_out_of_window',
      why: 'signed 400 s in the future',
      request: () => signed,
      now: NOW - 400,
      detail: /400 s in the future/,
    },
    {
      code: 'message_id_missing',
      why: 'no id header',
      request: () => dropHeader('X-Request-Id')(signed),
    },
  ]

  for (const c of cases) {
    it(`${c.code}: ${c.why}`, async () => {
      const v = await verify(await c.request(), orders, { now: c.now ?? NOW })
      expect(v.ok).toBe(false)
      expect(v.reason).toBe(c.code)
      const failed = v.checks.find((x) => !x.ok)!
      if (c.detail) expect(failed.detail).toMatch(c.detail)
      // Never the signature or a secret in a detail.
      expect(JSON.stringify(v)).not.toContain(sigHex)
      expect(JSON.stringify(v)).not.toMatch(/current-secret|expired-secret|retired-secret/)
    })
  }

  it('replay_detected: the same message id twice with a nonce store', async () => {
    const nonceStore = new MemoryNonceStore()
    expect((await verify(signed, orders, { now: NOW, nonceStore })).ok).toBe(true)
    const again = await verify(signed, orders, { now: NOW, nonceStore })
    expect(again.reason).toBe('replay_detected')
  })

  it('timestamp_milliseconds also the reverse: seconds where milliseconds are expected', async () => {
    const e = endpoint(`scheme: hmac
header: X-Signature
payload: "{timestamp}.{body}"
timestamp: { header: X-Timestamp, unit: milliseconds }
secrets: [s3cr3t]
`)
    const r = await sign(base, e, { now: NOW })
    expect(getHeader(r.headers, 'x-timestamp')).toBe(String(NOW * 1000))
    expect((await verify(r, e, { now: NOW })).ok).toBe(true)
    const v = await verify(setHeader('X-Timestamp', String(NOW))(r), e, { now: NOW })
    expect(v.reason).toBe('timestamp_milliseconds')
  })
})

describe('hmac formats', () => {
  const stripe = endpoint(`scheme: hmac
header: Stripe-Signature
format: { kind: pairs, signature_key: v1, timestamp_key: t }
payload: "{timestamp}.{body}"
timestamp: { unit: seconds, tolerance: 300 }
secrets: [whsec_test_secret]
`)

  it('pairs: accepts any of several v1= signatures, ignores v0=', async () => {
    const r = await sign(base, stripe, { now: NOW })
    const value = getHeader(r.headers, 'stripe-signature')!
    expect(value).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/)
    const several = setHeader(
      'Stripe-Signature',
      `t=${NOW},v1=${'0'.repeat(64)},${value.split(',')[1]},v0=abc`,
    )(r)
    expect((await verify(several, stripe, { now: NOW })).ok).toBe(true)
  })

  it('pairs: no v1= is malformed, no t= is timestamp_missing', async () => {
    const r = await sign(base, stripe, { now: NOW })
    const [t, v1] = getHeader(r.headers, 'stripe-signature')!.split(',')
    const noSig = await verify(setHeader('Stripe-Signature', `${t},v0=abc`)(r), stripe, {
      now: NOW,
    })
    expect(noSig.reason).toBe('signature_header_malformed')
    expect(noSig.checks[0]!.detail).toMatch(/no v1= signature/)
    const noT = await verify(setHeader('Stripe-Signature', v1!)(r), stripe, { now: NOW })
    expect(noT.reason).toBe('timestamp_missing')
  })

  const list = endpoint(`scheme: hmac
header: X-Sig
encoding: base64
format: { kind: list, separator: " ", version: v1 }
secrets: [{ value: "c2VjcmV0LWtleS1ieXRlcw==" }]
secret_encoding: base64
`)

  it('list: too many signatures is malformed', async () => {
    const r = await sign(base, list, { now: NOW })
    const one = getHeader(r.headers, 'x-sig')!
    const many = setHeader('X-Sig', Array.from({ length: 17 }, () => one).join(' '))(r)
    const v = await verify(many, list, { now: NOW })
    expect(v.reason).toBe('signature_header_malformed')
    expect(v.checks[0]!.detail).toMatch(/more than 16 signatures/)
    expect((await verify(setHeader('X-Sig', `v1a,xyz ${one}`)(r), list, { now: NOW })).ok).toBe(
      true,
    )
  })

  it('base64: a non-canonical encoding of the right bytes is malformed, not accepted', async () => {
    const r = await sign(base, list, { now: NOW })
    const sig = getHeader(r.headers, 'x-sig')!.slice(3)
    // 32 bytes → 43 characters + "="; the last character carries 2 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const last = alphabet.indexOf(sig[42]!)
    const twin = `${sig.slice(0, 42)}${alphabet[last ^ 1]}=`
    expect(Buffer.from(twin, 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true)
    const v = await verify(setHeader('X-Sig', `v1,${twin}`)(r), list, { now: NOW })
    expect(v.reason).toBe('signature_header_malformed')
  })

  it('payload template: method, path, url and a named header are signed', async () => {
    const e = endpoint(`scheme: hmac
header: X-Sig
payload: "{method} {url}\\n{path}\\n{header:Content-Type}\\n{body}"
secrets: [k]
`)
    const r = await sign(base, e, { now: NOW })
    const { createHmac } = await import('node:crypto')
    const expected = createHmac('sha256', 'k')
      .update('POST https://example.com/hooks/orders\n/hooks/orders\napplication/json\n')
      .update(base.body)
      .digest('hex')
    expect(getHeader(r.headers, 'x-sig')).toBe(expected)
    expect((await verify({ ...r, method: 'PUT' }, e, { now: NOW })).reason).toBe(
      'signature_mismatch',
    )
  })

  it('replay key without an id: the signature bytes + timestamp, ttl ≥ 2× tolerance', async () => {
    const r = await sign(base, stripe, { now: NOW })
    const key = hmac.replayKey!(r, stripe.auth as HmacPolicy)!
    const hex = getHeader(r.headers, 'stripe-signature')!.split('v1=')[1]
    expect(key.key).toBe(`sig:${Buffer.from(hex!, 'hex').toString('latin1')}:${NOW}`)
    expect(key.ttlMs).toBeGreaterThanOrEqual(600_000)
  })
})

describe('hmac replay key with a nonce store', () => {
  it('is the same whether remembered from verify() or computed again', async () => {
    const e = endpoint(`scheme: hmac
header: Stripe-Signature
format: { kind: pairs, signature_key: v1, timestamp_key: t }
payload: "{timestamp}.{body}"
timestamp: { tolerance: 300 }
secrets: [whsec_abc]
`)
    const r = await sign(base, e, { now: NOW })
    const computed = hmac.replayKey!(r, e.auth as HmacPolicy)!
    const claimed: string[] = []
    const nonceStore = {
      claim: (key: string) => {
        claimed.push(key)
        return true
      },
    }
    expect((await verify(r, e, { now: NOW, nonceStore })).ok).toBe(true)
    expect(claimed).toEqual([`default\u0000${computed.key}`])
  })
})

describe('hmac config checks', () => {
  it('refuses a whsec_ secret that only decodes leniently', () => {
    expect(() => endpoint('scheme: standard_webhooks\nsecrets: ["whsec_abc!def"]\n')).toThrow(
      ConfigError,
    )
    expect(() => endpoint('scheme: standard_webhooks\nsecrets: ["whsec_abc!def"]\n')).toThrow(
      /strict base64/,
    )
    expect(() =>
      endpoint('scheme: hmac\nheader: X\nsecret_encoding: hex\nsecrets: ["abc"]\n'),
    ).toThrow(/secrets\[0\] is not strict hex/)
  })

  it('refuses an unknown placeholder', () => {
    expect(() =>
      endpoint('scheme: hmac\nheader: X\npayload: "{ts}.{body}"\nsecrets: [k]\n'),
    ).toThrow(/unknown placeholder \{ts\}/)
  })
})
