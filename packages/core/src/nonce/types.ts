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
   * claim(), and in the same atomic step the key an older release claims for the same message
   * (`legacyKey`, see legacyClaimKey): false when `key` was already claimed, or `legacyKey` by
   * that release. A legacy key this build wrote for another message under the same id (a
   * sender's retry, signed anew) is no replay. Only a store shared with gateways of that
   * release implements it (Redis); verify uses claim() otherwise.
   */
  claimWithLegacyKey?(key: string, legacyKey: string, ttlMs: number): boolean | Promise<boolean>
  /**
   * Forgets a claim, so that the same message may be accepted again: for a delivery that was
   * verified but never reached the receiver (the upstream down, or answering 5xx), whose
   * sender retries with the same id. Gives back the legacy key claimed with it too.
   */
  release?(key: string): void | Promise<void>
}
