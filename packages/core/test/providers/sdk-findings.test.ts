/**
 * What the providers' own SDKs accept and refuse, held against the presets: a timestamp ahead
 * of the receiver's clock (the SDKs that check the age only accept it; Standard Webhooks
 * refuses it), two Stripe-Signature headers joined by a proxy or sent separately (Node joins
 * them), two t= joined by bare commas (stripe-node reads the last), a space after a comma
 * (stripe-node refuses it, WorkOS sends it), Shopify's Events header, and
 * the public-key body search with a request the SendGrid SDK verifies. The SDKs are the
 * oracles; hookwarden must agree with them.
 * @module
 */
import { createHmac, sign as cryptoSign, generateKeyPairSync } from 'node:crypto'
import { createRequire } from 'node:module'
import { diagnose, getHeader, loadConfig, sign, verify } from '@hookwarden/core'
import { Signature as HubSpotSignature } from '@hubspot/api-client'
import Mux from '@mux/mux-node'
import { Environment, Paddle } from '@paddle/paddle-node-sdk'
import { ShopifyEventsHeader } from '@shopify/shopify-api'
import { getHmac as shopifyHmac } from '@shopify/shopify-api/test-helpers'
import { isValidSlackRequest } from '@slack/bolt'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { request } from './fixtures.js'
import { endpoint } from './sdk-proofs.js'

const require = createRequire(import.meta.url)
const { EventWebhook } = require('@sendgrid/eventwebhook') as {
  EventWebhook: new () => {
    convertPublicKeyToECDSA(k: string): unknown
    verifySignature(k: unknown, p: string, s: string, t: string): boolean
  }
}

const BODY = '{"id":"evt_sdk","type":"test","data":{"name":"Zoë","n":1}}'
const now = () => Math.floor(Date.now() / 1000)
const AHEAD = 400

describe('a timestamp ahead of the receiver clock', () => {
  it('stripe: stripe-node accepts it, so does the preset', async () => {
    const secret = 'whsec_test_secret'
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret,
      timestamp: now() + AHEAD,
    })
    expect(Stripe.webhooks.constructEvent(BODY, header, secret).id).toBe('evt_sdk')
    const v = await verify(request(BODY, [['Stripe-Signature', header]]), endpoint('stripe'), {
      now: now(),
    })
    expect(v.ok).toBe(true)
    // ...but never as far ahead as a timestamp in milliseconds
    const ms = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret,
      timestamp: now() * 1000,
    })
    const refused = await verify(request(BODY, [['Stripe-Signature', ms]]), endpoint('stripe'), {
      now: now(),
    })
    expect(refused.reason).toBe('timestamp_milliseconds')
  })

  it('paddle, slack, mux, hubspot v3: their SDKs accept it, so do the presets', async () => {
    const t = now()
    // Paddle
    const paddleBody = '{"event_id":"evt_01","event_type":"transaction.completed","data":{}}'
    const p = await sign(request(paddleBody), endpoint('paddle'), { now: t + AHEAD })
    const paddle = new Paddle('pdl_sdbx_apikey_test', { environment: Environment.sandbox })
    expect(
      await paddle.webhooks.isSignatureValid(
        paddleBody,
        'pdl_ntfset_test_secret',
        getHeader(p.headers, 'paddle-signature')!,
      ),
    ).toBe(true)
    expect((await verify(p, endpoint('paddle'), { now: t })).ok).toBe(true)
    // Slack (Bolt)
    const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5'
    const form: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']]
    const slackBody = 'token=x&team_id=T1&command=%2Fw&text=hi'
    const slack = endpoint('slack', { secrets: [signingSecret] })
    const s = await sign({ ...request(slackBody), headers: form }, slack, { now: t + AHEAD })
    const headers = {
      'x-slack-signature': getHeader(s.headers, 'x-slack-signature')!,
      'x-slack-request-timestamp': Number(getHeader(s.headers, 'x-slack-request-timestamp')),
    }
    expect(
      isValidSlackRequest({ signingSecret, body: slackBody, headers, nowMilliseconds: t * 1000 }),
    ).toBe(true)
    expect((await verify(s, slack, { now: t })).ok).toBe(true)
    // Mux
    const mux = endpoint('mux', { secrets: ['SuperSecret123'] })
    const m = await sign(request(BODY), mux, { now: t + AHEAD })
    const client = new Mux({ tokenId: 'x', tokenSecret: 'y', webhookSecret: 'SuperSecret123' })
    const muxHeaders = Object.fromEntries(m.headers.map(([k, v]) => [k.toLowerCase(), v]))
    await expect(client.webhooks.verifySignature(BODY, muxHeaders)).resolves.toBeUndefined()
    expect((await verify(m, mux, { now: t })).ok).toBe(true)
    // HubSpot v3
    const clientSecret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
    const url = 'https://www.example.com/webhook_uri'
    const hub = endpoint('hubspot-v3', { secrets: [clientSecret] })
    const h = await sign(request(BODY, [], url), hub, { now: t + AHEAD })
    expect(
      HubSpotSignature.isValid({
        signatureVersion: 'v3',
        signature: getHeader(h.headers, 'x-hubspot-signature-v3')!,
        clientSecret,
        requestBody: BODY,
        url,
        method: 'POST',
        timestamp: Number(getHeader(h.headers, 'x-hubspot-request-timestamp')),
      }),
    ).toBe(true)
    expect((await verify(h, hub, { now: t })).ok).toBe(true)
  })

  it('standard webhooks: the reference library refuses it, so does the preset, in words that agree', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const wh = new StandardWebhook(secret)
    const t = now() + AHEAD
    const sig = wh.sign('msg_1', new Date(t * 1000), BODY)
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(t),
      'webhook-signature': sig,
    }
    expect(() => wh.verify(BODY, headers)).toThrow(/too new/)
    const req = request(BODY, Object.entries(headers))
    const e = endpoint('standard-webhooks', { secrets: [secret] })
    expect((await verify(req, e, { now: now() })).reason).toBe('timestamp_out_of_window')
    const d = await diagnose(req, { endpoint: e, now: now() })
    const cause = d.causes[0]!
    expect(cause.code).toBe('timestamp_out_of_window')
    expect(cause.summary).toMatch(/in the future/)
    // The future is not a late retry: no advice about the receiver answering slowly.
    expect(cause.fix).not.toMatch(/retries are re-signed|answer quickly/)
  })
})

describe('two Stripe-Signature headers joined by a proxy', () => {
  const secret = 'whsec_test_secret'
  it('stripe-node accepts one valid signature among them (first t=, every v1=), so does the preset', async () => {
    const t = now() - 10
    const valid = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp: t })
    const other = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: 'whsec_other',
      timestamp: t,
    })
    for (const joined of [`${other}, ${valid}`, `${valid}, ${valid}`]) {
      expect(Stripe.webhooks.constructEvent(BODY, joined, secret).id).toBe('evt_sdk')
      const v = await verify(request(BODY, [['Stripe-Signature', joined]]), endpoint('stripe'), {
        now: now(),
      })
      expect(v.ok).toBe(true)
    }
  })

  it('other timestamps: both refuse, and the diagnosis says two headers were joined', async () => {
    const valid = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret,
      timestamp: now() - 10,
    })
    const other = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: 'whsec_other',
      timestamp: now() - 50,
    })
    const joined = `${other}, ${valid}`
    expect(() => Stripe.webhooks.constructEvent(BODY, joined, secret)).toThrow()
    const req = request(BODY, [['Stripe-Signature', joined]])
    expect((await verify(req, endpoint('stripe'), { now: now() })).ok).toBe(false)
    const d = await diagnose(req, { endpoint: endpoint('stripe'), now: now() })
    expect(d.causes[0]!.code).toBe('signature_header_malformed')
    expect(d.causes[0]!.summary).toMatch(/joined/)
  })
})

describe('two t= in one Stripe-Signature joined by bare commas: stripe-node reads the last', () => {
  const secret = 'whsec_test_secret'
  const signed = (timestamp: number, key = secret) =>
    Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: key, timestamp })
  /** stripe-node's verdict on `header`: the oracle. */
  const oracle = (header: string) => {
    try {
      Stripe.webhooks.constructEvent(BODY, header, secret)
      return true
    } catch {
      return false
    }
  }

  it('both orders: the preset gives stripe-node’s verdict, and a refusal names the two timestamps', async () => {
    const valid = signed(now() - 10)
    const other = signed(now() - 50, 'whsec_other')
    for (const [header, accepted] of [
      [`${other},${valid}`, true],
      [`${valid},${other}`, false],
    ] as const) {
      expect(oracle(header), header).toBe(accepted)
      const req = request(BODY, [['Stripe-Signature', header]])
      const v = await verify(req, endpoint('stripe'), { now: now() })
      expect(v.ok, header).toBe(accepted)
      if (accepted) continue
      // The valid signature belongs to the first t=, which stripe-node does not read.
      const d = await diagnose(req, { endpoint: endpoint('stripe'), now: now() })
      const cause = d.causes[0]!
      expect(cause.code).toBe('signature_header_malformed')
      expect(cause.summary).toMatch(/different timestamps/)
      expect(cause.summary).toContain(`t=${now() - 50} is read here (the last, as stripe-node`)
      expect(cause.summary).toContain(`the signature that verifies belongs to t=${now() - 10}`)
    }
  })

  it('a generic pairs scheme still reads the first t= (nothing says which one its receiver reads)', async () => {
    const valid = signed(now() - 10)
    const other = signed(now() - 50, 'whsec_other')
    const generic = loadConfig(
      JSON.stringify({
        auth: {
          scheme: 'hmac',
          header: 'Stripe-Signature',
          payload: '{timestamp}.{body}',
          format: { kind: 'pairs', signature_key: 'v1', timestamp_key: 't' },
          timestamp: { tolerance: 300 },
          secrets: [secret],
        },
      }),
    ).endpoints[0]!
    const req = request(BODY, [['Stripe-Signature', `${valid},${other}`]])
    expect((await verify(req, generic, { now: now() })).ok).toBe(true)
  })
})

describe('Stripe-Signature with a space after a comma', () => {
  const secret = 'whsec_test_secret'
  it('stripe-node refuses `t=…, v1=…`, so does the preset, and the diagnosis names the space', async () => {
    const header = Stripe.webhooks
      .generateTestHeaderString({ payload: BODY, secret, timestamp: now() - 10 })
      .replace(',v1=', ', v1=')
    expect(() => Stripe.webhooks.constructEvent(BODY, header, secret)).toThrow(
      /No signatures found with expected scheme/,
    )
    const req = request(BODY, [['Stripe-Signature', header]])
    const v = await verify(req, endpoint('stripe'), { now: now() })
    expect(v.ok).toBe(false)
    expect(v.reason).toBe('signature_header_malformed')
    expect(v.checks.at(-1)!.detail).toMatch(
      /^Stripe-Signature has a space in its v1= key \(", v1="\)/,
    )
    const d = await diagnose(req, { endpoint: endpoint('stripe'), now: now() })
    expect(d.causes[0]!.code).toBe('signature_header_malformed')
    expect(d.causes[0]!.summary).toMatch(/a space in its v1= key/)
    expect(d.causes[0]!.summary).toMatch(/write "t=…,v1=…" with no space after the ","/)
  })

  it('a t= after a space is no timestamp for stripe-node either', async () => {
    const t = now() - 10
    const sig = Stripe.webhooks
      .generateTestHeaderString({ payload: BODY, secret, timestamp: t })
      .split(',v1=')[1]!
    const header = `v1=${sig}, t=${t}`
    expect(() => Stripe.webhooks.constructEvent(BODY, header, secret)).toThrow(
      /Unable to extract timestamp/,
    )
    const v = await verify(request(BODY, [['Stripe-Signature', header]]), endpoint('stripe'), {
      now: now(),
    })
    expect(v.reason).toBe('signature_header_malformed')
    expect(v.checks.at(-1)!.detail).toMatch(/a space in its t= key \(", t="\)/)
  })

  it('WorkOS sends `t=…, v1=…`: its preset keeps accepting the space', async () => {
    const secret = 'workos_webhook_secret'
    const t = Date.now() - 5000
    const sig = createHmac('sha256', secret).update(`${t}.${BODY}`).digest('hex')
    const v = await verify(
      request(BODY, [['WorkOS-Signature', `t=${t}, v1=${sig}`]]),
      endpoint('workos', { secrets: [secret] }),
      { now: now() },
    )
    expect(v.ok).toBe(true)
  })
})

describe('two separate Stripe-Signature headers (Node joins them with ", ")', () => {
  const secret = 'whsec_test_secret'
  const two = (a: string, b: string) =>
    request(BODY, [
      ['Stripe-Signature', a],
      ['Stripe-Signature', b],
    ])
  it('stripe-node accepts the joined value, so the preset accepts the two headers', async () => {
    const t = now() - 10
    const valid = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp: t })
    const other = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: 'whsec_other',
      timestamp: t,
    })
    for (const [a, b] of [
      [other, valid],
      [valid, other],
      [valid, valid],
    ] as const) {
      // What Node hands to stripe-node for the two headers.
      expect(Stripe.webhooks.constructEvent(BODY, `${a}, ${b}`, secret).id).toBe('evt_sdk')
      const v = await verify(two(a, b), endpoint('stripe'), { now: now() })
      expect(v.ok).toBe(true)
    }
  })

  it('other timestamps: both refuse, and the diagnosis says the header was sent twice', async () => {
    const valid = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret,
      timestamp: now() - 10,
    })
    const other = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: 'whsec_other',
      timestamp: now() - 50,
    })
    expect(() => Stripe.webhooks.constructEvent(BODY, `${other}, ${valid}`, secret)).toThrow()
    const req = two(other, valid)
    const v = await verify(req, endpoint('stripe'), { now: now() })
    expect(v.ok).toBe(false)
    expect(v.checks.map((c) => c.detail).join(' ')).not.toMatch(/sent 2 times/)
    const d = await diagnose(req, { endpoint: endpoint('stripe'), now: now() })
    expect(d.causes[0]!.code).toBe('signature_header_malformed')
    expect(d.causes[0]!.summary).toMatch(/sent 2 times.*joined/)
  })
})

describe('shopify Events deliveries', () => {
  it('the signature under the SDK’s unprefixed Events header verifies; none at all names both', async () => {
    const secret = 'shop-secret'
    expect(ShopifyEventsHeader.Hmac).toBe('shopify-hmac-sha256')
    const e = endpoint('shopify', { secrets: [secret] })
    const req = request(BODY, [[ShopifyEventsHeader.Hmac, shopifyHmac(BODY, secret)]])
    expect((await verify(req, e, { now: now() })).ok).toBe(true)
    const bad = request(BODY, [[ShopifyEventsHeader.Hmac, shopifyHmac(`${BODY} `, secret)]])
    expect((await verify(bad, e, { now: now() })).reason).toBe('signature_mismatch')
    const none = await verify(request(BODY), e, { now: now() })
    expect(none.checks[0]!.detail).toBe('no X-Shopify-Hmac-Sha256 or shopify-hmac-sha256 header')
    // A body changed after signing is still found under the Events header.
    const d = await diagnose(
      request(`${BODY}\n`, [[ShopifyEventsHeader.Hmac, shopifyHmac(BODY, secret)]]),
      {
        endpoint: e,
        now: now(),
      },
    )
    expect(d.causes[0]!.code).toBe('signature_body_modified')
  })
})

describe('public-key signatures: the body search (SendGrid, verified by @sendgrid/eventwebhook)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pub = publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
  const signed =
    '[{"email":"a@example.com","event":"delivered","sg_event_id":"ZGVsaXZlcmVk","timestamp":1767225583}]\r\n'
  const ts = String(now() - 5)
  const sig = cryptoSign('sha256', Buffer.from(ts + signed), privateKey).toString('base64')
  const e = endpoint('sendgrid', { public_keys: [pub] })
  const sent = (body: string) =>
    request(body, [
      ['X-Twilio-Email-Event-Webhook-Signature', sig],
      ['X-Twilio-Email-Event-Webhook-Timestamp', ts],
    ])

  it('the SDK verifies the signed body and refuses the changed ones', () => {
    const ew = new EventWebhook()
    const key = ew.convertPublicKeyToECDSA(pub)
    expect(ew.verifySignature(key, signed, sig, ts)).toBe(true)
    expect(ew.verifySignature(key, signed.trimEnd(), sig, ts)).toBe(false)
  })

  for (const [what, body] of [
    ['CRLF stripped', signed.trimEnd()],
    ['CRLF turned into LF', signed.replace('\r\n', '\n')],
    ['JSON.stringify(req.body)', JSON.stringify(JSON.parse(signed))],
  ] as const) {
    it(`${what}: signature_body_modified, with a fix for the receiver`, async () => {
      const d = await diagnose(sent(body), { endpoint: e, now: now() })
      expect(d.causes[0]!.code).toBe('signature_body_modified')
      expect(d.causes[0]!.fix).toMatch(/raw request bytes as received/)
      expect(d.causes[0]!.fix).not.toMatch(/configured secret/)
    })
  }

  it('another key: a mismatch in public-key terms, and no pitfall that cannot hold', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64')
    const d = await diagnose(sent(signed), {
      endpoint: endpoint('sendgrid', { public_keys: [other] }),
      now: now(),
    })
    const cause = d.causes[0]!
    expect(cause.code).toBe('signature_mismatch')
    expect(cause.fix).toMatch(/public key/)
    expect(cause.fix).not.toMatch(/configured secret|API key/)
    expect(cause.evidence.join(' ')).not.toMatch(/known pitfall/)
  })
})

describe('secret mistakes with whsec_ secrets', () => {
  it('stripe: the secret used without its whsec_ prefix', async () => {
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: 'test_secret',
      timestamp: now() - 5,
    })
    const d = await diagnose(request(BODY, [['Stripe-Signature', header]]), {
      endpoint: endpoint('stripe'),
      now: now(),
    })
    expect(d.causes[0]!.code).toBe('signature_secret_encoding')
    expect(d.causes[0]!.summary).toMatch(/without its whsec_ prefix/)
  })

  it('standard webhooks: the whole whsec_ secret base64-decoded, prefix included', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const t = now() - 5
    const mac = createHmac('sha256', Buffer.from(secret, 'base64'))
      .update(`msg_1.${t}.${BODY}`)
      .digest('base64')
    const req = request(BODY, [
      ['webhook-id', 'msg_1'],
      ['webhook-timestamp', String(t)],
      ['webhook-signature', `v1,${mac}`],
    ])
    // The reference library refuses it: the key is not the decoded secret.
    expect(() =>
      new StandardWebhook(secret).verify(BODY, {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(t),
        'webhook-signature': `v1,${mac}`,
      }),
    ).toThrow()
    const d = await diagnose(req, {
      endpoint: endpoint('standard-webhooks', { secrets: [secret] }),
      now: now(),
    })
    expect(d.causes[0]!.code).toBe('signature_secret_encoding')
    expect(d.causes[0]!.summary).toMatch(/prefix included/)
  })
})
