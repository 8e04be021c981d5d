/**
 * Group commit: writes that arrive in the same event-loop turn, or while a commit is in
 * flight, share one transaction (and one fsync). Each write's promise settles only when the
 * commit that carries it has returned.
 * @module
 */

interface Pending<Op> {
  op: Op
  resolve: () => void
  reject: (error: unknown) => void
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
}

export class GroupCommit<Op> {
  readonly #commit: (ops: Op[]) => CommitResult | Promise<CommitResult>
  readonly #maxBatch: number
  readonly #maxInFlight: number
  #queue: Pending<Op>[] = []
  #scheduled = false
  readonly #inFlight = new Set<Promise<void>>()
  #closed = false

  constructor(options: GroupCommitOptions<Op>) {
    this.#commit = options.commit
    this.#maxBatch = options.maxBatch ?? 1000
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1)
  }

  /** Queues one write; resolves after its batch is committed. */
  write(op: Op): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('store is closed'))
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject })
      this.#schedule()
    })
  }

  /** Waits until everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight.size > 0) {
      if (this.#inFlight.size >= this.#maxInFlight || this.#queue.length === 0)
        await Promise.race(this.#inFlight)
      else await this.#flush()
    }
  }

  /** Refuses new writes and drains the queue. */
  async close(): Promise<void> {
    this.#closed = true
    await this.drain()
  }

  get pending(): number {
    return this.#queue.length
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight.size >= this.#maxInFlight) return
    this.#scheduled = true
    // setImmediate runs after the poll phase: every request read in this turn joins the batch.
    setImmediate(() => {
      this.#scheduled = false
      if (this.#inFlight.size < this.#maxInFlight) void this.#flush()
    })
  }

  #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch)
    if (batch.length === 0) return Promise.resolve()
    const run = (async () => {
      try {
        const errors = await this.#commit(batch.map((p) => p.op))
        batch.forEach((p, i) => {
          const error = errors ? errors[i] : undefined
          if (error === undefined) p.resolve()
          else p.reject(error)
        })
      } catch (error) {
        for (const p of batch) p.reject(error)
      }
    })().finally(() => {
      this.#inFlight.delete(run)
      // Writes that arrived during the commit go out together, right away.
      if (this.#queue.length > 0) void this.#flush()
    })
    this.#inFlight.add(run)
    return run
  }
}
