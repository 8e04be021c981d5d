/**
 * The one constant-time comparison used wherever a secret, token or signature is compared.
 * Both sides are hashed to 32 bytes first, so neither the content nor the length of the
 * expected value leaks through timing.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'

function digest(v: string | Uint8Array): Buffer {
  return createHash('sha256').update(v).digest()
}

export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  // Equal-length byte inputs (signatures, the common case) compare directly: already constant
  // time for a fixed expected length, and without two extra hashes on the hot path.
  if (typeof a !== 'string' && typeof b !== 'string' && a.length === b.length) {
    return timingSafeEqual(a, b)
  }
  return timingSafeEqual(digest(a), digest(b))
}
