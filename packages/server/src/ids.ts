/**
 * Attempt ids: ULIDs (48-bit milliseconds + 80 random bits, Crockford base32), monotonic
 * within a millisecond, so that sorting ids sorts attempts by arrival.
 * @module
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

let lastTime = -1
let lastRandom: Uint8Array = new Uint8Array(10)

function encodeTime(ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out
    ms = Math.floor(ms / 32)
  }
  return out
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 base32 digits, most significant first.
  let out = ''
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(acc >> (bits - 5)) & 31]
      bits -= 5
    }
    acc &= (1 << bits) - 1
  }
  return out
}

function increment(bytes: Uint8Array): Uint8Array {
  const next = new Uint8Array(bytes)
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 255) next[i] = 0
    else {
      next[i]!++
      break
    }
  }
  return next
}

/** A new attempt id, greater than every id made before it in this process. */
export function newAttemptId(now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom)
    return encodeTime(lastTime) + encodeRandom(lastRandom)
  }
  lastTime = now
  lastRandom = new Uint8Array(randomBytes(10))
  // Leave headroom so that increments within one millisecond never wrap.
  lastRandom[0]! &= 0x7f
  return encodeTime(now) + encodeRandom(lastRandom)
}

export const ATTEMPT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/
