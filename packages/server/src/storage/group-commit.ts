/**
 * Group commit: writes that arrive in the same event-loop turn, or while a commit is in
 * flight, share one transaction (and one fsync). Each write's promise settles only when the
 * commit that carries it has returned — or, with a deadline, when the deadline passes first:
 * then it is refused (its caller answers 503), and a commit that carries it after all is
 * reported as late so the store can undo it (a refused attempt must not stay recorded).
 * @module
 */
import { StoreUnavailableError } from './errors.js'

interface Pending<Op> {
  op: Op
  resolve: () => void
  reject: (error: unknown) => void
  /** performance.now() after which the write is refused; Infinity without a deadline. */
  due: number
  /** Refused at its deadline: a commit carrying it after all is a late one. */
  expired: boolean
}

/**
 * What a commit returns: nothing when every op is committed, or one entry per op (undefined =
 * committed, anything else = that op's error) when the adapter had to split the batch.
 */
export type CommitResult = undefined | (unknown | undefined)[]

export interface GroupCommitOptions<Op> {
  /** Commits a batch atomically and durably; throws (or rejects) when nothing was committed. */
  commit: (ops: Op[]) => CommitResult | Promise<CommitResult>
  /** Upper bound on one batch; the rest waits for the next commit. */
  maxBatch?: number
  /**
   * Commits that may be in flight at once (default 1). More than one only where a later
   * commit cannot overtake an earlier one's effects: SQLite applies each batch synchronously,
   * in order, and only waits for its fdatasync, so the next batch need not wait for that sync.
   */
  maxInFlight?: number
  /**
   * A write not committed this many ms after it was queued is refused with
   * StoreUnavailableError (its attempt is answered 503 + Retry-After). Default: no deadline.
   */
  deadlineMs?: number
  /**
   * A commit error worth trying the same batch again (a lock another process holds): retried
   * with backoff, off the event loop, until it commits or its writes' deadline passes. Only
   * with a deadline.
   */
  retryable?: (error: unknown) => boolean
}

/** Waits between tries of a batch refused by a retryable error: 5, 10, 20 … 250 ms. */
const RETRY_MS = [5, 10, 20, 40, 80, 160, 250]

export class GroupCommit<Op> {
  readonly #commit: (ops: Op[]) => CommitResult | Promise<CommitResult>
  readonly #maxBatch: number
  readonly #maxInFlight: number
  readonly #deadlineMs: number | undefined
  readonly #retryable: ((error: unknown) => boolean) | undefined
  #queue: Pending<Op>[] = []
  #scheduled = false
  readonly #inFlight = new Set<Promise<void>>()
  /** The batches being committed, for the deadline sweep. */
  readonly #running = new Set<Pending<Op>[]>()
  /** A batch is waiting to try again: the queue joins it rather than racing it for the lock. */
  #retrying = 0
  #sweeper: NodeJS.Timeout | null = null
  #closed = false
  /** Writes committed after their deadline refused them (the store undoes them). */
  onLate: ((ops: Op[]) => void) | undefined

  constructor(options: GroupCommitOptions<Op>) {
    this.#commit = options.commit
    this.#maxBatch = options.maxBatch ?? 1000
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1)
    this.#deadlineMs =
      options.deadlineMs !== undefined && options.deadlineMs > 0 ? options.deadlineMs : undefined
    this.#retryable = this.#deadlineMs !== undefined ? options.retryable : undefined
    if (this.#deadlineMs !== undefined) {
      // One timer for the whole writer, never one per write: a write's deadline is checked
      // within a quarter of the deadline (at most 250 ms) after it passes.
      const every = Math.max(10, Math.min(250, Math.floor(this.#deadlineMs / 4)))
      this.#sweeper = setInterval(() => this.#sweep(), every)
      this.#sweeper.unref()
    }
  }

  /** The deadline of each write in ms, when there is one. */
  get deadlineMs(): number | undefined {
    return this.#deadlineMs
  }

  /** Queues one write; resolves after its batch is committed. */
  write(op: Op): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('store is closed'))
    return new Promise<void>((resolve, reject) => {
      const due = this.#deadlineMs === undefined ? Infinity : performance.now() + this.#deadlineMs
      this.#queue.push({ op, resolve, reject, due, expired: false })
      this.#schedule()
    })
  }

  /**
   * Waits until everything queued so far is committed or refused; with `timeoutMs`, at most
   * that long (what is still pending then is refused).
   */
  async drain(timeoutMs = Infinity): Promise<void> {
    const until = performance.now() + timeoutMs
    while (this.#queue.length > 0 || this.#inFlight.size > 0) {
      const left = until - performance.now()
      if (left <= 0) {
        this.#refuseAll()
        return
      }
      if (!this.#canFlush() || this.#queue.length === 0) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          ...this.#inFlight,
          ...(Number.isFinite(left)
            ? [
                new Promise<void>((r) => {
                  timer = setTimeout(r, left)
                }),
              ]
            : []),
        ])
        clearTimeout(timer)
      } else await this.#flush()
    }
  }

  /**
   * Refuses new writes and drains the queue — bounded by the writes' deadline (and a second
   * more) when there is one: a commit stuck on a lock never holds a shutdown longer.
   */
  async close(): Promise<void> {
    this.#closed = true
    await this.drain(this.#deadlineMs === undefined ? Infinity : this.#deadlineMs + 1000)
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = null
  }

  get pending(): number {
    return this.#queue.length
  }

  #canFlush(): boolean {
    return this.#inFlight.size < this.#maxInFlight && this.#retrying === 0
  }

  #schedule(): void {
    if (this.#scheduled || !this.#canFlush()) return
    this.#scheduled = true
    // setImmediate runs after the poll phase: every request read in this turn joins the batch.
    setImmediate(() => {
      this.#scheduled = false
      if (this.#canFlush()) void this.#flush()
    })
  }

  #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch)
    if (batch.length === 0) return Promise.resolve()
    const run = this.#run(batch).finally(() => {
      this.#inFlight.delete(run)
      // Writes that arrived during the commit go out together, right away.
      if (this.#queue.length > 0 && this.#canFlush()) void this.#flush()
    })
    this.#inFlight.add(run)
    return run
  }

  async #run(first: Pending<Op>[]): Promise<void> {
    let batch = first
    this.#running.add(batch)
    try {
      for (let attempt = 0; ; attempt++) {
        let errors: CommitResult
        try {
          errors = await this.#commit(batch.map((p) => p.op))
        } catch (error) {
          if (this.#retryable?.(error)) {
            this.#retrying++
            try {
              await new Promise((r) =>
                setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]),
              )
            } finally {
              this.#retrying--
            }
            // What was refused meanwhile stays out; what queued meanwhile joins the retry.
            const now = performance.now()
            const next: Pending<Op>[] = []
            for (const p of batch) {
              if (!p.expired && p.due <= now) this.#expire(p)
              if (!p.expired) next.push(p)
            }
            const room = this.#maxBatch - next.length
            if (room > 0) next.push(...this.#queue.splice(0, room))
            this.#running.delete(batch)
            batch = next
            this.#running.add(batch)
            if (batch.length === 0) return
            continue
          }
          // Rejecting a write already refused at its deadline changes nothing.
          for (const p of batch) p.reject(error)
          return
        }
        let late: Op[] | null = null
        batch.forEach((p, i) => {
          const error = errors ? errors[i] : undefined
          if (error !== undefined) p.reject(error)
          else if (p.expired) {
            late ??= []
            late.push(p.op)
          } else p.resolve()
        })
        if (late) this.#reportLate(late)
        return
      }
    } finally {
      this.#running.delete(batch)
    }
  }

  #reportLate(ops: Op[]): void {
    try {
      this.onLate?.(ops)
    } catch {
      // The store logs what it could not undo; the writer goes on.
    }
  }

  #expire(p: Pending<Op>): void {
    p.expired = true
    p.reject(
      new StoreUnavailableError(
        'attempts',
        'down',
        `attempts store down: not committed within ${this.#deadlineMs} ms (a lock held elsewhere, or a slow disk or database)`,
      ),
    )
  }

  /** Refuses the writes whose deadline has passed, queued or in a commit that is stuck. */
  #sweep(): void {
    const now = performance.now()
    // The queue is in arrival order: the writes past their deadline are at its head.
    let n = 0
    while (n < this.#queue.length && this.#queue[n]!.due <= now) n++
    if (n > 0) for (const p of this.#queue.splice(0, n)) this.#expire(p)
    for (const batch of this.#running)
      for (const p of batch) if (!p.expired && p.due <= now) this.#expire(p)
  }

  /** Shutdown's bound passed: nothing may wait any longer. */
  #refuseAll(): void {
    for (const p of this.#queue.splice(0)) this.#expire(p)
    for (const batch of this.#running) for (const p of batch) if (!p.expired) this.#expire(p)
  }
}
