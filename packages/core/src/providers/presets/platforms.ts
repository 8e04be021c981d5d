/**
 * More platforms whose schemes are published: Microsoft Teams outgoing webhooks, Webflow,
 * WorkOS, Zendesk, LINE, PagerDuty, Dixa, Zoho Payments, Oracle Commerce, Gitea, WooCommerce,
 * Coinify, Datasaur, and two Standard Webhooks senders (360Learning, SignatureAPI).
 * @module
 */
import { base64Secret, hexSecret, noWhitespace, whsecSecret } from '../checks.js'
import {
  BASE64_NOT_HEX,
  BODY_PARSED,
  HEX_NOT_BASE64,
  PAYLOAD_BODY_ONLY,
  PREVIOUS_SECRET,
  TIMESTAMP_MS,
  TIMESTAMP_WINDOW,
  WHSEC_DECODE,
} from '../pitfalls.js'
import type { ProviderPreset } from '../types.js'
import { base64Body, hexBody } from './payments.js'

/** `t=<ts>,<key>=<hex>` over `{t}.{body}`: the Stripe-like shape. */
function tDotBody(
  header: string,
  signatureKey: string,
  unit: 'seconds' | 'milliseconds',
  tolerance: number,
  secretEncoding: 'utf8' | 'hex' = 'utf8',
) {
  return {
    scheme: 'hmac',
    header,
    algorithm: 'sha256',
    encoding: 'hex',
    payload: '{timestamp}.{body}',
    format: { kind: 'pairs', pair_separator: ',', signature_key: signatureKey, timestamp_key: 't' },
    secret_encoding: secretEncoding,
    timestamp: { unit, tolerance },
  }
}

const SW = { scheme: 'standard_webhooks', tolerance: 300 }
const SW_SIGNS =
  '{webhook-id}.{webhook-timestamp}.{body}, HMAC-SHA256, base64, "v1," entries separated by spaces'

export const PLATFORM_PRESETS: ProviderPreset[] = [
  {
    name: 'microsoft-teams',
    title: 'Microsoft Teams (outgoing webhook)',
    auth: { ...base64Body('Authorization'), prefix: 'HMAC ', secret_encoding: 'base64' },
    signs:
      'body, HMAC-SHA256 with the base64-decoded security token, base64, in Authorization: HMAC <sig>',
    headers: ['Authorization'],
    secret_format:
      'the security token Teams shows when the outgoing webhook is created (base64, decoded to the key)',
    source:
      'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook (OfficeDev/msteams-samples-outgoing-webhook-nodejs)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: base64Secret,
    pitfalls: [
      {
        code: 'signature_secret_encoding',
        title: 'The security token was used as text; it is base64 and must be decoded',
        fix: "Buffer.from(token, 'base64') is the HMAC key.",
      },
      {
        code: 'scheme_prefix_missing',
        title: 'The "HMAC " prefix of the Authorization value was compared too',
        fix: 'Strip "HMAC " before comparing the base64 signature.',
      },
      BODY_PARSED,
    ],
    aliases: ['teams'],
  },
  {
    name: 'webflow',
    title: 'Webflow',
    auth: {
      scheme: 'hmac',
      header: 'x-webflow-signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{timestamp}:{body}',
      format: { kind: 'single' },
      secret_encoding: 'utf8',
      timestamp: { header: 'x-webflow-timestamp', unit: 'milliseconds', tolerance: 300 },
    },
    signs:
      '{timestamp}:{body}, HMAC-SHA256 with the OAuth client secret, hex; timestamp in milliseconds',
    headers: ['x-webflow-signature', 'x-webflow-timestamp'],
    secret_format:
      "the OAuth application's client secret (webhooks made from the dashboard are not signed)",
    source:
      'https://developers.webflow.com/docs/verifying-webhook-signatures (webflow-api webhooks.verifySignature)',
    proof: 'sdk',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        ...BODY_PARSED,
        title: "The body was re-serialized (Webflow's own sample signs JSON.stringify(req.body))",
      },
      TIMESTAMP_MS,
      {
        code: 'signature_missing',
        title:
          'The webhook was created in the dashboard or with a site token: only OAuth-app webhooks are signed',
        fix: 'Recreate the webhook through the OAuth application.',
      },
    ],
  },
  {
    name: 'workos',
    title: 'WorkOS',
    auth: tDotBody('WorkOS-Signature', 'v1', 'milliseconds', 180),
    signs: '{t}.{body}, HMAC-SHA256, hex; header t=<ms>, v1=<sig>',
    headers: ['WorkOS-Signature'],
    secret_format: 'the webhook secret from the dashboard, used as is',
    source:
      'https://workos.com/docs/webhooks (@workos-inc/node webhooks.verifyHeader, tolerance 180 s)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [TIMESTAMP_MS, BODY_PARSED, TIMESTAMP_WINDOW],
  },
  {
    name: 'zendesk',
    title: 'Zendesk',
    auth: {
      ...base64Body('X-Zendesk-Webhook-Signature'),
      payload: '{header:X-Zendesk-Webhook-Signature-Timestamp}{body}',
    },
    signs: 'X-Zendesk-Webhook-Signature-Timestamp + body, HMAC-SHA256, base64',
    headers: ['X-Zendesk-Webhook-Signature', 'X-Zendesk-Webhook-Signature-Timestamp'],
    secret_format: 'the webhook signing secret, used as is',
    source: 'https://developer.zendesk.com/documentation/webhooks/verifying/',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      { ...PAYLOAD_BODY_ONLY, title: 'The timestamp was not prepended to the body (no separator)' },
      BASE64_NOT_HEX,
      BODY_PARSED,
    ],
    note: 'The signed timestamp is not checked for age (its format and a window are not documented).',
  },
  {
    name: 'line',
    title: 'LINE Messaging API',
    auth: base64Body('x-line-signature'),
    signs: 'body, HMAC-SHA256 with the channel secret, base64',
    headers: ['x-line-signature'],
    secret_format: 'the channel secret (Basic settings), used as is; not the channel access token',
    source:
      'https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/ (@line/bot-sdk validateSignature)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      BASE64_NOT_HEX,
      {
        code: 'signature_mismatch',
        title: 'The channel access token was used instead of the channel secret',
        fix: 'Use Basic settings → Channel secret.',
      },
    ],
  },
  {
    name: 'pagerduty',
    title: 'PagerDuty (v3 webhooks)',
    auth: {
      ...hexBody('X-PagerDuty-Signature'),
      prefix: 'v1=',
      format: { kind: 'list', separator: ',' },
    },
    signs: 'body, HMAC-SHA256, hex; header v1=<sig>[,v1=<sig>] (one per secret during a rotation)',
    headers: ['X-PagerDuty-Signature', 'X-Webhook-Id', 'X-Webhook-Subscription'],
    secret_format: 'the subscription signing secret, used as is',
    source:
      'https://docs.pagerduty.com/developer/verifying-webhook-signatures (PagerDuty/go-pagerduty webhookv3)',
    proof: 'docs',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, PREVIOUS_SECRET, HEX_NOT_BASE64],
  },
  {
    name: 'dixa',
    title: 'Dixa',
    auth: tDotBody('X-Dixa-Signature', 'v1', 'milliseconds', 300, 'hex'),
    signs: '{t}.{body}, HMAC-SHA256 with the hex-decoded secret, hex; header t=<ms>,v1=<sig>',
    headers: ['X-Dixa-Signature'],
    secret_format: 'the subscription secret key, hex (decoded to the key)',
    source: 'https://docs.dixa.io/docs/webhooks/webhooks-security',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: hexSecret,
    pitfalls: [
      {
        code: 'signature_secret_encoding',
        title: 'The secret was used as text; Dixa secrets are hex',
        fix: 'Hex-decode the secret key.',
      },
      TIMESTAMP_MS,
      BODY_PARSED,
    ],
    note: 'The 300 s window is ours: Dixa does not name one.',
  },
  {
    name: 'zoho-payments',
    title: 'Zoho Payments',
    auth: tDotBody('X-Zoho-Webhook-Signature', 'v', 'milliseconds', 300),
    signs: '{t}.{body}, HMAC-SHA256 with the signing key, hex; header t=<ms>,v=<sig>',
    headers: ['X-Zoho-Webhook-Signature'],
    secret_format: 'the signing key made with the webhook, used as is',
    source: 'https://www.zoho.com/in/payments/developerdocs/webhooks/verification/',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [TIMESTAMP_MS, BODY_PARSED],
    note: 'The 300 s window is ours: Zoho asks for a 2xx within 15 s but names no window.',
  },
  {
    name: 'oracle-commerce',
    title: 'Oracle CX Commerce',
    auth: base64Body('X-Oracle-CC-WebHook-Signature', 'sha512'),
    signs: 'body, HMAC-SHA512, base64',
    headers: ['X-Oracle-CC-WebHook-Signature'],
    secret_format: 'the webhook secret key (Settings → Web APIs → Webhook), used as is',
    source: 'https://docs.oracle.com/en/cloud/saas/cx-commerce/ccdev/secure-webhooks.html',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_wrong_algorithm',
        title: 'SHA-256 was used; Oracle Commerce signs with HMAC-SHA512',
        fix: 'Compute HMAC-SHA512.',
      },
      BODY_PARSED,
    ],
  },
  {
    name: 'gitea',
    title: 'Gitea',
    auth: hexBody('X-Gitea-Signature'),
    signs: 'body, HMAC-SHA256, hex (no prefix)',
    headers: ['X-Gitea-Signature', 'X-Gitea-Delivery', 'X-Gitea-Event'],
    secret_format: 'the webhook secret, used as is',
    source: 'third-party descriptions; Gitea docs, webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_header_malformed',
        title: 'A sha256= prefix was expected as for GitHub; Gitea sends the bare hex digest',
        fix: 'Compare the hex digest without a prefix.',
      },
      BODY_PARSED,
    ],
  },
  {
    name: 'woocommerce',
    title: 'WooCommerce',
    auth: base64Body('X-WC-Webhook-Signature'),
    signs: 'body, HMAC-SHA256, base64',
    headers: ['X-WC-Webhook-Signature', 'X-WC-Webhook-ID', 'X-WC-Webhook-Delivery-ID'],
    secret_format:
      'the webhook secret set in WooCommerce → Settings → Advanced → Webhooks, used as is',
    source:
      'third-party descriptions (Hookdeck webhook-skills); WooCommerce REST API docs, webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      BASE64_NOT_HEX,
      BODY_PARSED,
      {
        code: 'signature_mismatch',
        title: 'The REST API consumer secret was used instead of the webhook secret',
        fix: "Use the webhook's own secret.",
      },
    ],
  },
  {
    name: 'clickup',
    title: 'ClickUp',
    auth: hexBody('X-Signature'),
    signs: 'body, HMAC-SHA256 with the webhook secret, hex',
    headers: ['X-Signature'],
    secret_format: 'the webhook.secret returned when the webhook is created, used as is',
    source: 'https://developer.clickup.com/docs/webhooksignature',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        ...BODY_PARSED,
        title:
          'The parsed body was re-stringified with whitespace (ClickUp signs the compact body)',
      },
    ],
  },
  {
    name: 'circleci',
    title: 'CircleCI',
    auth: {
      ...hexBody('circleci-signature'),
      prefix: 'v1=',
      format: { kind: 'list', separator: ',' },
    },
    signs: 'body, HMAC-SHA256 with the webhook secret token, hex; header v1=<sig>',
    headers: ['circleci-signature', 'circleci-event-type'],
    secret_format: 'the webhook "Secret token" (signing-secret), not a CircleCI API token',
    source: 'third-party descriptions (Hookdeck webhook-skills); CircleCI docs, webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_mismatch',
        title: 'A CircleCI API token was used instead of the webhook secret token',
        fix: "Use the webhook's Secret token.",
      },
      BODY_PARSED,
    ],
  },
  {
    name: 'terraform-cloud',
    title: 'HCP Terraform / Terraform Enterprise notifications',
    auth: hexBody('X-TFE-Notification-Signature', 'sha512'),
    signs: 'body, HMAC-SHA512 with the notification token, hex',
    headers: ['X-TFE-Notification-Signature'],
    secret_format: 'the token of the generic notification configuration, used as is',
    source:
      'https://developer.hashicorp.com/terraform/enterprise/api-docs/notification-configurations (notification authenticity)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_wrong_algorithm',
        title: 'SHA-256 was used; Terraform signs with HMAC-SHA512',
        fix: 'Compute HMAC-SHA512.',
      },
      BODY_PARSED,
    ],
    aliases: ['terraform'],
  },
  {
    name: 'cashfree',
    title: 'Cashfree Payments',
    auth: { ...base64Body('x-webhook-signature'), payload: '{header:x-webhook-timestamp}{body}' },
    signs: 'x-webhook-timestamp + body, HMAC-SHA256 with the secret key, base64',
    headers: ['x-webhook-signature', 'x-webhook-timestamp'],
    secret_format: 'the PG client secret key, used as is',
    source: 'https://www.cashfree.com/docs/payments/online/webhooks/signature-verification',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      { ...PAYLOAD_BODY_ONLY, title: 'The timestamp was not prepended to the body' },
      BASE64_NOT_HEX,
      BODY_PARSED,
    ],
    note: 'The signed timestamp (milliseconds) is not checked for age: Cashfree names no window.',
  },
  {
    name: 'paymongo',
    title: 'PayMongo',
    auth: {
      scheme: 'hmac',
      header: 'Paymongo-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{timestamp}.{body}',
      format: { kind: 'pairs', pair_separator: ',', signature_key: 'li', timestamp_key: 't' },
      secret_encoding: 'utf8',
      timestamp: { unit: 'seconds', tolerance: 300 },
    },
    signs:
      '{t}.{body}, HMAC-SHA256 with the webhook secret key, hex; header t=<ts>,te=<test sig>,li=<live sig>',
    headers: ['Paymongo-Signature'],
    secret_format: "the webhook's secret key, used as is",
    source: 'https://developers.paymongo.com/docs/securing-webhook',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'signature_mismatch',
        title: 'The live signature (li) was checked for a test-mode event, or the reverse',
        fix: 'For test mode set format: { kind: pairs, signature_key: te, timestamp_key: t }.',
      },
      BODY_PARSED,
    ],
    note: 'Checks the live-mode signature li=; the 300 s window is ours.',
  },
  {
    name: 'aws-sns',
    title: 'Amazon SNS (HTTP/S subscriptions)',
    auth: { scheme: 'aws_sns' },
    signs:
      'Key\\nvalue\\n lines of Message, MessageId, Subject, Timestamp, TopicArn, Type (or the confirmation fields), SHA1withRSA (v1) or SHA256withRSA (v2), base64, in the body',
    headers: ['x-amz-sns-message-type', 'x-amz-sns-topic-arn'],
    secret_format:
      'the SNS signing certificate (PEM from SigningCertURL) in public_keys; topic_arns: to accept only your topics',
    source: 'https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html',
    proof: 'docs',
    confidence: 'docs',
    handshake: 'sns_subscription_confirmation',
    pitfalls: [
      {
        code: 'signature_body_modified',
        title:
          'The Message field was parsed (escaped characters turned into others) before the string to sign was built',
        fix: 'Build the string from the JSON-decoded field values exactly, without re-serializing the body.',
      },
      {
        code: 'credential_unknown',
        title: 'A message from another topic',
        fix: 'List your topics in topic_arns: (AWS recommends refusing unexpected TopicArn values).',
      },
      {
        code: 'signature_wrong_algorithm',
        title: 'SHA1 used for a SignatureVersion 2 message (or the reverse)',
        fix: 'Use SHA256withRSA for SignatureVersion 2, SHA1withRSA for 1.',
      },
    ],
    needs: {
      public_keys: ['file:sns-signing-cert.pem'],
      topic_arns: ['arn:aws:sns:us-east-1:123456789012:my-topic'],
    },
    note: 'The certificate is given in the config, never fetched from the URL inside the message.',
  },
  {
    name: 'coinify',
    title: 'Coinify',
    auth: hexBody('x-coinify-webhook-signature'),
    signs: 'body, HMAC-SHA256 with the shared secret, hex',
    headers: ['x-coinify-webhook-signature'],
    secret_format: 'the webhook shared secret, used as is',
    source: 'https://coinify.readme.io/docs/webhook-signature',
    proof: 'vector',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, HEX_NOT_BASE64],
  },
  {
    name: 'datasaur',
    title: 'Datasaur',
    auth: hexBody('X-Datasaur-Signature'),
    signs: 'body, HMAC-SHA256 with the secret given at registration, hex',
    headers: ['X-Datasaur-Signature'],
    secret_format: 'the secret given when registering the webhook, used as is',
    source: 'https://docs.datasaur.ai/integrations/webhook-notifications/webhook-signature',
    proof: 'vector',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED],
  },
  {
    name: '360learning',
    title: '360Learning',
    auth: SW,
    signs: SW_SIGNS,
    headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    secret_format: 'whsec_ + base64 key of the subscription',
    source:
      'https://360learning.readme.io/docs/security-and-signature-verification (Standard Webhooks)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: whsecSecret,
    pitfalls: [WHSEC_DECODE, PREVIOUS_SECRET, TIMESTAMP_WINDOW],
  },
  {
    name: 'signatureapi',
    title: 'SignatureAPI',
    auth: SW,
    signs: SW_SIGNS,
    headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    secret_format: 'whsec_ + base64 key of the endpoint',
    source: 'https://signatureapi.com/docs/api/guides/how-to/verify-webhooks (Standard Webhooks)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: whsecSecret,
    pitfalls: [WHSEC_DECODE, TIMESTAMP_WINDOW],
  },
]
