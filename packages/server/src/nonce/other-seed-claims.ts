/**
 * Replay claims restored from replay-claims.json that another gateway saved under its own
 * seeds (merge-claims.ts): their keys cannot be hashed into this store's table, so each group
 * is looked up on its own, with its seeds, until its last claim expires; then it is dropped
 * and a claim costs what it did before. Nothing is ever added to them: a message this gateway
 * accepts is claimed in its own store.
 * @module
 */
import { MemoryNonceStore, type NonceSnapshot } from '@hookwarden/core'

export class OtherSeedClaims {
  #groups: { store: MemoryNonceStore; until: number }[]
  readonly #clock: () => number

  constructor(snapshots: NonceSnapshot[], maxEntries: number, clock: () => number = Date.now) {
    this.#clock = clock
    this.#groups = snapshots.map((snapshot) => {
      let until = 0
      for (let i = 0; i < snapshot.expires.length; i++)
        if (snapshot.expires[i]! > until) until = snapshot.expires[i]!
      return { store: new MemoryNonceStore({ snapshot, maxEntries, clock }), until }
    })
  }

  /** Whether another gateway's live claim holds `key` (a copy of a message it accepted). */
  holds(key: string): boolean {
    if (this.#groups.length === 0) return false
    const now = this.#clock()
    if (this.#groups.some((g) => g.until <= now))
      this.#groups = this.#groups.filter((g) => g.until > now)
    for (const g of this.#groups) if (g.store.holds(key)) return true
    return false
  }

  /** Each group's live claims, to be saved again at close. */
  snapshots(): NonceSnapshot[] {
    const now = this.#clock()
    return this.#groups.filter((g) => g.until > now).map((g) => g.store.snapshot())
  }
}
