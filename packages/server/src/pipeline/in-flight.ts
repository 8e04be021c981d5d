/**
 * The attempts still being handled. Shutdown waits for them, not only for their connections:
 * a sender that hangs up mid-forward (or a socket ended by a parse error after its request)
 * closes the connection while its attempt is still recording or forwarding, and closing the
 * forwarder and the store under it lost the forward's result. And the record updates the
 * store refused while it was down, which shutdown flushes (PendingUpdates).
 * @module
 */
import type { Logger } from 'pino'
import type { GatewayMetrics } from '../metrics.js'
import { StoreUnavailableError } from '../storage/errors.js'
import type { AttemptStore } from '../storage/types.js'

/** Attempts being read, recorded or forwarded: shutdown waits until none is left. */
export class AttemptsInFlight {
  #count = 0
  #idle: (() => void)[] = []
  /**
   * The cut-offs of the bodies being read, by slot; a freed slot is taken again. Every request
   * passes here: a Set's add and delete cost ~0.1 µs a request, two array writes ~0.01.
   */
  readonly #reading: ((() => void) | undefined)[] = []
  readonly #freeSlots: number[] = []

  get count(): number {
    return this.#count
  }

  /**
   * Counts a request whose body is still being read (its attempt has not started yet).
   * `cutOff` answers and records it if shutdown cannot wait for the rest (cutOffReading).
   * Returns its slot, for leave().
   */
  enter(cutOff: () => void): number {
    this.#count++
    const slot = this.#freeSlots.length > 0 ? this.#freeSlots.pop()! : this.#reading.length
    this.#reading[slot] = cutOff
    return slot
  }

  /** The request entered is now an attempt (tracked on its own), or gone. */
  leave(slot: number): void {
    this.#reading[slot] = undefined
    this.#freeSlots.push(slot)
    this.#leave()
  }

  /** Shutdown, once the grace is over: every body still being read is cut off. */
  cutOffReading(): number {
    const cutOffs = this.#reading.filter((c) => c !== undefined)
    for (const cutOff of cutOffs) cutOff()
    return cutOffs.length
  }

  /** Counts `attempt` until it settles; returns it unchanged. */
  track<T>(attempt: Promise<T>): Promise<T> {
    this.#count++
    attempt.then(this.#leave, this.#leave)
    return attempt
  }

  /** Resolves when none is in flight, or after `timeoutMs` (false: some were still running). */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      timer.unref()
      this.#idle.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  readonly #leave = () => {
    if (--this.#count > 0) return
    const waiting = this.#idle
    this.#idle = []
    for (const wake of waiting) wake()
  }
}

type RecordPatch = Parameters<AttemptStore['update']>[1]

interface HeldUpdate {
  patch: RecordPatch
  /** Refusals that were not an outage (a bad write): given up after a few. */
  errors: number
}

/** First wait before a held update is written again; it doubles up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 200
const RETRY_MAX_MS = 5000
/** Refusals of one update, other than the store being down or full, before it is given up. */
const MAX_ERRORS = 3

export interface PendingUpdatesOptions {
  logger: Pick<Logger, 'warn' | 'error'>
  metrics?: Pick<
    GatewayMetrics,
    'recordUpdatesHeld' | 'recordUpdatesDropped' | 'recordUpdatesPending'
  >
  /** Updates held at most (default 10 000): past it the oldest is given up, said in the log. */
  maxHeld?: number
}

/**
 * A record's updates after its answer (the forward result, the diagnosis) that the store
 * refused: kept in memory, bounded, and written again with backoff until the store takes
 * them; shutdown flushes them. Without this, a brief outage left the record saying "forward
 * not finished" for ever, though the upstream had the webhook. Updates of one record merge.
 */
export class PendingUpdates {
  readonly #store: AttemptStore
  readonly #logger: PendingUpdatesOptions['logger']
  readonly #metrics: PendingUpdatesOptions['metrics']
  readonly #maxHeld: number
  readonly #held = new Map<string, HeldUpdate>()
  #timer: NodeJS.Timeout | null = null
  #retrying: Promise<void> | null = null
  #delayMs = RETRY_FIRST_MS
  #stopping = false
  #lastDropLog = 0

  constructor(store: AttemptStore, options: PendingUpdatesOptions) {
    this.#store = store
    this.#logger = options.logger
    this.#metrics = options.metrics
    this.#maxHeld = options.maxHeld ?? 10_000
  }

  /** Updates held now. */
  get held(): number {
    return this.#held.size
  }

  /**
   * Writes the update; resolves once the store took it or, refused, once it is held (never
   * rejects). An update of a record that already has one held joins it, in order.
   */
  write(id: string, patch: RecordPatch): Promise<void> {
    if (this.#held.size > 0) {
      const held = this.#held.get(id)
      if (held) {
        held.patch = { ...held.patch, ...patch }
        return Promise.resolve()
      }
    }
    return this.#store.update(id, patch).then(undefined, (error) => this.#hold(id, patch, error))
  }

  /**
   * Shutdown: writes what is held, trying until `timeoutMs`; gives up the rest (logged,
   * counted). Resolves with how many were given up.
   */
  async flush(timeoutMs: number): Promise<number> {
    this.#stopping = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const until = Date.now() + timeoutMs
    while (this.#held.size > 0) {
      await (this.#retrying ?? this.#retry())
      const left = until - Date.now()
      if (this.#held.size === 0 || left <= 0) break
      await new Promise((r) => setTimeout(r, Math.min(250, left)))
    }
    const lost = this.#held.size
    if (lost > 0) {
      this.#logger.error(
        { lost, attempts: [...this.#held.keys()].slice(0, 20) },
        'record updates lost: the store did not take them before shutdown (their records keep what they said before)',
      )
      this.#metrics?.recordUpdatesDropped.inc(lost)
      this.#held.clear()
      this.#report()
    }
    return lost
  }

  #hold(id: string, patch: RecordPatch, error: unknown): void {
    const outage = isOutage(error)
    if (!outage) {
      this.#logger.warn({ err: error, attempt: id }, 'record update refused; trying it again')
    } else if (this.#held.size === 0)
      this.#logger.warn(
        { err: error, attempt: id },
        'the store refuses record updates; holding them to write them again',
      )
    const held = this.#held.get(id)
    if (held) held.patch = { ...held.patch, ...patch }
    else {
      if (this.#held.size >= this.#maxHeld) this.#dropOldest()
      this.#held.set(id, { patch, errors: 0 })
    }
    if (!outage) this.#held.get(id)!.errors++
    this.#metrics?.recordUpdatesHeld.inc()
    this.#report()
    this.#schedule()
  }

  #dropOldest(): void {
    const oldest = this.#held.keys().next().value
    if (oldest === undefined) return
    this.#held.delete(oldest)
    this.#metrics?.recordUpdatesDropped.inc()
    const now = Date.now()
    if (now - this.#lastDropLog >= 10_000) {
      this.#lastDropLog = now
      this.#logger.error(
        { attempt: oldest, held: this.#held.size },
        `record update given up: ${this.#maxHeld} updates are held already (the store has refused them for a while)`,
      )
    }
  }

  #schedule(): void {
    if (this.#timer || this.#retrying || this.#stopping) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.#retry()
    }, this.#delayMs)
    this.#timer.unref()
  }

  #retry(): Promise<void> {
    this.#retrying = this.#retryAll().finally(() => {
      this.#retrying = null
      if (this.#held.size > 0) this.#schedule()
    })
    return this.#retrying
  }

  /** Writes every held update at once: the store's group commit puts them in one transaction. */
  async #retryAll(): Promise<void> {
    const sent = [...this.#held].map(([id, held]) => ({ id, held, patch: held.patch }))
    const results = await Promise.allSettled(sent.map((s) => this.#store.update(s.id, s.patch)))
    let refused = 0
    let written = 0
    results.forEach((result, i) => {
      const { id, held, patch } = sent[i]!
      if (this.#held.get(id) !== held) return
      if (result.status === 'fulfilled') {
        // Joined by another update meanwhile: that one still has to go.
        if (held.patch === patch) this.#held.delete(id)
        written++
        return
      }
      refused++
      if (isOutage(result.reason)) return
      if (++held.errors >= MAX_ERRORS) {
        this.#held.delete(id)
        this.#metrics?.recordUpdatesDropped.inc()
        this.#logger.error(
          { err: result.reason, attempt: id },
          'record update given up: the store refused it repeatedly',
        )
      }
    })
    this.#delayMs = refused > 0 ? Math.min(this.#delayMs * 2, RETRY_MAX_MS) : RETRY_FIRST_MS
    this.#report()
    if (written > 0 && this.#held.size === 0)
      this.#logger.warn({ written }, 'held record updates written: the store takes them again')
  }

  #report(): void {
    this.#metrics?.recordUpdatesPending.set(this.#held.size)
  }
}

/** The store down or full: hold on, it comes back; any other refusal is the write's own. */
function isOutage(error: unknown): boolean {
  return StoreUnavailableError.is(error) && error.failure !== 'error'
}
