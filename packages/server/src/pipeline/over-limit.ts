/**
 * The refusals of a source past its limit (red team 6, F2): the first of a source's window is
 * recorded in full, and every later one of that window as a compact row (no headers, no body,
 * compact-row.ts) counted into that full record: its `refusals_past_limit` (with
 * `limit_window_until` and the count by status), written when the window closes, every few
 * seconds while it lasts, and at shutdown. A sender retrying a 401 in a loop then costs one
 * full row per window and ~200 bytes per request, not ~12 KB of its headers per request.
 * Per gateway: with several on one Redis, each keeps one full record per window.
 * @module
 */
import type { AttemptStore } from '../storage/types.js'

type RecordPatch = Parameters<AttemptStore['update']>[1]

interface Tally {
  /** The record the refusals are counted into. */
  id: string
  /** Unix ms when the source's window ends. */
  until: number
  /** Refusals counted into the record, by the status each was answered. */
  byStatus: Map<number, number>
  counted: number
  /** `counted` as last written to the record. */
  written: number
}

export interface OverLimitOptions {
  /** Writes a record's update (PendingUpdates: held and written again if the store refuses). */
  write(id: string, patch: RecordPatch): Promise<void>
  /** Unix milliseconds. */
  clock: () => number
  /** How often open windows' counts are written (default 10 s). */
  flushEveryMs?: number
  /** Windows tracked at most (default 10 000): past it, the oldest is written and closed. */
  maxWindows?: number
}

export class OverLimitTally {
  readonly #tallies = new Map<string, Tally>()
  readonly #write: OverLimitOptions['write']
  readonly #clock: () => number
  readonly #flushEveryMs: number
  readonly #maxWindows: number
  #timer: NodeJS.Timeout | null = null
  readonly #writing = new Set<Promise<void>>()

  constructor(options: OverLimitOptions) {
    this.#write = options.write
    this.#clock = options.clock
    this.#flushEveryMs = options.flushEveryMs ?? 10_000
    this.#maxWindows = options.maxWindows ?? 10_000
  }

  /**
   * Counts a refusal over the limit into its window's record and returns that record's id; null
   * when the window has none yet: then record this one in full, and open() the window with it.
   */
  countInto(key: string, status: number): string | null {
    const tally = this.#tallies.get(key)
    if (!tally) return null
    if (this.#clock() >= tally.until) {
      this.#end(key, tally)
      return null
    }
    tally.counted++
    tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1)
    return tally.id
  }

  /**
   * The window's first refusal over the limit is recorded as `id`: the later ones of the window
   * (`retryAfterSeconds` from now) are counted into it. Called before that record is written,
   * so that the refusals arriving meanwhile are counted, not recorded too.
   */
  open(key: string, id: string, retryAfterSeconds: number): void {
    if (!this.#tallies.has(key) && this.#tallies.size >= this.#maxWindows) {
      const [oldestKey, oldest] = this.#tallies.entries().next().value!
      this.#end(oldestKey, oldest)
    }
    this.#tallies.set(key, {
      id,
      until: this.#clock() + retryAfterSeconds * 1000,
      byStatus: new Map(),
      counted: 0,
      written: 0,
    })
    this.#arm()
  }

  /** The record `id` could not be written (the store refused it): nothing to count into. */
  forget(key: string, id: string): void {
    if (this.#tallies.get(key)?.id === id) this.#tallies.delete(key)
  }

  /** Shutdown: every count not yet written is written; resolves once the writes settled. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    for (const [key, tally] of this.#tallies) this.#end(key, tally)
    await Promise.allSettled([...this.#writing])
  }

  #arm(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#writeDue()
      if (this.#tallies.size > 0) this.#arm()
    }, this.#flushEveryMs)
    this.#timer.unref()
  }

  /** Writes the counts that grew; ends the windows that closed. */
  #writeDue(): void {
    const now = this.#clock()
    for (const [key, tally] of this.#tallies) {
      if (now >= tally.until) this.#end(key, tally)
      else if (tally.counted > tally.written) this.#writeCount(tally)
    }
  }

  #end(key: string, tally: Tally): void {
    this.#tallies.delete(key)
    if (tally.counted > tally.written) this.#writeCount(tally)
  }

  #writeCount(tally: Tally): void {
    tally.written = tally.counted
    const writing = this.#write(tally.id, {
      refusals_past_limit: tally.counted,
      limit_window_until: tally.until,
      refusals_past_limit_by_status: Object.fromEntries(tally.byStatus),
    })
      .catch(() => {})
      .finally(() => this.#writing.delete(writing))
    this.#writing.add(writing)
  }
}
