/**
 * Attempt ids: ULIDs (48-bit milliseconds + 80 random bits, Crockford base32), monotonic
 * within a millisecond, so that sorting ids sorts attempts by arrival.
 * @module
 */
import { randomFillSync } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0))

/**
 * One id per attempt, on the hot path: random bytes come from a pool filled 4 KiB at a time,
 * the 80-bit random part is incremented in place, and the time part is encoded once per
 * millisecond (measured: the first version allocated ~900 bytes an id).
 */
const pool = new Uint8Array(4096)
let poolAt = pool.length
const random = new Uint8Array(10)
const digits = new Uint8Array(16)

let lastTime = -1
let lastTimeText = ''

function encodeTime(ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out
    ms = Math.floor(ms / 32)
  }
  return out
}

/** 80 bits → 16 base32 digits, most significant first (five bytes make eight digits). */
function encodeRandom(bytes: Uint8Array): string {
  for (let half = 0; half < 2; half++) {
    const b = half * 5
    const hi = (bytes[b]! << 12) | (bytes[b + 1]! << 4) | (bytes[b + 2]! >> 4) // 20 bits
    const lo = ((bytes[b + 2]! & 15) << 16) | (bytes[b + 3]! << 8) | bytes[b + 4]! // 20 bits
    const d = half * 8
    digits[d] = CODES[(hi >> 15) & 31]!
    digits[d + 1] = CODES[(hi >> 10) & 31]!
    digits[d + 2] = CODES[(hi >> 5) & 31]!
    digits[d + 3] = CODES[hi & 31]!
    digits[d + 4] = CODES[(lo >> 15) & 31]!
    digits[d + 5] = CODES[(lo >> 10) & 31]!
    digits[d + 6] = CODES[(lo >> 5) & 31]!
    digits[d + 7] = CODES[lo & 31]!
  }
  // Sixteen arguments, not `...digits`: spreading a typed array goes through its iterator
  // (measured ~0.7 µs an id against ~0.1).
  const d = digits
  return String.fromCharCode(
    d[0]!,
    d[1]!,
    d[2]!,
    d[3]!,
    d[4]!,
    d[5]!,
    d[6]!,
    d[7]!,
    d[8]!,
    d[9]!,
    d[10]!,
    d[11]!,
    d[12]!,
    d[13]!,
    d[14]!,
    d[15]!,
  )
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] === 255) bytes[i] = 0
    else {
      bytes[i]!++
      return
    }
  }
}

/** A new attempt id, greater than every id made before it in this process. */
export function newAttemptId(now: number = Date.now()): string {
  if (now <= lastTime) {
    increment(random)
    return lastTimeText + encodeRandom(random)
  }
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  random.set(pool.subarray(poolAt, poolAt + 10))
  poolAt += 10
  // Leave headroom so that increments within one millisecond never wrap.
  random[0]! &= 0x7f
  lastTimeText = encodeTime(now)
  lastTime = now
  return lastTimeText + encodeRandom(random)
}

export const ATTEMPT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/

/**
 * The lowest id an attempt received at `ms` (Unix milliseconds) or later can have: ids begin
 * with their arrival's millisecond, so `id >= attemptIdFloor(t)` bounds a scan by time on the
 * primary key (queries.ts credentialUse(): a range of the id index, newest first, in chunks).
 */
export function attemptIdFloor(ms: number): string {
  return `${encodeTime(Math.max(0, Math.trunc(ms)))}0000000000000000`
}
