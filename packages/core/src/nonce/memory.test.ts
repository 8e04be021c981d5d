/**
 * MemoryNonceStore: a key is claimed once until it expires; the store stays bounded by
 * evicting the oldest claims. And replay_detected end to end through verify().
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { sign } from '../verdict/sign.js'
import { verify } from '../verdict/verify.js'
import { MemoryNonceStore, NonceStoreFullError } from './memory.js'

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

  it('a snapshot carries the live claims to the next store (a restart); expired ones stay behind', () => {
    let now = 1_000
    const first = new MemoryNonceStore({ clock: () => now })
    for (let i = 0; i < 3000; i++)
      expect(first.claim(`id-${i}`, i < 1000 ? 100 : 60_000)).toBe(true)
    now += 500
    const snapshot = first.snapshot()
    expect(snapshot.expires).toHaveLength(2000)
    const next = new MemoryNonceStore({ clock: () => now, snapshot })
    for (let i = 0; i < 3000; i++) expect(next.claim(`id-${i}`, 60_000)).toBe(i < 1000)
    // Another store's seeds hash the same ids elsewhere: only the snapshot's seeds restore them.
    expect(new MemoryNonceStore({ clock: () => now }).claim('id-2500', 60_000)).toBe(true)
  })

  it('a snapshot larger than the limit keeps what fits, never throws', () => {
    const now = 0
    const big = new MemoryNonceStore({ clock: () => now })
    for (let i = 0; i < 50; i++) big.claim(`k${i}`, 60_000)
    const small = new MemoryNonceStore({
      clock: () => now,
      maxEntries: 10,
      snapshot: big.snapshot(),
    })
    expect(small.size).toBeLessThanOrEqual(10)
  })

  it('stays bounded without evicting a live claim: full of live ids, it refuses (T-RPL-4)', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntries: 3, clock: () => now })
    for (const k of ['k1', 'k2', 'k3']) expect(store.claim(k, 60_000)).toBe(true)
    // A fourth id while all three are live: refused with a retry time, never k1 evicted.
    let err: unknown
    try {
      store.claim('k4', 60_000)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NonceStoreFullError)
    expect((err as NonceStoreFullError).retryAfterSeconds).toBe(60)
    expect(store.claim('k1', 60_000)).toBe(false) // still a replay
    expect(store.size).toBe(3)
    // Once the oldest expire, their room is reused.
    now = 60_000
    expect(store.claim('k4', 60_000)).toBe(true)
    expect(store.claim('k2', 60_000)).toBe(true) // expired: a new claim
    expect(store.size).toBeLessThanOrEqual(3)
  })

  it('flood of unique ids, then the replay of an early one inside its window is detected', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntries: 10_000, clock: () => now })
    expect(store.claim('early', 300_000)).toBe(true)
    let refused = 0
    for (let i = 0; i < 50_000; i++) {
      now += 1
      try {
        store.claim(`flood-${i}`, 300_000)
      } catch (e) {
        if (!(e instanceof NonceStoreFullError)) throw e
        refused++
      }
    }
    expect(refused).toBeGreaterThan(0)
    expect(store.size).toBeLessThanOrEqual(10_000)
    expect(store.claim('early', 300_000)).toBe(false)
  })

  it('makes room from expired claims even when TTLs differ', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntries: 2, clock: () => now })
    expect(store.claim('long', 60_000)).toBe(true)
    expect(store.claim('short', 1_000)).toBe(true)
    now = 2_000
    expect(store.claim('new', 60_000)).toBe(true) // 'short' expired, 'long' kept
    expect(store.claim('long', 60_000)).toBe(false)
  })
})

/** Claims `ops` in order, expecting each answer a Map of id → expiry would give; returns the store, the model and the clock. */
function againstMap(ops: { key: string; ttl: number; step: number; release?: boolean }[]) {
  let now = 1_000
  const store = new MemoryNonceStore({ clock: () => now })
  const model = new Map<string, number>()
  for (const { key, ttl, step, release } of ops) {
    now += step
    if (release) {
      // A delivery that never reached the receiver: its id may be accepted again at once.
      if (model.has(key)) model.set(key, Math.min(model.get(key)!, now))
      store.release(key)
      continue
    }
    const live = (model.get(key) ?? 0) > now
    // holds() answers as the claim will, and claims nothing.
    expect(store.holds(key)).toBe(live)
    if (!live) model.set(key, now + ttl)
    expect(store.claim(key, ttl)).toBe(!live)
  }
  return { store, model, now }
}

describe('MemoryNonceStore off the heap', () => {
  it('answers as a Map of id → expiry would, for any sequence of claims, releases and clock steps', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'c', 'msg_1', 'msg_2', 'ü', '', 'x'.repeat(40)),
            ttl: fc.integer({ min: 1, max: 5_000 }),
            step: fc.integer({ min: 0, max: 3_000 }),
            release: fc.constantFrom(false, false, false, true),
          }),
          { maxLength: 300 },
        ),
        (ops) => void againstMap(ops),
      ),
    )
  })

  it('answers as the Map would while it grows, its claims moving to the new table a few at a time', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 2_500 }),
            ttl: fc.integer({ min: 1, max: 400 }),
            step: fc.integer({ min: 0, max: 3 }),
            release: fc.constantFrom(false, false, false, false, false, false, false, true),
          }),
          { minLength: 1_000, maxLength: 5_000 },
        ),
        (ops) => {
          const { store, model, now } = againstMap(
            ops.map((o) => ({ ...o, key: `ep|msg_${o.key}` })),
          )
          // Every id the model holds live is still refused, whichever table it is in.
          for (const [id, expires] of model)
            if (expires > now) expect(store.claim(id, 1)).toBe(false)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('holds 300 000 live ids through its growth: each is claimed once, then every one is a replay', () => {
    const now = 0
    const store = new MemoryNonceStore({ clock: () => now })
    for (let i = 0; i < 300_000; i++) expect(store.claim(`ep|msg_${i}`, 60_000)).toBe(true)
    let replays = 0
    for (let i = 0; i < 300_000; i++) if (!store.claim(`ep|msg_${i}`, 60_000)) replays++
    expect(replays).toBe(300_000)
    expect(store.size).toBe(300_000)
  })

  it('at its limit with claims expiring one by one, frees room in steps, never a live claim', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntries: 1000, clock: () => now })
    // Expiries 1 ms apart: at t = 10 500 the first 501 have expired (k0 … k500).
    for (let i = 0; i < 1000; i++) {
      now = i
      expect(store.claim(`k${i}`, 10_000)).toBe(true)
    }
    now = 10_500
    let accepted = 0
    let full = 0
    for (let i = 0; i < 600; i++) {
      try {
        if (store.claim(`new${i}`, 10_000)) accepted++
      } catch (e) {
        if (!(e instanceof NonceStoreFullError)) throw e
        full++
      }
    }
    // The 501 expired slots are reused; the rest is refused (503 + Retry-After), not evicted.
    expect(accepted).toBe(501)
    expect(full).toBe(99)
    for (let i = 501; i < 1000; i++) expect(store.claim(`k${i}`, 10_000)).toBe(false)
  })
})

describe('MemoryNonceStore at its limit, claims expiring one at a time', () => {
  it('after freeing fewer than 1/64 of its room, refuses for a second rather than rescan per claim', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntries: 1000, clock: () => now })
    for (let i = 0; i < 1000; i++) {
      now = i
      store.claim(`k${i}`, 10_000)
    }
    now = 10_002 // k0, k1, k2 expired: 3 < 1000/64
    const results: (boolean | string)[] = []
    for (let i = 0; i < 5; i++) {
      try {
        results.push(store.claim(`n${i}`, 10_000))
      } catch (e) {
        results.push(e instanceof NonceStoreFullError ? `full ${e.retryAfterSeconds}` : 'other')
      }
    }
    expect(results).toEqual([true, true, true, 'full 1', 'full 1'])
    now = 11_002 // a second later: what expired since is reclaimed
    expect(store.claim('later', 10_000)).toBe(true)
    expect(store.claim('n0', 10_000)).toBe(false) // live: never evicted
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
