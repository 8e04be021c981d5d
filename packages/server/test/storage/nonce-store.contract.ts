/**
 * The one NonceStore contract suite, run against the memory store and Redis.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { NonceStore } from '@hookwarden/core'
import { afterAll, describe, expect, it } from 'vitest'

export interface NonceHarness {
  /** A store; calling it again gives another instance over the same backing store (a second gateway). */
  open(): Promise<NonceStore & { close?(): Promise<void> }>
  /** true when two instances share state (Redis); false for per-process memory. */
  shared: boolean
}

const key = () => `msg_${randomBytes(8).toString('hex')}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function describeNonceStore(name: string, harness: NonceHarness): void {
  describe(`NonceStore contract: ${name}`, () => {
    const opened: { close?(): Promise<void> }[] = []
    const open = async () => {
      const s = await harness.open()
      opened.push(s)
      return s
    }
    afterAll(async () => {
      for (const s of opened) await s.close?.()
    })

    it('claims a new key once; the replay is refused', async () => {
      const s = await open()
      const k = key()
      expect(await s.claim(k, 60_000)).toBe(true)
      expect(await s.claim(k, 60_000)).toBe(false)
      expect(await s.claim(k, 60_000)).toBe(false)
      expect(await s.claim(key(), 60_000)).toBe(true)
    })

    it('keys are independent and exact (no prefix or case folding)', async () => {
      const s = await open()
      const k = key()
      expect(await s.claim(k, 60_000)).toBe(true)
      expect(await s.claim(k.toUpperCase(), 60_000)).toBe(true)
      expect(await s.claim(`${k}x`, 60_000)).toBe(true)
      expect(await s.claim(k.slice(0, -1), 60_000)).toBe(true)
    })

    it('forgets a key after its TTL', async () => {
      const s = await open()
      const k = key()
      expect(await s.claim(k, 40)).toBe(true)
      expect(await s.claim(k, 40)).toBe(false)
      await sleep(150)
      expect(await s.claim(k, 60_000)).toBe(true)
    })

    it('100 concurrent claims of one key: exactly one wins (T-RPL-2)', async () => {
      const stores = harness.shared ? [await open(), await open(), await open()] : [await open()]
      for (let round = 0; round < 10; round++) {
        const k = key()
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => stores[i % stores.length]?.claim(k, 60_000)),
        )
        expect(results.filter((r) => r === true)).toHaveLength(1)
      }
    })

    it('a released key can be claimed again; the others stay claimed', async () => {
      const store = await open()
      const [k, other] = [key(), key()]
      expect(await store.claim(k, 60_000)).toBe(true)
      expect(await store.claim(other, 60_000)).toBe(true)
      await store.release?.(k)
      expect(await store.claim(k, 60_000)).toBe(true)
      expect(await store.claim(k, 60_000)).toBe(false)
      expect(await store.claim(other, 60_000)).toBe(false)
    })

    if (harness.shared) {
      it('a key released through one instance is claimable at another', async () => {
        const [a, b] = [await open(), await open()]
        const k = key()
        expect(await a.claim(k, 60_000)).toBe(true)
        await a.release?.(k)
        expect(await b.claim(k, 60_000)).toBe(true)
      })

      it('a key claimed through one instance is a replay at another', async () => {
        const [a, b] = [await open(), await open()]
        const k = key()
        expect(await a.claim(k, 60_000)).toBe(true)
        expect(await b.claim(k, 60_000)).toBe(false)
      })
    }
  })
}
