/**
 * CRM, forms, files, productivity and identity: HubSpot, Typeform, Calendly, Dropbox, Box,
 * Xero, Intuit, Asana, Trello, Notion, Figma, Segment, Pipedrive, Okta, Auth0, Google Pub/Sub.
 * @module
 */
import { noWhitespace } from '../checks.js'
import {
  BASE64_NOT_HEX,
  BODY_PARSED,
  HEX_NOT_BASE64,
  PREVIOUS_SECRET,
  SHA256_PREFIX_B64,
  SHA256_PREFIX_HEX,
  TIMESTAMP_MS,
  TIMESTAMP_WINDOW,
  URL_REWRITTEN,
} from '../pitfalls.js'
import type { ProviderPreset } from '../types.js'
import { hubSignature } from './code.js'
import { base64Body, hexBody } from './payments.js'

const HUBSPOT_SOURCE =
  'https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation (@hubspot/api-client Signature)'
const HUBSPOT_SECRET = "the app's client secret, used as is"

export const BUSINESS_PRESETS: ProviderPreset[] = [
  {
    name: 'hubspot-v1',
    title: 'HubSpot (signature v1)',
    auth: {
      scheme: 'secret_hash',
      header: 'X-HubSpot-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{secret}{body}',
      version: { header: 'X-HubSpot-Signature-Version', value: 'v1' },
    },
    signs: 'SHA-256 hash (not an HMAC) of client secret + body, hex',
    headers: ['X-HubSpot-Signature', 'X-HubSpot-Signature-Version'],
    secret_format: HUBSPOT_SECRET,
    source: HUBSPOT_SOURCE,
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_wrong_algorithm',
        title: 'An HMAC was computed; v1 is a plain SHA-256 of secret + body',
        fix: 'Hash client secret + raw body with SHA-256.',
      },
      BODY_PARSED,
    ],
  },
  {
    name: 'hubspot-v2',
    title: 'HubSpot (signature v2)',
    auth: {
      scheme: 'secret_hash',
      header: 'X-HubSpot-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{secret}{method}{url}{body}',
      version: { header: 'X-HubSpot-Signature-Version', value: 'v2' },
    },
    signs: 'SHA-256 hash of client secret + method + URL + body, hex',
    headers: ['X-HubSpot-Signature', 'X-HubSpot-Signature-Version'],
    secret_format: HUBSPOT_SECRET,
    source: HUBSPOT_SOURCE,
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      { ...URL_REWRITTEN, fix: 'Set url: to the URL configured in HubSpot.' },
      BODY_PARSED,
    ],
  },
  {
    name: 'hubspot-v3',
    title: 'HubSpot (signature v3)',
    auth: {
      scheme: 'hmac',
      header: 'X-HubSpot-Signature-v3',
      algorithm: 'sha256',
      encoding: 'base64',
      payload: '{method}{url}{body}{timestamp}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
      // @hubspot/api-client Signature.isValid refuses a timestamp too old only.
      timestamp: {
        header: 'X-HubSpot-Request-Timestamp',
        unit: 'milliseconds',
        tolerance: 300,
        one_sided: true,
      },
    },
    signs: 'method + URL + body + timestamp, HMAC-SHA256, base64; timestamp in milliseconds',
    headers: ['X-HubSpot-Signature-v3', 'X-HubSpot-Request-Timestamp'],
    secret_format: HUBSPOT_SECRET,
    source: HUBSPOT_SOURCE,
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [TIMESTAMP_MS, URL_REWRITTEN, BASE64_NOT_HEX, BODY_PARSED],
    aliases: ['hubspot'],
    note: 'HubSpot decodes some percent-encoded characters of the URI before signing; URLs with such characters may need payload: with the literal URL.',
  },
  {
    name: 'typeform',
    title: 'Typeform',
    auth: { ...base64Body('Typeform-Signature'), prefix: 'sha256=' },
    signs: 'body, HMAC-SHA256, base64, prefix sha256=',
    headers: ['Typeform-Signature'],
    secret_format: 'the secret set on the webhook, used as is',
    source: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [SHA256_PREFIX_B64, BODY_PARSED],
  },
  {
    name: 'calendly',
    title: 'Calendly',
    auth: {
      scheme: 'hmac',
      header: 'Calendly-Webhook-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{timestamp}.{body}',
      format: { kind: 'pairs', pair_separator: ',', signature_key: 'v1', timestamp_key: 't' },
      secret_encoding: 'utf8',
      timestamp: { unit: 'seconds', tolerance: 300 },
    },
    signs: '{t}.{body}, HMAC-SHA256, hex; header t=<ts>,v1=<sig>',
    headers: ['Calendly-Webhook-Signature'],
    secret_format: 'the webhook signing key given when creating the subscription, used as is',
    source:
      'third-party descriptions (Calendly community staff, opennous, fasthook); Calendly developer docs, webhook signatures',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, TIMESTAMP_WINDOW],
    note: 'The 300 s window is ours: Calendly does not name one.',
  },
  {
    name: 'dropbox',
    title: 'Dropbox',
    auth: hexBody('X-Dropbox-Signature'),
    signs: 'body, HMAC-SHA256 with the app secret, hex',
    headers: ['X-Dropbox-Signature'],
    secret_format: 'the app secret, used as is',
    source:
      'https://www.dropbox.com/developers/reference/webhooks (signature details from third-party descriptions)',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    handshake: 'dropbox_challenge',
    pitfalls: [BODY_PARSED, HEX_NOT_BASE64],
  },
  {
    name: 'box',
    title: 'Box',
    auth: {
      ...base64Body('BOX-SIGNATURE-PRIMARY'),
      payload: '{body}{header:BOX-DELIVERY-TIMESTAMP}',
    },
    signs:
      'body + BOX-DELIVERY-TIMESTAMP, HMAC-SHA256, base64 (primary key; the secondary key signs BOX-SIGNATURE-SECONDARY)',
    headers: [
      'BOX-SIGNATURE-PRIMARY',
      'BOX-SIGNATURE-SECONDARY',
      'BOX-DELIVERY-TIMESTAMP',
      'BOX-DELIVERY-ID',
    ],
    secret_format: 'the primary signature key (and the secondary during a rotation), used as is',
    source:
      'https://developer.box.com/guides/webhooks/v2/signatures-v2/ (box-typescript-sdk-gen WebhooksManager)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_wrong_payload',
        title: 'The delivery timestamp was not appended to the body',
        fix: 'Sign body + BOX-DELIVERY-TIMESTAMP.',
      },
      PREVIOUS_SECRET,
      BODY_PARSED,
    ],
    note: 'Checks BOX-SIGNATURE-PRIMARY against every configured key; the 10-minute age limit on the RFC 3339 timestamp is not enforced here.',
  },
  {
    name: 'contentful',
    title: 'Contentful',
    auth: { scheme: 'contentful', tolerance: 30 },
    signs:
      'method, path, the signed headers (name:value; sorted) and body, joined by newlines, HMAC-SHA256, hex',
    headers: ['x-contentful-signature', 'x-contentful-signed-headers', 'x-contentful-timestamp'],
    secret_format: 'the space webhook signing secret (64 characters), used as is',
    source:
      'https://www.contentful.com/developers/docs/webhooks/request-verification/ (@contentful/node-apps-toolkit)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: (v) =>
      noWhitespace(v) ??
      (/^[0-9a-zA-Z+/=_-]{64}$/.test(v) ? null : 'must be the 64-character webhook signing secret'),
    pitfalls: [
      {
        ...TIMESTAMP_MS,
        title: 'x-contentful-timestamp is in milliseconds and the TTL is only 30 s',
      },
      {
        code: 'signature_wrong_payload',
        title:
          'The path was not the one Contentful called (a proxy prefix, the query string re-encoded)',
        fix: 'Put the gateway at the URL Contentful calls, or keep the path and query unchanged.',
      },
      BODY_PARSED,
    ],
  },
  {
    name: 'xero',
    title: 'Xero',
    auth: base64Body('x-xero-signature'),
    signs: 'body, HMAC-SHA256 with the webhooks key, base64',
    headers: ['x-xero-signature'],
    secret_format: 'the webhooks key, used as is',
    source:
      'third-party descriptions (Xero staff gists, Hookdeck webhook-skills); Xero developer docs, webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      BASE64_NOT_HEX,
      BODY_PARSED,
      {
        code: 'signature_mismatch',
        title:
          'Intent to Receive: Xero sends wrongly signed requests on purpose and expects 401 with an empty body',
        fix: 'Answer 401 to a bad signature and 200 with an empty body to a good one.',
      },
    ],
  },
  {
    name: 'intuit',
    title: 'Intuit QuickBooks',
    auth: base64Body('intuit-signature'),
    signs: 'body, HMAC-SHA256 with the Verifier Token, base64',
    headers: ['intuit-signature'],
    secret_format: 'the webhook Verifier Token, used as is',
    source: 'third-party descriptions (gists citing the Intuit webhooks guide)',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      BASE64_NOT_HEX,
      BODY_PARSED,
      {
        code: 'signature_mismatch',
        title: 'The client secret was used instead of the Verifier Token',
        fix: 'Copy the Verifier Token from the webhooks settings.',
      },
    ],
    aliases: ['quickbooks'],
  },
  {
    name: 'asana',
    title: 'Asana',
    auth: hexBody('X-Hook-Signature'),
    signs: 'body, HMAC-SHA256 with the X-Hook-Secret of the handshake, hex',
    headers: ['X-Hook-Signature', 'X-Hook-Secret'],
    secret_format: 'the X-Hook-Secret Asana sent in the handshake, used as is',
    source:
      'https://developers.asana.com/reference/createwebhook (handshake); X-Hook-Signature from third-party descriptions',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    handshake: 'asana_hook_secret',
    pitfalls: [
      BODY_PARSED,
      {
        code: 'signature_mismatch',
        title: 'The secret of another webhook (each handshake sends a new X-Hook-Secret)',
        fix: 'Store the X-Hook-Secret of this webhook from its handshake.',
      },
    ],
  },
  {
    name: 'trello',
    title: 'Trello',
    auth: { ...base64Body('X-Trello-Webhook', 'sha1'), payload: '{body}{url}' },
    signs: 'body + callback URL, HMAC-SHA1 with the app secret, base64',
    headers: ['X-Trello-Webhook'],
    secret_format: "the app's OAuth secret, used as is",
    source:
      'https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    handshake: 'trello_head',
    pitfalls: [
      {
        ...URL_REWRITTEN,
        fix: 'Put the callbackURL literally in the payload: payload: "{body}https://example.com/hooks/trello".',
      },
      BODY_PARSED,
    ],
    needs: { payload: '{body}https://example.com/hooks/trello' },
  },
  {
    name: 'notion',
    title: 'Notion',
    auth: hubSignature('X-Notion-Signature'),
    signs: 'body, HMAC-SHA256 with the verification token, hex, prefix sha256=',
    headers: ['X-Notion-Signature'],
    secret_format: 'the verification_token of the subscription, used as is',
    source:
      '@notionhq/client signWebhookPayload / verifyWebhookSignature (Notion developer docs, webhooks)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      SHA256_PREFIX_HEX,
      BODY_PARSED,
      {
        code: 'signature_mismatch',
        title: 'The integration token (secret_…/ntn_…) was used instead of the verification token',
        fix: 'Use the verification_token Notion posted when the subscription was created.',
      },
    ],
  },
  {
    name: 'figma',
    title: 'Figma',
    auth: { scheme: 'body_secret', field: 'passcode' },
    checkSecret: noWhitespace,
    signs: 'nothing: the passcode set on the webhook is echoed in every event body',
    headers: [],
    secret_format: 'the passcode chosen when creating the webhook',
    source: 'https://developers.figma.com/docs/rest-api/webhooks-security/',
    proof: 'docs',
    confidence: 'docs',
    pitfalls: [
      {
        code: 'credential_unknown',
        title: 'Wrong passcode',
        fix: 'Figma asks for 400 Bad Request on a wrong passcode, which stops the webhook.',
      },
    ],
  },
  {
    name: 'segment',
    title: 'Segment (Webhooks destination)',
    auth: hexBody('X-Signature', 'sha1'),
    signs: 'body, HMAC-SHA1 with the shared secret, hex',
    headers: ['X-Signature'],
    secret_format: 'the shared secret of the destination, used as is',
    source: 'https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      {
        code: 'signature_wrong_algorithm',
        title: 'SHA-256 was used; Segment signs with HMAC-SHA1',
        fix: 'Compute HMAC-SHA1.',
      },
    ],
  },
  {
    name: 'pipedrive',
    title: 'Pipedrive',
    auth: { scheme: 'basic' },
    signs: 'nothing: Basic credentials (http_auth_user / http_auth_password of the webhook)',
    headers: ['Authorization'],
    secret_format: 'the http_auth_user and http_auth_password set on the webhook',
    source: 'https://pipedrive.readme.io/docs/guide-for-webhooks',
    proof: 'docs',
    confidence: 'docs',
    pitfalls: [
      {
        code: 'credentials_missing',
        title: 'The webhook was created without http_auth_user/http_auth_password',
        fix: 'Recreate the webhook with both fields.',
      },
    ],
    needs: { users: [{ username: 'pipedrive', password: 'env:PIPEDRIVE_WEBHOOK_PASSWORD' }] },
  },
  {
    name: 'okta',
    title: 'Okta event hooks',
    auth: { scheme: 'api_key', header: 'Authorization' },
    signs: 'nothing: the configured authentication secret is sent in the configured header',
    headers: ['Authorization', 'X-Okta-Verification-Challenge'],
    secret_format:
      'the Authentication secret of the event hook (header name configurable, Authorization by default)',
    source: 'https://developer.okta.com/docs/concepts/event-hooks/',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    handshake: 'okta_verification',
    pitfalls: [
      {
        code: 'header_name_wrong',
        title: 'The Authentication field names another header',
        fix: 'Set header: to the Authentication field of the hook.',
      },
    ],
  },
  {
    name: 'auth0',
    title: 'Auth0 log streams (custom webhook)',
    auth: { scheme: 'api_key', header: 'Authorization' },
    signs: 'nothing: the Authorization Token setting is sent verbatim in Authorization',
    headers: ['Authorization'],
    secret_format:
      'the Authorization Token setting, exactly as entered (include "Bearer " if you typed it)',
    source: 'https://auth0.com/docs/customize/log-streams/custom-log-streams',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'scheme_prefix_missing',
        title:
          'Auth0 sends the token verbatim: "Bearer " is only there if it was typed in the setting',
        fix: 'Configure the value exactly as entered in Auth0.',
      },
    ],
  },
  {
    name: 'google-pubsub',
    title: 'Google Cloud Pub/Sub push',
    auth: {
      scheme: 'jwt',
      issuer: ['https://accounts.google.com', 'accounts.google.com'],
      algorithms: ['RS256'],
      jwks_url: 'https://www.googleapis.com/oauth2/v3/certs',
      leeway: 300,
    },
    signs: 'an OIDC ID token (RS256 JWT signed by Google) in Authorization: Bearer',
    headers: ['Authorization'],
    secret_format:
      "no secret: Google's public keys; set audience: to the subscription's audience (the push URL by default)",
    source:
      'https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions (google-auth-library verifySignedJwtWithCertsAsync)',
    proof: 'sdk',
    confidence: 'docs',
    pitfalls: [
      {
        code: 'jwt_wrong_audience',
        title: 'The audience differs from the push endpoint URL (trailing slash, http vs https)',
        fix: 'Set audience: to the audience of the push subscription exactly.',
      },
      {
        code: 'jwt_expired',
        title: 'The token expired or the clock is off',
        fix: 'Check the receiver clock; Google allows 300 s of skew.',
      },
    ],
    needs: { audience: 'https://example.com/hooks/pubsub' },
    note: "The service-account email claim is not checked by this preset; restrict it at the subscription's side.",
    aliases: ['pubsub'],
  },
]
