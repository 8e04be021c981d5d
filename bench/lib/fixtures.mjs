/**
 * What the verification benches verify: a 2 KiB JSON body signed four ways (Standard
 * Webhooks, GitHub, Stripe, Slack), each with its hookwarden endpoint and a hand-written
 * node:crypto verifier (createHmac + timingSafeEqual, headers from a Node-style object) as
 * the baseline.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { loadConfig, sign } from '../../packages/core/dist/index.js'

export const NOW = Math.floor(Date.now() / 1000)

/** A deterministic JSON body of exactly `size` bytes (at least the smallest document). */
export function jsonBody(size = 2048) {
  const doc = { type: 'invoice.paid', id: 'evt_1NqB2x', lines: [], note: '' }
  while (JSON.stringify(doc).length + 40 < size) {
    doc.lines.push({ id: `il_${doc.lines.length}`, amount: (doc.lines.length * 7919) % 10000 })
  }
  const out = JSON.stringify(doc).length > size ? { note: '' } : doc
  out.note = 'x'.repeat(Math.max(0, size - JSON.stringify(out).length))
  return Buffer.from(JSON.stringify(out), 'utf8')
}

const endpointOf = (auth) => loadConfig(`auth:\n${auth.replace(/^/gm, '  ')}`).endpoints[0]

export const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SW_KEY = Buffer.from(SW_SECRET.slice(6), 'base64')
const GH_SECRET = 'gh-webhook-secret-7Kq2'
const STRIPE_SECRET = 'whsec_test_secret_4eC39HqLyjWDarjtT1zdp7dc'
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'

/** Node-style header object (lower-case names), as a hand-written verifier receives them. */
export const headerObject = (req) =>
  Object.fromEntries(req.headers.map(([n, v]) => [n.toLowerCase(), v]))

const raw = {
  standard_webhooks(h, body) {
    const id = h['webhook-id']
    const ts = h['webhook-timestamp']
    const sigs = h['webhook-signature']
    if (!id || !ts || !sigs) return false
    const t = Number(ts)
    if (!Number.isInteger(t) || Math.abs(NOW - t) > 300) return false
    const mac = createHmac('sha256', SW_KEY).update(`${id}.${ts}.`).update(body).digest()
    for (const s of sigs.split(' ')) {
      if (!s.startsWith('v1,')) continue
      const b = Buffer.from(s.slice(3), 'base64')
      if (b.length === mac.length && timingSafeEqual(b, mac)) return true
    }
    return false
  },
  github(h, body) {
    const sig = h['x-hub-signature-256']
    if (!sig?.startsWith('sha256=')) return false
    const mac = createHmac('sha256', GH_SECRET).update(body).digest()
    const b = Buffer.from(sig.slice(7), 'hex')
    return b.length === mac.length && timingSafeEqual(b, mac)
  },
  stripe(h, body) {
    const header = h['stripe-signature']
    if (!header) return false
    let t
    const v1 = []
    for (const part of header.split(',')) {
      const eq = part.indexOf('=')
      const k = part.slice(0, eq)
      if (k === 't') t = part.slice(eq + 1)
      else if (k === 'v1') v1.push(part.slice(eq + 1))
    }
    if (t === undefined || v1.length === 0) return false
    const n = Number(t)
    if (!Number.isInteger(n) || Math.abs(NOW - n) > 300) return false
    const mac = createHmac('sha256', STRIPE_SECRET).update(`${t}.`).update(body).digest()
    for (const s of v1) {
      const b = Buffer.from(s, 'hex')
      if (b.length === mac.length && timingSafeEqual(b, mac)) return true
    }
    return false
  },
  slack(h, body) {
    const ts = h['x-slack-request-timestamp']
    const sig = h['x-slack-signature']
    if (!ts || !sig?.startsWith('v0=')) return false
    const n = Number(ts)
    if (!Number.isInteger(n) || Math.abs(NOW - n) > 300) return false
    const mac = createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:`).update(body).digest()
    const b = Buffer.from(sig.slice(3), 'hex')
    return b.length === mac.length && timingSafeEqual(b, mac)
  },
}

export const schemes = [
  {
    name: 'standard_webhooks',
    endpoint: endpointOf(`scheme: standard_webhooks\nsecrets: ["${SW_SECRET}"]\n`),
    signatureHeader: 'webhook-signature',
    secret: SW_SECRET,
  },
  {
    name: 'github',
    endpoint: endpointOf(
      `scheme: hmac\nheader: X-Hub-Signature-256\nprefix: "sha256="\nsecrets: ["${GH_SECRET}"]\n`,
    ),
    signatureHeader: 'x-hub-signature-256',
    secret: GH_SECRET,
  },
  {
    name: 'stripe',
    endpoint: endpointOf(
      `scheme: hmac\nheader: Stripe-Signature\nformat: { kind: pairs, signature_key: v1, timestamp_key: t }\npayload: "{timestamp}.{body}"\ntimestamp: { tolerance: 300 }\nsecrets: ["${STRIPE_SECRET}"]\n`,
    ),
    signatureHeader: 'stripe-signature',
    secret: STRIPE_SECRET,
  },
  {
    name: 'slack',
    endpoint: endpointOf(
      `scheme: hmac\nheader: X-Slack-Signature\nprefix: "v0="\npayload: "v0:{timestamp}:{body}"\ntimestamp: { header: X-Slack-Request-Timestamp, tolerance: 300 }\nsecrets: ["${SLACK_SECRET}"]\n`,
    ),
    signatureHeader: 'x-slack-signature',
    secret: SLACK_SECRET,
  },
]
for (const s of schemes) s.raw = raw[s.name]

/** A request signed by hookwarden for `scheme`, with the usual other headers around it. */
export async function signedRequest(scheme, body) {
  const base = {
    method: 'POST',
    url: '/hooks/bench',
    headers: [
      ['Host', 'hooks.example.com'],
      ['User-Agent', 'Webhook-Sender/1.0'],
      ['Content-Type', 'application/json'],
      ['Content-Length', String(body.length)],
      ['Accept', '*/*'],
    ],
    body,
  }
  return sign(base, scheme.endpoint, { now: NOW, messageId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' })
}
