/**
 * The provider schemes' own refusals, one case per reason they give: public keys (Ed25519,
 * ECDSA, RSA), Twilio, secret hashes, Mailgun, Adyen, body secrets, Contentful.
 * @module
 */
import { sign as cryptoSign, generateKeyPairSync } from 'node:crypto'
import {
  getHeader,
  type HttpRequest,
  loadConfig,
  MemoryNonceStore,
  sign,
  verify,
  withHeader,
} from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { ED25519, NOW, request } from './fixtures.js'

const load = (auth: Record<string, unknown>) => loadConfig(JSON.stringify({ auth })).endpoints[0]!
const reason = async (req: HttpRequest, auth: Record<string, unknown>, now = NOW) =>
  (await verify(req, load(auth), { now })).reason

describe('public-key schemes', () => {
  const other = generateKeyPairSync('ed25519')
  const otherPem = other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const auth = {
    provider: 'telnyx',
    public_keys: [ED25519.publicPem],
    signing_key: ED25519.privatePem,
  }

  it('names a missing, malformed, duplicated or stale signature', async () => {
    const signed = await sign(request('{}'), load(auth), { now: NOW })
    expect(await reason(request('{}'), auth)).toBe('signature_missing')
    expect(
      await reason(
        { ...signed, headers: withHeader(signed.headers, 'telnyx-signature-ed25519', '%%%') },
        auth,
      ),
    ).toBe('signature_header_malformed')
    expect(
      await reason(
        { ...signed, headers: [...signed.headers, ['telnyx-signature-ed25519', 'AAAA']] },
        auth,
      ),
    ).toBe('signature_header_malformed')
    expect(await reason(signed, auth, NOW + 301)).toBe('timestamp_out_of_window')
    expect(
      await reason(
        { ...signed, headers: withHeader(signed.headers, 'telnyx-timestamp', String(NOW * 1000)) },
        auth,
      ),
    ).toBe('timestamp_milliseconds')
  })

  it('tells a retired key and an expired key from an unknown one', async () => {
    const byOther = await sign(request('{}'), load({ ...auth, signing_key: otherPem }), {
      now: NOW,
    })
    const otherPublic = other.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(await reason(byOther, auth)).toBe('signature_mismatch')
    expect(await reason(byOther, { ...auth, retired: [otherPublic] })).toBe(
      'signature_previous_secret',
    )
    expect(
      await reason(byOther, { ...auth, public_keys: [{ value: otherPublic, not_after: NOW - 1 }] }),
    ).toBe('credential_revoked')
  })

  it('RSA over an RFC 3339 time (PayPal): a malformed time is named', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const paypal = {
      provider: 'paypal',
      public_keys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()],
      signing_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      webhook_id: 'WH-1',
    }
    const signed = await sign(
      request('{"id":"WH-EVT"}', [['PAYPAL-TRANSMISSION-ID', 'tx-1']]),
      load(paypal),
      { now: NOW },
    )
    expect(getHeader(signed.headers, 'paypal-transmission-time')).toBe('2023-11-14T22:13:20Z')
    expect((await verify(signed, load(paypal), { now: NOW + 86400 * 30 })).ok).toBe(true)
    expect(
      await reason(
        { ...signed, headers: withHeader(signed.headers, 'PAYPAL-TRANSMISSION-TIME', 'yesterday') },
        paypal,
      ),
    ).toBe('timestamp_malformed')
    // another webhook id is another message
    expect(await reason(signed, { ...paypal, webhook_id: 'WH-2' })).toBe('signature_mismatch')
  })

  it('a second delivery of the same message is a replay', async () => {
    const endpoint = load(auth)
    const nonceStore = new MemoryNonceStore()
    const signed = await sign(request('{"a":1}'), endpoint, { now: NOW })
    expect((await verify(signed, endpoint, { now: NOW, nonceStore })).ok).toBe(true)
    expect((await verify(signed, endpoint, { now: NOW, nonceStore })).reason).toBe(
      'replay_detected',
    )
  })

  it('the config refuses a key of the wrong type and a payload placeholder it does not know', () => {
    expect(() =>
      load({
        provider: 'discord',
        public_keys: [
          generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .publicKey.export({ type: 'spki', format: 'pem' })
            .toString(),
        ],
      }),
    ).toThrow(/not ed25519/)
    expect(() =>
      load({
        scheme: 'ed25519',
        header: 'X-Sig',
        payload: '{nonce}{body}',
        public_keys: [ED25519.publicPem],
      }),
    ).toThrow(/unknown placeholder \{nonce\}/)
    expect(() =>
      load({
        scheme: 'rsa',
        header: 'X-Sig',
        payload: '{webhook_id}',
        public_keys: [ED25519.publicPem],
      }),
    ).toThrow(/webhook_id/)
  })
})

describe('twilio scheme', () => {
  const auth = { provider: 'twilio', secrets: ['12345'] }
  const form = (body: string, url = 'https://example.com/hooks/twilio'): HttpRequest => ({
    ...request(body),
    url,
    headers: [['Content-Type', 'application/x-www-form-urlencoded']],
  })

  it('a URL rewritten by a proxy is accepted once url: names the public one', async () => {
    const signed = await sign(
      form('A=1&B=2', 'https://public.example.com/twilio?x=1'),
      load(auth),
      { now: NOW },
    )
    const behindProxy = { ...signed, url: 'http://10.0.0.5:8080/internal/twilio?x=1' }
    expect(await reason(behindProxy, auth)).toBe('signature_mismatch')
    expect(
      (
        await verify(behindProxy, load({ ...auth, url: 'https://public.example.com/twilio' }), {
          now: NOW,
        })
      ).ok,
    ).toBe(true)
  })

  it('names an unknown algorithm, a retired token and a body that does not match bodySHA256', async () => {
    const signed = await sign(form('A=1'), load(auth), { now: NOW })
    expect(
      await reason(
        {
          ...signed,
          headers: [
            ...signed.headers,
            ['X-Twilio-Webhooks-Signature-Settings', 'algorithm=HMAC_MD5'],
          ],
        },
        auth,
      ),
    ).toBe('signature_wrong_algorithm')
    expect(
      await reason(signed, { provider: 'twilio', secrets: ['67890'], retired: ['12345'] }),
    ).toBe('signature_previous_secret')
    const json = await sign(request('{"a":1}', [], 'https://example.com/t'), load(auth), {
      now: NOW,
    })
    expect(await reason({ ...json, body: new TextEncoder().encode('{"a":2}') }, auth)).toBe(
      'signature_body_modified',
    )
  })
})

describe('secret_hash, mailgun, adyen, body_secret, contentful', () => {
  it('HubSpot: a v2 signature sent to a v1 endpoint is named', async () => {
    const v2 = await sign(request('{}'), load({ provider: 'hubspot-v2', secrets: ['s'] }), {
      now: NOW,
    })
    expect(await reason(v2, { provider: 'hubspot-v1', secrets: ['s'] })).toBe(
      'signature_wrong_payload',
    )
  })

  it('Mailgun: an old timestamp, a reused token, a form post', async () => {
    const auth = { provider: 'mailgun', secrets: ['key'] }
    const endpoint = load(auth)
    const signed = await sign(request('{"event-data":{}}'), endpoint, { now: NOW })
    expect(await reason(signed, auth, NOW + 301)).toBe('timestamp_out_of_window')
    const nonceStore = new MemoryNonceStore()
    expect((await verify(signed, endpoint, { now: NOW, nonceStore })).ok).toBe(true)
    expect((await verify(signed, endpoint, { now: NOW, nonceStore })).reason).toBe(
      'replay_detected',
    )
    const formSigned = await sign(
      {
        ...request('event=delivered'),
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      },
      endpoint,
      { now: NOW },
    )
    expect((await verify(formSigned, endpoint, { now: NOW })).ok).toBe(true)
    expect(await reason(request('{"event-data":{}}'), auth)).toBe('signature_missing')
  })

  it('Adyen: every item must verify', async () => {
    const key = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
    const item = (psp: string) => ({
      NotificationRequestItem: {
        pspReference: psp,
        merchantAccountCode: 'M',
        merchantReference: 'r',
        amount: { value: 1, currency: 'EUR' },
        eventCode: 'AUTHORISATION',
        success: 'true',
      },
    })
    const signed = await sign(
      request(JSON.stringify({ notificationItems: [item('A'), item('B')] })),
      load({ provider: 'adyen', secrets: [key] }),
      { now: NOW },
    )
    expect(
      (await verify(signed, load({ provider: 'adyen', secrets: [key] }), { now: NOW })).ok,
    ).toBe(true)
    const second = new TextDecoder()
      .decode(signed.body)
      .replace('"pspReference":"B"', '"pspReference":"C"')
    expect(
      await reason(
        { ...signed, body: new TextEncoder().encode(second) },
        { provider: 'adyen', secrets: [key] },
      ),
    ).toBe('signature_mismatch')
  })

  it('body_secret: a missing field is missing credentials, a retired value is revoked', async () => {
    expect(
      await reason(request('{"event_type":"PING"}'), { provider: 'figma', secrets: ['p'] }),
    ).toBe('credentials_missing')
    expect(
      await reason(request('{"passcode":"old"}'), {
        provider: 'figma',
        secrets: ['p'],
        retired: ['old'],
      }),
    ).toBe('credential_revoked')
  })

  it('Contentful: only a request older than the TTL is refused', async () => {
    const auth = { provider: 'contentful', secrets: ['x'.repeat(64)] }
    const signed = await sign(request('{}', [], 'https://example.com/c?a=b'), load(auth), {
      now: NOW,
    })
    expect(await reason(signed, auth, NOW + 31)).toBe('timestamp_out_of_window')
    expect((await verify(signed, load(auth), { now: NOW - 60 })).ok).toBe(true)
    expect(
      await reason(
        {
          ...signed,
          headers: withHeader(
            signed.headers,
            'x-contentful-signed-headers',
            'x-contentful-signed-headers',
          ),
        },
        auth,
      ),
    ).toBe('signature_header_malformed')
  })

  it('Amazon SNS: the documented string to sign, another topic refused, SignatureVersion 1', async () => {
    const { PAYPAL } = await import('./fixtures.js')
    const auth = {
      provider: 'aws-sns',
      public_keys: [PAYPAL.cert],
      signing_key: PAYPAL.key,
      topic_arns: ['arn:aws:sns:us-east-1:1:mine'],
    }
    const message = {
      Type: 'Notification',
      MessageId: 'm1',
      TopicArn: 'arn:aws:sns:us-east-1:1:mine',
      Message: 'line1\nline2',
      Timestamp: '2023-11-14T22:13:20.000Z',
      SignatureVersion: '1',
    }
    const text = `Message\nline1\nline2\nMessageId\nm1\nTimestamp\n2023-11-14T22:13:20.000Z\nTopicArn\narn:aws:sns:us-east-1:1:mine\nType\nNotification\n`
    const Signature = cryptoSign('sha1', Buffer.from(text), PAYPAL.key).toString('base64')
    expect(
      (await verify(request(JSON.stringify({ ...message, Signature })), load(auth), { now: NOW }))
        .ok,
    ).toBe(true)
    const other = { ...message, TopicArn: 'arn:aws:sns:us-east-1:1:other' }
    const otherText = text.replace('mine', 'other')
    const otherSig = cryptoSign('sha1', Buffer.from(otherText), PAYPAL.key).toString('base64')
    expect(await reason(request(JSON.stringify({ ...other, Signature: otherSig })), auth)).toBe(
      'credential_unknown',
    )
    expect(
      await reason(request(JSON.stringify({ ...message, Signature, SignatureVersion: '3' })), auth),
    ).toBe('signature_wrong_algorithm')
  })

  it('a raw Ed25519 signature from node:crypto over the documented message verifies (Discord)', async () => {
    const body = '{"type":1}'
    const sig = cryptoSign(null, Buffer.from(`${NOW}${body}`), ED25519.privatePem).toString('hex')
    const r = request(body, [
      ['X-Signature-Ed25519', sig],
      ['X-Signature-Timestamp', String(NOW)],
    ])
    expect(
      (
        await verify(r, load({ provider: 'discord', public_keys: [ED25519.publicRawHex] }), {
          now: NOW,
        })
      ).ok,
    ).toBe(true)
  })
})
