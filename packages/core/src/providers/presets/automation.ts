/**
 * Automation platforms as receivers: Make's custom webhook and the n8n Webhook node's
 * authentication options, so a gateway in front of them checks what they would.
 * @module
 */
import { noWhitespace } from '../checks.js'
import type { ProviderPreset } from '../types.js'

export const AUTOMATION_PRESETS: ProviderPreset[] = [
  {
    name: 'make',
    title: 'Make (custom webhook, API key)',
    auth: { scheme: 'api_key', header: 'x-make-apikey' },
    signs: 'nothing: an API key in x-make-apikey',
    headers: ['x-make-apikey'],
    secret_format: 'one or several API keys (ASCII, at most 512 characters)',
    source: 'https://apps.make.com/gateway (Custom webhook, API Key authentication)',
    proof: 'docs',
    confidence: 'docs',
    checkSecret: (v) =>
      noWhitespace(v) ??
      (/^[\x20-\x7e]{1,512}$/.test(v)
        ? null
        : 'must be 1–512 ASCII characters (Make refuses others)'),
    pitfalls: [
      {
        code: 'header_name_wrong',
        title: 'The key was sent as X-Make-Api-Key, X-API-Key or Authorization',
        fix: 'Send it as x-make-apikey (no dash between api and key).',
      },
    ],
  },
  {
    name: 'n8n-header',
    title: 'n8n Webhook node (Header Auth)',
    auth: { scheme: 'api_key' },
    signs: 'nothing: the value of a header you name',
    headers: [],
    secret_format: 'the Header Auth credential: header name (header:) and value (keys:)',
    source:
      'https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.webhook/#authentication',
    proof: 'docs',
    confidence: 'sdk',
    checkSecret: noWhitespace,
    pitfalls: [
      {
        code: 'header_name_wrong',
        title: 'The header name differs from the credential',
        fix: 'Send the header named in the Header Auth credential.',
      },
    ],
    needs: { header: 'X-Webhook-Token' },
    note: 'n8n answers 403 to a wrong value (not 401).',
  },
  {
    name: 'n8n-basic',
    title: 'n8n Webhook node (Basic Auth)',
    auth: { scheme: 'basic' },
    signs: 'nothing: Basic credentials',
    headers: ['Authorization'],
    secret_format: 'the Basic Auth credential: user and password',
    source:
      'https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.webhook/#authentication',
    proof: 'docs',
    confidence: 'sdk',
    pitfalls: [
      {
        code: 'basic_raw_credentials',
        title: 'user:password was sent without base64',
        fix: 'Send Authorization: Basic base64(user:password).',
      },
    ],
    needs: { users: [{ username: 'n8n', password: 'env:N8N_WEBHOOK_PASSWORD' }] },
  },
  {
    name: 'n8n-jwt',
    title: 'n8n Webhook node (JWT Auth)',
    auth: { scheme: 'jwt', algorithms: ['HS256'] },
    signs:
      'a JWT in Authorization: Bearer, checked with the credential passphrase (HS*) or PEM key',
    headers: ['Authorization'],
    secret_format: 'the JWT Auth credential: a passphrase (secret:) or a public key (jwks:)',
    source: 'https://docs.n8n.io/integrations/builtin/credentials/jwt/',
    proof: 'docs',
    confidence: 'sdk',
    pitfalls: [
      {
        code: 'jwt_alg_not_allowed',
        title: 'The token uses another algorithm than the credential',
        fix: 'Sign with the algorithm set in the JWT Auth credential.',
      },
    ],
    needs: { secret: 'env:N8N_JWT_SECRET' },
  },
]
