/**
 * Property: for random bodies (any bytes, non-UTF-8 included), sign then verify always
 * accepts, and changing any one byte of the body or any one character of the signature
 * header refuses. The standard_webhooks signature also equals one computed with node:crypto
 * over the raw bytes (the body is never decoded).
 * @module
 */
import { createHmac } from 'node:crypto'
import {
  type Endpoint,
  getHeader,
  type HttpRequest,
  loadConfig,
  sign,
  verify,
  withHeader,
} from '@hookwarden/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const NOW = 1_800_000_000
const cfg = (auth: string): Endpoint =>
  loadConfig(`auth:\n${auth.replace(/^/gm, '  ')}`).endpoints[0]!

const endpoints: Record<string, { endpoint: Endpoint; header: string; hex?: true }> = {
  github: {
    endpoint: cfg(
      'scheme: hmac\nheader: X-Hub-Signature-256\nprefix: "sha256="\nsecrets: [s3cret]\n',
    ),
    header: 'x-hub-signature-256',
    hex: true,
  },
  stripe: {
    endpoint: cfg(
      'scheme: hmac\nheader: Stripe-Signature\nformat: { kind: pairs, signature_key: v1, timestamp_key: t }\npayload: "{timestamp}.{body}"\ntimestamp: { tolerance: 300 }\nsecrets: [whsec_abc]\n',
    ),
    header: 'stripe-signature',
    hex: true,
  },
  sha512_base64url: {
    endpoint: cfg(
      'scheme: hmac\nheader: X-Sig\nalgorithm: sha512\nencoding: base64url\nsecret_encoding: hex\nsecrets: ["00ff10ee"]\n',
    ),
    header: 'x-sig',
  },
  standard_webhooks: {
    endpoint: cfg(
      'scheme: standard_webhooks\nsecrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]\n',
    ),
    header: 'webhook-signature',
  },
}

const request = (body: Uint8Array): HttpRequest => ({
  method: 'POST',
  url: '/h',
  headers: [],
  body,
})

describe.each(Object.entries(endpoints))('%s', (_name, { endpoint, header, hex }) => {
  it('sign then verify accepts any body; one changed body byte refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (body, at, mask) => {
          const signed = await sign(request(body), endpoint, { now: NOW, messageId: 'msg_p' })
          expect((await verify(signed, endpoint, { now: NOW })).ok).toBe(true)
          if (body.length === 0) return
          const changed = new Uint8Array(body)
          changed[at % body.length] = changed[at % body.length]! ^ mask
          expect((await verify({ ...signed, body: changed }, endpoint, { now: NOW })).reason).toBe(
            'signature_mismatch',
          )
        },
      ),
      { numRuns: 150 },
    )
  })

  it('one changed character of the signature header refuses', async () => {
    const signed = await sign(request(new Uint8Array([0xff, 0xfe, 0x00, 0x80])), endpoint, {
      now: NOW,
      messageId: 'msg_p',
    })
    const value = getHeader(signed.headers, header)!
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0x21, max: 0x7e }), async (at, code) => {
        const i = at % value.length
        fc.pre(value.charCodeAt(i) !== code)
        const changed = value.slice(0, i) + String.fromCharCode(code) + value.slice(i + 1)
        // Hex is case-insensitive: `D` for `d` is the same signature.
        fc.pre(!hex || changed.toLowerCase() !== value.toLowerCase())
        const v = await verify(
          { ...signed, headers: withHeader(signed.headers, header, changed) },
          endpoint,
          { now: NOW },
        )
        expect(v.ok).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})

it('standard_webhooks signs the raw bytes: equal to node:crypto over id.timestamp.body', async () => {
  const { endpoint } = endpoints.standard_webhooks!
  const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (body) => {
      const signed = await sign(request(body), endpoint, { now: NOW, messageId: 'msg_p' })
      const expected = createHmac('sha256', key)
        .update(`msg_p.${NOW}.`)
        .update(body)
        .digest('base64')
      expect(getHeader(signed.headers, 'webhook-signature')).toBe(`v1,${expected}`)
    }),
    { numRuns: 100 },
  )
})
