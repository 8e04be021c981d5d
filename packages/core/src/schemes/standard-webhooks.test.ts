/**
 * The standard_webhooks scheme: a valid request signed by our own sign(), and one case per
 * reason code that breaks exactly one thing in it. Interop with the real libraries is in
 * test/interop/.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint, StandardWebhooksPolicy } from '../config/types.js'
import { getHeader, withHeader, withoutHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { MemoryNonceStore } from '../nonce/memory.js'
import { sign } from '../verdict/sign.js'
import { verify, verifyEager, verifySync } from '../verdict/verify.js'
import { standardWebhooks } from './standard-webhooks.js'

const NOW = 1_800_000_000
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const OTHER = 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk='

function endpoint(auth: string): Endpoint {
  return loadConfig(`auth:\n${auth.replace(/^/gm, '  ')}`).endpoints[0]!
}

const sw = endpoint(`scheme: standard_webhooks
secrets:
  - { value: "${SECRET}", id: primary }
  - { value: "whsec_ZXhwaXJlZCBzZWNyZXQga2V5IGJ5dGVz", id: old, not_after: "2026-06-01T00:00:00Z" }
retired: ["whsec_cmV0aXJlZCBzZWNyZXQga2V5IGJ5dGVz"]
`)

const base: HttpRequest = {
  method: 'POST',
  url: '/hooks',
  headers: [['content-type', 'application/json']],
  body: new TextEncoder().encode('{"type":"invoice.paid"}'),
}
const signed = await sign(base, sw, { now: NOW, messageId: 'msg_2Lx' })
const set = (name: string, value: string) => (r: HttpRequest) => ({
  ...r,
  headers: withHeader(r.headers, name, value),
})
const drop = (name: string) => (r: HttpRequest) => ({
  ...r,
  headers: withoutHeader(r.headers, name),
})

async function signedWith(secret: string): Promise<HttpRequest> {
  return sign(base, endpoint(`scheme: standard_webhooks\nsecrets: ["${secret}"]\n`), {
    now: NOW,
    messageId: 'msg_2Lx',
  })
}

describe('standard_webhooks', () => {
  it('accepts the signed request', async () => {
    expect(getHeader(signed.headers, 'webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
    const v = await verify(signed, sw, { now: NOW })
    expect(v.ok).toBe(true)
    expect(v.key_id).toBe('primary')
  })

  it('accepts several signatures, one of them current, and skips v1a', async () => {
    const sig = getHeader(signed.headers, 'webhook-signature')!
    const r = set(
      'webhook-signature',
      `v1a,${'A'.repeat(86)}== v1,${'B'.repeat(43)}= ${sig}`,
    )(signed)
    expect((await verify(r, sw, { now: NOW })).ok).toBe(true)
  })

  it("reads Svix's own header names", async () => {
    const r: HttpRequest = {
      ...base,
      headers: signed.headers.map(([n, v]) => [n.replace(/^webhook-/, 'svix-'), v] as const),
    }
    expect((await verify(r, sw, { now: NOW })).ok).toBe(true)
  })

  const cases: {
    code: string
    why: string
    request: () => Promise<HttpRequest> | HttpRequest
    now?: number
  }[] = [
    {
      code: 'signature_missing',
      why: 'no webhook-signature',
      request: () => drop('webhook-signature')(signed),
    },
    {
      code: 'signature_header_malformed',
      why: 'only a v1a signature',
      request: () => set('webhook-signature', 'v1a,abc')(signed),
    },
    {
      code: 'signature_header_malformed',
      why: 'v1 signature not base64',
      request: () => set('webhook-signature', 'v1,not*base64')(signed),
    },
    {
      code: 'signature_mismatch',
      why: 'body changed',
      request: () => ({ ...signed, body: new TextEncoder().encode('{"type":"invoice.paid" }') }),
    },
    {
      code: 'signature_mismatch',
      why: 'signed with an unknown secret',
      request: () => signedWith(OTHER),
    },
    {
      code: 'signature_previous_secret',
      why: 'signed with the retired secret',
      request: () => signedWith('whsec_cmV0aXJlZCBzZWNyZXQga2V5IGJ5dGVz'),
    },
    {
      code: 'credential_revoked',
      why: 'signed with a secret past not_after',
      request: () => signedWith('whsec_ZXhwaXJlZCBzZWNyZXQga2V5IGJ5dGVz'),
    },
    { code: 'message_id_missing', why: 'no webhook-id', request: () => drop('webhook-id')(signed) },
    {
      code: 'timestamp_missing',
      why: 'no webhook-timestamp',
      request: () => drop('webhook-timestamp')(signed),
    },
    {
      code: 'timestamp_malformed',
      why: 'webhook-timestamp with a fraction',
      request: () => set('webhook-timestamp', `${NOW}.5`)(signed),
    },
    {
      code: 'timestamp_milliseconds',
      why: 'webhook-timestamp in milliseconds',
      request: () => set('webhook-timestamp', String(NOW * 1000))(signed),
    },
    {
      code: 'timestamp_out_of_window',
      why: '301 s old (default tolerance 300 s)',
      request: () => signed,
      now: NOW + 301,
    },
    {
      code: 'timestamp_out_of_window',
      why: '301 s in the future',
      request: () => signed,
      now: NOW - 301,
    },
  ]
  for (const c of cases) {
    it(`${c.code}: ${c.why}`, async () => {
      const v = await verify(await c.request(), sw, { now: c.now ?? NOW })
      expect(v.reason).toBe(c.code)
      expect(v.ok).toBe(false)
    })
  }

  it('replay_detected: the same signed message twice; the key is the signature, not the id', async () => {
    const nonceStore = new MemoryNonceStore()
    expect((await verify(signed, sw, { now: NOW, nonceStore })).ok).toBe(true)
    expect((await verify(signed, sw, { now: NOW, nonceStore })).reason).toBe('replay_detected')
    const key = standardWebhooks.replayKey!(signed, sw.auth as StandardWebhooksPolicy)!
    expect(key.key).toMatch(/^sig:[\s\S]{32}:1800000000$/)
    expect(key.ttlMs).toBeGreaterThanOrEqual(600_000)
  })

  it("a sender's retry (same id, signed again with a new timestamp) is a new delivery", async () => {
    const nonceStore = new MemoryNonceStore()
    const retry = await sign(base, sw, { now: NOW + 30, messageId: 'msg_2Lx' })
    expect((await verify(signed, sw, { now: NOW + 30, nonceStore })).ok).toBe(true)
    expect((await verify(retry, sw, { now: NOW + 30, nonceStore })).ok).toBe(true)
    expect((await verify(retry, sw, { now: NOW + 30, nonceStore })).reason).toBe('replay_detected')
  })

  it('an exact replay with its signature list reordered or padded is still a replay', async () => {
    const nonceStore = new MemoryNonceStore()
    const sig = getHeader(signed.headers, 'webhook-signature')!
    const padded = set('webhook-signature', `v1,AAAA ${sig}`)(signed)
    expect((await verify(signed, sw, { now: NOW, nonceStore })).ok).toBe(true)
    expect((await verify(padded, sw, { now: NOW, nonceStore })).reason).toBe('replay_detected')
  })
})

describe('standard_webhooks sign', () => {
  it('keeps the message id of the request it re-signs, or makes a new one', async () => {
    const again = await sign(signed, sw, { now: NOW + 60 })
    expect(getHeader(again.headers, 'webhook-id')).toBe('msg_2Lx')
    expect(getHeader(again.headers, 'webhook-timestamp')).toBe(String(NOW + 60))
    expect((await verify(again, sw, { now: NOW + 60 })).ok).toBe(true)
    const fresh = await sign(base, sw, { now: NOW })
    expect(getHeader(fresh.headers, 'webhook-id')).toMatch(/^msg_[0-9a-f]{24}$/)
  })
})

describe('verifyEager / verifySync with a sync scheme', () => {
  it('answer without a Promise, and with one when the nonce store is async', async () => {
    const eager = verifyEager(signed, sw, { now: NOW })
    expect(eager).not.toBeInstanceOf(Promise)
    expect((eager as { ok: boolean }).ok).toBe(true)
    expect(verifySync(signed, sw, { now: NOW }).key_id).toBe('primary')

    const asyncStore = { claim: async () => true }
    const later = verifyEager(signed, sw, { now: NOW, nonceStore: asyncStore })
    expect(later).toBeInstanceOf(Promise)
    expect((await later).checks.at(-1)).toMatchObject({ name: 'replay', ok: true })
    expect(() => verifySync(signed, sw, { now: NOW, nonceStore: asyncStore })).toThrow(TypeError)
  })
})
