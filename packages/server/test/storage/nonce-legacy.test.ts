/**
 * RedisNonceStore.claimWithLegacyKey against the Redis running here (a key prefix of its own):
 * the key the id-keyed release (7188628) claims is checked and claimed in the same script, as
 * that release writes and reads it (`SET <prefix>nonce:<key> 1 PX ttl NX`).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { openNonceStore } from '../../src/nonce/open-nonce-store.js'
import { LEGACY_KEY_MARK } from '../../src/nonce/redis.js'
import { connectRedis } from '../../src/redis.js'

const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `hw-test:${process.pid}:${randomBytes(4).toString('hex')}:`
const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix })
const store = await openNonceStore({ redisUrl: REDIS_URL, keyPrefix: prefix })

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)))
  await redis.quit()
  await store.close()
})

/** The id-keyed release's claim, byte for byte its RedisNonceStore.claim. */
const oldBuildClaims = async (key: string, ttlMs = 60_000) =>
  (await redis.set(`nonce:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK'

let n = 0
const keys = () => {
  const id = `msg_${++n}_${randomBytes(4).toString('hex')}`
  return { own: `ep\x00sig:\xe8>@<${id}:1796000000`, legacy: `ep\x00id:${id}` }
}

describe('claimWithLegacyKey (Redis)', () => {
  it('claims both keys; the legacy key holds the mark and the name of this build’s key', async () => {
    const k = keys()
    expect(await store.claimWithLegacyKey!(k.own, k.legacy, 60_000)).toBe(true)
    expect(await redis.get(`nonce:${k.legacy}`)).toBe(`${LEGACY_KEY_MARK}${prefix}nonce:${k.own}`)
    expect(await redis.pttl(`nonce:${k.legacy}`)).toBeGreaterThan(0)
    expect(await oldBuildClaims(k.legacy)).toBe(false)
    expect(await store.claimWithLegacyKey!(k.own, k.legacy, 60_000)).toBe(false)
  })

  it('a legacy key the id-keyed release wrote is a replay, and nothing is claimed', async () => {
    const k = keys()
    expect(await oldBuildClaims(k.legacy)).toBe(true)
    expect(await store.claimWithLegacyKey!(k.own, k.legacy, 60_000)).toBe(false)
    expect(await redis.exists(`nonce:${k.own}`)).toBe(0)
    expect(await redis.get(`nonce:${k.legacy}`)).toBe('1')
  })

  it('another message under a legacy key this build wrote (a re-signed retry) is claimed', async () => {
    const first = keys()
    const retry = { ...first, own: `${first.own}x` }
    expect(await store.claimWithLegacyKey!(first.own, first.legacy, 1_000)).toBe(true)
    expect(await store.claimWithLegacyKey!(retry.own, retry.legacy, 60_000)).toBe(true)
    // The first claim's mark stays, lasting as long as the retry's claim.
    expect(await redis.get(`nonce:${first.legacy}`)).toBe(
      `${LEGACY_KEY_MARK}${prefix}nonce:${first.own}`,
    )
    expect(await redis.pttl(`nonce:${first.legacy}`)).toBeGreaterThan(1_000)
  })

  it('release gives back the legacy key it claimed, not one another claim wrote', async () => {
    const first = keys()
    const retry = { ...first, own: `${first.own}x` }
    expect(await store.claimWithLegacyKey!(first.own, first.legacy, 60_000)).toBe(true)
    expect(await store.claimWithLegacyKey!(retry.own, retry.legacy, 60_000)).toBe(true)
    await store.release!(retry.own)
    expect(await redis.exists(`nonce:${retry.own}`)).toBe(0)
    expect(await redis.exists(`nonce:${first.legacy}`)).toBe(1)
    await store.release!(first.own)
    expect(await redis.exists(`nonce:${first.own}`, `nonce:${first.legacy}`)).toBe(0)
    // The sender's retry may now land on a gateway of either release.
    expect(await oldBuildClaims(first.legacy)).toBe(true)
  })

  it('release never removes a legacy key the id-keyed release wrote', async () => {
    const k = keys()
    expect(await store.claim(k.own, 60_000)).toBe(true)
    expect(await oldBuildClaims(k.legacy)).toBe(true)
    await store.release!(k.own)
    expect(await redis.get(`nonce:${k.legacy}`)).toBe('1')
  })
})
