/**
 * Picks the nonce store: Redis when a URL is given (HOOKWARDEN_REDIS_URL), else memory.
 * @module
 */
import { readFileSync } from 'node:fs'
import {
  MemoryNonceStore,
  type NonceSnapshot,
  type NonceStore,
  REPLAY_KEY_FORMAT,
} from '@hookwarden/core'
import { connectRedis } from '../redis.js'
import { replaceFile } from '../synced-file.js'
import { RedisNonceStore } from './redis.js'

export interface OpenNonceStoreOptions {
  redisUrl?: string | undefined
  /** Key prefix in Redis; default `hookwarden:`. */
  keyPrefix?: string
  /** Memory store bound; default 100,000 live nonces. */
  maxEntries?: number
  onError?: (message: string) => void
  /**
   * The memory store's live claims are saved here at close and read back at open, so that a
   * restart does not let a replay of a message accepted just before it through (a kill -9
   * still forgets them: Redis keeps them across any restart).
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
    const snapshot = file ? readSnapshot(file, options.onError) : undefined
    const memory = new MemoryNonceStore({
      ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
      ...(snapshot ? { snapshot } : {}),
    })
    return {
      kind: 'memory',
      claim: (key, ttlMs) => memory.claim(key, ttlMs),
      release: (key) => memory.release(key),
      close: async () => {
        if (file) writeSnapshot(file, memory.snapshot(), options.onError)
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

/**
 * The claim key format of a version 1 snapshot that does not say: the release that introduced
 * the snapshot (b77bcd0) wrote none, and claimed keys of format 2.
 */
const UNMARKED_KEY_FORMAT = 2

/**
 * The file's claims, or undefined when there is none or it cannot be read (said once). A
 * snapshot of another claim key format holds hashes of keys this build never looks up: loaded,
 * it would look like protection and match nothing. It is not loaded, and the line says how long
 * a copy of a message accepted before the restart can pass (its latest claim's expiry). A future
 * key format must go on reading the previous one (see REPLAY_KEY_FORMAT).
 */
function readSnapshot(
  file: string,
  onError: ((message: string) => void) | undefined,
): NonceSnapshot | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      onError?.(`replay claims not restored: ${(e as Error).message}`)
    return undefined
  }
  try {
    const o = JSON.parse(text) as {
      v: unknown
      key_format?: unknown
      seeds: [number, number]
      a: string
      b: string
      e: string
    }
    if (o === null || typeof o !== 'object') throw new Error('not a JSON object')
    const format = o.key_format ?? UNMARKED_KEY_FORMAT
    if (o.v !== 1 || format !== REPLAY_KEY_FORMAT) {
      const written =
        o.v !== 1 ? `snapshot version ${String(o.v)}` : `claim key format ${String(format)}`
      onError?.(
        `replay claims not restored from ${file}: written with ${written}, this build reads version 1 with claim key format ${REPLAY_KEY_FORMAT}; ${unmatchedWindow(o.v === 1 ? o.e : undefined)}`,
      )
      return undefined
    }
    if (!Array.isArray(o.seeds) || o.seeds.length !== 2) throw new Error('unknown format')
    const u32 = (s: string) => {
      const buf = Buffer.from(s, 'base64')
      return new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
    }
    return { seeds: o.seeds, a: u32(o.a), b: u32(o.b), expires: float64s(o.e) }
  } catch (e) {
    onError?.(`replay claims not restored from ${file}: ${(e as Error).message}`)
    return undefined
  }
}

function float64s(s: string): Float64Array {
  const buf = Buffer.from(s, 'base64')
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
}

/** How long copies of the messages whose claims were not restored can pass, from their expiry times. */
function unmatchedWindow(expires: unknown): string {
  let latest = Number.NaN
  try {
    if (typeof expires === 'string') {
      latest = 0
      for (const at of float64s(expires)) if (at > latest) latest = at
    }
  } catch {
    latest = Number.NaN // not a list of expiry times: the window is not known
  }
  const now = Date.now()
  if (!Number.isFinite(latest))
    return 'until the longest replay window of the endpoints has passed since the stop, an exact copy of a message accepted before the restart is not recognised as a replay'
  if (latest <= now) return 'none of its claims was still live, so no replay goes unrecognised'
  return `for up to ${Math.ceil((latest - now) / 1000)} s (until ${new Date(latest).toISOString()}), an exact copy of a message accepted before the restart is not recognised as a replay`
}

/** Written whole to a temporary file, synced, then renamed over the old one. */
function writeSnapshot(
  file: string,
  snap: NonceSnapshot,
  onError: ((message: string) => void) | undefined,
): void {
  const b64 = (a: Uint32Array | Float64Array) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
  const text = JSON.stringify({
    v: 1,
    key_format: REPLAY_KEY_FORMAT,
    seeds: snap.seeds,
    a: b64(Uint32Array.from(snap.a)),
    b: b64(Uint32Array.from(snap.b)),
    e: b64(Float64Array.from(snap.expires)),
  })
  try {
    replaceFile(file, text)
  } catch (e) {
    onError?.(`replay claims not saved: ${(e as Error).message}`)
  }
}
