/**
 * Per-source limit on rejected attempts (T-BRU-1): a source that sent `max` rejected attempts
 * inside a fixed window is answered 429 with Retry-After until the window ends. In memory for
 * one gateway; Redis counters (INCR + PEXPIRE) when several gateways share the traffic.
 *
 * A refusal is counted and judged in one step (hit): the count is reserved when the request
 * is refused, not after its record commits, so a burst that arrives within one commit cannot
 * pass the limit whole (red team 6, F4).
 * @module
 */
import type { Redis } from 'ioredis'

export interface RateLimitState {
  limited: boolean
  /** Seconds until the source may try again (when limited). */
  retryAfter: number
}

export interface RateLimiter {
  /** Is this source over its limit now? Counts nothing. (In memory: answered without a Promise.) */
  check(source: string): RateLimitState | Promise<RateLimitState>
  /**
   * Counts one rejected attempt from this source and says whether that one is over the limit
   * (the max+1th of a window and every later one are), atomically: two concurrent hits never
   * both take the last place. In memory: answered without a Promise.
   */
  hit(source: string): RateLimitState | Promise<RateLimitState>
  close?(): Promise<void>
}

export interface RateLimitOptions {
  /** Rejected attempts allowed per window (default 60). */
  max: number
  /** Window length in milliseconds (default 60 000). */
  windowMs: number
}

const NOT_LIMITED: RateLimitState = Object.freeze({ limited: false, retryAfter: 0 })

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 60, windowMs: 60_000 }

export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>()
  readonly #options: RateLimitOptions
  readonly #clock: () => number
  readonly #maxSources: number

  constructor(
    options: Partial<RateLimitOptions> = {},
    clock: () => number = () => performance.now(),
  ) {
    this.#options = { ...DEFAULT_RATE_LIMIT, ...options }
    // A monotonic clock: a wall-clock jump must not open or close windows (T-CLK-4).
    this.#clock = clock
    this.#maxSources = 100_000
  }

  #current(source: string): { start: number; count: number } | undefined {
    const w = this.#windows.get(source)
    if (w && this.#clock() - w.start >= this.#options.windowMs) {
      this.#windows.delete(source)
      return undefined
    }
    return w
  }

  check(source: string): RateLimitState {
    const w = this.#current(source)
    if (!w || w.count < this.#options.max) return NOT_LIMITED
    const left = this.#options.windowMs - (this.#clock() - w.start)
    return { limited: true, retryAfter: Math.max(1, Math.ceil(left / 1000)) }
  }

  hit(source: string): RateLimitState {
    const w = this.#current(source)
    if (w) {
      if (++w.count <= this.#options.max) return NOT_LIMITED
      const left = this.#options.windowMs - (this.#clock() - w.start)
      return { limited: true, retryAfter: Math.max(1, Math.ceil(left / 1000)) }
    }
    if (this.#windows.size >= this.#maxSources) {
      // Bounded memory: forget the oldest source first.
      const oldest = this.#windows.keys().next().value
      if (oldest !== undefined) this.#windows.delete(oldest)
    }
    this.#windows.set(source, { start: this.#clock(), count: 1 })
    if (this.#options.max >= 1) return NOT_LIMITED
    return {
      limited: true,
      retryAfter: Math.max(1, Math.ceil(this.#options.windowMs / 1000)),
    }
  }
}

/** Counters shared by every gateway on one Redis: `hookwarden:rl:<source>`, expiring with the window. */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis
  readonly #options: RateLimitOptions
  readonly #prefix: string

  constructor(redis: Redis, options: Partial<RateLimitOptions> = {}, prefix = 'hookwarden:rl:') {
    this.#redis = redis
    this.#options = { ...DEFAULT_RATE_LIMIT, ...options }
    this.#prefix = prefix
  }

  async check(source: string): Promise<RateLimitState> {
    const key = this.#prefix + source
    const [count, ttl] = await Promise.all([this.#redis.get(key), this.#redis.pttl(key)])
    if (count === null || Number(count) < this.#options.max)
      return { limited: false, retryAfter: 0 }
    return {
      limited: true,
      retryAfter: Math.max(1, Math.ceil((ttl > 0 ? ttl : this.#options.windowMs) / 1000)),
    }
  }

  async hit(source: string): Promise<RateLimitState> {
    const key = this.#prefix + source
    // PEXPIRE NX: the window starts at the first rejection and is not extended by later ones.
    // INCR returns the count with this rejection in it: the decision and the count are one step.
    const replies = await this.#redis
      .multi()
      .incr(key)
      .pexpire(key, this.#options.windowMs, 'NX')
      .pttl(key)
      .exec()
    const failed = replies?.find(([error]) => error)
    if (!replies || failed) throw failed?.[0] ?? new Error('rate limit transaction discarded')
    const count = Number(replies[0]![1])
    if (count <= this.#options.max) return NOT_LIMITED
    const ttl = Number(replies[2]![1])
    return {
      limited: true,
      retryAfter: Math.max(1, Math.ceil((ttl > 0 ? ttl : this.#options.windowMs) / 1000)),
    }
  }
}
