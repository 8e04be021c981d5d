/**
 * Payments and commerce: Stripe, Paddle, Square, PayPal, Razorpay, Adyen, Coinbase Commerce,
 * Lemon Squeezy, Shopify.
 * @module
 */
import { hexSecret, noWhitespace, stripeSecret } from '../checks.js'
import {
  API_KEY_NOT_SECRET,
  BASE64_NOT_HEX,
  BODY_PARSED,
  PAYLOAD_BODY_ONLY,
  PREVIOUS_SECRET,
  SECRET_WHITESPACE,
  TIMESTAMP_WINDOW,
  URL_REWRITTEN,
} from '../pitfalls.js'
import type { ProviderPreset } from '../types.js'

/** hex HMAC-SHA256 of the raw body in one header, no prefix: the most common shape. */
export function hexBody(header: string, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha256') {
  return {
    scheme: 'hmac',
    header,
    algorithm,
    encoding: 'hex',
    payload: '{body}',
    format: { kind: 'single' },
    secret_encoding: 'utf8',
  }
}

/** base64 HMAC of the raw body in one header, no prefix. */
export function base64Body(header: string, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha256') {
  return {
    scheme: 'hmac',
    header,
    algorithm,
    encoding: 'base64',
    payload: '{body}',
    format: { kind: 'single' },
    secret_encoding: 'utf8',
  }
}

export const PAYMENT_PRESETS: ProviderPreset[] = [
  {
    name: 'stripe',
    title: 'Stripe',
    auth: {
      scheme: 'hmac',
      header: 'Stripe-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{timestamp}.{body}',
      // As stripe-node's parseHeader reads it: split on commas, keys as they stand (`, v1=` is
      // no v1), and of several t= the last.
      format: {
        kind: 'pairs',
        pair_separator: ',',
        signature_key: 'v1',
        timestamp_key: 't',
        exact_keys: true,
        last_timestamp: true,
      },
      secret_encoding: 'utf8',
      // stripe-node refuses a timestamp too old only (Webhooks.js validateComputedSignature).
      timestamp: { unit: 'seconds', tolerance: 300, one_sided: true },
    },
    signs: '{t}.{body}, HMAC-SHA256, hex; header t=<ts>,v1=<sig>[,v1=<sig>] (v0 ignored)',
    headers: ['Stripe-Signature'],
    secret_format: 'whsec_… string, used as is (not base64-decoded)',
    source: 'https://docs.stripe.com/webhooks/signature (stripe-node Webhooks.js)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: stripeSecret,
    pitfalls: [
      {
        ...BODY_PARSED,
        title:
          'The body was parsed by express.json() (or a framework) before stripe.webhooks.constructEvent',
      },
      {
        code: 'signature_secret_encoding',
        title: 'The whsec_ secret was base64-decoded as for Svix; Stripe uses the whole string',
        fix: 'Use the whsec_… string itself as the HMAC key.',
      },
      {
        code: 'signature_mismatch',
        title:
          "Another endpoint's secret (each endpoint and the Stripe CLI's listen have their own)",
        fix: 'Copy the signing secret of this endpoint (stripe listen prints its own whsec_ for local tests).',
      },
      TIMESTAMP_WINDOW,
      PREVIOUS_SECRET,
    ],
  },
  {
    name: 'paddle',
    title: 'Paddle Billing',
    auth: {
      scheme: 'hmac',
      header: 'Paddle-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{timestamp}:{body}',
      format: { kind: 'pairs', pair_separator: ';', signature_key: 'h1', timestamp_key: 'ts' },
      secret_encoding: 'utf8',
      // The SDK refuses a timestamp more than 5 s old, never one ahead (WebhooksValidator).
      timestamp: { unit: 'seconds', tolerance: 5, one_sided: true },
    },
    signs: '{ts}:{body}, HMAC-SHA256, hex; header ts=<ts>;h1=<sig>',
    headers: ['Paddle-Signature'],
    secret_format: 'notification destination secret key (pdl_ntfset_…), used as is',
    source:
      'https://developer.paddle.com/webhooks/signature-verification (@paddle/paddle-node-sdk)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      { ...TIMESTAMP_WINDOW, title: "Paddle's SDK allows only 5 s of clock difference" },
      { ...PAYLOAD_BODY_ONLY, title: 'Paddle joins ts and body with a colon, not a dot' },
    ],
    note: 'Tolerance 5 s as in the SDK; raise tolerance: for slow receivers.',
  },
  {
    name: 'square',
    title: 'Square',
    auth: {
      scheme: 'hmac',
      header: 'x-square-hmacsha256-signature',
      algorithm: 'sha256',
      encoding: 'base64',
      payload: '{url}{body}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
    },
    signs: 'notification URL + body, HMAC-SHA256, base64',
    headers: ['x-square-hmacsha256-signature'],
    secret_format: 'subscription signature key, used as is',
    source:
      'https://developer.squareup.com/docs/webhooks/step3validate (square-nodejs-sdk WebhooksHelper)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        ...URL_REWRITTEN,
        fix: 'Put the subscription URL literally in the payload: payload: "https://example.com/hooks/square{body}".',
      },
      BODY_PARSED,
    ],
    needs: { payload: 'https://example.com/hooks/square{body}' },
    note: 'The signed URL must be the subscription URL byte for byte; set payload: with it when a proxy changes the URL.',
  },
  {
    name: 'paypal',
    title: 'PayPal',
    auth: {
      scheme: 'rsa',
      header: 'PAYPAL-TRANSMISSION-SIG',
      encoding: 'base64',
      algorithm: 'sha256',
      payload:
        '{header:PAYPAL-TRANSMISSION-ID}|{header:PAYPAL-TRANSMISSION-TIME}|{webhook_id}|{crc32}',
      timestamp: { header: 'PAYPAL-TRANSMISSION-TIME', unit: 'rfc3339', tolerance: 0 },
    },
    signs:
      'transmission id|transmission time|webhook id|CRC32 of the body (decimal), SHA256withRSA, base64',
    headers: [
      'PAYPAL-TRANSMISSION-ID',
      'PAYPAL-TRANSMISSION-TIME',
      'PAYPAL-TRANSMISSION-SIG',
      'PAYPAL-CERT-URL',
      'PAYPAL-AUTH-ALGO',
    ],
    secret_format:
      "PayPal's signing certificate (PEM, downloaded from PAYPAL-CERT-URL) in public_keys, and your webhook_id",
    source: 'https://developer.paypal.com/api/rest/webhooks/rest/ ("Self verification method")',
    proof: 'docs',
    confidence: 'docs',
    pitfalls: [
      {
        code: 'signature_wrong_payload',
        title:
          'The webhook id is not the one of this listener (mock events use the string WEBHOOK_ID)',
        fix: 'Set webhook_id: to the id shown for this URL in the app settings.',
      },
      BODY_PARSED,
    ],
    needs: { webhook_id: 'env:PAYPAL_WEBHOOK_ID', public_keys: ['file:paypal-cert.pem'] },
    note: 'Verifies offline with the certificate given in config; fetching PAYPAL-CERT-URL and the postback API are not used. No time window (PayPal documents none).',
  },
  {
    name: 'razorpay',
    title: 'Razorpay',
    auth: hexBody('X-Razorpay-Signature'),
    signs: 'body, HMAC-SHA256, hex',
    headers: ['X-Razorpay-Signature'],
    secret_format: 'webhook secret you set, used as is',
    source:
      'https://razorpay.com/docs/webhooks/validate-test/ (razorpay-node validateWebhookSignature)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      { ...API_KEY_NOT_SECRET, title: 'The API key secret was used instead of the webhook secret' },
    ],
  },
  {
    name: 'adyen',
    title: 'Adyen (standard notifications)',
    auth: { scheme: 'adyen' },
    signs:
      'pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success of each item, HMAC-SHA256, base64, in additionalData.hmacSignature',
    headers: [],
    secret_format: 'HMAC key in hex (hex-decoded to 32 bytes)',
    source:
      'https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures (@adyen/api-library HmacValidator)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: hexSecret,
    pitfalls: [
      {
        code: 'signature_secret_encoding',
        title: 'The HMAC key was used as text; Adyen keys are hex',
        fix: 'Hex-decode the key to bytes before the HMAC.',
      },
      {
        code: 'signature_mismatch',
        title: 'A test key used for live (or the reverse)',
        fix: 'Generate a new HMAC key when switching from test to live.',
      },
    ],
  },
  {
    name: 'adyen-hmac',
    title: 'Adyen (banking, management webhooks)',
    auth: { ...base64Body('HmacSignature'), secret_encoding: 'hex' },
    signs: 'body, HMAC-SHA256 with the hex-decoded key, base64',
    headers: ['HmacSignature'],
    secret_format: 'HMAC key in hex',
    source:
      'https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures (@adyen/api-library validateHMACSignature)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: hexSecret,
    pitfalls: [
      {
        code: 'signature_secret_encoding',
        title: 'The HMAC key was used as text; Adyen keys are hex',
        fix: 'Hex-decode the key.',
      },
      BODY_PARSED,
    ],
  },
  {
    name: 'coinbase-commerce',
    title: 'Coinbase Commerce',
    auth: hexBody('X-CC-Webhook-Signature'),
    signs: 'body, HMAC-SHA256, hex',
    headers: ['X-CC-Webhook-Signature'],
    secret_format: 'webhook shared secret, used as is',
    source:
      'https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security (coinbase-commerce-node Webhook)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, API_KEY_NOT_SECRET],
    aliases: ['coinbase'],
  },
  {
    name: 'lemonsqueezy',
    title: 'Lemon Squeezy',
    auth: hexBody('X-Signature'),
    signs: 'body, HMAC-SHA256, hex',
    headers: ['X-Signature'],
    secret_format: 'signing secret you choose (6–40 characters), used as is',
    source: 'https://docs.lemonsqueezy.com/help/webhooks/signing-requests',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, SECRET_WHITESPACE],
    aliases: ['lemon-squeezy'],
  },
  {
    name: 'shopify',
    title: 'Shopify',
    // Events deliveries sign under the unprefixed name (@shopify/shopify-api webhooks/validate.js).
    auth: { ...base64Body('X-Shopify-Hmac-Sha256'), header_aliases: ['shopify-hmac-sha256'] },
    signs: 'body, HMAC-SHA256, base64',
    headers: [
      'X-Shopify-Hmac-Sha256',
      'shopify-hmac-sha256',
      'X-Shopify-Topic',
      'X-Shopify-Webhook-Id',
    ],
    secret_format:
      "app client secret (or the store's notification key for admin-created webhooks), used as is",
    source: 'https://shopify.dev/docs/apps/build/webhooks/verify-deliveries (@shopify/shopify-api)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      { ...BASE64_NOT_HEX, title: 'The HMAC was compared as hex; Shopify sends base64' },
      BODY_PARSED,
      {
        ...PREVIOUS_SECRET,
        title: 'The client secret was rotated: Shopify may sign with the old one for up to an hour',
      },
    ],
  },
]
