/**
 * The attempts still being handled. Shutdown waits for them, not only for their connections:
 * a sender that hangs up mid-forward (or a socket ended by a parse error after its request)
 * closes the connection while its attempt is still recording or forwarding, and closing the
 * forwarder and the store under it lost the forward's result.
 * @module
 */
export class AttemptsInFlight {
  #count = 0
  #idle: (() => void)[] = []

  get count(): number {
    return this.#count
  }

  /** Counts a request whose body is still being read (its attempt has not started yet). */
  enter(): void {
    this.#count++
  }

  /** The request entered is now an attempt (tracked on its own), or gone. */
  leave(): void {
    this.#leave()
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
