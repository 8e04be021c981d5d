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
}

/** Connects and waits until Redis is ready; throws StoreUnavailableError when it is not. */
export async function connectRedis(options: RedisOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // While disconnected, a command fails at once instead of waiting in a queue: a replay
    // check that cannot run must answer 503, not hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
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
