/**
 * Rolling upgrade from the id-keyed release (7188628) on one Redis: a gateway of this build
 * (start(), real HTTP, real Redis in a db of its own) refuses an exact copy of a message that
 * release accepted, and leaves behind the key that release checks, so that it refuses a copy of
 * what this build accepted. The old release is played by writing and claiming its keys exactly
 * as it does: `SET hookwarden:nonce:<endpoint>\0<key> 1 PX <ttl> NX`, where <key> is
 * `id:<message id>` (Standard Webhooks, hmac with an id header) or `sig:<MAC in hex>:<timestamp>`
 * (hmac without one: GitHub, Stripe), as `git show 7188628:packages/core/src/schemes/hmac.ts`.
 * Requests are signed with standardwebhooks, @octokit/webhooks-methods and stripe.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { sign as githubSign } from '@octokit/webhooks-methods'
import type { Redis } from 'ioredis'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectRedis } from '../../src/redis.js'
import { type RunningGateway, start } from '../../src/start.js'
import { startUpstream, type Upstream } from '../e2e/helpers.js'

/** A db of its own; only this run's keys (its endpoints carry a random suffix) are deleted. */
const REDIS_URL = (() => {
  const url = new URL(process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379')
  url.pathname = '/13'
  return url.toString()
})()
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const GITHUB_SECRET = 'rolling-upgrade-github-secret'
const STRIPE_SECRET = 'whsec_rolling_upgrade_stripe'
const run = randomBytes(4).toString('hex')
const names = { sw: `sw-${run}`, github: `gh-${run}`, stripe: `st-${run}`, failing: `fail-${run}` }

let dir: string
let upstream: Upstream
let gateway: RunningGateway
let redis: Redis

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hw-rolling-upgrade-'))
  upstream = await startUpstream((req, res) => {
    res.writeHead(req.url === '/fail' ? 500 : 200).end()
  })
  const configFile = join(dir, 'hookwarden.yaml')
  writeFileSync(
    configFile,
    `endpoints:
  - name: ${names.sw}
    path: /sw
    forward: ${upstream.url}/sw
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"], tolerance: 300 }
  - name: ${names.github}
    path: /gh
    forward: ${upstream.url}/gh
    auth: { provider: github, secrets: ["${GITHUB_SECRET}"] }
  - name: ${names.stripe}
    path: /st
    forward: ${upstream.url}/st
    auth: { provider: stripe, secrets: ["${STRIPE_SECRET}"] }
  - name: ${names.failing}
    path: /fail
    forward: ${upstream.url}/fail
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"], tolerance: 300 }
`,
  )
  gateway = await start({
    configFile,
    port: 0,
    dataDir: dir,
    env: { HOOKWARDEN_REDIS_URL: REDIS_URL },
    print: () => {},
    handleSignals: false,
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    webDist: null,
  })
  redis = await connectRedis({ url: REDIS_URL, keyPrefix: 'hookwarden:' })
}, 30_000)

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  if (redis) {
    for (const name of Object.values(names)) {
      const keys = await redis.keys(`hookwarden:nonce:${name}\x00*`)
      if (keys.length > 0) await redis.del(...keys.map((k) => k.slice('hookwarden:'.length)))
    }
    await redis.quit()
  }
  rmSync(dir, { recursive: true, force: true })
})

/** The id-keyed release's claim of `key` at `endpoint`: its RedisNonceStore.claim, byte for byte. */
const oldReleaseClaims = async (endpoint: string, key: string) =>
  (await redis.set(`nonce:${endpoint}\x00${key}`, '1', 'PX', 660_000, 'NX')) === 'OK'

interface Delivery {
  path: string
  headers: Record<string, string>
  body: string
}
const post = async (d: Delivery) => {
  const res = await fetch(`${gateway.url}${d.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...d.headers },
    body: d.body,
  })
  // The gateway's own refusals are problem+json; the upstream's answers are relayed as they are.
  const reason = res.status === 401 ? ((await res.json()) as { reason: string }).reason : null
  return { status: res.status, reason }
}
const now = () => Math.floor(Date.now() / 1000)

function standardWebhook(id: string, at = now(), path = '/sw'): Delivery {
  const body = JSON.stringify({ type: 'order.paid', id, run })
  const signature = new Webhook(SW_SECRET).sign(id, new Date(at * 1000), body)
  return {
    path,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': signature },
    body,
  }
}
async function github(delivery: string): Promise<Delivery & { hex: string }> {
  const body = JSON.stringify({ action: 'opened', delivery, run })
  const signature = await githubSign(GITHUB_SECRET, body)
  const headers = { 'x-github-delivery': delivery, 'x-hub-signature-256': signature }
  return { path: '/gh', headers, body, hex: signature.slice('sha256='.length) }
}
function stripe(id: string): Delivery & { hex: string; t: number } {
  const body = JSON.stringify({ id, object: 'event', run })
  const t = now()
  const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
    payload: body,
    secret: STRIPE_SECRET,
    timestamp: t,
  })
  const hex = /v1=([0-9a-f]{64})/.exec(header)![1]!
  return { path: '/st', headers: { 'stripe-signature': header }, body, hex, t }
}

const refused = { status: 401, reason: 'replay_detected' }
const accepted = { status: 200, reason: null }

describe('rolling upgrade from the id-keyed release, sharing Redis', () => {
  it('Standard Webhooks: a copy of what the old release accepted is refused here', async () => {
    const d = standardWebhook(`msg_old_${run}`)
    expect(await oldReleaseClaims(names.sw, `id:msg_old_${run}`)).toBe(true)
    const before = upstream.received.length
    expect(await post(d)).toEqual(refused)
    expect(upstream.received.length).toBe(before)
  })

  it('Standard Webhooks: the old release refuses a copy of what this build accepted; a re-signed retry passes here', async () => {
    const id = `msg_new_${run}`
    const first = standardWebhook(id, now() - 1)
    expect(await post(first)).toEqual(accepted)
    expect(await oldReleaseClaims(names.sw, `id:${id}`)).toBe(false)
    // The sender's retry after a lost 2xx: same id, signed anew with a new timestamp.
    expect(await post(standardWebhook(id, now()))).toEqual(accepted)
    expect(await post(first)).toEqual(refused)
  })

  it('GitHub: the same both ways (the old release keyed its MAC in hex)', async () => {
    const old = await github(`gh-old-${run}`)
    expect(await oldReleaseClaims(names.github, `sig:${old.hex}:`)).toBe(true)
    expect(await post(old)).toEqual(refused)
    const fresh = await github(`gh-new-${run}`)
    expect(await post(fresh)).toEqual(accepted)
    expect(await oldReleaseClaims(names.github, `sig:${fresh.hex}:`)).toBe(false)
  })

  it('Stripe: the same both ways (hex MAC and t=)', async () => {
    const old = stripe(`evt_old_${run}`)
    expect(await oldReleaseClaims(names.stripe, `sig:${old.hex}:${old.t}`)).toBe(true)
    expect(await post(old)).toEqual(refused)
    const fresh = stripe(`evt_new_${run}`)
    expect(await post(fresh)).toEqual(accepted)
    expect(await oldReleaseClaims(names.stripe, `sig:${fresh.hex}:${fresh.t}`)).toBe(false)
  })

  it('a delivery the upstream refused gives back both keys: the retry may reach either release', async () => {
    const id = `msg_fail_${run}`
    const d = standardWebhook(id, now(), '/fail')
    expect((await post(d)).status).toBe(500)
    expect(await oldReleaseClaims(names.failing, `id:${id}`)).toBe(true)
  })
})
