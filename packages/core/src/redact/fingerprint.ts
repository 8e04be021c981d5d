/**
 * Fingerprints stand in for secrets everywhere: `len=43 fp:1a2b3c4d`, the first 8 hex digits of
 * HMAC-SHA256 under a key of this installation. Two fingerprints can be compared, but nobody
 * who reads a log can confirm a guessed secret without the key (contract §3).
 * @module
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'

/** A string that is safe to print: a fingerprint, never the secret. */
export type Fingerprint = string & { readonly __fingerprint: true }

// A KeyObject: the key is imported once, not on every fingerprint.
let installationKey: KeyObject = createSecretKey(randomBytes(32))

/**
 * Sets the key fingerprints are made with. The gateway and the CLI load it from beside their
 * data; without a call, a random per-process key is used (fingerprints then compare only
 * within one process).
 */
export function setFingerprintKey(key: Uint8Array): void {
  if (key.length < 16) throw new RangeError('fingerprint key must be at least 16 bytes')
  installationKey = createSecretKey(key)
}

/** What fingerprint() makes. */
export const FINGERPRINT_SHAPE = /^len=(\d+) fp:([0-9a-f]{8})$/

export function fingerprint(secret: string | Uint8Array): Fingerprint {
  // Idempotent: what was fingerprinted already (a record's header, shown again by Compare)
  // keeps its own length and digest instead of becoming "len=18" of the fingerprint.
  if (typeof secret === 'string' && secret.startsWith('len=') && FINGERPRINT_SHAPE.test(secret))
    return secret as Fingerprint
  const len = typeof secret === 'string' ? codePoints(secret) : secret.length
  const fp = createHmac('sha256', installationKey).update(secret).digest('hex').slice(0, 8)
  return `len=${len} fp:${fp}` as Fingerprint
}

const SURROGATE = /[\uD800-\uDFFF]/

/** Length in code points (what a person counts), without spreading the string when it is ASCII. */
function codePoints(s: string): number {
  return SURROGATE.test(s) ? [...s].length : s.length
}
