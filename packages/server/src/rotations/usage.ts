/**
 * Which credential the senders use, from the store: accepted attempts per endpoint and matched
 * credential, and refusals for a rotated-out credential, over the last 7 days and 24 hours.
 * Counting them means reading every attempt of the week (no index holds key_id), so the counts
 * are kept per 5-minute slice: a slice that has settled is read once and kept, and each later
 * read only takes the attempts since (a few minutes' worth). The whole week is read again every
 * REREAD_MS (retention removed rows; a gateway sharing PostgreSQL recorded one late), and an
 * answer is reused for USAGE_TTL_MS, so a dashboard polling every few seconds never loads the
 * store. One read at a time: callers meanwhile share it.
 * @module
 */
import type { AttemptStore, CredentialUseRow, Outcome } from '../storage/types.js'

export const SLICE_MS = 5 * 60_000
export const DAY_MS = 86_400_000
export const WEEK_MS = 7 * DAY_MS
/** An answer younger than this is given again without reading the store. */
export const USAGE_TTL_MS = 30_000
/**
 * A slice is kept once it ended this long ago: an attempt is recorded within its request's
 * time (30 s by default) and the record timeout, and gateways sharing a database may disagree
 * on the clock by a little.
 */
export const SETTLE_MS = 5 * 60_000
/** The kept slices are read again from the store this often. */
export const REREAD_MS = 15 * 60_000

/** Attempts of one endpoint that matched one credential (or used a rotated-out one). */
export interface UsageTotal {
  endpoint: string
  key_id: string | null
  outcome: Outcome
  /** A refusal's reason (credential_revoked, signature_previous_secret); null when accepted. */
  reason: string | null
  /** Since `week_since`, and since `day_since`. */
  week: number
  day: number
  /** Unix ms of the newest one. */
  last_at: number
}

export interface CredentialUsage {
  /** Unix ms when the store was read (answers are reused for USAGE_TTL_MS). */
  read_at: number
  /** Unix ms: the windows' starts (7 days and 24 hours back, rounded down to SLICE_MS). */
  week_since: number
  day_since: number
  /**
   * Unix ms: the counts cover attempts from here on; later than `week_since` only when the week
   * held more attempts than one read takes (CREDENTIAL_USE_MAX_ROWS).
   */
  counted_since: number
  totals: UsageTotal[]
}

const sliceOf = (t: number) => Math.floor(t / SLICE_MS) * SLICE_MS

/** A slice's row with the key of its totals (endpoint, credential, outcome, reason). */
type KeptRow = CredentialUseRow & { key: string }
const keyed = (row: CredentialUseRow): KeptRow => ({
  ...row,
  key: `${row.endpoint}\u0000${row.key_id ?? '\u0001'}\u0000${row.outcome}\u0000${row.reason ?? ''}`,
})

export class CredentialUseReader {
  readonly #store: AttemptStore
  readonly #clock: () => number
  /** Settled slices read so far, by start; every one in [#from, #to). */
  readonly #slices = new Map<number, KeptRow[]>()
  /**
   * The kept slices' sums, kept up to date as slices come and go, so that a read costs what it
   * reads (summing ~2000 slices at every read cost more than reading the new attempts).
   * `day` counts the slices from #dayFrom on.
   */
  readonly #kept = new Map<string, UsageTotal>()
  #dayFrom = 0
  #from = 0
  #to = 0
  #readWholeAt = Number.NEGATIVE_INFINITY
  #answer: CredentialUsage | null = null
  #reading: Promise<CredentialUsage> | null = null

  constructor(store: AttemptStore, clock: () => number) {
    this.#store = store
    this.#clock = clock
  }

  read(): Promise<CredentialUsage> {
    const now = this.#clock()
    const answer = this.#answer
    if (answer && now >= answer.read_at && now - answer.read_at < USAGE_TTL_MS)
      return Promise.resolve(answer)
    this.#reading ??= this.#refresh(now).finally(() => {
      this.#reading = null
    })
    return this.#reading
  }

  async #refresh(now: number): Promise<CredentialUsage> {
    const weekSince = sliceOf(now - WEEK_MS)
    const daySince = sliceOf(now - DAY_MS)
    const settled = sliceOf(now - SETTLE_MS)
    const whole =
      now - this.#readWholeAt >= REREAD_MS ||
      now < this.#readWholeAt ||
      this.#to < weekSince ||
      this.#to > settled
    const from = whole ? weekSince : this.#to
    const use = await this.#store.credentialUse({ from, sliceMs: SLICE_MS })
    // A read cut short (more attempts than one read takes) is whole from the slice after the
    // oldest attempt it reached; what is older is not counted, and the answer says so.
    const wholeFrom = use.complete || use.oldest === null ? from : sliceOf(use.oldest) + SLICE_MS
    if (whole || wholeFrom !== from) {
      this.#slices.clear()
      this.#kept.clear()
      this.#dayFrom = daySince
      this.#from = wholeFrom
    }
    if (whole) this.#readWholeAt = now
    // Slices that left the last 24 h: out of `day`; those that left the week: out altogether.
    for (let s = this.#dayFrom; s < daySince; s += SLICE_MS)
      for (const row of this.#slices.get(s) ?? []) this.#kept.get(row.key)!.day -= row.count
    this.#dayFrom = Math.max(this.#dayFrom, daySince)
    for (const [slice, rows] of this.#slices) {
      if (slice >= weekSince) continue
      for (const row of rows) {
        const t = this.#kept.get(row.key)!
        t.week -= row.count
        // Slices go oldest first: a key's newest attempt (last_at) goes with its last slice.
        if (t.week === 0) this.#kept.delete(row.key)
      }
      this.#slices.delete(slice)
    }
    this.#from = Math.max(this.#from, weekSince)
    const open: KeptRow[] = []
    for (const row of use.rows) {
      if (row.slice < wholeFrom) continue
      const kept = keyed(row)
      if (row.slice >= settled) {
        open.push(kept)
        continue
      }
      const rows = this.#slices.get(row.slice)
      if (rows) rows.push(kept)
      else this.#slices.set(row.slice, [kept])
      add(this.#kept, kept, this.#dayFrom)
    }
    this.#to = Math.max(wholeFrom, settled)

    const totals = new Map<string, UsageTotal>()
    for (const [key, t] of this.#kept) totals.set(key, { ...t })
    for (const row of open) add(totals, row, daySince)
    const answer: CredentialUsage = {
      read_at: now,
      week_since: weekSince,
      day_since: daySince,
      counted_since: Math.max(weekSince, this.#from),
      totals: [...totals.values()],
    }
    this.#answer = answer
    return answer
  }
}

/** Adds a slice's row to the sums (`day` when the slice starts at `dayFrom` or later). */
function add(totals: Map<string, UsageTotal>, row: KeptRow, dayFrom: number): void {
  let t = totals.get(row.key)
  if (!t) {
    t = {
      endpoint: row.endpoint,
      key_id: row.key_id,
      outcome: row.outcome,
      reason: row.reason,
      week: 0,
      day: 0,
      last_at: row.last_at,
    }
    totals.set(row.key, t)
  }
  t.week += row.count
  if (row.slice >= dayFrom) t.day += row.count
  if (row.last_at > t.last_at) t.last_at = row.last_at
}

const readers = new WeakMap<object, CredentialUseReader>()

/**
 * The one reader of a gateway (its kept slices are shared by every request it serves), over
 * the gateway's store and clock.
 */
export function credentialUseReader(gateway: {
  store: AttemptStore
  clock: () => number
}): CredentialUseReader {
  let reader = readers.get(gateway)
  if (!reader) {
    reader = new CredentialUseReader(gateway.store, gateway.clock)
    readers.set(gateway, reader)
  }
  return reader
}
