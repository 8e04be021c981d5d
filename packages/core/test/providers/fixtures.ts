/**
 * Per-preset test material: the auth fields a user adds (secrets, keys), a request to sign,
 * and how to change it by one byte. Keys for the public-key presets are made per run.
 * @module
 */
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { HttpRequest, ReasonCode } from '@hookwarden/core'
import { exportJWK } from 'jose'

export const NOW = 1_700_000_000

const enc = new TextEncoder()

export function request(
  body: string,
  headers: [string, string][] = [],
  url = 'https://example.com/hooks/test',
  method = 'POST',
): HttpRequest {
  return {
    method,
    url,
    headers: [['Content-Type', 'application/json'], ...headers],
    body: enc.encode(body),
  }
}

/** The request with one byte of its body changed (the last `}` becomes `]`, else the last byte + 1). */
export function flipBodyByte(req: HttpRequest, at = -1): HttpRequest {
  const body = new Uint8Array(req.body)
  const i = at < 0 ? body.length + at : at
  body[i] = body[i] === 0x7d ? 0x5d : (body[i]! + 1) & 0xff
  return { ...req, body }
}

/** The request with one character of header `name` changed. */
export function flipHeaderByte(req: HttpRequest, name: string, at = -2): HttpRequest {
  return {
    ...req,
    headers: req.headers.map(([n, v]) => {
      if (n.toLowerCase() !== name.toLowerCase()) return [n, v] as const
      const i = at < 0 ? v.length + at : at
      const c = v[i]!
      const swapped = c === 'A' ? 'B' : c === 'a' ? 'b' : c === '0' ? '1' : c === 'x' ? 'y' : 'A'
      return [n, v.slice(0, i) + swapped + v.slice(i + 1)] as const
    }),
  }
}

export interface Fixture {
  /** Auth fields besides `provider:` (secrets, keys, users…). */
  auth: Record<string, unknown>
  request: HttpRequest
  /** Changes the signed request by one byte. Default: the last byte of the body. */
  tamper?: (signed: HttpRequest) => HttpRequest
  /** The reason the tampered request is refused with. Default: signature_mismatch. */
  refused?: ReasonCode
}

const json = '{"id":"evt_1","type":"test.event","data":{"amount":1200,"currency":"eur"}}'

const ed = generateKeyPairSync('ed25519')
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = (k: { export(o: object): string | Buffer }, type: 'spki' | 'pkcs8') =>
  k.export({ type, format: 'pem' }).toString()

export const ED25519 = {
  publicPem: pem(ed.publicKey, 'spki'),
  privatePem: pem(ed.privateKey, 'pkcs8'),
  publicRawHex: ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex'),
}
export const P256 = {
  publicB64: ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  privatePem: pem(ec.privateKey, 'pkcs8'),
}
export const PAYPAL = {
  cert: readFileSync(new URL('./fixtures/paypal-test-cert.pem', import.meta.url), 'utf8'),
  key: readFileSync(new URL('./fixtures/paypal-test-key.pem', import.meta.url), 'utf8'),
}
export const GOOGLE_JWK = {
  ...(await exportJWK(rsaPair.privateKey)),
  kid: 'test-google-key',
  alg: 'RS256',
  use: 'sig',
}

const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const ADYEN_KEY = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00'
const hmacSecret = (s = 'test-webhook-secret') => ({ secrets: [s] })
const basicUser = { users: [{ username: 'hooks', password: 'pa55-word' }] }
const basicTamper = (r: HttpRequest): HttpRequest => ({
  ...r,
  headers: r.headers.map(([n, v]) =>
    n.toLowerCase() === 'authorization'
      ? ([n, `Basic ${Buffer.from('hooks:pa55-wore').toString('base64')}`] as const)
      : ([n, v] as const),
  ),
})

const adyenBody = JSON.stringify({
  live: 'false',
  notificationItems: [
    {
      NotificationRequestItem: {
        additionalData: {},
        amount: { currency: 'EUR', value: 1000 },
        eventCode: 'AUTHORISATION',
        eventDate: '2026-11-28T10:00:00+01:00',
        merchantAccountCode: 'TestMerchant',
        merchantReference: 'order-1',
        pspReference: 'PSP1234567890',
        success: 'true',
      },
    },
  ],
})

/** Fixtures that differ from "an HMAC secret and a JSON body". */
const SPECIAL: Record<string, Fixture> = {
  'standard-webhooks': { auth: { secrets: [SW_SECRET] }, request: request(json) },
  svix: { auth: { secrets: [SW_SECRET] }, request: request(json) },
  clerk: { auth: { secrets: [SW_SECRET] }, request: request(json) },
  resend: { auth: { secrets: [SW_SECRET] }, request: request(json) },
  openai: { auth: { secrets: [SW_SECRET] }, request: request(json) },
  replicate: { auth: { secrets: [SW_SECRET] }, request: request(json) },
  'gitlab-signing': { auth: { secrets: [SW_SECRET] }, request: request(json) },
  stripe: { auth: { secrets: ['whsec_test_secret'] }, request: request(json) },
  paddle: { auth: { secrets: ['pdl_ntfset_test_secret'] }, request: request(json) },
  adyen: {
    auth: { secrets: [ADYEN_KEY] },
    request: request(adyenBody),
    tamper: (r) => flipBodyByte(r, new TextDecoder().decode(r.body).indexOf('PSP123') + 3),
  },
  'adyen-hmac': { auth: { secrets: [ADYEN_KEY] }, request: request(json) },
  paypal: {
    auth: { public_keys: [PAYPAL.cert], signing_key: PAYPAL.key, webhook_id: 'WH-TEST-1' },
    request: request(json, [
      ['PAYPAL-TRANSMISSION-ID', '69cd13f0-d67a-11e5-baa3-778b53f4ae55'],
      ['PAYPAL-AUTH-ALGO', 'SHA256withRSA'],
      [
        'PAYPAL-CERT-URL',
        'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test',
      ],
    ]),
  },
  twilio: {
    auth: { secrets: ['12345'] },
    request: {
      ...request(
        'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212',
      ),
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    },
    tamper: (r) => flipBodyByte(r),
  },
  discord: {
    auth: { public_keys: [ED25519.publicRawHex], signing_key: ED25519.privatePem },
    request: request('{"type":2,"data":{"name":"ping"}}'),
  },
  telnyx: {
    auth: { public_keys: [ED25519.publicPem], signing_key: ED25519.privatePem },
    request: request(json),
  },
  sendgrid: {
    auth: { public_keys: [P256.publicB64], signing_key: P256.privatePem },
    request: request('[{"email":"a@example.com","event":"delivered"}]\r\n'),
  },
  mailgun: {
    auth: { secrets: ['key-mailgun-signing-key'] },
    request: request('{"event-data":{"event":"delivered","id":"abc"}}'),
    tamper: (r) => {
      const text = new TextDecoder().decode(r.body)
      return flipBodyByte(r, text.indexOf('"token":"') + 10)
    },
  },
  postmark: {
    auth: basicUser,
    request: request(json),
    tamper: basicTamper,
    refused: 'basic_wrong_credentials',
  },
  pipedrive: {
    auth: basicUser,
    request: request(json),
    tamper: basicTamper,
    refused: 'basic_wrong_credentials',
  },
  'n8n-basic': {
    auth: basicUser,
    request: request(json),
    tamper: basicTamper,
    refused: 'basic_wrong_credentials',
  },
  telegram: {
    auth: { keys: ['tg_secret-Token_123'] },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'X-Telegram-Bot-Api-Secret-Token'),
    refused: 'credential_unknown',
  },
  gitlab: {
    auth: { keys: ['gitlab-secret-token'] },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'X-Gitlab-Token'),
    refused: 'credential_unknown',
  },
  make: {
    auth: { keys: ['make-api-key-123'] },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'x-make-apikey'),
    refused: 'credential_unknown',
  },
  okta: {
    auth: { keys: ['okta-hook-secret'] },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'Authorization'),
    refused: 'credential_unknown',
  },
  auth0: {
    auth: { keys: ['Bearer auth0-log-stream-token'] },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'Authorization'),
    refused: 'credential_unknown',
  },
  'n8n-header': {
    auth: { header: 'X-Webhook-Token', keys: ['n8n-header-value'] },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'X-Webhook-Token'),
    refused: 'credential_unknown',
  },
  'n8n-jwt': {
    auth: { secret: 'n8n-jwt-passphrase-long-enough-32b' },
    request: request(json),
    tamper: (r) => flipHeaderByte(r, 'Authorization', -3),
    refused: 'jwt_signature_invalid',
  },
  'google-pubsub': {
    auth: { audience: 'https://example.com/hooks/pubsub', jwks: { keys: [GOOGLE_JWK] } },
    request: request(json, [], 'https://example.com/hooks/pubsub'),
    tamper: (r) => flipHeaderByte(r, 'Authorization', -3),
    refused: 'jwt_signature_invalid',
  },
  figma: {
    auth: { secrets: ['figma-passcode-1'] },
    request: request('{"event_type":"FILE_UPDATE","passcode":"x","file_key":"k"}'),
    tamper: (r) =>
      flipBodyByte(r, new TextDecoder().decode(r.body).indexOf('figma-passcode-1') + 2),
    refused: 'credential_unknown',
  },
  'microsoft-graph': {
    auth: { secrets: ['graph-client-state'] },
    request: request(
      '{"value":[{"subscriptionId":"s1","clientState":"x","changeType":"created"},{"subscriptionId":"s1","clientState":"x","changeType":"updated"}]}',
    ),
    tamper: (r) =>
      flipBodyByte(r, new TextDecoder().decode(r.body).lastIndexOf('graph-client-state') + 2),
    refused: 'credential_unknown',
  },
  contentful: {
    auth: { secrets: ['a'.repeat(32) + 'B'.repeat(32)] },
    request: request(json, [], 'https://example.com/hooks/contentful?x=1&y=a b'),
  },
  'microsoft-teams': {
    auth: { secrets: ['vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA='] },
    request: request('{"type":"message","text":"<at>hook</at> hello"}'),
  },
  dixa: { auth: { secrets: ['00112233445566778899aabbccddeeff'] }, request: request(json) },
  '360learning': { auth: { secrets: [SW_SECRET] }, request: request(json) },
  signatureapi: { auth: { secrets: [SW_SECRET] }, request: request(json) },
  zendesk: {
    auth: hmacSecret(),
    request: request(json, [['X-Zendesk-Webhook-Signature-Timestamp', '2023-11-14T22:13:20Z']]),
  },
  'aws-sns': {
    auth: {
      public_keys: [PAYPAL.cert],
      signing_key: PAYPAL.key,
      topic_arns: ['arn:aws:sns:us-east-1:123456789012:orders'],
    },
    request: request(
      '{"Type":"Notification","MessageId":"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324","TopicArn":"arn:aws:sns:us-east-1:123456789012:orders","Subject":"order","Message":"{\\"id\\":1}","SigningCertURL":"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem"}',
      [['x-amz-sns-message-type', 'Notification']],
    ),
    tamper: (r) => flipBodyByte(r, new TextDecoder().decode(r.body).indexOf('"order"') + 2),
  },
  cashfree: {
    auth: hmacSecret(),
    request: request(json, [['x-webhook-timestamp', String(NOW * 1000)]]),
  },
  twitch: {
    auth: hmacSecret(),
    request: request(json, [
      ['Twitch-Eventsub-Message-Timestamp', '2023-11-14T22:13:20.123456789Z'],
      ['Twitch-Eventsub-Message-Type', 'notification'],
    ]),
  },
  zoom: { auth: hmacSecret(), request: request(json, [['x-zm-request-timestamp', String(NOW)]]) },
  box: {
    auth: hmacSecret(),
    request: request(json, [
      ['BOX-DELIVERY-TIMESTAMP', '2023-11-14T22:13:20-08:00'],
      ['BOX-DELIVERY-ID', 'd1'],
    ]),
  },
}

export function fixtureFor(name: string): Fixture {
  return SPECIAL[name] ?? { auth: hmacSecret(), request: request(json) }
}
