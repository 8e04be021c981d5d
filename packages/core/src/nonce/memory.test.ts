/**
 * MemoryNonceStore: a key is claimed once until it expires; the store stays bounded by
 * evicting the oldest claims. And replay_detected end to end through verify().
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { sign } from '../verdict/sign.js'
import { verify } from '../verdict/verify.js'
import { MemoryNonceStore } from './memory.js'

describe('MemoryNonceStore', () => {
  it('claims a key once, and again after it expired', () => {
    let now = 1_000
    const store = new MemoryNonceStore({ clock: () => now })
    expect(store.claim('a', 500)).toBe(true)
    expect(store.claim('a', 500)).toBe(false)
    now += 499
    expect(store.claim('a', 500)).toBe(false)
    now += 2
    expect(store.claim('a', 500)).toBe(true)
    expect(store.claim('b', 500)).toBe(true)
  })

  it('stays bounded: the oldest claim is evicted first', () => {
    const store = new MemoryNonceStore({ maxEntries: 3, clock: () => 0 })
    for (const k of ['k1', 'k2', 'k3', 'k4']) expect(store.claim(k, 60_000)).toBe(true)
    expect(store.size).toBe(3)
    expect(store.claim('k1', 60_000)).toBe(true) // evicted, so new again (evicts k2)
    expect(store.claim('k3', 60_000)).toBe(false)
    expect(store.claim('k4', 60_000)).toBe(false)
    expect(store.size).toBe(3)
  })

  it('never grows past maxEntries under many distinct keys', () => {
    const store = new MemoryNonceStore({ maxEntries: 100 })
    for (let i = 0; i < 10_000; i++) store.claim(`key-${i}`, 60_000)
    expect(store.size).toBe(100)
  })
})

describe('replay_detected through verify()', () => {
  const NOW = 1_800_000_000
  const base: HttpRequest = {
    method: 'POST',
    url: '/h',
    headers: [],
    body: new TextEncoder().encode('{"n":1}'),
  }

  it('standard_webhooks: a second delivery of the same webhook-id is refused', async () => {
    const e = loadConfig(
      'auth:\n  scheme: standard_webhooks\n  secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]\n',
    ).endpoints[0]!
    const nonceStore = new MemoryNonceStore()
    const first = await sign(base, e, { now: NOW, messageId: 'msg_1' })
    expect((await verify(first, e, { now: NOW, nonceStore })).ok).toBe(true)
    const replay = await verify(first, e, { now: NOW + 10, nonceStore })
    expect(replay.reason).toBe('replay_detected')
    expect(replay.status).toBe(401)
    // Another message id is a new message.
    const second = await sign(base, e, { now: NOW, messageId: 'msg_2' })
    expect((await verify(second, e, { now: NOW, nonceStore })).ok).toBe(true)
  })

  it('hmac without an id: the same signature bytes twice are a replay, whatever their encoding', async () => {
    const e = loadConfig(
      'auth:\n  scheme: hmac\n  header: X-Sig\n  encoding: hex\n  payload: "{timestamp}.{body}"\n  timestamp: { header: X-Ts }\n  secrets: [k]\n',
    ).endpoints[0]!
    const nonceStore = new MemoryNonceStore()
    const r = await sign(base, e, { now: NOW })
    expect((await verify(r, e, { now: NOW, nonceStore })).ok).toBe(true)
    // Upper-case hex is another text for the same bytes: still a replay.
    const upper = {
      ...r,
      headers: r.headers.map(([n, v]) => [n, n === 'X-Sig' ? v.toUpperCase() : v] as const),
    }
    expect((await verify(upper, e, { now: NOW, nonceStore })).reason).toBe('replay_detected')
  })

  it('a refused request claims nothing', async () => {
    const e = loadConfig(
      'auth:\n  scheme: standard_webhooks\n  secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]\n',
    ).endpoints[0]!
    const nonceStore = new MemoryNonceStore()
    const r = await sign(base, e, { now: NOW, messageId: 'msg_1' })
    expect(
      (await verify({ ...r, body: new Uint8Array([1]) }, e, { now: NOW, nonceStore })).reason,
    ).toBe('signature_mismatch')
    expect(nonceStore.size).toBe(0)
    expect((await verify(r, e, { now: NOW, nonceStore })).ok).toBe(true)
  })
})
