/**
 * replay-claims.json: the memory nonce store's live claims (seeded hashes and expiry times, no
 * id), saved at a graceful stop and restored at start. A gateway sharing the data directory
 * with another (one frozen past the registry's 15 s, or the same directory under two stores)
 * merges its claims into the file's instead of replacing them (merge-claims.ts), under a lock
 * file so that two stopping at once do not both write over the file they read.
 *
 * `{v: 1, key_format, seeds, a, b, e}` (base64 of little-endian u32, u32 and f64 arrays), and
 * `others: [{seeds, a, b, e}]` when it holds claims under other seeds: a build that does not
 * know `others` restores the primary group and ignores them.
 * @module
 */
import { closeSync, openSync, readFileSync, statSync } from 'node:fs'
import { type NonceSnapshot, REPLAY_KEY_FORMAT } from '@hookwarden/core'
import { removeQuietly, replaceFile } from '../synced-file.js'
import { mergeClaims, type SavedClaims } from './merge-claims.js'

type OnError = ((message: string) => void) | undefined

/**
 * The claim key format of a version 1 snapshot that does not say: the release that introduced
 * the snapshot (b77bcd0) wrote none, and claimed keys of format 2.
 */
const UNMARKED_KEY_FORMAT = 2

/** How long a stopping gateway waits for another's save to finish; a lock older is stale. */
const LOCK_WAIT_MS = 2000
const LOCK_STALE_MS = 10_000

/** The file was written by a build of another snapshot version or claim key format. */
class OtherFormatError extends Error {
  /** Base64 expiry lists found in it, for how long its claims would have held. */
  readonly expiries: unknown[]
  constructor(written: string, expiries: unknown[]) {
    super(written)
    this.expiries = expiries
  }
}

interface GroupJson {
  seeds: unknown
  a: unknown
  b: unknown
  e: unknown
}

/** The claims in the file's text; OtherFormatError or Error (not a snapshot) otherwise. */
function decode(text: string): SavedClaims {
  const o = JSON.parse(text) as
    | (GroupJson & { v: unknown; key_format?: unknown; others?: unknown })
    | null
  if (o === null || typeof o !== 'object') throw new Error('not a JSON object')
  const format = o.key_format ?? UNMARKED_KEY_FORMAT
  const others = Array.isArray(o.others) ? (o.others as GroupJson[]) : []
  if (o.v !== 1 || format !== REPLAY_KEY_FORMAT)
    throw new OtherFormatError(
      o.v !== 1 ? `snapshot version ${String(o.v)}` : `claim key format ${String(format)}`,
      o.v === 1 ? [o.e, ...others.map((g) => g?.e)] : [],
    )
  if (o.others !== undefined && !Array.isArray(o.others)) throw new Error('unknown format')
  return { primary: group(o), others: others.map(group) }
}

function group(g: GroupJson): NonceSnapshot {
  if (g === null || typeof g !== 'object') throw new Error('unknown format')
  const { seeds, a, b, e } = g
  if (
    !Array.isArray(seeds) ||
    seeds.length !== 2 ||
    !seeds.every((s) => typeof s === 'number') ||
    typeof a !== 'string' ||
    typeof b !== 'string' ||
    typeof e !== 'string'
  )
    throw new Error('unknown format')
  return { seeds: seeds as [number, number], a: u32s(a), b: u32s(b), expires: float64s(e) }
}

function u32s(s: string): Uint32Array {
  const buf = Buffer.from(s, 'base64')
  return new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
}

function float64s(s: string): Float64Array {
  const buf = Buffer.from(s, 'base64')
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
}

function encode(claims: SavedClaims): string {
  const b64 = (a: Uint32Array | Float64Array) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
  const groupJson = (s: NonceSnapshot) => ({
    seeds: s.seeds,
    a: b64(Uint32Array.from(s.a)),
    b: b64(Uint32Array.from(s.b)),
    e: b64(Float64Array.from(s.expires)),
  })
  return JSON.stringify({
    v: 1,
    key_format: REPLAY_KEY_FORMAT,
    ...groupJson(claims.primary),
    ...(claims.others.length > 0 ? { others: claims.others.map(groupJson) } : {}),
  })
}

/** The file's text, or undefined when there is none; another error is thrown. */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

/**
 * The file's claims, or undefined when there is none or it cannot be read (said once). A
 * snapshot of another claim key format holds hashes of keys this build never looks up: loaded,
 * it would look like protection and match nothing. It is not loaded, and the line says how long
 * a copy of a message accepted before the restart can pass (its latest claim's expiry). A future
 * key format must go on reading the previous one (see REPLAY_KEY_FORMAT).
 */
export function restoreClaims(file: string, onError: OnError): SavedClaims | undefined {
  let text: string | undefined
  try {
    text = readText(file)
  } catch (e) {
    onError?.(`replay claims not restored: ${(e as Error).message}`)
    return undefined
  }
  if (text === undefined) return undefined
  try {
    return decode(text)
  } catch (e) {
    if (e instanceof OtherFormatError)
      onError?.(
        `replay claims not restored from ${file}: written with ${e.message}, this build reads version 1 with claim key format ${REPLAY_KEY_FORMAT}; ${unmatchedWindow(e.expiries)}`,
      )
    else onError?.(`replay claims not restored from ${file}: ${(e as Error).message}`)
    return undefined
  }
}

/** How long copies of the messages whose claims were not restored can pass, from their expiry times. */
function unmatchedWindow(expiries: unknown[]): string {
  let latest = Number.NaN
  try {
    if (expiries.length > 0 && expiries.every((e) => typeof e === 'string')) {
      latest = 0
      for (const e of expiries as string[])
        for (const at of float64s(e)) if (at > latest) latest = at
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

/**
 * Saves `live` into the file, merged with the live claims already in it (another gateway's on
 * the same data directory, or those this one restored): written whole to a temporary file,
 * synced, then renamed over the old one. A file of another format, or not a snapshot, is
 * replaced.
 */
export async function saveClaims(
  file: string,
  live: SavedClaims,
  maxEntries: number,
  onError: OnError,
): Promise<void> {
  const unlock = await lock(file)
  try {
    let saved: SavedClaims | undefined
    try {
      const text = readText(file)
      saved = text === undefined ? undefined : decode(text)
    } catch {
      // Another format's claims match no key of this build, and a file that is not a
      // snapshot holds none: replaced. (Either was said at start, if it was there then.)
    }
    replaceFile(file, encode(mergeClaims(live, saved, Date.now(), maxEntries)))
  } catch (e) {
    onError?.(`replay claims not saved: ${(e as Error).message}`)
  } finally {
    unlock()
  }
}

/**
 * Takes `<file>.lock` (created exclusively), waiting up to LOCK_WAIT_MS for another gateway's
 * save; one older than LOCK_STALE_MS was left by a gateway that died saving, and is taken over.
 * Without it after the wait, the save goes on (a lost merge, never a stop held up).
 */
async function lock(file: string): Promise<() => void> {
  const path = `${file}.lock`
  for (const start = Date.now(); Date.now() - start < LOCK_WAIT_MS; ) {
    try {
      closeSync(openSync(path, 'wx', 0o600))
      return () => removeQuietly(path)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return () => {}
    }
    try {
      if (Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS) removeQuietly(path)
    } catch {
      // Released meanwhile: try again at once.
      continue
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  return () => {}
}
