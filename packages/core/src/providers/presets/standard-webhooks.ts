/**
 * Standard Webhooks and the providers that send through it or through Svix (which the
 * `standard_webhooks` scheme reads under both `webhook-*` and `svix-*` header names).
 * @module
 */
import { whsecSecret } from '../checks.js'
import { BODY_PARSED, PREVIOUS_SECRET, TIMESTAMP_WINDOW, WHSEC_DECODE } from '../pitfalls.js'
import type { ProviderPreset } from '../types.js'

const SW_AUTH = { scheme: 'standard_webhooks', tolerance: 300 }
const SW_SIGNS =
  '{webhook-id}.{webhook-timestamp}.{body}, HMAC-SHA256, base64, "v1," entries separated by spaces'
const SVIX_HEADERS = ['svix-id', 'svix-timestamp', 'svix-signature']
const SW_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature']
const SW_SECRET = 'whsec_ + base64 key (what follows whsec_ is base64-decoded)'
const SW_PITFALLS = [WHSEC_DECODE, BODY_PARSED, TIMESTAMP_WINDOW, PREVIOUS_SECRET]

function svixSender(
  name: string,
  title: string,
  source: string,
  extra: Partial<ProviderPreset> = {},
): ProviderPreset {
  return {
    name,
    title,
    // sign writes the svix-* names these senders use (Clerk's verifier requires them).
    auth: { ...SW_AUTH, header_prefix: 'svix' },
    signs: SW_SIGNS,
    headers: SVIX_HEADERS,
    secret_format: SW_SECRET,
    source,
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: whsecSecret,
    pitfalls: SW_PITFALLS,
    ...extra,
  }
}

export const STANDARD_WEBHOOKS_PRESETS: ProviderPreset[] = [
  {
    name: 'standard-webhooks',
    title: 'Standard Webhooks',
    auth: SW_AUTH,
    signs: SW_SIGNS,
    headers: SW_HEADERS,
    secret_format: SW_SECRET,
    source:
      'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: whsecSecret,
    pitfalls: SW_PITFALLS,
    aliases: ['standardwebhooks'],
  },
  svixSender('svix', 'Svix', 'https://docs.svix.com/receiving/verifying-payloads/how-manual', {
    note: 'Also accepts the white-labelled webhook-* header names.',
  }),
  svixSender(
    'clerk',
    'Clerk',
    'https://clerk.com/docs/webhooks/sync-data (sent through Svix; @clerk/backend verifyWebhook)',
  ),
  svixSender(
    'resend',
    'Resend',
    'https://resend.com/docs/webhooks/verify-webhooks-requests (sent through Svix)',
  ),
  {
    name: 'openai',
    title: 'OpenAI',
    auth: SW_AUTH,
    signs: SW_SIGNS,
    headers: SW_HEADERS,
    secret_format: SW_SECRET,
    source:
      'https://platform.openai.com/docs/guides/webhooks (Standard Webhooks; openai SDK webhooks.verifySignature, tolerance 300 s)',
    proof: 'sdk',
    confidence: 'sdk',
    checkSecret: whsecSecret,
    pitfalls: SW_PITFALLS,
  },
  {
    name: 'replicate',
    title: 'Replicate',
    auth: SW_AUTH,
    signs: SW_SIGNS,
    headers: SW_HEADERS,
    secret_format: `${SW_SECRET} (GET /v1/webhooks/default/secret)`,
    source: 'https://replicate.com/docs/topics/webhooks/verify-webhook',
    proof: 'sdk',
    confidence: 'docs',
    checkSecret: whsecSecret,
    pitfalls: SW_PITFALLS,
  },
  {
    name: 'gitlab-signing',
    title: 'GitLab (signing token)',
    auth: SW_AUTH,
    signs: SW_SIGNS,
    headers: SW_HEADERS,
    secret_format: 'whsec_ + base64 of a 32-byte key (the webhook signing token)',
    source:
      'https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944 (behind feature flag webhook_signing_token)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: whsecSecret,
    pitfalls: SW_PITFALLS,
    note: 'GitLab signing tokens are new (feature flag); most GitLab hooks send X-Gitlab-Token: use the gitlab preset for those.',
  },
]
