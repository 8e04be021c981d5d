/**
 * The face every scheme shares: `verify()` returns the ordered checks, `sign()` returns a
 * request that `verify()` accepts. A refusal is a failed Check, never an exception.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import type { NonceStore } from '../nonce/types.js'
import type { ReasonCode } from '../verdict/reasons.js'

export interface Check {
  /** Stable name of the step, e.g. `authorization_header`, `signature`, `timestamp`. */
  name: string
  ok: boolean
  /** Reason code when failed, null when ok. */
  reason: ReasonCode | null
  /** Human detail. Never a secret: fingerprints only. */
  detail?: string
  /** The id of the credential that matched (rotation). */
  key_id?: string
}

export interface VerifyContext {
  /** Unix seconds; every time check uses it (`--now`). */
  now: number
  nonceStore?: NonceStore
  /** The endpoint being verified (labels, name). */
  endpoint?: Endpoint
  /** Fetch for `jwks_url` (injectable for tests); defaults to global fetch. */
  fetch?: typeof fetch
}

export interface SignOptions {
  now: number
  /** Sign with the credential with this id (default: the first current one). */
  keyId?: string
  /** Message id for schemes that carry one (default: random). */
  messageId?: string
}

/** The challenge a scheme answers 401 with: `Bearer realm="hookwarden"`. */
export interface SchemeChallenge {
  scheme: string
  params: Record<string, string>
}

export interface ReplayKey {
  key: string
  ttlMs: number
}

export interface Scheme<P> {
  readonly name: string
  verify(request: HttpRequest, policy: P, ctx: VerifyContext): Check[] | Promise<Check[]>
  sign(request: HttpRequest, policy: P, options: SignOptions): HttpRequest | Promise<HttpRequest>
  challenge(policy: P): SchemeChallenge
  /**
   * The replay key of a request that passed every check (message id, or the decoded
   * signature bytes — never the signature string), or null when the scheme carries no id.
   */
  replayKey?(request: HttpRequest, policy: P): ReplayKey | null
}
