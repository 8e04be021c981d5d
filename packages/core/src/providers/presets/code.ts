/**
 * Code hosting, issue trackers and developer platforms: GitHub, GitLab, Bitbucket, Jira,
 * Linear, Sentry, Vercel, Mux.
 * @module
 */
import { noWhitespace } from '../checks.js'
import {
  BODY_PARSED,
  HEX_NOT_BASE64,
  PAYLOAD_BODY_ONLY,
  PREVIOUS_SECRET,
  SECRET_WHITESPACE,
  SHA256_PREFIX_HEX,
  TIMESTAMP_WINDOW,
} from '../pitfalls.js'
import type { ProviderPreset } from '../types.js'
import { hexBody } from './payments.js'

/** `sha256=<hex>` of the body: GitHub's format, copied by Atlassian, Meta, Notion and others. */
export function hubSignature(header: string, algorithm: 'sha1' | 'sha256' = 'sha256') {
  return { ...hexBody(header, algorithm), prefix: `${algorithm}=` }
}

const HUB_PITFALLS = [BODY_PARSED, SHA256_PREFIX_HEX, SECRET_WHITESPACE]

export const CODE_PRESETS: ProviderPreset[] = [
  {
    name: 'github',
    title: 'GitHub',
    auth: hubSignature('X-Hub-Signature-256'),
    signs: 'body, HMAC-SHA256, hex, prefix sha256=',
    headers: ['X-Hub-Signature-256', 'X-GitHub-Delivery', 'X-GitHub-Event'],
    secret_format: 'webhook secret you set, used as is',
    source:
      'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries (@octokit/webhooks-methods)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      ...HUB_PITFALLS,
      {
        code: 'signature_wrong_algorithm',
        title:
          'SHA-1 (the legacy X-Hub-Signature) was used instead of SHA-256 (X-Hub-Signature-256)',
        fix: 'GitHub sends both headers: verify X-Hub-Signature-256 with HMAC-SHA256, and have a sender that imitates GitHub send it too.',
      },
      {
        code: 'signature_missing',
        title: 'No signature header: the webhook has no secret configured',
        fix: 'Set a secret in the webhook settings; GitHub only signs when one is set.',
      },
    ],
  },
  {
    name: 'github-sha1',
    title: 'GitHub (legacy SHA-1 header)',
    auth: hubSignature('X-Hub-Signature', 'sha1'),
    signs: 'body, HMAC-SHA1, hex, prefix sha1=',
    headers: ['X-Hub-Signature'],
    secret_format: 'webhook secret you set, used as is',
    source:
      'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries ("only included for legacy purposes")',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: HUB_PITFALLS,
    note: 'Prefer the github preset (SHA-256).',
  },
  {
    name: 'gitlab',
    title: 'GitLab (secret token)',
    auth: { scheme: 'api_key', header: 'X-Gitlab-Token' },
    signs: 'nothing: the secret token is sent as is',
    headers: ['X-Gitlab-Token', 'X-Gitlab-Event', 'X-Gitlab-Event-UUID'],
    secret_format: 'secret token you set, compared as is',
    source:
      'https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'header_name_wrong',
        title: 'The token was looked for under another header name',
        fix: 'Read X-Gitlab-Token.',
      },
    ],
  },
  {
    name: 'bitbucket',
    title: 'Bitbucket Cloud',
    auth: hubSignature('X-Hub-Signature'),
    signs: 'body, HMAC-SHA256, hex, prefix sha256=',
    headers: ['X-Hub-Signature', 'X-Request-UUID', 'X-Event-Key'],
    secret_format: 'webhook secret you set, used as is',
    source: 'https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/ (secure webhooks)',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: HUB_PITFALLS,
  },
  {
    name: 'bitbucket-server',
    title: 'Bitbucket Server / Data Center',
    auth: hubSignature('X-Hub-Signature'),
    signs: 'body, HMAC-SHA256, hex, prefix sha256=',
    headers: ['X-Hub-Signature', 'X-Request-Id', 'X-Event-Key'],
    secret_format: 'webhook secret you set, used as is',
    source:
      'https://jira.atlassian.com/browse/BSERV-14021 (Bitbucket Server webhooks: secret → X-Hub-Signature)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: HUB_PITFALLS,
    note: 'Bitbucket Server can also send Basic credentials; use the basic scheme for those.',
  },
  {
    name: 'jira',
    title: 'Jira Cloud (admin webhooks)',
    auth: hubSignature('X-Hub-Signature'),
    signs: 'body, HMAC-SHA256, hex, prefix sha256=',
    headers: ['X-Hub-Signature', 'X-Atlassian-Webhook-Identifier'],
    secret_format: 'webhook secret you set, used as is',
    source: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: HUB_PITFALLS,
    aliases: ['atlassian'],
    note: 'Webhooks registered by Connect or OAuth apps are not signed this way (they carry a JWT).',
  },
  {
    name: 'linear',
    title: 'Linear',
    auth: hexBody('Linear-Signature'),
    signs: 'body, HMAC-SHA256, hex',
    headers: ['Linear-Signature', 'Linear-Delivery', 'Linear-Event'],
    secret_format: 'webhook signing secret (lin_wh_…), used as is',
    source: '@linear/sdk LinearWebhookClient (linear.app developer docs, webhooks)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, HEX_NOT_BASE64],
    note: "Linear's freshness check (webhookTimestamp inside the JSON body, ±60 s) is not made here: it is a field of the payload, not of the request.",
  },
  {
    name: 'sentry',
    title: 'Sentry (integration platform)',
    auth: hexBody('Sentry-Hook-Signature'),
    signs: 'body, HMAC-SHA256, hex',
    headers: [
      'Sentry-Hook-Signature',
      'Sentry-Hook-Resource',
      'Sentry-Hook-Timestamp',
      'Request-ID',
    ],
    secret_format: "the integration's Client Secret, used as is",
    source: 'https://docs.sentry.io/integrations/integration-platform/webhooks/',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      {
        code: 'signature_mismatch',
        title: 'The client id or an auth token was used instead of the Client Secret',
        fix: "Use the integration's Client Secret.",
      },
    ],
    note: 'Sentry-Hook-Timestamp is not known to be signed, so no window is enforced.',
  },
  {
    name: 'vercel',
    title: 'Vercel',
    auth: hexBody('x-vercel-signature', 'sha1'),
    signs: 'body, HMAC-SHA1, hex',
    headers: ['x-vercel-signature'],
    secret_format:
      "webhook secret (account webhooks) or the integration's Client Secret, used as is",
    source:
      'third-party descriptions (trigger.dev Vercel provider, Hookdeck webhook-skills); Vercel docs, webhooks',
    proof: 'docs',
    confidence: 'third-party',
    checkSecret: noWhitespace,
    pitfalls: [
      BODY_PARSED,
      {
        code: 'signature_wrong_algorithm',
        title: 'SHA-256 was used; Vercel signs with HMAC-SHA1',
        fix: 'Compute HMAC-SHA1.',
      },
    ],
  },
  {
    name: 'mux',
    title: 'Mux',
    auth: {
      scheme: 'hmac',
      header: 'Mux-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      payload: '{timestamp}.{body}',
      format: { kind: 'pairs', pair_separator: ',', signature_key: 'v1', timestamp_key: 't' },
      secret_encoding: 'utf8',
      // @mux/mux-node verifySignature refuses a timestamp too old only.
      timestamp: { unit: 'seconds', tolerance: 300, one_sided: true },
    },
    signs: '{t}.{body}, HMAC-SHA256, hex; header t=<ts>,v1=<sig>',
    headers: ['Mux-Signature'],
    secret_format: 'webhook signing secret (one per endpoint), used as is',
    source:
      'https://www.mux.com/docs/core/verify-webhook-signatures (@mux/mux-node webhooks.verifySignature; mux-elixir TestUtils example)',
    proof: 'sdk',
    confidence: 'docs',
    checkSecret: noWhitespace,
    pitfalls: [BODY_PARSED, TIMESTAMP_WINDOW, PREVIOUS_SECRET, PAYLOAD_BODY_ONLY],
  },
]
