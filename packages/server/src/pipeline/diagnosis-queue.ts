/**
 * Near-miss diagnosis runs off the answer's path: a bounded queue worked one job at a time on
 * later turns of the event loop. When rejections flood in and the queue is full, the job is
 * shed (the record says `diagnosis_skipped: 'load'`) instead of letting CPU amplification
 * (security §5.3) slow down the answers.
 * @module
 */

export type DiagnosisJob = () => Promise<void>

export class DiagnosisQueue {
  readonly #jobs: DiagnosisJob[] = []
  readonly capacity: number
  #running = false
  #idle: (() => void)[] = []
  onDepth?: (depth: number) => void

  constructor(capacity = 256) {
    this.capacity = capacity
  }

  get depth(): number {
    return this.#jobs.length + (this.#running ? 1 : 0)
  }

  /** True when a job would be accepted now. */
  hasRoom(): boolean {
    return this.#jobs.length < this.capacity
  }

  /** Queues a job; false when the queue is full (the caller records the shedding). */
  push(job: DiagnosisJob): boolean {
    if (!this.hasRoom()) return false
    this.#jobs.push(job)
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
    const job = this.#jobs.shift()
    if (!job) {
      this.#running = false
      this.onDepth?.(0)
      for (const resolve of this.#idle.splice(0)) resolve()
      return
    }
    try {
      await job()
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
