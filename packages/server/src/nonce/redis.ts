/**
 * Replay nonces in Redis: `SET key 1 NX PX ttl` is atomic, so any number of gateways sharing
 * one Redis accept a message id exactly once within its TTL.
 * @module
 */
import type { NonceStore } from '@hookwarden/core'
import type { Redis } from 'ioredis'
import { toStoreError } from '../storage/errors.js'

export class RedisNonceStore implements NonceStore {
  readonly #redis: Redis
  readonly #prefix: string

  /** `prefix` is prepended to each key (on top of any connection keyPrefix). */
  constructor(redis: Redis, options: { prefix?: string } = {}) {
    this.#redis = redis
    this.#prefix = options.prefix ?? 'nonce:'
  }

  /** true when the key was new; throws StoreUnavailableError when Redis cannot answer. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    try {
      return (await this.#redis.set(this.#prefix + key, '1', 'PX', ttl, 'NX')) === 'OK'
    } catch (error) {
      throw toStoreError('nonce', error)
    }
  }

  async release(key: string): Promise<void> {
    try {
      await this.#redis.del(this.#prefix + key)
    } catch (error) {
      throw toStoreError('nonce', error)
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}
