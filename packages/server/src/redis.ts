/**
 * One way to open Redis (ioredis) for the nonce store and the rate counters: connected before
 * use, commands fail fast while disconnected (fail closed), errors never crash the process.
 * @module
 */
import { Redis } from 'ioredis'
import { redactUrls, type StoreName, toStoreError } from './storage/errors.js'

export interface RedisOptions {
  /** `redis://[user:pass@]host:port[/db]` */
  url: string
  /** Prepended to every key, e.g. `hookwarden:`. */
  keyPrefix?: string
  /** Which store this connection serves, for error messages. */
  store?: StoreName
  /** Called with connection errors (already redacted); default: ignored. */
  onError?: (message: string) => void
  /** A command not answered within this many ms fails (default 1000). */
  commandTimeoutMs?: number
}

/**
 * A Redis that is connected but does not answer (CLIENT PAUSE, a stalled host, a full
 * network buffer) fails a command after this long: the replay check then answers 503 (fail
 * closed) and the rate limit lets the request through (fail open), instead of every request
 * waiting as long as the stall lasts. Redis answers in well under a millisecond when healthy.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000

/** Connects and waits until Redis is ready; throws StoreUnavailableError when it is not. */
export async function connectRedis(options: RedisOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // While disconnected, a command fails at once instead of waiting in a queue: a replay
    // check that cannot run must answer 503, not hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
  })
  redis.on('error', (error: Error) => options.onError?.(redactUrls(error.message)))
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    throw toStoreError(options.store ?? 'nonce', error)
  }
  return redis
}
