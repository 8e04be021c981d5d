/**
 * Chat, voice, e-mail and social platforms: Slack, Discord, Twilio, SendGrid, Mailgun,
 * Postmark, Telegram, Meta (Facebook, Instagram, WhatsApp), X, Twitch, Zoom, Microsoft
 * Graph, Intercom, Telnyx.
 * @module
 */
import { noWhitespace, twilioToken } from '../checks.js'
import {
  BODY_NEWLINE,
  BODY_PARSED,
  notThePublicKey,
  PAYLOAD_BODY_ONLY,
  PREVIOUS_SECRET,
  SHA256_PREFIX_B64,
  SHA256_PREFIX_HEX,
  TIMESTAMP_WINDOW,
  URL_REWRITTEN,
} from '../pitfalls.js'
import type { Pitfall, ProviderPreset } from '../types.js'
import { hubSignature } from './code.js'

const META_UNICODE: Pitfall = {
  code: 'signature_body_modified',
  title:
    'The payload was re-serialized: Meta signs the body with non-ASCII characters escaped as \\uXXXX',
  fix: 'Verify the raw bytes as received; JSON.stringify(JSON.parse(body)) turns \\u00e9 into é and changes the signature.',
  when: { kind: ['json'] },
}

function meta(name: string, title: string, extra: Partial<ProviderPreset> = {}): ProviderPreset {
  return {
    name,
    title,
    auth: hubSignature('X-Hub-Signature-256'),
    signs: 'body, HMAC-SHA256 with the App Secret, hex, prefix sha256=',
    headers: ['X-Hub-Signature-256'],
    secret_format: 'the App Secret (App settings → Basic), used as is; not the verify token',
    source:
      'https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    handshake: 'meta_hub_challenge',
    pitfalls: [
      META_UNICODE,
      BODY_PARSED,
      SHA256_PREFIX_HEX,
      {
        code: 'signature_mismatch',
        title:
          'The verify token (used for the hub.challenge GET) was configured instead of the App Secret',
        fix: 'The App Secret signs events; the verify token only answers the subscription GET.',
      },
    ],
    ...extra,
  }
}

export const MESSAGING_PRESETS: ProviderPreset[] = [
  {
    name: 'slack',
    title: 'Slack',
    auth: {
      scheme: 'hmac',
      header: 'X-Slack-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'v0=',
      payload: 'v0:{timestamp}:{body}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
      // Bolt's verifySlackRequest refuses a stale timestamp only, never one ahead.
      timestamp: {
        header: 'X-Slack-Request-Timestamp',
        unit: 'seconds',
        tolerance: 300,
        one_sided: true,
      },
    },
    signs: 'v0:{timestamp}:{body}, HMAC-SHA256, hex, prefix v0=',
    headers: ['X-Slack-Signature', 'X-Slack-Request-Timestamp'],
    secret_format:
      "the app's Signing Secret, used as is (not the verification token, not a bot token)",
    source:
      'https://docs.slack.dev/authentication/verifying-requests-from-slack (@slack/bolt isValidSlackRequest)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    handshake: 'slack_url_verification',
    pitfalls: [
      {
        ...PAYLOAD_BODY_ONLY,
        title: 'The base string is not v0:{timestamp}:{body} (missing v0:, or colons replaced)',
        fix: 'Sign "v0:" + X-Slack-Request-Timestamp + ":" + the raw body.',
      },
      {
        ...BODY_PARSED,
        title:
          'The form body was parsed (slash commands are application/x-www-form-urlencoded) and re-encoded',
      },
      {
        code: 'signature_mismatch',
        title:
          'The deprecated verification token or a bot token was used instead of the Signing Secret',
        fix: 'Use Basic Information → App Credentials → Signing Secret.',
      },
      TIMESTAMP_WINDOW,
    ],
  },
  {
    name: 'discord',
    title: 'Discord (interactions, webhook events)',
    auth: {
      scheme: 'ed25519',
      header: 'X-Signature-Ed25519',
      encoding: 'hex',
      payload: '{timestamp}{body}',
      timestamp: { header: 'X-Signature-Timestamp', unit: 'seconds', tolerance: 0 },
    },
    signs: '{timestamp}{body}, Ed25519, hex',
    headers: ['X-Signature-Ed25519', 'X-Signature-Timestamp'],
    secret_format: "the application's Public Key (64 hex characters) in public_keys",
    source:
      'https://discord.com/developers/docs/interactions/receiving-and-responding#security-and-authorization (discord-interactions verifyKey)',
    proof: 'sdk',
    confidence: 'sdk',
    handshake: 'discord_ping',
    pitfalls: [
      BODY_PARSED,
      notThePublicKey(
        'The bot token or client secret was configured instead of the Public Key',
        'Copy General Information → Public Key.',
      ),
      {
        code: 'signature_wrong_payload',
        title: 'The timestamp was not prepended to the body',
        fix: 'Verify X-Signature-Timestamp + raw body.',
      },
    ],
    needs: { public_keys: ['env:DISCORD_PUBLIC_KEY'] },
    note: 'Answer 401 to a bad signature: Discord sends invalid signatures on purpose and removes an endpoint that accepts them. No window is documented, so the timestamp is only required.',
  },
  {
    name: 'twilio',
    title: 'Twilio',
    auth: { scheme: 'twilio', header: 'X-Twilio-Signature', algorithm: 'sha1' },
    signs:
      'full URL + POST parameters sorted by name (name+value), HMAC-SHA1, base64; JSON bodies: URL with bodySHA256=',
    headers: ['X-Twilio-Signature', 'X-Twilio-Webhooks-Signature-Settings'],
    secret_format: 'the Auth Token (primary, and the secondary during a rotation), used as is',
    source:
      'https://www.twilio.com/docs/usage/webhooks/webhooks-security (twilio-node webhooks.js)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: twilioToken,
    pitfalls: [
      {
        ...URL_REWRITTEN,
        title:
          'The URL differs from the one Twilio called: http vs https behind a proxy, a port, a missing query string',
        fix: 'Set url: to the webhook URL exactly as configured in the Twilio console (without a query in url:, the query string is taken from the request; with one, it is used as written).',
      },
      {
        code: 'signature_wrong_payload',
        title: 'Not every POST parameter was included, or they were not sorted',
        fix: 'Append every form parameter as name+value, sorted by name, after the URL.',
      },
      {
        code: 'signature_body_modified',
        title: 'A JSON body was treated as form parameters (or the bodySHA256 was ignored)',
        fix: 'For JSON bodies sign the URL (with bodySHA256) alone and check the hash of the raw body.',
      },
      {
        ...PREVIOUS_SECRET,
        title: 'The secondary Auth Token was promoted (or not yet)',
        fix: 'Configure both tokens during the rotation.',
      },
    ],
    needs: { url: 'https://example.com/hooks/twilio' },
  },
  {
    name: 'sendgrid',
    title: 'SendGrid (signed Event Webhook)',
    auth: {
      scheme: 'ecdsa',
      header: 'X-Twilio-Email-Event-Webhook-Signature',
      encoding: 'base64',
      algorithm: 'sha256',
      payload: '{timestamp}{body}',
      timestamp: {
        header: 'X-Twilio-Email-Event-Webhook-Timestamp',
        unit: 'seconds',
        tolerance: 0,
      },
    },
    signs: '{timestamp}{body}, ECDSA P-256 with SHA-256, base64 DER',
    headers: ['X-Twilio-Email-Event-Webhook-Signature', 'X-Twilio-Email-Event-Webhook-Timestamp'],
    secret_format: 'the verification public key (base64 SPKI, MFkwEwYH…) in public_keys',
    source:
      'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features (@sendgrid/eventwebhook)',
    proof: 'sdk',
    confidence: 'sdk',
    pitfalls: [
      {
        ...BODY_NEWLINE,
        title: 'The CRLF line ends of the event batch were normalized (the body ends with \\r\\n)',
      },
      BODY_PARSED,
      notThePublicKey(
        'The API key was configured instead of the verification public key',
        'Copy the public key shown under Mail Settings → Event Webhook → Signature Verification.',
      ),
    ],
    needs: { public_keys: ['env:SENDGRID_VERIFICATION_KEY'] },
    note: 'SendGrid documents no time window, so the timestamp is only required.',
  },
  {
    name: 'mailgun',
    title: 'Mailgun',
    auth: { scheme: 'mailgun', tolerance: 300 },
    signs:
      'timestamp + token from the signature object in the body, HMAC-SHA256, hex (the event data is not signed)',
    headers: [],
    secret_format: 'the HTTP Webhook Signing Key (not the API key), used as is',
    source: 'https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_mismatch',
        title: 'The private API key was used instead of the Webhook Signing Key',
        fix: 'Copy Sending → Webhooks → HTTP webhook signing key.',
      },
      {
        code: 'replay_detected',
        title: 'A token was accepted twice',
        fix: 'Keep used tokens for the window (a nonce store) and refuse repeats.',
      },
      TIMESTAMP_WINDOW,
    ],
    note: 'The window (300 s) is ours: Mailgun asks for a freshness check without naming one.',
  },
  {
    name: 'postmark',
    title: 'Postmark',
    auth: { scheme: 'basic' },
    signs: 'nothing: Basic credentials from the webhook URL (https://user:pass@host/…)',
    headers: ['Authorization'],
    secret_format: 'the username and password put in the webhook URL',
    source:
      'https://postmarkapp.com/developer/webhooks/webhooks-overview (basic HTTP authentication)',
    proof: 'docs',
    confidence: 'docs',
    pitfalls: [
      {
        code: 'basic_wrong_credentials',
        title:
          'The credentials in the webhook URL differ from the configured ones (URL-encoding of special characters)',
        fix: 'Percent-encode special characters in the URL; configure the decoded password here.',
      },
    ],
    needs: { users: [{ username: 'postmark', password: 'env:POSTMARK_WEBHOOK_PASSWORD' }] },
    note: 'No signature: Postmark also publishes its source IP ranges.',
  },
  {
    name: 'telegram',
    title: 'Telegram Bot API',
    auth: { scheme: 'api_key', header: 'X-Telegram-Bot-Api-Secret-Token' },
    signs: 'nothing: the secret_token of setWebhook is sent as is',
    headers: ['X-Telegram-Bot-Api-Secret-Token'],
    secret_format: 'the secret_token given to setWebhook (1–256 of A-Z a-z 0-9 _ -)',
    source: 'https://core.telegram.org/bots/api#setwebhook',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: (v) =>
      /^[A-Za-z0-9_-]{1,256}$/.test(v)
        ? null
        : 'must be 1–256 characters of A-Z a-z 0-9 _ - (Telegram refuses others)',
    pitfalls: [
      {
        code: 'credentials_missing',
        title: 'setWebhook was called without secret_token',
        fix: 'Call setWebhook again with secret_token.',
      },
      {
        code: 'credential_unknown',
        title: 'The bot token was configured instead of the secret_token',
        fix: 'Configure the secret_token you passed to setWebhook.',
      },
    ],
  },
  meta('meta', 'Meta (Facebook, Messenger)', { aliases: ['facebook', 'messenger'] }),
  meta('whatsapp', 'WhatsApp Cloud API', {
    source: 'https://developers.facebook.com/docs/whatsapp/cloud-api/guides/set-up-webhooks',
  }),
  meta('instagram', 'Instagram (Graph API webhooks)', {
    source: 'https://developers.facebook.com/docs/instagram-platform/webhooks',
  }),
  {
    name: 'twitter',
    title: 'X (Twitter) Account Activity',
    auth: {
      scheme: 'hmac',
      header: 'x-twitter-webhooks-signature',
      algorithm: 'sha256',
      encoding: 'base64',
      prefix: 'sha256=',
      payload: '{body}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
    },
    signs: 'body, HMAC-SHA256 with the consumer secret, base64, prefix sha256=',
    headers: ['x-twitter-webhooks-signature'],
    secret_format: "the app's consumer (API key) secret, used as is",
    source: 'https://docs.x.com/x-api/webhooks/quickstart (securing webhooks, CRC)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    handshake: 'twitter_crc',
    pitfalls: [SHA256_PREFIX_B64, BODY_PARSED],
    aliases: ['x'],
  },
  {
    name: 'twitch',
    title: 'Twitch EventSub',
    auth: {
      scheme: 'hmac',
      header: 'Twitch-Eventsub-Message-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'sha256=',
      payload: '{id}{header:Twitch-Eventsub-Message-Timestamp}{body}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
      id: { header: 'Twitch-Eventsub-Message-Id' },
    },
    signs: 'message id + timestamp + body, HMAC-SHA256, hex, prefix sha256=',
    headers: [
      'Twitch-Eventsub-Message-Id',
      'Twitch-Eventsub-Message-Timestamp',
      'Twitch-Eventsub-Message-Signature',
      'Twitch-Eventsub-Message-Type',
    ],
    secret_format:
      'the secret given when creating the subscription (10–100 characters), used as is',
    source:
      'https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    handshake: 'twitch_callback_verification',
    pitfalls: [
      {
        ...PAYLOAD_BODY_ONLY,
        title: 'Only the body was signed; Twitch signs id + timestamp + body',
      },
      BODY_PARSED,
    ],
    note: 'The timestamp is RFC 3339 and signed; replay protection uses the message id (Twitch asks to drop messages older than 10 minutes).',
  },
  {
    name: 'zoom',
    title: 'Zoom',
    auth: {
      scheme: 'hmac',
      header: 'x-zm-signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'v0=',
      payload: 'v0:{header:x-zm-request-timestamp}:{body}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
    },
    signs: 'v0:{x-zm-request-timestamp}:{body}, HMAC-SHA256 with the Secret Token, hex, prefix v0=',
    headers: ['x-zm-signature', 'x-zm-request-timestamp'],
    secret_format: "the app's Secret Token, used as is (not the deprecated Verification Token)",
    source: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    handshake: 'zoom_url_validation',
    pitfalls: [
      {
        ...BODY_PARSED,
        title: "The body was re-serialized (Zoom's own sample signs JSON.stringify(req.body))",
      },
      {
        code: 'signature_mismatch',
        title: 'The deprecated Verification Token was used instead of the Secret Token',
        fix: 'Use Feature → Secret Token.',
      },
    ],
    note: 'Zoom does not document the timestamp unit or a window, so the timestamp is signed but not checked for age.',
  },
  {
    name: 'microsoft-graph',
    title: 'Microsoft Graph change notifications',
    auth: { scheme: 'body_secret', field: 'value[].clientState' },
    checkSecret: noWhitespace,
    signs: 'nothing: every notification carries the clientState set on the subscription',
    headers: [],
    secret_format: 'the clientState string of the subscription',
    source: 'https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks',
    proof: 'docs',
    confidence: 'docs',
    handshake: 'graph_validation_token',
    pitfalls: [
      {
        code: 'credential_unknown',
        title: 'A notification for another subscription (another clientState)',
        fix: 'Compare clientState per subscription; renewals keep it.',
      },
    ],
    note: 'Rich notifications also carry validationTokens (JWTs); validating those needs the jwt scheme on the tokens, not done by this preset.',
    aliases: ['graph'],
  },
  {
    name: 'intercom',
    title: 'Intercom',
    auth: hubSignature('X-Hub-Signature', 'sha1'),
    signs: 'body, HMAC-SHA1 with the client secret, hex, prefix sha1=',
    headers: ['X-Hub-Signature'],
    secret_format: "the app's client_secret, used as is",
    source:
      'third-party descriptions (Hookdeck webhook-skills, webhookdb); Intercom developer docs, webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      {
        code: 'signature_wrong_algorithm',
        title: 'SHA-256 was used; Intercom signs with HMAC-SHA1',
        fix: 'Compute HMAC-SHA1.',
      },
    ],
  },
  {
    name: 'telnyx',
    title: 'Telnyx',
    auth: {
      scheme: 'ed25519',
      header: 'telnyx-signature-ed25519',
      encoding: 'base64',
      payload: '{timestamp}|{body}',
      timestamp: { header: 'telnyx-timestamp', unit: 'seconds', tolerance: 300 },
    },
    signs: '{timestamp}|{body}, Ed25519, base64',
    headers: ['telnyx-signature-ed25519', 'telnyx-timestamp'],
    secret_format:
      "the account's public key (base64, Mission Control → Keys & Credentials) in public_keys",
    source: 'https://developers.telnyx.com/docs/development/api-fundamentals/webhooks',
    proof: 'docs',
    confidence: 'docs',
    pitfalls: [
      BODY_PARSED,
      { ...PAYLOAD_BODY_ONLY, title: 'The | between timestamp and body was left out' },
      TIMESTAMP_WINDOW,
    ],
    needs: { public_keys: ['env:TELNYX_PUBLIC_KEY'] },
  },
]
