/**
 * What a provider preset is: a row of data over a scheme (`auth`), with the words
 * `hookwarden providers` prints, how the preset is proven, the config check on its secret,
 * the handshake it answers and the mistakes senders and receivers usually make with it.
 * @module
 */
import type { StepKind } from '../diagnose/transforms/types.js'
import type { ReasonCode } from '../verdict/reasons.js'

/**
 * A usual mistake with one provider, as data the diagnosis reads: the reason code a near miss
 * of this kind is reported under, a title, the fix in the receiver's terms, and when it can
 * be the cause at all.
 */
export interface Pitfall {
  code: ReasonCode
  title: string
  fix: string
  /** When the pitfall can hold (absent: whenever a cause of its code is found). */
  when?: PitfallWhen
}

/** Conditions on a pitfall; every one given must hold. */
export interface PitfallWhen {
  /**
   * The near miss found is of one of these kinds: the body changed as `bytes` (a newline,
   * CRLF, a BOM, a charset), re-serialized as `json`, or re-encoded as a `form`; the timestamp
   * lies in the `past` or the `future`.
   */
  kind?: readonly StepKind[]
  /**
   * A configured key does not read as the scheme's public key (a token or an API key pasted
   * in its place). The config loader refuses such keys, so this holds only for an endpoint
   * built in code.
   */
  key_unreadable?: true
}

/** The handshakes a gateway answers in the provider's place (providers/handshakes.ts). */
export type HandshakeKind =
  | 'slack_url_verification'
  | 'zoom_url_validation'
  | 'graph_validation_token'
  | 'meta_hub_challenge'
  | 'twitter_crc'
  | 'asana_hook_secret'
  | 'dropbox_challenge'
  | 'okta_verification'
  | 'twitch_callback_verification'
  | 'discord_ping'
  | 'trello_head'
  | 'sns_subscription_confirmation'

/** How a preset is proven by the tests (test/providers/*). */
export type Proof =
  /** A request signed (or verified) by the provider's own SDK from npm. */
  | 'sdk'
  /** The provider's published example: secret, payload, expected signature. */
  | 'vector'
  /** Documentation only: round trip sign → verify and the one-byte change. */
  | 'docs'

/** Where the scheme was read: the provider's SDK source, its documentation, or third parties. */
export type Confidence = 'sdk' | 'docs' | 'third-party'

export interface ProviderPreset {
  /** Config name: `provider: stripe`. */
  name: string
  /** Display name: `Stripe`. */
  title: string
  /** Auth fields (with `scheme`) the preset stands for; the user's auth block overrides them. */
  auth: Record<string, unknown>
  /** What is signed, in words, for `hookwarden providers`. */
  signs: string
  /** The secret's format, in words (`whsec_… string, used as is`). */
  secret_format: string
  /** Where the scheme is documented. */
  source: string
  /** How the preset is proven by tests: the provider's SDK, a published vector, or docs only. */
  proof: Proof
  /** A config check on each configured secret: returns what is wrong, or null. */
  checkSecret?(value: string): string | null
  /** The request headers the scheme reads, in the provider's spelling. */
  headers?: string[]
  /** Where the scheme was read (default `docs`). */
  confidence?: Confidence
  /** The usual mistakes, for the near-miss search and `hookwarden providers NAME`. */
  pitfalls?: Pitfall[]
  /** The handshake the gateway answers for this provider, if any. */
  handshake?: HandshakeKind
  /** What the user must add to the auth block besides the secrets (shown in the sample config). */
  needs?: Record<string, unknown>
  /** A remark for the table: a limit of the preset, an unconfirmed detail. */
  note?: string
  /** Other names the preset answers to (`facebook` for `meta`). */
  aliases?: string[]
}

/** A provider left out on purpose: its scheme is not public or not confirmed. */
export interface OmittedProvider {
  name: string
  title: string
  why: string
}
