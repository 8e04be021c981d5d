/**
 * Near misses the provider red team found: the wording of a malformed pairs header, JSON
 * number literals kept through re-serialization, a query re-ordered by a proxy, the Twilio
 * mismatch said in Twilio's terms, a future timestamp said without contradiction, and
 * pitfalls attached only when they can hold.
 * @module
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'
import { bodyVariants, parseKeepingNumbers } from './transforms/body.js'
import { queryOrders } from './url-signed.js'

const NOW = 1_767_225_600
const enc = (s: string) => new TextEncoder().encode(s)
const endpoint = (yaml: string): Endpoint => loadConfig(yaml).endpoints[0]!
const req = (headers: [string, string][], body: string, url = '/hooks/x'): HttpRequest => ({
  method: 'POST',
  url,
  headers: [['Host', 'receiver.example.org'], ['Content-Type', 'application/json'], ...headers],
  body: enc(body),
})
const STRIPE = 'whsec_stripe0Test0Secret0Ab12Cd34'
const stripe = endpoint(`auth:\n  provider: stripe\n  secrets: ["${STRIPE}"]\n`)

describe('a malformed pairs header', () => {
  it('is told in a sentence, with the real shape of the header', async () => {
    const body = '{"a":1}'
    const v1 = createHmac('sha256', STRIPE).update(`${NOW}.${body}`).digest('hex')
    const d = await diagnose(req([['Stripe-Signature', `t=${NOW};v1=${v1}`]], body), {
      endpoint: stripe,
      now: NOW,
    })
    const cause = d.causes.find((c) => c.code === 'signature_header_malformed')!
    expect(cause.fix).toMatch(
      /^Write the header in the format this endpoint reads: send the header `Stripe-Signature: t=<timestamp>,v1=<hex>`\./,
    )
    expect(cause.fix).not.toMatch(/as send/)
  })
})

describe('JSON number literals', () => {
  it('are kept as written through a re-serialization (ids above 2^53)', () => {
    const text = '{"id":820982911946154508,"n":-1.50e3,"s":"a 1 \\" 2","l":[0,1.0]}'
    const kept = parseKeepingNumbers(text)!
    // Only the literals JavaScript would write otherwise need keeping (0 stays a number).
    expect(kept.literals).toEqual(['820982911946154508', '-1.50e3', '1.0'])
    const back = JSON.stringify(kept.value).replace(
      /"\\u0000(\d+)"/g,
      (_, i: string) => kept.literals[Number(i)]!,
    )
    expect(back).toBe(text)
    expect(parseKeepingNumbers('{"a":"\\u0000"}')).toBeNull()
  })

  it('a body variant re-serializes a PHP-escaped body with its big id intact', () => {
    const signed = '{"id":820982911946154508,"note":"après / porte"}'
    const php = '{"id":820982911946154508,"note":"apr\\u00e8s \\/ porte"}'
    const found = [...bodyVariants(enc(php))].some(
      (v) => Buffer.from(v.bytes).toString('utf8') === signed,
    )
    expect(found).toBe(true)
  })
})

describe('twilio', () => {
  it('tries the query in other orders, the sorted one first', () => {
    const orders = queryOrders('https://h.example/p?c=3&a=1&b=2')
    expect(orders[0]!.names).toEqual(['a', 'b', 'c'])
    expect(orders).toHaveLength(5)
    expect(queryOrders('https://h.example/p?a=1')).toEqual([])
    // many parameters: sorted and reversed only
    expect(
      queryOrders(
        `https://h.example/p?${'cabgfed'
          .split('')
          .map((k) => `${k}=1`)
          .join('&')}`,
      ),
    ).toHaveLength(2)
  })

  it('an unexplained mismatch says to configure the URL as in the Twilio console', async () => {
    const tw = endpoint(
      'auth:\n  provider: twilio\n  secrets: ["0123456789abcdef0123456789abcdef"]\n',
    )
    const r = {
      ...req([['X-Twilio-Signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=']], 'From=%2B1&To=%2B2'),
      headers: [
        ['Host', 'receiver.example.org'],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['X-Twilio-Signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
      ] as [string, string][],
    }
    const d = await diagnose(r, { endpoint: tw, now: NOW })
    expect(d.causes[0]!.code).toBe('signature_mismatch')
    expect(d.causes[0]!.fix).toMatch(/exactly as it is set in the Twilio console/)
    expect(d.causes[0]!.fix).toMatch(/scheme, host, port, path and query/)
    expect(d.causes[0]!.fix).not.toMatch(/Sign the raw body/)
  })
})

describe('a timestamp in the future', () => {
  it('is said without blaming one clock and then the other', async () => {
    const body = '{"a":1}'
    const e = endpoint(
      `auth:\n  scheme: hmac\n  header: X-Sig\n  payload: "{timestamp}.{body}"\n  timestamp: { header: X-Ts, tolerance: 300 }\n  secrets: [s3cret]\n`,
    )
    const t = NOW + 400
    const sig = createHmac('sha256', 's3cret').update(`${t}.${body}`).digest('hex')
    const d = await diagnose(
      req(
        [
          ['X-Sig', sig],
          ['X-Ts', String(t)],
        ],
        body,
      ),
      { endpoint: e, now: NOW },
    )
    const cause = d.causes[0]!
    expect(cause.code).toBe('timestamp_out_of_window')
    expect(cause.summary).toMatch(/in the future/)
    expect(cause.summary).not.toMatch(/sender's clock runs fast/)
    expect(cause.fix).toMatch(/both clocks/)
  })

  it('a provider pitfall about late retries is not attached to it', async () => {
    // Mux checks age only; Telnyx-like two-sided presets keep the window: use a two-sided HMAC
    // preset with the TIMESTAMP_WINDOW pitfall (calendly).
    const e = endpoint('auth:\n  provider: calendly\n  secrets: ["cal-s3cret"]\n')
    const body = '{"event":"invitee.created"}'
    const t = NOW + 900
    const v1 = createHmac('sha256', 'cal-s3cret').update(`${t}.${body}`).digest('hex')
    const d = await diagnose(req([['Calendly-Webhook-Signature', `t=${t},v1=${v1}`]], body), {
      endpoint: e,
      now: NOW,
    })
    expect(d.causes[0]!.code).toBe('timestamp_out_of_window')
    expect(d.causes[0]!.fix).not.toMatch(/retries are re-signed/)
    // ...and is to one in the past, where it holds
    const old = NOW - 900
    const v1old = createHmac('sha256', 'cal-s3cret').update(`${old}.${body}`).digest('hex')
    const late = await diagnose(
      req([['Calendly-Webhook-Signature', `t=${old},v1=${v1old}`]], body),
      { endpoint: e, now: NOW },
    )
    expect(late.causes[0]!.fix).toMatch(/retries are re-signed/)
  })
})
