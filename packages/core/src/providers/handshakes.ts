/**
 * The handshakes a provider makes before (or besides) sending events, answered in the
 * receiver's place: Slack url_verification, Zoom endpoint.url_validation, Microsoft Graph
 * validationToken, Meta hub.challenge, X CRC, Asana X-Hook-Secret, Dropbox challenge, Okta
 * verification, Twitch callback verification, Discord PING, Trello HEAD.
 * `detectHandshake` names one from the request alone (for the diagnosis); `handshake` builds
 * the answer for an endpoint whose provider uses it.
 * @module
 */
import { createHmac } from 'node:crypto'
import type { Credential } from '../config/types.js'
import { bodyText } from '../crypto/bytes.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getHeader, requestQuery } from '../message/headers.js'
import type { Header, HttpRequest } from '../message/types.js'
import { currentCredential } from '../schemes/credential.js'
import { getProvider } from './registry.js'
import type { HandshakeKind } from './types.js'

export interface HandshakeAnswer {
  kind: HandshakeKind
  status: number
  headers: Header[]
  body: string
  /**
   * The provider signs this request like its events: answer only after verify() accepted it
   * (Slack, Twitch, Discord). False: the request carries no signature to check.
   */
  requiresVerification: boolean
  /** Asana: the secret this handshake hands over, to be stored as the endpoint's secret. */
  learnedSecret?: string
  /**
   * Amazon SNS: the subscription is confirmed by a GET to this URL (checked to be an
   * https://sns.<region>.amazonaws.com address), after the message verified.
   */
  followUrl?: string
}

export interface HandshakeOptions {
  /** Meta: the verify token chosen in the app dashboard; a mismatch is answered 403. */
  verifyToken?: string
  /** Unix seconds, for choosing the current secret. */
  now?: number
}

/** What `handshake` needs of an endpoint: its provider, and its secrets for Zoom and X. */
export interface HandshakeTarget {
  provider?: string | undefined
  auth?: { secrets?: Credential[] } | object
}

/** Tokens a provider sends to be echoed or signed: short, no JSON, no separators. */
const TOKEN = /^[A-Za-z0-9_.~+/=-]{1,256}$/

const TEXT: Header[] = [
  ['Content-Type', 'text/plain; charset=utf-8'],
  ['X-Content-Type-Options', 'nosniff'],
]
const JSON_TYPE: Header[] = [['Content-Type', 'application/json']]

function json(req: HttpRequest): Record<string, unknown> | null {
  if (req.body.length === 0 || req.body.length > 65536) return null
  try {
    const v = JSON.parse(bodyText(req.body)) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function query(req: HttpRequest): URLSearchParams {
  return new URLSearchParams(requestQuery(req))
}

const DETECTORS: Record<HandshakeKind, (req: HttpRequest) => boolean> = {
  slack_url_verification: (req) => req.method === 'POST' && json(req)?.type === 'url_verification',
  zoom_url_validation: (req) =>
    req.method === 'POST' && json(req)?.event === 'endpoint.url_validation',
  graph_validation_token: (req) => query(req).has('validationToken'),
  meta_hub_challenge: (req) =>
    req.method === 'GET' &&
    query(req).get('hub.mode') === 'subscribe' &&
    query(req).has('hub.challenge'),
  twitter_crc: (req) => req.method === 'GET' && query(req).has('crc_token'),
  asana_hook_secret: (req) =>
    req.method === 'POST' && getHeader(req.headers, 'x-hook-secret') !== undefined,
  dropbox_challenge: (req) => req.method === 'GET' && query(req).has('challenge'),
  okta_verification: (req) =>
    req.method === 'GET' && getHeader(req.headers, 'x-okta-verification-challenge') !== undefined,
  twitch_callback_verification: (req) =>
    req.method === 'POST' &&
    getHeader(req.headers, 'twitch-eventsub-message-type')?.trim() ===
      'webhook_callback_verification',
  discord_ping: (req) =>
    req.method === 'POST' &&
    json(req)?.type === 1 &&
    getHeader(req.headers, 'x-signature-ed25519') !== undefined,
  trello_head: (req) => req.method === 'HEAD',
  sns_subscription_confirmation: (req) =>
    req.method === 'POST' &&
    getHeader(req.headers, 'x-amz-sns-message-type')?.trim() === 'SubscriptionConfirmation',
}

/** Where SNS subscription confirmations may point: AWS's own SNS endpoints, nothing else. */
const SNS_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/\?/

/** Which handshake this request is, from its shape alone (no config), or null. */
export function detectHandshake(req: HttpRequest): HandshakeKind | null {
  for (const kind of Object.keys(DETECTORS) as HandshakeKind[]) {
    // A HEAD is only a Trello handshake when the endpoint says so; alone it is just a HEAD.
    if (kind !== 'trello_head' && DETECTORS[kind](req)) return kind
  }
  return null
}

function secretOf(target: HandshakeTarget, now: number): string | undefined {
  const secrets = (target.auth as { secrets?: Credential[] } | undefined)?.secrets
  return secrets ? currentCredential(secrets, now)?.value : undefined
}

function answer(
  kind: HandshakeKind,
  status: number,
  headers: Header[],
  body: string,
  requiresVerification: boolean,
): HandshakeAnswer {
  return { kind, status, headers, body, requiresVerification }
}

/**
 * The answer to a handshake for `target` (an endpoint, or a provider name), or null when the
 * request is not the handshake of that endpoint's provider.
 */
export function handshake(
  req: HttpRequest,
  target: HandshakeTarget | string,
  options: HandshakeOptions = {},
): HandshakeAnswer | null {
  const t: HandshakeTarget = typeof target === 'string' ? { provider: target } : target
  const kind = t.provider ? getProvider(t.provider)?.handshake : undefined
  if (kind === undefined || !DETECTORS[kind](req)) return null
  const now = options.now ?? Date.now() / 1000
  switch (kind) {
    case 'slack_url_verification': {
      const challenge = json(req)?.challenge
      if (typeof challenge !== 'string' || !TOKEN.test(challenge))
        return answer(kind, 400, TEXT, 'challenge missing or malformed', true)
      return answer(kind, 200, JSON_TYPE, JSON.stringify({ challenge }), true)
    }
    case 'zoom_url_validation': {
      const plainToken = (json(req)?.payload as { plainToken?: unknown } | undefined)?.plainToken
      const secret = secretOf(t, now)
      // The answer is an HMAC under the signing secret: only short tokens, so it can never be a
      // signature over a forged "v0:<ts>:<body>" message.
      if (typeof plainToken !== 'string' || !TOKEN.test(plainToken))
        return answer(kind, 400, TEXT, 'plainToken missing or malformed', true)
      if (secret === undefined) return answer(kind, 500, TEXT, 'no secret configured', true)
      const encryptedToken = createHmac('sha256', secret).update(plainToken).digest('hex')
      return answer(kind, 200, JSON_TYPE, JSON.stringify({ plainToken, encryptedToken }), true)
    }
    case 'graph_validation_token': {
      const token = query(req).get('validationToken') ?? ''
      return answer(kind, 200, TEXT, token, false)
    }
    case 'meta_hub_challenge': {
      const q = query(req)
      const challenge = q.get('hub.challenge') ?? ''
      if (
        options.verifyToken !== undefined &&
        !safeEqual(q.get('hub.verify_token') ?? '', options.verifyToken)
      ) {
        return answer(kind, 403, TEXT, 'hub.verify_token does not match', false)
      }
      if (!TOKEN.test(challenge)) return answer(kind, 400, TEXT, 'hub.challenge malformed', false)
      return answer(kind, 200, TEXT, challenge, false)
    }
    case 'twitter_crc': {
      const token = query(req).get('crc_token') ?? ''
      const secret = secretOf(t, now)
      // Same reasoning as Zoom: the response is a signature under the consumer secret.
      if (!TOKEN.test(token)) return answer(kind, 400, TEXT, 'crc_token malformed', false)
      if (secret === undefined) return answer(kind, 500, TEXT, 'no secret configured', false)
      const responseToken = `sha256=${createHmac('sha256', secret).update(token).digest('base64')}`
      return answer(kind, 200, JSON_TYPE, JSON.stringify({ response_token: responseToken }), false)
    }
    case 'asana_hook_secret': {
      const secret = getHeader(req.headers, 'x-hook-secret')!.trim()
      const a = answer(kind, 200, [['X-Hook-Secret', secret]], '', false)
      a.learnedSecret = secret
      return a
    }
    case 'dropbox_challenge':
      return answer(kind, 200, TEXT, query(req).get('challenge') ?? '', false)
    case 'okta_verification': {
      const verification = getHeader(req.headers, 'x-okta-verification-challenge')!.trim()
      return answer(kind, 200, JSON_TYPE, JSON.stringify({ verification }), false)
    }
    case 'twitch_callback_verification': {
      const challenge = json(req)?.challenge
      if (typeof challenge !== 'string') return answer(kind, 400, TEXT, 'challenge missing', true)
      return answer(kind, 200, TEXT, challenge, true)
    }
    case 'discord_ping':
      return answer(kind, 200, JSON_TYPE, JSON.stringify({ type: 1 }), true)
    case 'trello_head':
      return answer(kind, 200, [], '', false)
    case 'sns_subscription_confirmation': {
      const url = json(req)?.SubscribeURL
      if (typeof url !== 'string' || !SNS_URL.test(url))
        return answer(kind, 400, TEXT, 'SubscribeURL missing or not an Amazon SNS URL', true)
      const a = answer(kind, 200, [], '', true)
      a.followUrl = url
      return a
    }
  }
}

/** What each handshake is, in words (for `hookwarden providers NAME` and the diagnosis). */
export const HANDSHAKE_DESCRIPTIONS: Record<HandshakeKind, string> = {
  slack_url_verification:
    'POST {"type":"url_verification","challenge":…} → 200 {"challenge":…} (signed: verified first)',
  zoom_url_validation:
    'POST endpoint.url_validation {plainToken} → 200 {plainToken, encryptedToken: hex HMAC-SHA256(secret, plainToken)}',
  graph_validation_token: '?validationToken=… → 200 text/plain with the token, within 10 s',
  meta_hub_challenge:
    'GET ?hub.mode=subscribe&hub.challenge=…&hub.verify_token=… → 200 with the challenge',
  twitter_crc:
    'GET ?crc_token=… → 200 {"response_token":"sha256=" + base64 HMAC-SHA256(consumer secret, crc_token)}',
  asana_hook_secret:
    'POST with X-Hook-Secret → 200 echoing X-Hook-Secret; the value becomes the signing secret',
  dropbox_challenge: 'GET ?challenge=… → 200 text/plain echoing it',
  okta_verification: 'GET with X-Okta-Verification-Challenge → 200 {"verification":…}',
  twitch_callback_verification:
    'POST Twitch-Eventsub-Message-Type: webhook_callback_verification → 200 text/plain challenge (signed: verified first)',
  discord_ping: 'POST {"type":1} → 200 {"type":1} (signed: verified first)',
  trello_head: 'HEAD → 200 when the webhook is created',
  sns_subscription_confirmation:
    'POST SubscriptionConfirmation → verify it, then GET its SubscribeURL (an sns.<region>.amazonaws.com URL) to confirm',
}
