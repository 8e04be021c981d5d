/**
 * Near misses of what a hop in front changes: the signed URL (http vs https behind a TLS
 * terminator, the port, a slash, the query) and a form body parsed and encoded again.
 */
import { createHmac } from 'node:crypto'
import twilio from 'twilio'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'
import { urlVariants } from './transforms/payload.js'

const NOW = 1767225600
const SECRET = 'Ibxx_5AKakO-3qeNVR61Dw'
const BODY = '{"merchant_id":"6SSW7HV8K2ST5","type":"payment.updated"}'
const post = (headers: [string, string][], body: string, url = '/hooks/square'): HttpRequest => ({
  method: 'POST',
  url,
  headers: [['Host', 'hooks.example.org'], ...headers],
  body: Buffer.from(body),
})
const b64 = (data: string) => createHmac('sha256', SECRET).update(data).digest('base64')

describe('a signed URL changed on the way', () => {
  it('lists the forms a hop makes of a URL, not the URL itself', () => {
    expect(urlVariants('https://h.example/a?x=1')).toEqual(
      expect.arrayContaining([
        'http://h.example/a?x=1',
        'https://h.example:443/a?x=1',
        'https://h.example/a/?x=1',
        'https://h.example/a',
      ]),
    )
    expect(urlVariants('https://h.example/a?x=1')).not.toContain('https://h.example/a?x=1')
    expect(urlVariants('not a url')).toEqual([])
  })

  it('Square signed http:// where the payload names https://: signature_wrong_payload, with the URL to write', async () => {
    const config = loadConfig(
      `auth:\n  provider: square\n  secrets: ["${SECRET}"]\n  payload: "https://hooks.example.org/hooks/square{body}"\n`,
    )
    const req = post(
      [['x-square-hmacsha256-signature', b64(`http://hooks.example.org/hooks/square${BODY}`)]],
      BODY,
    )
    const d = await diagnose(req, { config, now: NOW })
    expect(d.causes[0]).toMatchObject({ code: 'signature_wrong_payload' })
    expect(d.causes[0]!.fix).toContain('http://hooks.example.org/hooks/square')
  })

  it('{url}{body} behind a proxy that added the default port', async () => {
    const config = loadConfig(
      `auth:\n  scheme: hmac\n  header: X-Sig\n  encoding: base64\n  payload: "{url}{body}"\n  secrets: ["${SECRET}"]\n`,
    )
    const req = post([['X-Sig', b64(`https://hooks.example.org:443/hooks/square${BODY}`)]], BODY)
    const d = await diagnose(req, { config, now: NOW })
    expect(d.causes[0]).toMatchObject({ code: 'signature_wrong_payload' })
  })
})

describe('a form body parsed and encoded again', () => {
  const SLACK = '8f742231b10e8888abcd99yyyzzz85a5'
  const config = loadConfig(`auth:\n  provider: slack\n  secrets: ["${SLACK}"]\n`)
  const slack = (signed: string, sent: string) => {
    const ts = String(NOW - 5)
    const sig = `v0=${createHmac('sha256', SLACK).update(`v0:${ts}:${signed}`).digest('hex')}`
    return post(
      [
        ['X-Slack-Request-Timestamp', ts],
        ['X-Slack-Signature', sig],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      sent,
      '/hooks/slack',
    )
  }
  const signed = 'token=abc&user_name=road+runner&command=%2Fdeploy&text=api+to+prod'
  for (const [name, sent] of [
    [
      'spaces re-encoded as %20',
      'token=abc&user_name=road%20runner&command=%2Fdeploy&text=api%20to%20prod',
    ],
    ['fields decoded', 'token=abc&user_name=road runner&command=/deploy&text=api to prod'],
  ] as const) {
    it(`${name}: signature_body_modified`, async () => {
      const d = await diagnose(slack(signed, sent), { config, now: NOW })
      expect(d.causes[0]).toMatchObject({ code: 'signature_body_modified' })
    })
  }
  it('the form as signed verifies', async () => {
    expect((await diagnose(slack(signed, signed), { config, now: NOW })).causes).toEqual([])
  })
})

describe('Twilio: the URL it signed is not the one that arrived', () => {
  const TOKEN = '9a8b7c6d5e4f30211203f4e5d6c7b8a9'
  const params = { From: '+15005550006', To: '+15005550001', Body: 'hello there' }
  const body = new URLSearchParams(params).toString()
  const request = (signedUrl: string): HttpRequest =>
    post(
      [
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['X-Twilio-Signature', twilio.getExpectedTwilioSignature(TOKEN, signedUrl, params)],
      ],
      body,
      '/hooks/twilio/sms',
    )

  it('signed http:// (a TLS terminator in front): signature_wrong_payload with the url: to set', async () => {
    const config = loadConfig(`auth:\n  provider: twilio\n  secrets: ["${TOKEN}"]\n`)
    const d = await diagnose(request('http://hooks.example.org/hooks/twilio/sms'), {
      config,
      now: NOW,
    })
    expect(d.causes[0]).toMatchObject({ code: 'signature_wrong_payload' })
    expect(d.causes[0]!.fix).toContain('url: "http://hooks.example.org/hooks/twilio/sms"')
  })

  it('signed the URL as received: accepted', async () => {
    const config = loadConfig(`auth:\n  provider: twilio\n  secrets: ["${TOKEN}"]\n`)
    const d = await diagnose(request('https://hooks.example.org/hooks/twilio/sms'), {
      config,
      now: NOW,
    })
    expect(d.verdict?.ok).toBe(true)
  })
})
