/**
 * In-memory nonce store with a bounded size, for one process; the gateway uses Redis when
 * several share the traffic. Expired claims are dropped oldest first to make room. A live
 * claim is never evicted (T-RPL-4): were it dropped, a replay of it inside its window would
 * pass. When the store is full of live claims it refuses new ones with NonceStoreFullError,
 * which carries `retryAfterSeconds` (the gateway answers 503 + Retry-After: fail closed).
 * @module
 */
import { HookwardenError } from '../errors.js'
import type { NonceStore } from './types.js'

/** Every slot holds a claim that is still live; retry once the oldest expires. */
export class NonceStoreFullError extends HookwardenError {
  readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number, maxEntries: number) {
    super(
      'NONCE_STORE_FULL',
      `the replay store holds ${maxEntries} live message ids (its limit); retry in ${retryAfterSeconds} s`,
    )
    this.retryAfterSeconds = retryAfterSeconds
  }
}

export class MemoryNonceStore implements NonceStore {
  // Insertion order is claim order. With one TTL per endpoint, the first entries expire first.
  readonly #entries = new Map<string, number>()
  readonly #maxEntries: number
  readonly #clock: () => number

  constructor(options: { maxEntries?: number; clock?: () => number } = {}) {
    // 1 M ids ≈ 100 MB: five minutes of 3 000 webhooks/s, all inside their window.
    this.#maxEntries = options.maxEntries ?? 1_000_000
    this.#clock = options.clock ?? Date.now
  }

  claim(key: string, ttlMs: number): boolean {
    const now = this.#clock()
    const expires = this.#entries.get(key)
    if (expires !== undefined) {
      if (expires > now) return false
      this.#entries.delete(key)
    }
    if (this.#entries.size >= this.#maxEntries) this.#makeRoom(now)
    this.#entries.set(key, now + ttlMs)
    return true
  }

  /** Drops expired claims from the oldest end; full of live ones → NonceStoreFullError. */
  #makeRoom(now: number): void {
    for (const [k, exp] of this.#entries) {
      if (exp > now) break
      this.#entries.delete(k)
    }
    if (this.#entries.size < this.#maxEntries) return
    // Claims of different TTLs interleave: scan (bounded) for an expired one before refusing.
    let scanned = 0
    let soonest = Number.POSITIVE_INFINITY
    for (const [k, exp] of this.#entries) {
      if (exp <= now) {
        this.#entries.delete(k)
        return
      }
      soonest = Math.min(soonest, exp)
      if (++scanned >= 1024) break
    }
    throw new NonceStoreFullError(Math.max(1, Math.ceil((soonest - now) / 1000)), this.#maxEntries)
  }

  get size(): number {
    return this.#entries.size
  }
}
