/**
 * Replay nonces in Redis: `SET key 1 NX PX ttl` is atomic, so any number of gateways sharing
 * one Redis accept a message exactly once within its TTL.
 * @module
 */
import type { NonceStore } from '@hookwarden/core'
import type { Redis } from 'ioredis'
import { toStoreError } from '../storage/errors.js'

/**
 * What this build writes into a legacy key (see claimWithLegacyKey), followed by the name of its
 * own key. The id-keyed release writes `1`: a legacy key holding anything but this mark was
 * claimed by that release.
 */
export const LEGACY_KEY_MARK = 'signed:'

/**
 * KEYS[1] this build's key, KEYS[2] the id-keyed release's key for the same message; ARGV[1] the
 * TTL in ms, ARGV[2] the mark. One script, so no gateway of either release can claim between
 * the check and the writes. This build's key holds the legacy key's name, for release().
 */
const CLAIM_WITH_LEGACY = `
local legacy = redis.call('GET', KEYS[2])
if legacy and string.sub(legacy, 1, #ARGV[2]) ~= ARGV[2] then return 0 end
if not redis.call('SET', KEYS[1], KEYS[2], 'PX', ARGV[1], 'NX') then return 0 end
if not legacy then
  redis.call('SET', KEYS[2], ARGV[2] .. KEYS[1], 'PX', ARGV[1])
elseif redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return 1`

/**
 * KEYS[1] the key to forget, ARGV[1] the mark. The legacy key it claimed goes with it, unless
 * another claim wrote it (a retry under the same id keeps the first one's): the name of a key
 * it stored is read back, so this reaches a key the call did not declare (fine outside Redis
 * Cluster, which the gateway does not use).
 */
const RELEASE = `
local legacy = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
if legacy and legacy ~= '1' and redis.call('GET', legacy) == ARGV[1] .. KEYS[1] then
  redis.call('DEL', legacy)
end
return 1`

type ScriptedRedis = Redis & {
  hwClaimWithLegacy(key: string, legacyKey: string, ttl: number, mark: string): Promise<number>
  hwRelease(key: string, mark: string): Promise<number>
}

export class RedisNonceStore implements NonceStore {
  readonly #redis: ScriptedRedis
  readonly #prefix: string

  /** `prefix` is prepended to each key (on top of any connection keyPrefix). */
  constructor(redis: Redis, options: { prefix?: string } = {}) {
    redis.defineCommand('hwClaimWithLegacy', { numberOfKeys: 2, lua: CLAIM_WITH_LEGACY })
    redis.defineCommand('hwRelease', { numberOfKeys: 1, lua: RELEASE })
    this.#redis = redis as ScriptedRedis
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

  /**
   * claim(), and the key a gateway of the id-keyed release (7188628) claims for the same message,
   * in one round trip, while both releases share this Redis in a rolling upgrade: that release
   * writes `1` into it with SET NX, so it refuses what this build accepted; a legacy key that
   * holds `1` makes this build refuse what that release accepted. One that holds the mark (this
   * build accepted a message under that id: a sender's retry, signed anew) is no replay. Costs
   * one more key per claim; remove once no gateway of that release remains.
   */
  async claimWithLegacyKey(key: string, legacyKey: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    try {
      const claimed = await this.#redis.hwClaimWithLegacy(
        this.#prefix + key,
        this.#prefix + legacyKey,
        ttl,
        LEGACY_KEY_MARK,
      )
      return claimed === 1
    } catch (error) {
      throw toStoreError('nonce', error)
    }
  }

  async release(key: string): Promise<void> {
    try {
      await this.#redis.hwRelease(this.#prefix + key, LEGACY_KEY_MARK)
    } catch (error) {
      throw toStoreError('nonce', error)
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}
