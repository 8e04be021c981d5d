/**
 * Interop with `stripe`: Stripe configured as hmac with format pairs t=/v1=, payload
 * `{timestamp}.{body}` and the whole `whsec_…` string as the key (secret_encoding utf8).
 * Headers made by stripe.webhooks.generateTestHeaderString are accepted; ours pass
 * stripe.webhooks.constructEvent.
 * @module
 */
import {
  type Endpoint,
  getHeader,
  type HttpRequest,
  loadConfig,
  sign,
  verify,
} from '@hookwarden/core'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { changeOneChar } from './change.js'

const SECRET = 'whsec_test_secret_4eC39HqLyjWDarjtT1zdp7dc'
const stripe = new Stripe('sk_test_hookwarden')
const stripeEndpoint: Endpoint = loadConfig(`auth:
  scheme: hmac
  header: Stripe-Signature
  algorithm: sha256
  encoding: hex
  format: { kind: pairs, pair_separator: ",", signature_key: v1, timestamp_key: t }
  payload: "{timestamp}.{body}"
  secret_encoding: utf8
  timestamp: { unit: seconds, tolerance: 300 }
  secrets: ["${SECRET}"]
`).endpoints[0]!

const body = '{\n  "id": "evt_1",\n  "object": "event",\n  "type": "payment_intent.succeeded"\n}'
const now = Math.floor(Date.now() / 1000)

function request(header: string, payload = body): HttpRequest {
  return {
    method: 'POST',
    url: '/hooks/stripe',
    headers: [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Stripe-Signature', header],
    ],
    body: new TextEncoder().encode(payload),
  }
}

describe('signed by stripe', () => {
  const header = stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: SECRET,
    timestamp: now,
  })

  it('is accepted', async () => {
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    expect((await verify(request(header), stripeEndpoint, { now })).ok).toBe(true)
  })

  it('with one byte of the body changed: signature_mismatch', async () => {
    expect(
      (await verify(request(header, body.replace('evt_1', 'evt_2')), stripeEndpoint, { now }))
        .reason,
    ).toBe('signature_mismatch')
  })

  it('with t= changed by one second: signature_mismatch', async () => {
    expect(
      (await verify(request(header.replace(`t=${now}`, `t=${now + 1}`)), stripeEndpoint, { now }))
        .reason,
    ).toBe('signature_mismatch')
  })

  it('with one hex digit of v1= changed: signature_mismatch', async () => {
    expect(
      (await verify(request(changeOneChar(header, header.length - 5)), stripeEndpoint, { now }))
        .reason,
    ).toBe('signature_mismatch')
  })

  it('stale: timestamp_out_of_window', async () => {
    const old = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: SECRET,
      timestamp: now - 600,
    })
    const v = await verify(request(old), stripeEndpoint, { now })
    expect(v.reason).toBe('timestamp_out_of_window')
    expect(v.checks[0]!.detail).toMatch(/600 s in the past/)
  })

  it('signed with the base64-decoded key instead of the string: signature_mismatch', async () => {
    const wrong = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: 'whsec_other',
      timestamp: now,
    })
    expect((await verify(request(wrong), stripeEndpoint, { now })).reason).toBe(
      'signature_mismatch',
    )
  })
})

describe('signed by hookwarden', () => {
  it('passes stripe.webhooks.constructEvent', async () => {
    const r = await sign(request(''), stripeEndpoint, { now })
    const header = getHeader(r.headers, 'stripe-signature')!
    expect(header).toBe(
      stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: now }),
    )
    const event = stripe.webhooks.constructEvent(Buffer.from(r.body), header, SECRET)
    expect(event.id).toBe('evt_1')
  })
})
