/**
 * Rotation readiness in one gateway process, its clock fixed: `GET /api/rotations` counts who
 * still sends which credential (requests signed by the real `standardwebhooks` signer, Bearer
 * tokens) and words the warnings; its answer is reused for 30 s; the expiry gauge follows a
 * reload. The child-process run with a real SIGHUP is test/e2e/rotations.test.ts.
 * @module
 */

import { loadConfig } from '@hookwarden/core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiRotations } from '../../src/rotations/readiness.js'
import { USAGE_TTL_MS } from '../../src/rotations/usage.js'
import { adminHeaders, type Running, startGateway } from '../e2e/helpers.js'

const secret = (label: string) =>
  `whsec_${Buffer.from(`rotations-${label}-key-0123456789`).toString('base64')}`
const OLD = secret('old')
const NEW = secret('new')
const RETIRED = secret('retired')
const WRONG = secret('wrong')
const TOKEN_EXPIRED = 'tokens-expired-token-8f3a1c'
const TOKEN_B = 'tokens-second-token-5b2e9d'
const TOKEN_C = 'tokens-third-token-7c4f0a'
const TOKEN_ONLY = 'single-only-token-3d9e6b'
const TOKEN_PLAIN = 'plain-token-1a2b3c4d5e'
const VALUES = [OLD, NEW, RETIRED, TOKEN_EXPIRED, TOKEN_B, TOKEN_C, TOKEN_ONLY, TOKEN_PLAIN]

/** 2026-11-29 00:00 UTC: the old secret's not_after is two days later. */
const NOW = Date.UTC(2026, 10, 29)
const HOUR = 3_600_000

const config = (oldNotAfter: string) => `
endpoints:
  - name: orders
    path: /hooks/orders
    auth:
      scheme: standard_webhooks
      secrets:
        - { value: "${OLD}", id: "2026-10", not_after: "${oldNotAfter}" }
        - { value: "${NEW}", id: "2026-11" }
      retired: [ { value: "${RETIRED}", id: "2026-09" } ]
  - name: tokens
    path: /hooks/tokens
    auth:
      scheme: bearer
      tokens:
        - { value: "${TOKEN_EXPIRED}", not_after: "${new Date(NOW - HOUR).toISOString()}" }
        - "${TOKEN_B}"
        - "${TOKEN_C}"
  - name: single
    path: /hooks/single
    auth:
      scheme: bearer
      tokens: [ { value: "${TOKEN_ONLY}", id: "only", not_after: "${new Date(NOW + 12 * HOUR).toISOString()}" } ]
  - name: plain
    path: /hooks/plain
    auth: { scheme: bearer, tokens: ["${TOKEN_PLAIN}"] }
`

describe('GET /api/rotations', () => {
  let gw: Running
  let now = NOW
  let n = 0

  const signed = async (key: string) => {
    const id = `msg_rot_${n++}`
    const body = `{"order":${n}}`
    const at = new Date(now)
    const res = await fetch(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now / 1000)),
        'webhook-signature': new Webhook(key).sign(id, at, body),
        'content-type': 'application/json',
      },
      body,
    })
    await res.arrayBuffer()
    return res.status
  }
  const bearer = async (path: string, token: string) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: '{}',
    })
    await res.arrayBuffer()
    return res.status
  }
  const rotations = async (query = '') => {
    const res = await fetch(`${gw.url}/api/rotations${query}`, { headers: adminHeaders })
    return { status: res.status, text: await res.text() }
  }

  beforeAll(async () => {
    gw = await startGateway(config('2026-12-01T00:00:00Z'), { clock: () => now })
    for (let i = 0; i < 4; i++) expect(await signed(OLD)).toBe(200)
    for (let i = 0; i < 2; i++) expect(await signed(RETIRED)).toBe(401)
    expect(await signed(WRONG)).toBe(401)
    for (let i = 0; i < 2; i++) expect(await bearer('/hooks/tokens', TOKEN_EXPIRED)).toBe(401)
    expect(await bearer('/hooks/tokens', TOKEN_B)).toBe(200)
    expect(await bearer('/hooks/single', TOKEN_ONLY)).toBe(200)
    expect(await bearer('/hooks/plain', TOKEN_PLAIN)).toBe(200)
  })
  afterAll(async () => {
    await gw?.close()
  })

  it('counts per credential, words the warnings, and never shows a secret', async () => {
    const { status, text } = await rotations()
    expect(status).toBe(200)
    for (const v of VALUES) expect(text).not.toContain(v)
    const r = JSON.parse(text) as ApiRotations
    expect(r.now).toBe(NOW)
    expect(r.read_at).toBe(NOW)
    expect(r.counted_since).toBe(r.week_since)
    const orders = r.endpoints.find((e) => e.name === 'orders')!
    expect(orders).toMatchObject({
      scheme: 'standard_webhooks',
      accepted_24h: 4,
      accepted_7d: 4,
      accepted_unattributed_24h: 0,
      revoked_refusals_24h: 2,
      revoked_refusals_by_reason_24h: { signature_previous_secret: 2 },
    })
    expect(
      orders.credentials.map((c) => [c.label, c.retired, c.expired, c.accepted_24h, c.refused_24h]),
    ).toEqual([
      ['2026-10', false, false, 4, 0],
      ['2026-11', false, false, 0, 0],
      ['2026-09', true, false, 0, 2],
    ])
    expect(orders.credentials[0]).toMatchObject({
      id: '2026-10',
      not_after: Date.UTC(2026, 11, 1) / 1000,
      last_matched_at: NOW,
    })
    expect(orders.credentials[0]!.fingerprint).toMatch(/^len=\d+ fp:[0-9a-f]{8}$/)
    const tokens = r.endpoints.find((e) => e.name === 'tokens')!
    // Two tokens without an id: an accepted attempt's token cannot be named.
    expect(
      tokens.credentials.map((c) => [c.label, c.expired, c.accepted_24h, c.refused_24h]),
    ).toEqual([
      // #1 too: its attempts from before it expired cannot be told from the others'.
      ['#1', true, null, 2],
      ['#2', false, null, 0],
      ['#3', false, null, 0],
    ])
    expect(tokens).toMatchObject({ accepted_24h: 1, accepted_unattributed_24h: 1 })

    // Errors first, then warnings, then notes; in config order within each.
    const messages = r.warnings.map((w) => `${w.level} ${w.code}: ${w.message}`)
    expect(messages).toEqual([
      'error rotated_out_credential_used: endpoint orders: credential 2026-09 is retired but was sent 2 times in the last 24 h (refused as signature_previous_secret): update the sender to the current credential',
      'error rotated_out_credential_used: endpoint tokens: credential #1 stopped being accepted 1 h ago (2026-11-28 23:00 UTC) but was sent 2 times in the last 24 h (refused as credential_revoked): update the sender to the current credential',
      'error credential_without_successor: endpoint single: credential only stops being accepted in 12 h (2026-11-29 12:00 UTC) and no other credential outlasts it: add the new credential beside it now (an overlap), or every attempt will be refused from then on',
      'warn credential_expiring_in_use: endpoint orders: credential 2026-10 stops being accepted in 2 days (2026-12-01 00:00 UTC) and 4 of the last 4 accepted attempts (24 h) still used it: update the sender before then',
      'warn new_credential_unused: endpoint orders: the new credential 2026-11 has not been used yet (no accepted attempt of the last 7 days matched it): switch the senders to it before 2026-10 stops being accepted in 2 days (2026-12-01 00:00 UTC)',
      'info credentials_without_id: endpoint tokens: 2 credentials have no id, so hookwarden cannot tell which one an attempt used: give each an id in the config (`{ value: …, id: "2026-11" }`) to see who still sends the old one',
    ])
    // An endpoint with one credential and no rotation has nothing to say.
    expect(r.warnings.some((w) => w.endpoint === 'plain')).toBe(false)
  })

  it('answers from the counts it read for 30 s, then reads the new attempts', async () => {
    now = NOW + 1000
    expect(await signed(NEW)).toBe(200)
    const cached = JSON.parse((await rotations()).text) as ApiRotations
    expect(cached.read_at).toBe(NOW)
    expect(cached.now).toBe(NOW + 1000)
    expect(cached.warnings.some((w) => w.code === 'new_credential_unused')).toBe(true)
    now = NOW + USAGE_TTL_MS
    const fresh = JSON.parse((await rotations()).text) as ApiRotations
    expect(fresh.read_at).toBe(NOW + USAGE_TTL_MS)
    const orders = fresh.endpoints.find((e) => e.name === 'orders')!
    expect(orders.credentials.find((c) => c.label === '2026-11')).toMatchObject({
      accepted_24h: 1,
      last_matched_at: NOW + 1000,
    })
    expect(fresh.warnings.some((w) => w.code === 'new_credential_unused')).toBe(false)
    expect(fresh.warnings.find((w) => w.code === 'credential_expiring_in_use')?.message).toContain(
      '4 of the last 5 accepted attempts (24 h) still used it',
    )
  })

  it('?endpoint shows one endpoint; any other parameter, or an unknown endpoint, is a 400', async () => {
    const one = JSON.parse((await rotations('?endpoint=orders')).text) as ApiRotations
    expect(one.endpoints.map((e) => e.name)).toEqual(['orders'])
    expect(one.warnings.every((w) => w.endpoint === 'orders')).toBe(true)
    const unknown = await rotations('?limit=5')
    expect(unknown.status).toBe(400)
    expect(JSON.parse(unknown.text).detail).toBe(
      'unknown parameter limit; /api/rotations takes endpoint',
    )
    const twice = await rotations('?endpoint=orders&endpoint=plain')
    expect(twice.status).toBe(400)
    const nobody = await rotations('?endpoint=nobody')
    expect(nobody.status).toBe(400)
    expect(JSON.parse(nobody.text).detail).toBe('no endpoint is named nobody')
  })

  it('needs the admin token', async () => {
    const res = await fetch(`${gw.url}/api/rotations`)
    await res.arrayBuffer()
    expect(res.status).toBe(401)
  })

  it('the expiry gauge names each credential by id or position, and a reload replaces its series', async () => {
    const metrics = async () =>
      (await (await fetch(`${gw.url}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('hookwarden_credential_not_after_timestamp_seconds{'))
        .sort()
    expect(await metrics()).toEqual([
      `hookwarden_credential_not_after_timestamp_seconds{endpoint="orders",credential="2026-10"} ${Date.UTC(2026, 11, 1) / 1000}`,
      `hookwarden_credential_not_after_timestamp_seconds{endpoint="single",credential="only"} ${(NOW + 12 * HOUR) / 1000}`,
      `hookwarden_credential_not_after_timestamp_seconds{endpoint="tokens",credential="#1"} ${(NOW - HOUR) / 1000}`,
    ])
    // The old secret's overlap extended; the tokens endpoint gone: its series goes with it.
    const next = config('2026-12-04T00:00:00Z').replace(
      / {2}- name: tokens[\s\S]*?(?= {2}- name: single)/,
      '',
    )
    gw.gateway.reload(loadConfig(next))
    expect(await metrics()).toEqual([
      `hookwarden_credential_not_after_timestamp_seconds{endpoint="orders",credential="2026-10"} ${Date.UTC(2026, 11, 4) / 1000}`,
      `hookwarden_credential_not_after_timestamp_seconds{endpoint="single",credential="only"} ${(NOW + 12 * HOUR) / 1000}`,
    ])
    // The route reads the config in force: the same counts, the new deadline.
    const r = JSON.parse((await rotations()).text) as ApiRotations
    expect(r.warnings.find((w) => w.code === 'credential_expiring_in_use')?.message).toContain(
      'credential 2026-10 stops being accepted in 4 days (2026-12-04 00:00 UTC)',
    )
  })
})
