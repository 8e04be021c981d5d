/**
 * Near-miss diagnosis runs off the answer's path: a bounded queue worked one job at a time on
 * later turns of the event loop. When rejections flood in and the queue is full, the job is
 * shed (the record says `diagnosis_skipped: 'load'`) instead of letting CPU amplification
 * (security §5.3) slow down the answers.
 * @module
 */

export type DiagnosisJob = () => Promise<void>

/** Bytes of queued requests held at most (each job keeps its request, body included). */
export const DEFAULT_QUEUE_BYTES = 32 * 1024 * 1024

export class DiagnosisQueue {
  readonly #jobs: { job: DiagnosisJob; bytes: number }[] = []
  readonly capacity: number
  readonly maxBytes: number
  #bytes = 0
  #running = false
  #idle: (() => void)[] = []
  onDepth?: (depth: number) => void

  constructor(capacity = 256, maxBytes = DEFAULT_QUEUE_BYTES) {
    this.capacity = capacity
    this.maxBytes = maxBytes
  }

  get depth(): number {
    return this.#jobs.length + (this.#running ? 1 : 0)
  }

  /** True when a job holding `bytes` would be accepted now. */
  hasRoom(bytes = 0): boolean {
    return this.#jobs.length < this.capacity && this.#bytes + bytes <= this.maxBytes
  }

  /** Queues a job; false when the queue is full (the caller records the shedding). */
  push(job: DiagnosisJob, bytes = 0): boolean {
    if (!this.hasRoom(bytes)) return false
    this.#bytes += bytes
    this.#jobs.push({ job, bytes })
    this.onDepth?.(this.depth)
    if (!this.#running) this.#schedule()
    return true
  }

  #schedule(): void {
    this.#running = true
    // setImmediate: the answer that queued this job is written before the job starts.
    setImmediate(() => void this.#next())
  }

  async #next(): Promise<void> {
    const next = this.#jobs.shift()
    if (!next) {
      this.#running = false
      this.onDepth?.(0)
      for (const resolve of this.#idle.splice(0)) resolve()
      return
    }
    this.#bytes -= next.bytes
    try {
      await next.job()
    } catch {
      // A job records its own failure; the queue keeps going.
    }
    this.onDepth?.(this.depth)
    setImmediate(() => void this.#next())
  }

  /** Resolves when every queued job has run, or after `timeoutMs` (shutdown). */
  drain(timeoutMs = 5000): Promise<void> {
    if (!this.#running && this.#jobs.length === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.#idle.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
