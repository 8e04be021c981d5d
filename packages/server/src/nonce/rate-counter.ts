/**
 * Fixed-window hit counters for per-source rate limits: in memory for one gateway, in Redis
 * (INCR + PEXPIRE in one MULTI) when several share the traffic.
 * @module
 */
import type { Redis } from 'ioredis'
import { connectRedis } from '../redis.js'
import { toStoreError } from '../storage/errors.js'

export interface RateCounter {
  readonly kind: 'memory' | 'redis'
  /**
   * Counts one hit for `key` in the current window of `windowMs` and returns the hits so far
   * in that window (1 for the first). Redis errors reject with StoreUnavailableError.
   */
  hit(key: string, windowMs: number): number | Promise<number>
  close(): Promise<void>
}

/** Counters in a Map, bounded: when full, windows that have ended are swept, then the oldest. */
export class MemoryRateCounter implements RateCounter {
  readonly kind = 'memory' as const
  readonly #counts = new Map<string, { window: number; count: number; ends: number }>()
  readonly #maxKeys: number
  readonly #clock: () => number

  constructor(options: { maxKeys?: number; clock?: () => number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
    this.#clock = options.clock ?? Date.now
  }

  hit(key: string, windowMs: number): number {
    const now = this.#clock()
    const window = Math.floor(now / windowMs)
    const entry = this.#counts.get(key)
    if (entry && entry.window === window) return ++entry.count
    this.#counts.delete(key)
    this.#counts.set(key, { window, count: 1, ends: (window + 1) * windowMs })
    if (this.#counts.size > this.#maxKeys) this.#evict(now)
    return 1
  }

  #evict(now: number): void {
    for (const [k, v] of this.#counts) if (v.ends <= now) this.#counts.delete(k)
    // Still full: drop the least recently started window (Map keeps insertion order).
    while (this.#counts.size > this.#maxKeys) {
      const oldest = this.#counts.keys().next().value
      if (oldest === undefined) break
      this.#counts.delete(oldest)
    }
  }

  async close(): Promise<void> {}
}

export class RedisRateCounter implements RateCounter {
  readonly kind = 'redis' as const
  readonly #redis: Redis
  readonly #prefix: string
  readonly #clock: () => number

  constructor(redis: Redis, options: { prefix?: string; clock?: () => number } = {}) {
    this.#redis = redis
    this.#prefix = options.prefix ?? 'rate:'
    this.#clock = options.clock ?? Date.now
  }

  async hit(key: string, windowMs: number): Promise<number> {
    const ms = Math.max(1, Math.ceil(windowMs))
    // The window index is part of the key, so a missed PEXPIRE can never freeze a counter.
    const k = `${this.#prefix}${key}:${Math.floor(this.#clock() / ms)}`
    try {
      const results = await this.#redis.multi().incr(k).pexpire(k, ms).exec()
      const [incrError, count] = results?.[0] ?? [new Error('MULTI aborted'), null]
      if (incrError) throw incrError
      return Number(count)
    } catch (error) {
      throw toStoreError('rate', error)
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}

export interface OpenRateCounterOptions {
  redisUrl?: string | undefined
  /** Key prefix in Redis; default `hookwarden:`. */
  keyPrefix?: string
  maxKeys?: number
  onError?: (message: string) => void
}

/** Redis when a URL is given (HOOKWARDEN_REDIS_URL), else memory. */
export async function openRateCounter(options: OpenRateCounterOptions = {}): Promise<RateCounter> {
  const url = options.redisUrl?.trim()
  if (!url) return new MemoryRateCounter(options.maxKeys ? { maxKeys: options.maxKeys } : {})
  const redis = await connectRedis({
    url,
    keyPrefix: options.keyPrefix ?? 'hookwarden:',
    store: 'rate',
    ...(options.onError ? { onError: options.onError } : {}),
  })
  return new RedisRateCounter(redis)
}
