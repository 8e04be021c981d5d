/**
 * POST /api/attempts/:id/replay over real HTTP against a real upstream: only what the gateway
 * accepted is ever re-sent. A refused attempt (a forged, unauthenticated request) and one a
 * report-only endpoint forwarded although its checks failed are answered 409 with the reason in
 * words, and the upstream receives nothing.
 * @module
 */
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  adminHeaders,
  header,
  type Running,
  startGateway,
  startUpstream,
  type Upstream,
} from './helpers.js'

const TOKEN = 'replay-token-5d6e7f8a9b0c'
let up: Upstream
let gw: Running

beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(`
endpoints:
  - name: orders
    path: /hooks/orders
    forward: ${up.url}/orders
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: report
    path: /hooks/report
    forward: ${up.url}/report
    store_body: true
    enforce: false
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`)
})
afterAll(async () => {
  await gw?.close()
  await up?.close()
})

/** Sends to the gateway; the attempt id and status it answered. */
async function send(path: string, authorization: string, body: string) {
  const res = await request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body,
  })
  await res.body.dump()
  return { status: res.statusCode, attempt: res.headers['x-hookwarden-attempt'] as string }
}

async function replay(id: string) {
  const res = await request(`${gw.url}/api/attempts/${id}/replay`, {
    method: 'POST',
    headers: adminHeaders,
  })
  return {
    status: res.statusCode,
    type: res.headers['content-type'],
    json: (await res.body.json()) as Record<string, unknown>,
  }
}

const replays = () =>
  up.received.filter((r) => header(r.rawHeaders, 'x-hookwarden-replay-of').length)

describe('replay', () => {
  it('refuses to send a refused (unauthenticated) attempt to the upstream: 409, nothing sent', async () => {
    const forged = await send('/hooks/orders', 'Bearer forged-token-000', '{"refund":"all"}')
    expect(forged.status).toBe(401)
    const before = up.received.length
    const r = await replay(forged.attempt)
    expect(r.status).toBe(409)
    expect(r.type).toBe('application/problem+json')
    expect(r.json.detail).toMatch(/refused this attempt \(401\).*never sent to the upstream/)
    expect(up.received.length).toBe(before)
    expect(replays()).toEqual([])
  })

  it('refuses a report-only attempt that failed its checks, though it was forwarded once', async () => {
    const report = await send('/hooks/report', 'Bearer wrong-token-111', '{"n":2}')
    expect(report.status).toBe(201) // forwarded anyway: the endpoint is report-only
    const record = await gw.store.get(report.attempt)
    expect(record?.would_have_refused).toBe(true)
    const before = up.received.length
    expect(before).toBeGreaterThan(0)
    const r = await replay(report.attempt)
    expect(r.status).toBe(409)
    expect(r.type).toBe('application/problem+json')
    expect(r.json.detail).toMatch(/failed its checks.*report-only.*only accepted attempts/)
    expect(up.received.length).toBe(before)
    expect(replays()).toEqual([])
  })

  it('still re-sends an accepted attempt, marked as a replay', async () => {
    const ok = await send('/hooks/orders', `Bearer ${TOKEN}`, '{"n":3}')
    expect(ok.status).toBe(201)
    const r = await replay(ok.attempt)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ attempt: ok.attempt, ok: true, status: 201 })
    const sent = replays()
    expect(sent).toHaveLength(1)
    expect(header(sent[0]!.rawHeaders, 'x-hookwarden-replay-of')).toEqual([ok.attempt])
    expect(sent[0]!.body.toString()).toBe('{"n":3}')
  })
})
