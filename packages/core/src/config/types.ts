/**
 * The config after loading: the YAML of contract §1 with defaults applied, secret references
 * (`env:`/`file:`) resolved and every credential list normalized to objects. Field names stay
 * as the user writes them in YAML.
 * @module
 */
import type { Encoding } from '../crypto/encoding.js'

/** A secret, token, key or password, with its rotation metadata. */
export interface Credential {
  value: string
  /** Names the key in verdicts and records (`2026-11`). */
  id?: string
  /** Unix seconds after which the credential is refused as `credential_revoked`. */
  not_after?: number
}

export interface BasicUser {
  username: string
  password: string
  id?: string
  not_after?: number
}

export interface BearerPolicy {
  scheme: 'bearer'
  tokens: Credential[]
  retired: Credential[]
}

export interface ApiKeyPolicy {
  scheme: 'api_key'
  /** Header that carries the key (exactly one of header / query). */
  header?: string
  query?: string
  keys: Credential[]
  retired: Credential[]
}

export interface BasicPolicy {
  scheme: 'basic'
  realm?: string
  users: BasicUser[]
  retired: BasicUser[]
}

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512'

/**
 * How the signature header carries its signature(s):
 * - `single`: the whole value (after `prefix`) is one signature.
 * - `list`: several signatures separated by `separator`, each optionally `version,`-prefixed
 *   (Standard Webhooks: `v1,AAA v1,BBB`).
 * - `pairs`: `key=value` pairs (Stripe: `t=123,v1=abc,v1=def`) — signatures under
 *   `signature_key`, the timestamp under `timestamp_key`.
 */
export type SignatureFormat =
  | { kind: 'single' }
  | { kind: 'list'; separator: string; version?: string }
  | {
      kind: 'pairs'
      pair_separator: string
      signature_key: string
      timestamp_key?: string
      /**
       * Keys are read as sent, spaces included, as stripe-node reads them: in `t=1, v1=…` the
       * key after the comma and space is ` v1`, which is no signature key. Default false: a
       * space around a pair is trimmed (WorkOS sends `t=…, v1=…`).
       */
      exact_keys?: boolean
      /** Several timestamp keys: the last one is read (stripe-node), not the first (default). */
      last_timestamp?: boolean
    }

/**
 * How a configured secret string becomes HMAC key bytes:
 * `utf8` as is (Stripe uses the `whsec_…` string itself), `base64`, `hex`, or `whsec`
 * (strip `whsec_`, then strict base64 — Standard Webhooks, Svix).
 */
export type SecretEncoding = 'utf8' | 'base64' | 'hex' | 'whsec'

export interface TimestampPolicy {
  /** Header carrying the timestamp; absent when it comes from the signature header (`pairs`). */
  header?: string
  unit: 'seconds' | 'milliseconds'
  /** Seconds either side of now (only before now when `one_sided`). */
  tolerance: number
  /**
   * true: only a timestamp older than `tolerance` is refused; one ahead of now is accepted, as
   * the provider's own SDK does (Stripe, Paddle, Slack Bolt, Mux, HubSpot v3 check age only).
   */
  one_sided?: boolean
}

export interface HmacPolicy {
  scheme: 'hmac'
  header: string
  /**
   * Other names the provider sends the signature under, read when `header` is absent
   * (Shopify's Events deliveries: `shopify-hmac-sha256`). `sign` writes `header`.
   */
  header_aliases?: string[]
  algorithm: HmacAlgorithm
  encoding: Encoding
  /** Stripped before comparing, e.g. `sha256=`. */
  prefix?: string
  /** Template over {body} {timestamp} {id} {method} {path} {url} {header:NAME}. */
  payload: string
  format: SignatureFormat
  secret_encoding: SecretEncoding
  timestamp?: TimestampPolicy
  id?: { header: string }
  secrets: Credential[]
  retired: Credential[]
}

export interface StandardWebhooksPolicy {
  scheme: 'standard_webhooks'
  secrets: Credential[]
  retired: Credential[]
  /** Seconds either side of now. */
  tolerance: number
  /**
   * The header names `sign` writes: `webhook-*` (the spec) or `svix-*` (what Svix, Clerk and
   * Resend send, and what Clerk's verifier requires). Verification reads both.
   */
  header_prefix: 'webhook' | 'svix'
}

export interface JwtPolicy {
  scheme: 'jwt'
  issuer?: string | string[]
  audience?: string | string[]
  /** Required: the allowed `alg` values. `none` is never allowed. */
  algorithms: string[]
  /** Inline JWKS. */
  jwks?: { keys: Record<string, unknown>[] }
  jwks_url?: string
  /** HS* shared secrets. */
  secrets: Credential[]
  retired: Credential[]
  /** Seconds of clock tolerance for exp/nbf/iat. */
  leeway: number
  /** How HS* secret strings become key bytes (default utf8; base64 for issuers such as legacy Auth0). */
  secret_encoding?: 'utf8' | 'base64' | 'base64url' | 'hex'
  /** Seconds a token may be old, counted from `iat` (then required); absent = no limit. */
  max_age?: number
  /** Required scopes (`scope` / `scp` claims): missing → 403. */
  scopes: string[]
}

/** A scheme added beyond the six built-in ones (provider schemes such as Ed25519). */
export interface ExtensionPolicy {
  scheme: string
  [key: string]: unknown
}

export type AuthPolicy =
  | BearerPolicy
  | ApiKeyPolicy
  | BasicPolicy
  | HmacPolicy
  | StandardWebhooksPolicy
  | JwtPolicy

export type ExplainMode = 'safe' | 'full' | 'none'

export interface Endpoint {
  name: string
  path?: string
  environment?: string
  tenant?: string
  forward?: string
  /** What a rejected caller is told (contract §5). */
  explain: ExplainMode
  /** false = report-only: verify, record, diagnose, but forward even what fails. */
  enforce: boolean
  store_body: boolean
  strip_credentials: boolean
  /** The provider preset the auth block came from, if any. */
  provider?: string
  auth: AuthPolicy
}

export interface Config {
  endpoints: Endpoint[]
  admin?: { token?: string }
  public_diagnose?: boolean
  retention?: { days?: number; max_rows?: number }
  /** Where the config was read from (for messages). */
  file?: string
}
