/**
 * The union of two sets of saved replay claims, for replay-claims.json: the gateway that stops
 * last no longer drops the claims of one that stopped before it on the same data directory.
 * A claim is a pair of 32-bit hashes of its key, seeded per store, and an expiry: claims under
 * the same seeds are one set (a key claimed in both keeps its latest expiry); claims under
 * other seeds cannot be hashed again (the keys are not kept), so they stay a group of their
 * own, which the next gateway checks beside its own (other-seed-claims.ts).
 * @module
 */
import type { NonceSnapshot } from '@hookwarden/core'

/** replay-claims.json's claims: the store's own seeds' (`primary`), and other seeds' groups. */
export interface SavedClaims {
  primary: NonceSnapshot
  others: NonceSnapshot[]
}

/**
 * Seed groups kept at most, the primary one included: the gateway that restores them hashes
 * every key once more per other group (until its claims expire), so their number is bounded.
 * Past it, the groups whose claims expire first are dropped.
 */
export const MAX_SEED_GROUPS = 4

/**
 * `live` (this gateway's claims) with `saved` (the file's, when it holds this claim key
 * format): expired claims dropped, at most `maxEntries` in all (the latest expiries kept) and
 * MAX_SEED_GROUPS groups. The result's primary group is `live`'s, whose seeds the next
 * gateway takes for its own.
 */
export function mergeClaims(
  live: SavedClaims,
  saved: SavedClaims | undefined,
  now: number,
  maxEntries: number,
): SavedClaims {
  const groups: ClaimSet[] = []
  const sources = [live.primary, ...live.others]
  if (saved) sources.push(saved.primary, ...saved.others)
  for (const snap of sources) {
    const [s0, s1] = snap.seeds
    let set = groups.find((g) => g.seeds[0] === s0 && g.seeds[1] === s1)
    if (!set) {
      set = new ClaimSet([s0, s1])
      groups.push(set)
    }
    const n = Math.min(snap.a.length, snap.b.length, snap.expires.length)
    for (let i = 0; i < n; i++) {
      const expires = snap.expires[i]!
      if (expires > now) set.add(snap.a[i]! >>> 0, snap.b[i]! >>> 0, expires)
    }
  }
  const [primary, ...rest] = groups as [ClaimSet, ...ClaimSet[]]
  const others = rest
    .filter((g) => g.count > 0)
    .sort((x, y) => y.latest - x.latest)
    .slice(0, MAX_SEED_GROUPS - 1)
  keepLatest([primary, ...others], maxEntries)
  return { primary: primary.snapshot(), others: others.map((g) => g.snapshot()) }
}

/** Drops the claims that expire first until `maxEntries` are left across `groups`. */
function keepLatest(groups: ClaimSet[], maxEntries: number): void {
  const total = groups.reduce((n, g) => n + g.count, 0)
  if (total <= maxEntries) return
  const all = new Float64Array(total)
  let at = 0
  for (const g of groups) for (const e of g.expiries()) all[at++] = e
  all.sort()
  // Every claim after `threshold` stays, and as many of those at it as there is room for.
  const threshold = all[total - maxEntries]!
  let roomAtThreshold = 0
  for (let i = total - maxEntries; i < total && all[i] === threshold; i++) roomAtThreshold++
  for (const g of groups)
    g.keepWhere((e) => e > threshold || (e === threshold && roomAtThreshold-- > 0))
}

/**
 * The claims of one seed pair, unique by their two hashes: an open-addressing table over typed
 * arrays (like the store's own), so that a million claims merge without a million objects.
 */
class ClaimSet {
  readonly seeds: [number, number]
  #a = new Uint32Array(1024)
  #b = new Uint32Array(1024)
  /** Expiry in ms; 0 = an empty slot. */
  #e = new Float64Array(1024)
  #mask = 1023
  count = 0
  /** The latest expiry held. */
  latest = 0

  constructor(seeds: [number, number]) {
    this.seeds = seeds
  }

  /** Adds a claim; one already held keeps the later of the two expiries. */
  add(a: number, b: number, expires: number): void {
    if ((this.count + 1) * 2 > this.#mask + 1) this.#grow()
    if (expires > this.latest) this.latest = expires
    let i = a & this.#mask
    for (; this.#e[i] !== 0; i = (i + 1) & this.#mask)
      if (this.#a[i] === a && this.#b[i] === b) {
        if (expires > this.#e[i]!) this.#e[i] = expires
        return
      }
    this.#a[i] = a
    this.#b[i] = b
    this.#e[i] = expires
    this.count++
  }

  *expiries(): Generator<number> {
    for (const e of this.#e) if (e !== 0) yield e
  }

  /** Empties the slots whose expiry fails `keep` (no lookup follows: the probes may break). */
  keepWhere(keep: (expires: number) => boolean): void {
    for (let i = 0; i < this.#e.length; i++)
      if (this.#e[i] !== 0 && !keep(this.#e[i]!)) {
        this.#e[i] = 0
        this.count--
      }
  }

  snapshot(): NonceSnapshot {
    const a = new Uint32Array(this.count)
    const b = new Uint32Array(this.count)
    const expires = new Float64Array(this.count)
    let at = 0
    for (let i = 0; i < this.#e.length; i++)
      if (this.#e[i] !== 0) {
        a[at] = this.#a[i]!
        b[at] = this.#b[i]!
        expires[at++] = this.#e[i]!
      }
    return { seeds: this.seeds, a, b, expires }
  }

  #grow(): void {
    const [a, b, e] = [this.#a, this.#b, this.#e]
    const size = e.length * 2
    this.#a = new Uint32Array(size)
    this.#b = new Uint32Array(size)
    this.#e = new Float64Array(size)
    this.#mask = size - 1
    this.count = 0
    for (let i = 0; i < e.length; i++) if (e[i] !== 0) this.add(a[i]!, b[i]!, e[i]!)
  }
}
