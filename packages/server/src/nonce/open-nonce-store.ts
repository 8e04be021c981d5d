/**
 * Picks the nonce store: Redis when a URL is given (HOOKWARDEN_REDIS_URL), else memory.
 * @module
 */
import { MemoryNonceStore, type NonceStore } from '@hookwarden/core'
import { connectRedis } from '../redis.js'
import { OtherSeedClaims } from './other-seed-claims.js'
import { RedisNonceStore } from './redis.js'
import { restoreClaims, saveClaims } from './replay-claims-file.js'

export interface OpenNonceStoreOptions {
  redisUrl?: string | undefined
  /** Key prefix in Redis; default `hookwarden:`. */
  keyPrefix?: string
  /** Memory store bound; default MemoryNonceStore's (1,000,000 live claims). */
  maxEntries?: number
  onError?: (message: string) => void
  /**
   * The memory store's live claims are saved here at close and read back at open, so that a
   * restart does not let a replay of a message accepted just before it through (a kill -9
   * still forgets them: Redis keeps them across any restart). Saved merged with the claims
   * the file holds already (replay-claims-file.ts).
   */
  snapshotFile?: string
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
    const file = options.snapshotFile
    const saved = file ? restoreClaims(file, options.onError) : undefined
    const memory = new MemoryNonceStore({
      ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
      ...(saved ? { snapshot: saved.primary } : {}),
    })
    // Claims another gateway on this data directory saved under its own seeds: looked up
    // beside ours until they expire. Without any, a claim is exactly the store's.
    const others =
      saved && saved.others.length > 0 ? new OtherSeedClaims(saved.others, memory.maxEntries) : null
    return {
      kind: 'memory',
      claim:
        others === null
          ? (key, ttlMs) => memory.claim(key, ttlMs)
          : (key, ttlMs) => !others.holds(key) && memory.claim(key, ttlMs),
      release: (key) => memory.release(key),
      close: async () => {
        if (file)
          await saveClaims(
            file,
            { primary: memory.snapshot(), others: others?.snapshots() ?? [] },
            memory.maxEntries,
            options.onError,
          )
      },
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
    claimWithLegacyKey: (key, legacyKey, ttlMs) => store.claimWithLegacyKey(key, legacyKey, ttlMs),
    release: (key) => store.release(key),
    close: () => store.close(),
  }
}
