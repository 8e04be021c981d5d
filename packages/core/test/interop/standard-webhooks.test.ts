/**
 * Interop with the reference signers: requests signed by `standardwebhooks` and `svix`
 * (Webhook.sign) are accepted, a one-byte change of body, timestamp or signature is refused
 * with the right code, and requests we sign pass their verify().
 * @module
 */
import {
  type Endpoint,
  getHeader,
  type HttpRequest,
  loadConfig,
  MemoryNonceStore,
  sign,
  verify,
  withHeader,
} from '@hookwarden/core'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import { describe, expect, it } from 'vitest'
import { changeOneChar } from './change.js'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const endpoint: Endpoint = loadConfig(
  `auth:\n  scheme: standard_webhooks\n  secrets: ["${SECRET}"]\n`,
).endpoints[0]!
const body = '{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"note":"café ☕"}}'
const now = Math.floor(Date.now() / 1000)

function request(
  prefix: 'webhook' | 'svix',
  id: string,
  ts: number,
  signature: string,
  payload = body,
): HttpRequest {
  return {
    method: 'POST',
    url: '/hooks',
    headers: [
      ['content-type', 'application/json'],
      [`${prefix}-id`, id],
      [`${prefix}-timestamp`, String(ts)],
      [`${prefix}-signature`, signature],
    ],
    body: new TextEncoder().encode(payload),
  }
}

const signers = [
  {
    lib: 'standardwebhooks',
    prefix: 'webhook' as const,
    sign: (id: string, ts: number, p: string) =>
      new StandardWebhook(SECRET).sign(id, new Date(ts * 1000), p),
  },
  {
    lib: 'svix',
    prefix: 'svix' as const,
    sign: (id: string, ts: number, p: string) =>
      new SvixWebhook(SECRET).sign(id, new Date(ts * 1000), p),
  },
  {
    lib: 'svix (webhook-* headers)',
    prefix: 'webhook' as const,
    sign: (id: string, ts: number, p: string) =>
      new SvixWebhook(SECRET).sign(id, new Date(ts * 1000), p),
  },
]

describe.each(signers)('signed by $lib', (s) => {
  const signature = s.sign('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', now, body)
  const good = request(s.prefix, 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', now, signature)
  const name = (h: string) => `${s.prefix}-${h}`

  it('is accepted', async () => {
    expect((await verify(good, endpoint, { now })).ok).toBe(true)
  })

  it('with one byte of the body changed: signature_mismatch', async () => {
    const bytes = new Uint8Array(good.body)
    bytes[20] = bytes[20]! ^ 0x01
    expect((await verify({ ...good, body: bytes }, endpoint, { now })).reason).toBe(
      'signature_mismatch',
    )
  })

  it('with the timestamp changed by one second: signature_mismatch', async () => {
    const r = { ...good, headers: withHeader(good.headers, name('timestamp'), String(now + 1)) }
    expect((await verify(r, endpoint, { now })).reason).toBe('signature_mismatch')
  })

  it('with one character of the signature changed: signature_mismatch', async () => {
    const r = {
      ...good,
      headers: withHeader(good.headers, name('signature'), changeOneChar(signature, 10)),
    }
    expect((await verify(r, endpoint, { now })).reason).toBe('signature_mismatch')
  })

  it('with the message id changed: signature_mismatch', async () => {
    const r = {
      ...good,
      headers: withHeader(good.headers, name('id'), 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4X'),
    }
    expect((await verify(r, endpoint, { now })).reason).toBe('signature_mismatch')
  })

  it('older than the tolerance: timestamp_out_of_window', async () => {
    const old = request(s.prefix, 'msg_x', now - 301, s.sign('msg_x', now - 301, body))
    expect((await verify(old, endpoint, { now })).reason).toBe('timestamp_out_of_window')
  })

  it('a retry the sender signed again (same id, new timestamp) is accepted; the exact copy is a replay', async () => {
    const nonceStore = new MemoryNonceStore()
    const id = 'msg_retry_2KWPBgLlAfxdpx2AI5'
    const first = request(s.prefix, id, now - 20, s.sign(id, now - 20, body))
    const retry = request(s.prefix, id, now, s.sign(id, now, body))
    expect((await verify(first, endpoint, { now, nonceStore })).ok).toBe(true)
    expect((await verify(retry, endpoint, { now, nonceStore })).ok).toBe(true)
    expect((await verify(first, endpoint, { now, nonceStore })).reason).toBe('replay_detected')
    expect((await verify(retry, endpoint, { now, nonceStore })).reason).toBe('replay_detected')
  })
})

describe('signed by hookwarden', () => {
  it('passes standardwebhooks and svix verify()', async () => {
    const base: HttpRequest = {
      method: 'POST',
      url: '/hooks',
      headers: [],
      body: new TextEncoder().encode(body),
    }
    const r = await sign(base, endpoint, { now, messageId: 'msg_ours' })
    const headers = Object.fromEntries(r.headers.map(([n, v]) => [n.toLowerCase(), v]))
    expect(new StandardWebhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body))
    expect(new SvixWebhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body))
    expect(getHeader(r.headers, 'webhook-signature')).toBe(
      new StandardWebhook(SECRET).sign('msg_ours', new Date(now * 1000), body),
    )
  })
})
