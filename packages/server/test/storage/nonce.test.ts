/**
 * The NonceStore contract on MemoryNonceStore and on the Redis running here (unique key
 * prefix per run; HOOKWARDEN_TEST_REDIS_URL overrides), plus fail-closed and rate counters.
 * @module
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { MemoryNonceStore } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { openNonceStore } from '../../src/nonce/open-nonce-store.js'
import { MemoryRateCounter, openRateCounter } from '../../src/nonce/rate-counter.js'
import { connectRedis } from '../../src/redis.js'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import { describeNonceStore } from './nonce-store.contract.js'

const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `hw-test:${process.pid}:${randomBytes(4).toString('hex')}:`

describeNonceStore('memory', { shared: false, open: async () => new MemoryNonceStore() })
describeNonceStore('openNonceStore() without a URL', {
  shared: false,
  open: () => openNonceStore({}),
})
describeNonceStore('redis', {
  shared: true,
  open: () => openNonceStore({ redisUrl: REDIS_URL, keyPrefix: prefix }),
})

/** A TCP proxy to Redis that can be cut, standing for Redis going away mid-run. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = new URL(target)
  url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return {
    url: url.toString(),
    cut: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        for (const s of sockets) s.destroy()
      }),
  }
}

describe('redis nonce store', () => {
  it('keys carry the prefix and expire (SET NX PX)', async () => {
    const store = await openNonceStore({ redisUrl: REDIS_URL, keyPrefix: prefix })
    expect(store.kind).toBe('redis')
    expect(await store.claim('abc', 30_000)).toBe(true)
    const redis = await connectRedis({ url: REDIS_URL })
    const ttl = await redis.pttl(`${prefix}nonce:abc`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(30_000)
    await redis.quit()
    await store.close()
  })

  it('an unreachable Redis fails at open with StoreUnavailableError, password hidden', async () => {
    const error = await openNonceStore({ redisUrl: 'redis://:pw-s3cret@127.0.0.1:1' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error).toMatchObject({ store: 'nonce', failure: 'down' })
    expect((error as Error).message).not.toContain('pw-s3cret')
  })

  it('Redis going away mid-run fails closed: claim rejects, never answers true (T-RPL-5)', async () => {
    const proxy = await cuttableProxy(new URL(REDIS_URL))
    const store = await openNonceStore({ redisUrl: proxy.url, keyPrefix: prefix })
    expect(await store.claim(`k-${randomBytes(4).toString('hex')}`, 10_000)).toBe(true)
    await proxy.cut()
    await new Promise((r) => setTimeout(r, 50))
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => store.claim(`k-${randomBytes(4).toString('hex')}`, 10_000)),
    )
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError)
    }
    await store.close()
  })
})

describe('rate counters', () => {
  it('memory: counts per key and window, then starts over', () => {
    let now = 1_000_000
    const c = new MemoryRateCounter({ clock: () => now })
    expect([c.hit('a', 1000), c.hit('a', 1000), c.hit('b', 1000), c.hit('a', 1000)]).toEqual([
      1, 2, 1, 3,
    ])
    now += 1000
    expect(c.hit('a', 1000)).toBe(1)
  })

  it('memory: stays bounded', () => {
    const c = new MemoryRateCounter({ maxKeys: 10, clock: () => 5 })
    for (let i = 0; i < 100; i++) c.hit(`k${i}`, 60_000)
    expect(c.hit('k99', 60_000)).toBe(2)
    expect(c.hit('k0', 60_000)).toBe(1)
  })

  it('redis: two gateways share one count per window (INCR + PEXPIRE)', async () => {
    const a = await openRateCounter({ redisUrl: REDIS_URL, keyPrefix: prefix })
    const b = await openRateCounter({ redisUrl: REDIS_URL, keyPrefix: prefix })
    expect(a.kind).toBe('redis')
    const k = `src-${randomBytes(4).toString('hex')}`
    const counts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hit(k, 60_000)),
    )
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix })
    const keys = await redis.keys(`${prefix}rate:${k}:*`)
    expect(keys).toHaveLength(1)
    expect(await redis.pttl((keys[0] as string).slice(prefix.length))).toBeGreaterThan(0)
    await redis.quit()
    await a.close()
    await b.close()
  })

  it('without a URL it is the memory counter', async () => {
    const c = await openRateCounter({})
    expect(c.kind).toBe('memory')
    expect(await c.hit('x', 1000)).toBe(1)
  })
})
