/**
 * Replay protection: a store that remembers message ids for as long as a replay could still
 * pass the timestamp check.
 * @module
 */

export interface NonceStore {
  /**
   * Records `key` for `ttlMs`. Returns true when the key was new, false when it was already
   * there (a replay). Must be atomic across processes sharing the store (Redis: SET NX PX).
   */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>
  /**
   * Forgets a claim, so that the same message may be accepted again: for a delivery that was
   * verified but never reached the receiver (the upstream down, or answering 5xx), whose
   * sender retries with the same id.
   */
  release?(key: string): void | Promise<void>
}
