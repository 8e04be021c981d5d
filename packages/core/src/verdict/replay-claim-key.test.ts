/**
 * The claim key format, pinned byte for byte for requests signed by the providers' own signers.
 *
 * Any change to these bytes must bump REPLAY_KEY_FORMAT (the memory store's snapshot carries it)
 * and keep recognising the previous format: gateways of the previous version share the claims
 * in Redis, and a restart reads the snapshot back. A key changed silently matches none of the
 * claims made just before an upgrade, so the upgraded gateway forwards an exact copy of a message
 * the previous one accepted a moment earlier (red team 6B, finding 1: hex → latin1 did that).
 * @module
 */
import { sign as githubSign } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import type { NonceStore } from '../nonce/types.js'
import { legacyClaimKey, REPLAY_KEY_FORMAT } from './replay-claim-key.js'
import { sign } from './sign.js'
import { replayClaimKey, verify } from './verify.js'

const T = 1_796_000_000
const config = loadConfig(`endpoints:
  - name: orders
    path: /sw
    auth: { scheme: standard_webhooks, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], tolerance: 300 }
  - name: repos
    path: /gh
    auth: { provider: github, secrets: ["It's a Secret to Everybody"] }
  - name: payments
    path: /st
    auth: { provider: stripe, secrets: ["whsec_test_secret"] }
  - name: svix
    path: /svix
    auth: { scheme: standard_webhooks, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], tolerance: 300 }
`)
const [orders, repos, payments, svix] = config.endpoints as [
  (typeof config.endpoints)[0],
  (typeof config.endpoints)[0],
  (typeof config.endpoints)[0],
  (typeof config.endpoints)[0],
]
const bytes = (s: string) => new TextEncoder().encode(s)

const swBody = '{"type":"order.paid","id":1}'
const swId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'
const swSignature = new Webhook('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').sign(
  swId,
  new Date(T * 1000),
  swBody,
)
const standardWebhooks: HttpRequest = {
  method: 'POST',
  url: '/sw',
  headers: [
    ['webhook-id', swId],
    ['webhook-timestamp', String(T)],
    ['webhook-signature', swSignature],
  ],
  body: bytes(swBody),
}

// GitHub's own example (docs: validating webhook deliveries): sha256=757107ea….
const github: HttpRequest = {
  method: 'POST',
  url: '/gh',
  headers: [
    ['X-GitHub-Delivery', '72d3162e-cc78-11e3-81ab-4c9367dc0958'],
    ['X-Hub-Signature-256', await githubSign("It's a Secret to Everybody", 'Hello, World!')],
  ],
  body: bytes('Hello, World!'),
}

const stripeBody = '{"id":"evt_1","object":"event"}'
const stripe: HttpRequest = {
  method: 'POST',
  url: '/st',
  headers: [
    [
      'Stripe-Signature',
      new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
        payload: stripeBody,
        secret: 'whsec_test_secret',
        timestamp: T,
      }),
    ],
  ],
  body: bytes(stripeBody),
}

/** The keys verify() hands the store: the hot path, where the MAC that matched is remembered. */
async function claimedBy(request: HttpRequest, endpoint: typeof orders): Promise<string[]> {
  const keys: string[] = []
  const store: NonceStore = { claim: (key) => keys.push(key) > 0 }
  const verdict = await verify(request, endpoint, { now: T + 1, nonceStore: store })
  expect(verdict.ok).toBe(true)
  return keys
}

// The MAC's bytes, one character each (latin1), between `sig:` and the timestamp: for GitHub and
// Stripe the same bytes as the hex signature the header carries.
const CASES = [
  {
    name: 'Standard Webhooks (standardwebhooks signer)',
    request: standardWebhooks,
    endpoint: orders,
    key: 'orders\x00sig:\xbbg\xe6+\xde!>an5\xcd\xe0iZ~?\xadW\xcdm\xf1\xf8\xc5\x15\xfc?\x14\x10U\x8e\xbfm:1796000000',
    // What the id-keyed release (7188628) claimed for the same request, as its own build computes.
    legacy: 'orders\x00id:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
  },
  {
    name: 'GitHub (@octokit/webhooks-methods)',
    request: github,
    endpoint: repos,
    key: 'repos\x00sig:uq\x07\xea\x0e\xb2P\x9f\xc2\x11"\x1c\xce\x98K\x8a7W\x0bmu\x86\xc2,F\xf47\x9c\x8b\x04>\x17:',
    legacy: 'repos\x00sig:757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17:',
  },
  {
    name: 'Stripe (stripe-node)',
    request: stripe,
    endpoint: payments,
    key: 'payments\x00sig:cn\x11Q\xb8;*\x27\xe3\x12\xd0vP\x15\x0b\xd7\xd0M\x15\xeb\x87\xa6\x10\xd48#~\xafP\xb4f :1796000000',
    legacy:
      'payments\x00sig:636e1151b83b2a27e312d07650150bd7d04d15eb87a610d438237eaf50b46620:1796000000',
  },
]

describe('replay claim keys (format 2: the signed message, MAC bytes as latin1)', () => {
  it('is format 2', () => {
    expect(REPLAY_KEY_FORMAT).toBe(2)
  })

  it.each(CASES)('$name: the exact bytes verify claims and release gives back', async (c) => {
    expect(await claimedBy(c.request, c.endpoint)).toEqual([c.key])
    expect(replayClaimKey(c.request, c.endpoint)).toBe(c.key)
  })

  it.each(CASES)('$name: the id-keyed release’s key for the same request', (c) => {
    const own = c.key.slice(c.endpoint.name.length + 1)
    expect(legacyClaimKey(c.request, c.endpoint, own)).toBe(c.legacy)
  })

  it('Svix header names: the id-keyed release read svix-id when webhook-signature is absent', () => {
    const renamed: HttpRequest = {
      ...standardWebhooks,
      headers: standardWebhooks.headers.map(([n, v]) => [n.replace('webhook-', 'svix-'), v]),
    }
    const own = replayClaimKey(renamed, svix)!.slice('svix\x00'.length)
    expect(legacyClaimKey(renamed, svix, own)).toBe(`svix\x00id:${swId}`)
  })

  it('hmac with an id header: the id-keyed release claimed the id', async () => {
    const shop = loadConfig(`endpoints:
  - name: shop
    path: /h
    auth: { scheme: hmac, header: X-Sig, payload: "{id}.{body}", id: { header: X-Message-Id }, secrets: [hmac-secret-0123456789] }
`).endpoints[0]!
    const request = await sign(
      { method: 'POST', url: '/h', headers: [['X-Message-Id', 'm-1']], body: bytes('{}') },
      shop,
      { now: T },
    )
    const own = replayClaimKey(request, shop)!
    expect(own.startsWith('shop\x00sig:')).toBe(true)
    expect(legacyClaimKey(request, shop, own.slice('shop\x00'.length))).toBe('shop\x00id:m-1')
  })

  it('a scheme whose key did not change has no legacy key', () => {
    const bearer = loadConfig('auth: { scheme: bearer, tokens: [tok-0123456789abcdef] }\n')
      .endpoints[0]!
    expect(legacyClaimKey(github, bearer, 'anything')).toBeNull()
  })
})
