/**
 * Two data options of the HMAC policy: `header_aliases` (the provider's other names for the
 * signature header, Shopify's Events `shopify-hmac-sha256`) and a one-sided timestamp window
 * (`one_sided: true`: only a timestamp too old is refused, as Stripe's, Paddle's, Slack's,
 * Mux's and HubSpot's SDKs do).
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint } from '../config/types.js'
import { getHeader, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { MemoryNonceStore } from '../nonce/memory.js'
import { sign } from '../verdict/sign.js'
import { verify } from '../verdict/verify.js'
import { hmac, ONE_SIDED_AHEAD } from './hmac.js'

const NOW = 1_800_000_000

function endpoint(auth: string): Endpoint {
  return loadConfig(`auth:\n${auth.replace(/^/gm, '  ')}`).endpoints[0]!
}

const base: HttpRequest = {
  method: 'POST',
  url: '/hooks/orders',
  headers: [['Content-Type', 'application/json']],
  body: new TextEncoder().encode('{"id":"ord_1","amount":1200}'),
}

const e = endpoint(`scheme: hmac
header: X-Shop-Hmac
header_aliases: [shop-hmac, Shop-Hmac-Legacy]
encoding: base64
secrets: [s3cret]
`)
const signed = await sign(base, e, { now: NOW })
const value = getHeader(signed.headers, 'x-shop-hmac')!
const under = (name: string): HttpRequest => ({
  ...base,
  headers: withHeader(base.headers, name, value),
})

describe('header_aliases', () => {
  it('signs under the header, and reads each alias when the header is absent', async () => {
    expect(value).toBeDefined()
    for (const name of ['X-Shop-Hmac', 'shop-hmac', 'SHOP-HMAC', 'shop-hmac-legacy']) {
      expect((await verify(under(name), e, { now: NOW })).ok).toBe(true)
    }
  })

  it('a wrong signature under an alias is a mismatch; none at all names every header', async () => {
    const bad = { ...base, headers: withHeader(base.headers, 'shop-hmac', `AAAA${value.slice(4)}`) }
    expect((await verify(bad, e, { now: NOW })).reason).toBe('signature_mismatch')
    const none = await verify(base, e, { now: NOW })
    expect(none.reason).toBe('signature_missing')
    expect(none.checks[0]!.detail).toBe('no X-Shop-Hmac or shop-hmac or Shop-Hmac-Legacy header')
  })

  it('the replay key is read under the alias too', async () => {
    const store = new MemoryNonceStore()
    const first = await verify(under('shop-hmac'), e, { now: NOW, nonceStore: store })
    expect(first.ok).toBe(true)
    expect(hmac.replayKey!(under('shop-hmac'), e.auth as never)?.key).toMatch(/^sig:/)
    const again = await verify(under('shop-hmac'), e, { now: NOW, nonceStore: store })
    expect(again.reason).toBe('replay_detected')
  })
})

describe('timestamp one_sided', () => {
  const auth = (oneSided: boolean) => `scheme: hmac
header: Stripe-Signature
format: { kind: pairs, signature_key: v1, timestamp_key: t }
payload: "{timestamp}.{body}"
timestamp: { unit: seconds, tolerance: 300${oneSided ? ', one_sided: true' : ''} }
secrets: [whsec_test_secret]
`
  const oneSided = endpoint(auth(true))
  const twoSided = endpoint(auth(false))
  const at = async (e: Endpoint, signedAt: number) =>
    verify(await sign(base, e, { now: signedAt }), e, { now: NOW })

  it('accepts a timestamp ahead of now; a two-sided window refuses it', async () => {
    expect((await at(oneSided, NOW + 400)).ok).toBe(true)
    expect((await at(oneSided, NOW + 3 * 86400)).ok).toBe(true)
    const two = await at(twoSided, NOW + 400)
    expect(two.reason).toBe('timestamp_out_of_window')
    expect(two.checks[0]!.detail).toBe('the timestamp is 400 s in the future (tolerance 300 s)')
  })

  it('still refuses a timestamp too old, and one too far ahead to be a clock', async () => {
    const old = await at(oneSided, NOW - 301)
    expect(old.reason).toBe('timestamp_out_of_window')
    expect(old.checks[0]!.detail).toBe('the timestamp is 301 s in the past (tolerance 300 s)')
    const far = await at(oneSided, NOW + ONE_SIDED_AHEAD + 1)
    expect(far.reason).toBe('timestamp_out_of_window')
    expect(far.checks[0]!.detail).toMatch(/in the future \(at most \d+ s ahead\)/)
  })

  it('milliseconds where seconds are expected stay timestamp_milliseconds', async () => {
    const r = await sign(base, oneSided, { now: NOW })
    const sig = getHeader(r.headers, 'stripe-signature')!.split(',')[1]
    const ms = {
      ...r,
      headers: withHeader(r.headers, 'Stripe-Signature', `t=${NOW * 1000},${sig}`),
    }
    expect((await verify(ms, oneSided, { now: NOW })).reason).toBe('timestamp_milliseconds')
  })

  it('the ok detail says what was checked', async () => {
    const ok = await at(oneSided, NOW)
    expect(ok.checks[0]).toMatchObject({ name: 'timestamp', ok: true, detail: 'at most 300 s old' })
  })

  it('keeps the replay key of a timestamp ahead of now until it is too old', async () => {
    const wall = Math.floor(Date.now() / 1000)
    const key = (signedAt: number) =>
      sign(base, oneSided, { now: signedAt }).then((r) =>
        hmac.replayKey!(r, oneSided.auth as never),
      )
    expect((await key(wall))!.ttlMs).toBe(2 * 300 * 1000 + 60_000)
    const ahead = (await key(wall + 3600))!.ttlMs
    expect(ahead).toBeGreaterThan((3600 + 300 - 5) * 1000)
    expect(ahead).toBeLessThanOrEqual((3600 + 300) * 1000 + 60_000)
  })
})
