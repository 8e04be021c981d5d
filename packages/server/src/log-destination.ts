/**
 * Where the gateway's JSON log lines go by default: stdout, written in batches. One line per
 * attempt is written on the hot path, and pino's default destination (sonic-boom) measures
 * the byte length of its whole pending buffer again on every line — measured at a fifth of
 * handleAttempt's CPU under load. Here a line costs an array push; the batch goes out in one
 * asynchronous write when 64 KiB are pending or 100 ms after its first line, whichever comes
 * first, and synchronously at exit. Lines are not durable (the attempt records are): a kill -9
 * can lose the last 100 ms of lines, never a record.
 * @module
 */
import { write, writeSync } from 'node:fs'

export interface BatchedDestinationOptions {
  /** File descriptor to write to (default 1, stdout). */
  fd?: number
  /** Longest a line waits before it is written, in ms (default 100). */
  flushMs?: number
  /** Pending characters that trigger a write at once (default 64 Ki). */
  batchChars?: number
  /** Pending characters beyond which new lines are dropped, counted (default 16 Mi). */
  maxPendingChars?: number
}

/** Waits until every batched destination has written what it holds. */
export async function drainLogs(): Promise<void> {
  await Promise.all([...live].map((ref) => ref.deref()?.drain()))
}

/** Every destination, flushed synchronously at exit (one listener, however many gateways). */
const live = new Set<WeakRef<BatchedDestination>>()
process.once('exit', () => {
  for (const ref of live) ref.deref()?.flushSync()
})

export class BatchedDestination {
  readonly #fd: number
  readonly #flushMs: number
  readonly #batchChars: number
  readonly #maxPending: number
  #lines: string[] = []
  #pending = 0
  #timer: NodeJS.Timeout | null = null
  #writing = false
  /** Lines dropped because the destination could not keep up (a stuck pipe). */
  dropped = 0

  constructor(options: BatchedDestinationOptions = {}) {
    this.#fd = options.fd ?? 1
    this.#flushMs = options.flushMs ?? 100
    this.#batchChars = options.batchChars ?? 64 * 1024
    this.#maxPending = options.maxPendingChars ?? 16 * 1024 * 1024
    live.add(new WeakRef(this))
  }

  /** pino's destination interface: one serialized line (with its newline). */
  write(line: string): boolean {
    if (this.#pending + line.length > this.#maxPending) {
      this.dropped++
      return false
    }
    this.#lines.push(line)
    this.#pending += line.length
    if (this.#pending >= this.#batchChars) this.#flush()
    else this.#arm()
    return true
  }

  /** The timer of the pending batch (one at a time; a fired timer clears itself). */
  #arm(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null
      this.#flush()
    }, this.#flushMs).unref()
  }

  #take(): string | null {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#lines.length === 0) return null
    const text = this.#lines.join('')
    this.#lines = []
    this.#pending = 0
    return text
  }

  /** Resolves once every line written so far is out (a graceful shutdown waits for it). */
  drain(): Promise<void> {
    if (!this.#writing && this.#lines.length === 0) return Promise.resolve()
    return new Promise((resolve) => {
      this.#drained.push(resolve)
      this.#flush()
    })
  }

  #drained: (() => void)[] = []

  #flush(): void {
    if (this.#writing) return
    const text = this.#take()
    if (text === null) return
    this.#writing = true
    const bytes = Buffer.from(text, 'utf8')
    const writeFrom = (offset: number) => {
      write(this.#fd, bytes, offset, bytes.length - offset, null, (err, n) => {
        if (!err && offset + n < bytes.length) return writeFrom(offset + n)
        this.#writing = false
        // Lines that arrived during the write wait for their own batch (size or timer): going
        // out at once made a write of a few lines per completion, measured at ~1.5 µs a line.
        // A drain() that is waiting gets them now.
        if (this.#lines.length === 0) for (const resolve of this.#drained.splice(0)) resolve()
        else if (this.#drained.length > 0 || this.#pending >= this.#batchChars) this.#flush()
        else this.#arm()
      })
    }
    writeFrom(0)
  }

  /** Writes everything pending now (at exit, and on a graceful shutdown). */
  flushSync(): void {
    const text = this.#take()
    if (text === null) return
    try {
      const bytes = Buffer.from(text, 'utf8')
      for (let off = 0; off < bytes.length; ) off += writeSync(this.#fd, bytes, off)
    } catch {
      // A closed stdout at exit: nothing left to tell.
    }
  }

  /** pino's logger.flush(cb): everything pending is written, then cb. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync()
    cb?.()
  }
}
