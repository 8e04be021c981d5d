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

/**
 * The claims live off the JavaScript heap, in typed arrays: an open-addressing table (linear
 * probing, load ≤ ½) of 64-bit keyed hashes of the ids and their expiry times. A Map of string
 * ids made every major GC mark hundreds of thousands of entries and rehash in one pause as it
 * grew: measured as the gateway's p99 (7–20 ms at 25k webhooks/s, 6 ms without it).
 *
 * Two ids with the same 64-bit hash would make the second look like a replay: refused, never
 * accepted (fail-safe), and the hash is seeded per process, so nobody can aim for it; by
 * chance it is about 1 in 10^7 over a million live ids.
 */
export class MemoryNonceStore implements NonceStore {
  readonly #maxEntries: number
  readonly #clock: () => number
  readonly #seedA: number
  readonly #seedB: number
  #hashA = new Uint32Array(1024)
  #hashB = new Uint32Array(1024)
  /** Expiry in ms; 0 = an empty slot. */
  #expires = new Float64Array(1024)
  #mask = 1023
  /** Occupied slots, live or expired (expired ones are reused in place or dropped on rebuild). */
  #count = 0
  /** No claim expires before this (a lower bound): at the limit, nothing can be freed before it. */
  #soonest = Number.POSITIVE_INFINITY
  #nextSweep = 0
  /**
   * The table being emptied into the current one as it grew, a few slots per claim: moving
   * every live claim at once stalled the event loop for the whole table (measured 44 ms at
   * 524 288 ids on a slow day, and it doubles with each growth; now the worst claim of 600 000
   * is 7–16 ms, a GC). Both tables are held until it is empty. Null when none.
   */
  #old: OldTable | null = null

  constructor(
    options: { maxEntries?: number; clock?: () => number; snapshot?: NonceSnapshot } = {},
  ) {
    // 1 M ids ≈ 32 MB: five minutes of 3 000 webhooks/s, all inside their window.
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1_000_000)
    this.#clock = options.clock ?? Date.now
    const snap = options.snapshot
    this.#seedA = snap ? snap.seeds[0] >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0
    this.#seedB = snap ? snap.seeds[1] >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0
    if (snap) {
      const now = this.#clock()
      const n = Math.min(snap.a.length, snap.b.length, snap.expires.length)
      try {
        for (let i = 0; i < n; i++)
          if (snap.expires[i]! > now)
            this.#claimHashed(snap.a[i]!, snap.b[i]!, snap.expires[i]!, now)
      } catch (e) {
        // A snapshot from a store with a higher limit: what fits is kept.
        if (!(e instanceof NonceStoreFullError)) throw e
      }
    }
  }

  /**
   * The live claims with the seeds that hashed them, to be restored by a store of the next
   * process (`new MemoryNonceStore({ snapshot })`): a restart must not make a replay of a
   * message accepted just before it pass. Only hashes and expiry times: no id.
   */
  snapshot(): NonceSnapshot {
    const now = this.#clock()
    const a: number[] = []
    const b: number[] = []
    const expires: number[] = []
    const take = (h: Uint32Array, g: Uint32Array, e: Float64Array) => {
      for (let i = 0; i < e.length; i++)
        if (e[i]! > now) {
          a.push(h[i]!)
          b.push(g[i]!)
          expires.push(e[i]!)
        }
    }
    if (this.#old) take(this.#old.a, this.#old.b, this.#old.e)
    take(this.#hashA, this.#hashB, this.#expires)
    return { seeds: [this.#seedA, this.#seedB], a, b, expires }
  }

  claim(key: string, ttlMs: number): boolean {
    const now = this.#clock()
    if (this.#old) this.#migrate(now, MIGRATE_STEP)
    const [a, b] = this.#hash(key)
    return this.#claimHashed(a, b, now + Math.max(1, ttlMs), now)
  }

  #claimHashed(a: number, b: number, expires: number, now: number): boolean {
    let i = a & this.#mask
    let reuse = -1
    let found = false
    for (;;) {
      const e = this.#expires[i]!
      if (e === 0) break
      if (this.#hashA[i] === a && this.#hashB[i] === b) {
        if (e > now) return false
        reuse = i
        found = true
        break
      }
      if (reuse < 0 && e <= now) reuse = i
      i = (i + 1) & this.#mask
    }
    // Not in the current table: a live claim may still wait in the old one. (A claim found in
    // the current table is the newest: it entered only once the old one held no live copy.)
    if (!found && this.#old && liveIn(this.#old, a, b, now)) return false
    if (reuse < 0) {
      // A new slot: make room first (drop expired claims, grow) when at a limit.
      const held = this.#count + (this.#old?.pending ?? 0)
      if (held >= this.#maxEntries || (held + 1) * 2 > this.#mask + 1) {
        this.#rebuild(now)
        return this.#claimHashed(a, b, expires, now)
      }
      this.#count++
    } else i = reuse
    this.#hashA[i] = a
    this.#hashB[i] = b
    this.#expires[i] = expires
    if (expires < this.#soonest) this.#soonest = expires
    return true
  }

  /**
   * Whether `key` has a live claim, claiming nothing: how a gateway checks the claims another
   * gateway saved under other seeds (server/src/nonce), which it never adds to.
   */
  holds(key: string): boolean {
    const now = this.#clock()
    const [a, b] = this.#hash(key)
    for (let i = a & this.#mask; this.#expires[i] !== 0; i = (i + 1) & this.#mask)
      // The current table's entry is the newest (see #claimHashed): it answers alone.
      if (this.#hashA[i] === a && this.#hashB[i] === b) return this.#expires[i]! > now
    return this.#old !== null && liveIn(this.#old, a, b, now)
  }

  /** Expires the claim of `key` now, in whichever table holds it; its slot is reused later. */
  release(key: string): void {
    const now = this.#clock()
    const [a, b] = this.#hash(key)
    const expire = (h: Uint32Array, g: Uint32Array, e: Float64Array, mask: number) => {
      for (let i = a & mask; e[i] !== 0; i = (i + 1) & mask)
        if (h[i] === a && g[i] === b) e[i] = Math.min(e[i]!, now)
    }
    expire(this.#hashA, this.#hashB, this.#expires, this.#mask)
    if (this.#old) expire(this.#old.a, this.#old.b, this.#old.e, this.#old.mask)
  }

  /** Two seeded 32-bit FNV-1a hashes of the id, each finished with murmur3's fmix32. */
  #hash(key: string): [number, number] {
    let a = this.#seedA ^ key.length
    let b = this.#seedB ^ 0x9e3779b9
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      a = Math.imul(a ^ c, 0x01000193)
      b = Math.imul(b ^ c, 0x5bd1e995)
    }
    a = fmix32(a)
    return [a, fmix32(b ^ a)]
  }

  /**
   * Drops expired claims and sizes the table for the live ones (load ≤ ½). Full of live claims,
   * it refuses: NonceStoreFullError with the time until the first of them expires.
   */
  #rebuild(now: number): void {
    // One table in migration at a time: a growth that outran it finishes it first.
    if (this.#old) this.#migrate(now, Number.POSITIVE_INFINITY)
    const atLimit = this.#count >= this.#maxEntries
    if (atLimit && this.#soonest > now) throw this.#full(this.#soonest - now)
    // At the limit with claims expiring one by one, a rebuild per claim would cost a scan of
    // the table each: room is reclaimed in steps (at least 1/64 of the limit, or once a second).
    if (atLimit && now < this.#nextSweep) throw this.#full(this.#nextSweep - now)
    const old: OldTable = {
      a: this.#hashA,
      b: this.#hashB,
      e: this.#expires,
      mask: this.#mask,
      next: 0,
      seenAt: now,
      pending: 0,
    }
    // One sequential pass over the expiries sizes the new table; the claims move later.
    let live = 0
    let soonest = Number.POSITIVE_INFINITY
    for (let i = 0; i < old.e.length; i++) {
      const e = old.e[i]!
      if (e <= now) continue
      live++
      if (e < soonest) soonest = e
    }
    this.#soonest = soonest
    if (live >= this.#maxEntries) throw this.#full(soonest - now)
    old.pending = live
    if (atLimit && this.#count - live < this.#maxEntries / 64) this.#nextSweep = now + 1000
    // Load ≤ ¼ after a rebuild, and never above ½ below the limit.
    let size = 1024
    while (size < (live + 1) * 4 && size < this.#maxEntries * 2) size *= 2
    this.#hashA = new Uint32Array(size)
    this.#hashB = new Uint32Array(size)
    this.#expires = new Float64Array(size)
    this.#mask = size - 1
    this.#count = 0
    this.#old = old
    // At the limit, room is needed now: the claims move at once (and at most once a second).
    if (atLimit) this.#migrate(now, Number.POSITIVE_INFINITY)
  }

  /** Moves up to `slots` slots of the old table (its live claims) into the current one. */
  #migrate(now: number, slots: number): void {
    const old = this.#old!
    const end = Math.min(old.e.length, old.next + slots)
    each: for (let j = old.next; j < end; j++) {
      const e = old.e[j]!
      if (e > old.seenAt) old.pending--
      if (e <= now) continue
      const a = old.a[j]!
      const b = old.b[j]!
      let i = a & this.#mask
      for (; this.#expires[i] !== 0; i = (i + 1) & this.#mask) {
        // Already here (claimed anew after a clock step back): the current entry stands.
        if (this.#hashA[i] === a && this.#hashB[i] === b) continue each
      }
      this.#hashA[i] = a
      this.#hashB[i] = b
      this.#expires[i] = e
      this.#count++
    }
    old.next = end
    if (end === old.e.length) this.#old = null
  }

  #full(msUntilFree: number): NonceStoreFullError {
    return new NonceStoreFullError(Math.max(1, Math.ceil(msUntilFree / 1000)), this.#maxEntries)
  }

  /** The most claims it holds at once (its limit). */
  get maxEntries(): number {
    return this.#maxEntries
  }

  /** Claims held, live or expired but not yet dropped (those still to move from the old table too). */
  get size(): number {
    return this.#count + (this.#old?.pending ?? 0)
  }
}

/** What a store's live claims are saved as across a restart (see MemoryNonceStore.snapshot). */
export interface NonceSnapshot {
  seeds: [number, number]
  a: ArrayLike<number>
  b: ArrayLike<number>
  /** Expiry times, ms since the epoch. */
  expires: ArrayLike<number>
}

/** Slots moved from the old table per claim: the old table is empty long before the new one fills. */
const MIGRATE_STEP = 32

interface OldTable {
  a: Uint32Array
  b: Uint32Array
  e: Float64Array
  mask: number
  /** The first slot not yet moved. */
  next: number
  /** When the live claims were counted, and how many of those are still to move. */
  seenAt: number
  pending: number
}

/** Whether the old table still holds a live claim of these hashes (moved or not). */
function liveIn(old: OldTable, a: number, b: number, now: number): boolean {
  let i = a & old.mask
  for (;;) {
    const e = old.e[i]!
    if (e === 0) return false
    if (old.a[i] === a && old.b[i] === b) return e > now
    i = (i + 1) & old.mask
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
