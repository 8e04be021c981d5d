/**
 * Interop with each provider's own SDK: a request signed by the SDK is accepted by the
 * preset, and a request signed by the preset is accepted by the SDK's verifier (for the SDKs
 * that only verify). One function per preset whose proof is `sdk`.
 * @module
 */
import { createPublicKey } from 'node:crypto'
import { createRequire } from 'node:module'
import { hmacValidator as HmacValidator } from '@adyen/api-library'
import { verifyWebhook as clerkVerifyWebhook } from '@clerk/backend/webhooks'
import {
  signRequest as contentfulSign,
  verifyRequest as contentfulVerify,
} from '@contentful/node-apps-toolkit'
import {
  type Endpoint,
  getHeader,
  type HttpRequest,
  loadConfig,
  sign,
  verify,
} from '@hookwarden/core'
import { Signature as HubSpotSignature } from '@hubspot/api-client'
import { validateSignature as lineValidate } from '@line/bot-sdk'
import { LinearWebhookClient } from '@linear/sdk/webhooks'
import Mux from '@mux/mux-node'
import { signWebhookPayload, verifyWebhookSignature } from '@notionhq/client'
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { Environment, Paddle } from '@paddle/paddle-node-sdk'
import { getHmac as shopifyHmac } from '@shopify/shopify-api/test-helpers'
import { isValidSlackRequest } from '@slack/bolt'
import { WorkOS } from '@workos-inc/node'
import { verifyKey } from 'discord-interactions'
import { OAuth2Client } from 'google-auth-library'
import OpenAI from 'openai'
import { validateWebhook as replicateValidate } from 'replicate'
import { Resend } from 'resend'
import { WebhooksHelper as SquareWebhooks } from 'square'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { Webhook as SvixWebhook } from 'svix'
import twilio from 'twilio'
import { expect } from 'vitest'
import { ED25519, fixtureFor, GOOGLE_JWK, P256, request } from './fixtures.js'

const require = createRequire(import.meta.url)
const { EventWebhook } = require('@sendgrid/eventwebhook') as {
  EventWebhook: new () => {
    convertPublicKeyToECDSA(k: string): unknown
    verifySignature(k: unknown, p: string, s: string, t: string): boolean
  }
}
const Razorpay = require('razorpay') as {
  validateWebhookSignature(body: string, sig: string, secret: string): boolean
}
const coinbase = require('coinbase-commerce-node') as {
  Webhook: {
    computeSignature(payload: string, secret: string): string
    verifySigHeader(payload: string, sig: string, secret: string): void
  }
}

const { WebflowClient } = require('webflow-api') as {
  WebflowClient: new (o: {
    accessToken: string
  }) => {
    webhooks: {
      verifySignature(a: {
        headers: Record<string, string>
        body: string
        secret: string
      }): Promise<boolean>
    }
  }
}
const { WebhooksManager: BoxWebhooks } =
  require('box-typescript-sdk-gen/lib/managers/webhooks.generated') as {
    WebhooksManager: {
      validateMessage(
        body: string,
        headers: Record<string, string>,
        primaryKey: string,
        o?: { secondaryKey?: string; maxAge?: number },
      ): Promise<boolean>
    }
  }

const td = new TextDecoder()
const now = () => Math.floor(Date.now() / 1000)

export function endpoint(
  name: string,
  auth: Record<string, unknown> = fixtureFor(name).auth,
): Endpoint {
  return loadConfig(JSON.stringify({ auth: { provider: name, ...auth } })).endpoints[0]!
}

async function accepts(
  name: string,
  req: HttpRequest,
  at = now(),
  auth?: Record<string, unknown>,
): Promise<void> {
  const v = await verify(req, endpoint(name, auth), { now: at })
  expect(v.checks.filter((c) => !c.ok)).toEqual([])
  expect(v.ok).toBe(true)
}

async function refuses(
  name: string,
  req: HttpRequest,
  at = now(),
  auth?: Record<string, unknown>,
): Promise<void> {
  expect((await verify(req, endpoint(name, auth), { now: at })).ok).toBe(false)
}

const BODY = '{"id":"evt_sdk","type":"test","data":{"name":"Zoë","n":1}}'
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

async function svixLike(
  name: string,
  Lib: typeof StandardWebhook | typeof SvixWebhook,
  prefix: 'webhook' | 'svix',
): Promise<void> {
  const wh = new Lib(SW_SECRET)
  const t = now()
  const sig = wh.sign('msg_sdk_1', new Date(t * 1000), BODY)
  await accepts(
    name,
    request(BODY, [
      [`${prefix}-id`, 'msg_sdk_1'],
      [`${prefix}-timestamp`, String(t)],
      [`${prefix}-signature`, sig],
    ]),
    t,
  )
  // and the SDK accepts what the preset signs
  const ours = await sign(request(BODY), endpoint(name), { now: t, messageId: 'msg_ours' })
  // The preset signs under the names its sender uses: svix-* for Svix, Clerk and Resend.
  const h = (n: string) => getHeader(ours.headers, `${prefix}-${n}`)!
  const headers =
    prefix === 'svix'
      ? { 'svix-id': h('id'), 'svix-timestamp': h('timestamp'), 'svix-signature': h('signature') }
      : {
          'webhook-id': h('id'),
          'webhook-timestamp': h('timestamp'),
          'webhook-signature': h('signature'),
        }
  expect(wh.verify(td.decode(ours.body), headers)).toBeTruthy()
}

export const SDK_PROOFS: Record<string, () => Promise<void>> = {
  'standard-webhooks': () => svixLike('standard-webhooks', StandardWebhook, 'webhook'),
  svix: () => svixLike('svix', SvixWebhook, 'svix'),
  async clerk() {
    await svixLike('clerk', SvixWebhook, 'svix')
    // @clerk/backend's own verifier accepts what the preset signs (under svix-* names)
    const ours = await sign(request(BODY), endpoint('clerk'), {
      now: now(),
      messageId: 'msg_clerk',
    })
    // The signed request's own headers, unrenamed: Clerk's verifier requires svix-* names.
    const r = new Request('https://example.com/hooks/clerk', {
      method: 'POST',
      body: td.decode(ours.body),
      headers: ours.headers.filter(([n]) => /^svix-/i.test(n)),
    })
    expect(getHeader(ours.headers, 'webhook-signature')).toBeUndefined()
    expect((await clerkVerifyWebhook(r, { signingSecret: SW_SECRET })) as unknown).toMatchObject({
      type: 'test',
    })
  },
  async resend() {
    await svixLike('resend', SvixWebhook, 'svix')
    const ours = await sign(request(BODY), endpoint('resend'), {
      now: now(),
      messageId: 'msg_resend',
    })
    const h = (n: string) => getHeader(ours.headers, `svix-${n}`)!
    const event = new Resend('re_test_key').webhooks.verify({
      payload: td.decode(ours.body),
      headers: { id: h('id'), timestamp: h('timestamp'), signature: h('signature') },
      webhookSecret: SW_SECRET,
    })
    expect(event as unknown).toMatchObject({ id: 'evt_sdk' })
  },
  async openai() {
    const ours = await sign(request(BODY), endpoint('openai'), {
      now: now(),
      messageId: 'msg_openai',
    })
    const headers = Object.fromEntries(ours.headers.map(([k, v]) => [k, v]))
    const client = new OpenAI({ apiKey: 'sk-test', webhookSecret: SW_SECRET })
    await expect(
      client.webhooks.verifySignature(td.decode(ours.body), headers),
    ).resolves.toBeUndefined()
    await expect(
      client.webhooks.verifySignature(`${td.decode(ours.body)} `, headers),
    ).rejects.toThrow()
  },
  async replicate() {
    const ours = await sign(request(BODY), endpoint('replicate'), {
      now: now(),
      messageId: 'msg_replicate',
    })
    const h = (n: string) => getHeader(ours.headers, `webhook-${n}`)!
    expect(
      await replicateValidate({
        id: h('id'),
        timestamp: h('timestamp'),
        signature: h('signature'),
        body: td.decode(ours.body),
        secret: SW_SECRET,
      }),
    ).toBe(true)
    expect(
      await replicateValidate({
        id: h('id'),
        timestamp: h('timestamp'),
        signature: h('signature'),
        body: `${td.decode(ours.body)} `,
        secret: SW_SECRET,
      }),
    ).toBe(false)
  },
  async square() {
    const url = 'https://example.com/hooks/square'
    const ours = await sign(
      request(BODY, [], url),
      endpoint('square', { secrets: ['sq-signature-key'] }),
      { now: now() },
    )
    const args = {
      requestBody: BODY,
      signatureHeader: getHeader(ours.headers, 'x-square-hmacsha256-signature')!,
      signatureKey: 'sq-signature-key',
      notificationUrl: url,
    }
    expect(await SquareWebhooks.verifySignature(args)).toBe(true)
    expect(await SquareWebhooks.verifySignature({ ...args, notificationUrl: `${url}/` })).toBe(
      false,
    )
  },
  async workos() {
    const secret = 'workos-webhook-secret'
    const ours = await sign(request(BODY), endpoint('workos', { secrets: [secret] }), {
      now: now(),
    })
    const workos = new WorkOS('sk_test_123')
    const sigHeader = getHeader(ours.headers, 'workos-signature')!
    expect(
      await workos.webhooks.verifyHeader({ payload: JSON.parse(BODY), sigHeader, secret }),
    ).toBe(true)
    // and a header made by the SDK verifies here
    const t = Date.now()
    const sdkSig = await workos.webhooks.computeSignature(t, JSON.parse(BODY), secret)
    await accepts(
      'workos',
      request(BODY, [['WorkOS-Signature', `t=${t}, v1=${sdkSig}`]]),
      t / 1000,
      { secrets: [secret] },
    )
  },
  async line() {
    const secret = 'line-channel-secret'
    const ours = await sign(request(BODY), endpoint('line', { secrets: [secret] }), { now: now() })
    expect(
      lineValidate(Buffer.from(ours.body), secret, getHeader(ours.headers, 'x-line-signature')!),
    ).toBe(true)
    expect(lineValidate(`${BODY} `, secret, getHeader(ours.headers, 'x-line-signature')!)).toBe(
      false,
    )
  },
  async webflow() {
    const secret = 'webflow-client-secret'
    const ours = await sign(request(BODY), endpoint('webflow', { secrets: [secret] }), {
      now: now(),
    })
    const headers = Object.fromEntries(ours.headers.map(([k, v]) => [k.toLowerCase(), v]))
    expect(
      await new WebflowClient({ accessToken: 'x' }).webhooks.verifySignature({
        headers,
        body: BODY,
        secret,
      }),
    ).toBe(true)
  },
  async box() {
    const t = new Date(now() * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00')
    const ours = await sign(
      request(BODY, [
        ['BOX-DELIVERY-TIMESTAMP', t],
        ['BOX-SIGNATURE-VERSION', '1'],
        ['BOX-SIGNATURE-ALGORITHM', 'HmacSHA256'],
      ]),
      endpoint('box', { secrets: ['box-primary-key'] }),
      { now: now() },
    )
    const headers = Object.fromEntries(ours.headers.map(([k, v]) => [k.toLowerCase(), v]))
    expect(await BoxWebhooks.validateMessage(BODY, headers, 'box-primary-key')).toBe(true)
    expect(await BoxWebhooks.validateMessage(`${BODY} `, headers, 'box-primary-key')).toBe(false)
  },
  async linear() {
    const secret = 'lin_wh_test_secret'
    const body = JSON.stringify({
      action: 'create',
      type: 'Issue',
      data: { id: 'i1' },
      webhookTimestamp: Date.now(),
    })
    const ours = await sign(request(body), endpoint('linear', { secrets: [secret] }), {
      now: now(),
    })
    const client = new LinearWebhookClient(secret)
    expect(
      client.verify(Buffer.from(ours.body), getHeader(ours.headers, 'linear-signature')!),
    ).toBe(true)
  },

  async stripe() {
    const secret = 'whsec_test_secret'
    const t = now()
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp: t })
    await accepts('stripe', request(BODY, [['Stripe-Signature', header]]), t)
    const ours = await sign(request(BODY), endpoint('stripe'), { now: t })
    const event = Stripe.webhooks.constructEvent(
      Buffer.from(ours.body),
      getHeader(ours.headers, 'stripe-signature')!,
      secret,
    )
    expect(event.id).toBe('evt_sdk')
  },

  async github() {
    const secret = 'test-webhook-secret'
    const sig = await octokitSign(secret, BODY)
    await accepts('github', request(BODY, [['X-Hub-Signature-256', sig]]))
    const ours = await sign(request(BODY), endpoint('github'), { now: now() })
    expect(
      await octokitVerify(
        secret,
        td.decode(ours.body),
        getHeader(ours.headers, 'x-hub-signature-256')!,
      ),
    ).toBe(true)
  },

  async twilio() {
    const token = '12345'
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2'
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
      Body: 'héllo & bye',
    }
    const body = new URLSearchParams(params).toString()
    const form: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']]
    const sig = twilio.getExpectedTwilioSignature(token, url, params)
    await accepts('twilio', {
      ...request(body),
      url,
      headers: [...form, ['X-Twilio-Signature', sig]],
    })
    // the same request behind a proxy that adds :443 still verifies (Twilio's SDK allows it)
    await accepts('twilio', {
      ...request(body),
      url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2',
      headers: [...form, ['X-Twilio-Signature', sig]],
    })
    // SharedKey signing: HMAC-SHA256 named in the settings header
    const sig256 = twilio.getExpectedTwilioSignature(token, url, params, 'HMAC_SHA256')
    await accepts('twilio', {
      ...request(body),
      url,
      headers: [
        ...form,
        ['X-Twilio-Signature', sig256],
        ['X-Twilio-Webhooks-Signature-Settings', 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256'],
      ],
    })
    // our signature is accepted by the SDK, for a form and for a JSON body (bodySHA256)
    const ours = await sign({ ...request(body), url, headers: form }, endpoint('twilio'), {
      now: now(),
    })
    expect(
      twilio.validateRequest(token, getHeader(ours.headers, 'x-twilio-signature')!, url, params),
    ).toBe(true)
    const oursJson = await sign({ ...request(BODY), url }, endpoint('twilio'), { now: now() })
    expect(oursJson.url).toContain('bodySHA256=')
    expect(
      twilio.validateRequestWithBody(
        token,
        getHeader(oursJson.headers, 'x-twilio-signature')!,
        oursJson.url,
        BODY,
      ),
    ).toBe(true)
    await accepts('twilio', oursJson)
  },

  async shopify() {
    const secret = 'shop-secret'
    await accepts(
      'shopify',
      request(BODY, [['X-Shopify-Hmac-Sha256', shopifyHmac(BODY, secret)]]),
      now(),
      { secrets: [secret] },
    )
    await refuses(
      'shopify',
      request(BODY, [['X-Shopify-Hmac-Sha256', shopifyHmac(`${BODY} `, secret)]]),
      now(),
      { secrets: [secret] },
    )
  },

  async 'hubspot-v1'() {
    const clientSecret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
    const sig = HubSpotSignature.getSignature('POST', 'v1', {
      signature: '',
      clientSecret,
      requestBody: BODY,
    })
    await accepts(
      'hubspot-v1',
      request(BODY, [
        ['X-HubSpot-Signature', sig],
        ['X-HubSpot-Signature-Version', 'v1'],
      ]),
      now(),
      { secrets: [clientSecret] },
    )
  },

  async 'hubspot-v2'() {
    const clientSecret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
    const url = 'https://www.example.com/webhook_uri'
    const sig = HubSpotSignature.getSignature('POST', 'v2', {
      signature: '',
      clientSecret,
      requestBody: BODY,
      url,
      method: 'POST',
    })
    await accepts(
      'hubspot-v2',
      request(
        BODY,
        [
          ['X-HubSpot-Signature', sig],
          ['X-HubSpot-Signature-Version', 'v2'],
        ],
        url,
      ),
      now(),
      { secrets: [clientSecret] },
    )
  },

  async 'hubspot-v3'() {
    const clientSecret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
    const url = 'https://www.example.com/webhook_uri'
    const t = now()
    const sig = HubSpotSignature.getSignature('POST', 'v3', {
      signature: '',
      clientSecret,
      requestBody: BODY,
      url,
      method: 'POST',
      timestamp: t * 1000,
    })
    const req = request(
      BODY,
      [
        ['X-HubSpot-Signature-v3', sig],
        ['X-HubSpot-Request-Timestamp', String(t * 1000)],
      ],
      url,
    )
    await accepts('hubspot-v3', req, t, { secrets: [clientSecret] })
    const ours = await sign(
      request(BODY, [], url),
      endpoint('hubspot-v3', { secrets: [clientSecret] }),
      { now: t },
    )
    expect(
      HubSpotSignature.isValid({
        signatureVersion: 'v3',
        method: 'POST',
        clientSecret,
        requestBody: BODY,
        url,
        signature: getHeader(ours.headers, 'x-hubspot-signature-v3')!,
        timestamp: Number(getHeader(ours.headers, 'x-hubspot-request-timestamp')),
      }),
    ).toBe(true)
  },

  async sendgrid() {
    const ours = await sign(fixtureFor('sendgrid').request, endpoint('sendgrid'), { now: now() })
    const ew = new EventWebhook()
    const key = ew.convertPublicKeyToECDSA(
      `-----BEGIN PUBLIC KEY-----\n${P256.publicB64}\n-----END PUBLIC KEY-----`,
    )
    const sig = getHeader(ours.headers, 'x-twilio-email-event-webhook-signature')!
    const ts = getHeader(ours.headers, 'x-twilio-email-event-webhook-timestamp')!
    expect(ew.verifySignature(key, td.decode(ours.body), sig, ts)).toBe(true)
    expect(ew.verifySignature(key, `${td.decode(ours.body)} `, sig, ts)).toBe(false)
  },

  async discord() {
    const ours = await sign(fixtureFor('discord').request, endpoint('discord'), { now: now() })
    const sig = getHeader(ours.headers, 'x-signature-ed25519')!
    const ts = getHeader(ours.headers, 'x-signature-timestamp')!
    expect(await verifyKey(ours.body, sig, ts, ED25519.publicRawHex)).toBe(true)
    expect(await verifyKey(ours.body, sig, String(Number(ts) + 1), ED25519.publicRawHex)).toBe(
      false,
    )
  },

  async paddle() {
    const secret = 'pdl_ntfset_test_secret'
    const body =
      '{"event_id":"evt_01","event_type":"transaction.completed","occurred_at":"2026-11-28T10:00:00Z","notification_id":"ntf_01","data":{}}'
    const ours = await sign(request(body), endpoint('paddle'), { now: now() })
    const header = getHeader(ours.headers, 'paddle-signature')!
    const paddle = new Paddle('pdl_sdbx_apikey_test', { environment: Environment.sandbox })
    expect(await paddle.webhooks.isSignatureValid(body, secret, header)).toBe(true)
    expect(await paddle.webhooks.isSignatureValid(`${body} `, secret, header)).toBe(false)
  },

  async razorpay() {
    const secret = 'test-webhook-secret'
    const ours = await sign(request(BODY), endpoint('razorpay'), { now: now() })
    expect(
      Razorpay.validateWebhookSignature(
        BODY,
        getHeader(ours.headers, 'x-razorpay-signature')!,
        secret,
      ),
    ).toBe(true)
  },

  async adyen() {
    const key = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00'
    const ours = await sign(fixtureFor('adyen').request, endpoint('adyen'), { now: now() })
    const item = JSON.parse(td.decode(ours.body)).notificationItems[0].NotificationRequestItem
    expect(new HmacValidator().validateHMAC(item, key)).toBe(true)
    // and an item signed by the SDK verifies
    const sdkItem = { ...item, pspReference: 'PSP-OTHER', additionalData: {} }
    sdkItem.additionalData = { hmacSignature: new HmacValidator().calculateHmac(sdkItem, key) }
    const body = JSON.stringify({
      live: 'false',
      notificationItems: [{ NotificationRequestItem: sdkItem }],
    })
    await accepts('adyen', request(body))
  },

  async 'adyen-hmac'() {
    const key = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00'
    const ours = await sign(request(BODY), endpoint('adyen-hmac'), { now: now() })
    expect(
      new HmacValidator().validateHMACSignature(
        key,
        getHeader(ours.headers, 'hmacsignature')!,
        BODY,
      ),
    ).toBe(true)
  },

  async 'coinbase-commerce'() {
    const secret = 'test-webhook-secret'
    await accepts(
      'coinbase-commerce',
      request(BODY, [['X-CC-Webhook-Signature', coinbase.Webhook.computeSignature(BODY, secret)]]),
    )
    const ours = await sign(request(BODY), endpoint('coinbase-commerce'), { now: now() })
    expect(() =>
      coinbase.Webhook.verifySigHeader(
        BODY,
        getHeader(ours.headers, 'x-cc-webhook-signature')!,
        secret,
      ),
    ).not.toThrow()
  },

  async contentful() {
    const secret = `${'a'.repeat(32)}${'B'.repeat(32)}`
    const t = now()
    const body = '{"sys":{"id":"entry1"}}'
    const path = '/hooks/contentful?space=abc&q=a b'
    const headers = contentfulSign(
      secret,
      {
        method: 'POST',
        path,
        headers: {
          'Content-Type': 'application/json',
          'X-Contentful-Topic': 'ContentManagement.Entry.publish',
        },
        body,
      },
      t * 1000,
    )
    const sdkSigned: HttpRequest = {
      method: 'POST',
      url: path,
      headers: [
        ['Host', 'example.com'],
        ['Content-Type', 'application/json'],
        ['X-Contentful-Topic', 'ContentManagement.Entry.publish'],
        ...Object.entries(headers),
      ],
      body: new TextEncoder().encode(body),
    }
    await accepts('contentful', sdkSigned, t)
    const ours = await sign(
      { ...sdkSigned, headers: sdkSigned.headers.slice(0, 3) },
      endpoint('contentful', { secrets: [secret] }),
      { now: t },
    )
    const asObject = Object.fromEntries(ours.headers.map(([k, v]) => [k, v]))
    expect(contentfulVerify(secret, { method: 'POST', path, headers: asObject, body }, 0)).toBe(
      true,
    )
  },

  async slack() {
    const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5'
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fwebhook-collect&text=hello+world'
    const t = now()
    const form: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']]
    const ours = await sign(
      { ...request(body), headers: form },
      endpoint('slack', { secrets: [signingSecret] }),
      { now: t },
    )
    const headers = {
      'x-slack-signature': getHeader(ours.headers, 'x-slack-signature')!,
      'x-slack-request-timestamp': Number(getHeader(ours.headers, 'x-slack-request-timestamp')),
    }
    expect(isValidSlackRequest({ signingSecret, body, headers, nowMilliseconds: t * 1000 })).toBe(
      true,
    )
    expect(
      isValidSlackRequest({ signingSecret, body: `${body}x`, headers, nowMilliseconds: t * 1000 }),
    ).toBe(false)
  },

  async mux() {
    const secret = 'SuperSecret123'
    const ours = await sign(request(BODY), endpoint('mux', { secrets: [secret] }), { now: now() })
    const mux = new Mux({ tokenId: 'x', tokenSecret: 'y', webhookSecret: secret })
    const headers = Object.fromEntries(ours.headers.map(([k, v]) => [k.toLowerCase(), v]))
    await expect(mux.webhooks.verifySignature(BODY, headers)).resolves.toBeUndefined()
    await expect(mux.webhooks.verifySignature(`${BODY} `, headers)).rejects.toThrow()
  },

  async 'google-pubsub'() {
    // Google-signed tokens cannot be made here: the preset signs with a local key, and Google's
    // own verifier (google-auth-library) accepts the token with that key's certificate.
    const audience = 'https://example.com/hooks/pubsub'
    const ours = await sign(request(BODY, [], audience), endpoint('google-pubsub'), { now: now() })
    const token = getHeader(ours.headers, 'authorization')!.replace(/^Bearer /, '')
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = GOOGLE_JWK
    const pem = createPublicKey({ key: publicJwk, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString()
    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(
      token,
      { [GOOGLE_JWK.kid]: pem },
      audience,
      ['https://accounts.google.com', 'accounts.google.com'],
    )
    expect(ticket.getPayload()?.aud).toBe(audience)
    await expect(
      new OAuth2Client().verifySignedJwtWithCertsAsync(
        token,
        { [GOOGLE_JWK.kid]: pem },
        'https://other.example/',
      ),
    ).rejects.toThrow()
  },

  async notion() {
    const token = 'secret_test'
    const sig = await signWebhookPayload({ body: BODY, verificationToken: token })
    await accepts('notion', request(BODY, [['X-Notion-Signature', sig]]), now(), {
      secrets: [token],
    })
    const ours = await sign(request(BODY), endpoint('notion', { secrets: [token] }), { now: now() })
    expect(
      await verifyWebhookSignature({
        body: BODY,
        signature: getHeader(ours.headers, 'x-notion-signature')!,
        verificationToken: token,
      }),
    ).toBe(true)
  },
}
