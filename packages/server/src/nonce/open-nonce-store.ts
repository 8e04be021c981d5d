/**
 * Picks the nonce store: Redis when a URL is given (HOOKWARDEN_REDIS_URL), else memory.
 * @module
 */
import { MemoryNonceStore, type NonceStore } from '@hookwarden/core'
import { connectRedis } from '../redis.js'
import { RedisNonceStore } from './redis.js'

export interface OpenNonceStoreOptions {
  redisUrl?: string | undefined
  /** Key prefix in Redis; default `hookwarden:`. */
  keyPrefix?: string
  /** Memory store bound; default 100,000 live nonces. */
  maxEntries?: number
  onError?: (message: string) => void
}

export interface OpenedNonceStore extends NonceStore {
  /** `memory` or `redis`. */
  readonly kind: 'memory' | 'redis'
  close(): Promise<void>
}

export async function openNonceStore(
  options: OpenNonceStoreOptions = {},
): Promise<OpenedNonceStore> {
  const url = options.redisUrl?.trim()
  if (!url) {
    const memory = new MemoryNonceStore(
      options.maxEntries ? { maxEntries: options.maxEntries } : {},
    )
    return {
      kind: 'memory',
      claim: (key, ttlMs) => memory.claim(key, ttlMs),
      release: (key) => memory.release(key),
      close: async () => {},
    }
  }
  const redis = await connectRedis({
    url,
    keyPrefix: options.keyPrefix ?? 'hookwarden:',
    store: 'nonce',
    ...(options.onError ? { onError: options.onError } : {}),
  })
  const store = new RedisNonceStore(redis)
  return {
    kind: 'redis',
    claim: (key, ttlMs) => store.claim(key, ttlMs),
    release: (key) => store.release(key),
    close: () => store.close(),
  }
}
