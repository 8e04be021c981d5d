/**
 * In-memory nonce store with a bounded size: the oldest entries are evicted first, expired
 * ones lazily. For one process; the gateway uses Redis when several share the traffic.
 * @module
 */
import type { NonceStore } from './types.js'

export class MemoryNonceStore implements NonceStore {
  readonly #entries = new Map<string, number>()
  readonly #maxEntries: number
  readonly #clock: () => number

  constructor(options: { maxEntries?: number; clock?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
    this.#clock = options.clock ?? Date.now
  }

  claim(key: string, ttlMs: number): boolean {
    const now = this.#clock()
    const expires = this.#entries.get(key)
    if (expires !== undefined && expires > now) return false
    this.#entries.delete(key)
    this.#entries.set(key, now + ttlMs)
    if (this.#entries.size > this.#maxEntries) {
      // Map iterates in insertion order: the first key is the oldest claim.
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    return true
  }

  get size(): number {
    return this.#entries.size
  }
}
