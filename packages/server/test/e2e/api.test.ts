/**
 * Every other route of contract §5 over real HTTP: /health/auth, /inspect, /healthz, /metrics,
 * the admin API (attempts, one attempt, endpoints, stats, replay, diagnose, events, session)
 * and the dashboard; the admin token on every /api route.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN,
  adminHeaders,
  eventually,
  header,
  type Running,
  startGateway,
  startUpstream,
  type Upstream,
} from './helpers.js'

const TOKEN = 'api-token-1f2e3d4c5b6a'
const KEY = 'api-key-value-99aa88bb'
let up: Upstream
let gw: Running
const web = mkdtempSync(join(tmpdir(), 'hw-web-'))

beforeAll(async () => {
  mkdirSync(join(web, 'assets'))
  writeFileSync(
    join(web, 'index.html'),
    '<!doctype html><title>hookwarden dashboard</title><script type="module" src="/assets/app.js"></script>',
  )
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log("app")')
  up = await startUpstream()
  gw = await startGateway(
    `
endpoints:
  - name: orders
    path: /hooks/orders
    forward: ${up.url}/orders
    store_body: true
    tenant: acme
    auth: { scheme: bearer, tokens: [{ value: "${TOKEN}", id: "2026-11" }] }
  - name: keyed
    path: /hooks/keyed
    auth: { scheme: api_key, header: X-API-Key, keys: ["${KEY}"] }
`,
    { webDist: web },
  )
})
afterAll(async () => {
  await gw.close()
  await up.close()
  rmSync(web, { recursive: true, force: true })
})

const api = async (
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) => {
  const res = await request(gw.url + path, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers ?? adminHeaders,
    body: init.body ?? null,
  })
  const text = await res.body.text()
  let json: unknown = null
  try {
    json = JSON.parse(text)
  } catch {}
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: json as Record<string, unknown> & Record<string, never>,
  }
}

describe('admin token', () => {
  const routes: [string, string][] = [
    ['GET', '/api/attempts'],
    ['GET', '/api/attempts/01JD0000000000000000000000'],
    ['GET', '/api/endpoints'],
    ['GET', '/api/stats'],
    ['GET', '/api/rotations'],
    ['GET', '/api/reasons'],
    ['GET', '/api/events'],
    ['POST', '/api/diagnose'],
    ['POST', '/api/attempts/01JD0000000000000000000000/replay'],
    ['GET', '/api/compare?a=01JD0000000000000000000000&b=01JD0000000000000000000001'],
  ]
  it('every /api route answers 401 without it, with a wrong one, and with it glued to Bearer', async () => {
    for (const [method, path] of routes) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-admin-token' },
        { authorization: `Bearer${ADMIN}` },
        { authorization: ADMIN },
      ]) {
        const r = await api(path, { method, headers })
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401)
        expect(r.headers['www-authenticate']).toMatch(/^Bearer realm=/)
        expect(r.headers['content-type']).toBe('application/problem+json')
      }
    }
  })
})

describe('attempts API', () => {
  const ids: string[] = []
  beforeAll(async () => {
    for (const auth of [`Bearer ${TOKEN}`, TOKEN, 'Bearer unknown-token-xyz', `Bearer ${TOKEN}`]) {
      const res = await request(`${gw.url}/hooks/orders`, {
        method: 'POST',
        headers: { authorization: auth },
        body: '{"n":1}',
      })
      ids.push(res.headers['x-hookwarden-attempt'] as string)
      await res.body.dump()
    }
  })

  it('lists newest first, filters by endpoint, outcome and reason, limits and pages', async () => {
    const all = await api('/api/attempts?endpoint=orders')
    expect(all.status).toBe(200)
    const list = all.json.attempts as unknown as {
      id: string
      outcome: string
      reason: string | null
      has_body: boolean
      diagnosis?: unknown
    }[]
    expect(list.map((a) => a.id)).toEqual([...ids].reverse())
    expect(list[0]).not.toHaveProperty('diagnosis')
    expect(list[0]).not.toHaveProperty('body')
    const rejected = await api('/api/attempts?outcome=rejected')
    expect((rejected.json.attempts as unknown as { id: string }[]).map((a) => a.id)).toEqual([
      ids[2],
      ids[1],
    ])
    const prefix = await api('/api/attempts?reason=scheme_prefix_missing')
    expect((prefix.json.attempts as unknown as { id: string }[]).map((a) => a.id)).toEqual([ids[1]])
    const page1 = await api('/api/attempts?endpoint=orders&limit=2')
    expect((page1.json.attempts as unknown as { id: string }[]).map((a) => a.id)).toEqual([
      ids[3],
      ids[2],
    ])
    expect(page1.json.next_before).toBe(ids[2])
    const page2 = await api(`/api/attempts?endpoint=orders&limit=2&before=${ids[2]}`)
    expect((page2.json.attempts as unknown as { id: string }[]).map((a) => a.id)).toEqual([
      ids[1],
      ids[0],
    ])
  })

  it('compares a good and a bad attempt: the authentication-relevant differences first, never a secret', async () => {
    const r = await api(`/api/compare?a=${ids[0]}&b=${ids[1]}`)
    expect(r.status).toBe(200)
    expect(r.text).not.toContain(TOKEN)
    const body = r.json as unknown as {
      a: { id: string }
      b: { id: string }
      same: boolean
      differences: { field: string; kind: string; auth: boolean; note: string }[]
      checks: { name: string; a: boolean | null; b: boolean | null }[]
    }
    expect(body.a.id).toBe(ids[0])
    expect(body.b.id).toBe(ids[1])
    expect(body.same).toBe(false)
    // The missing "Bearer " is the first thing named, before anything that is not about auth.
    const first = body.differences[0]!
    expect(first.auth).toBe(true)
    const authorization = body.differences.find((d) => d.field.toLowerCase() === 'authorization')
    expect(authorization?.kind).toBe('prefix')
    const firstNonAuth = body.differences.findIndex((d) => !d.auth)
    expect(firstNonAuth === -1 || firstNonAuth > body.differences.indexOf(authorization!)).toBe(
      true,
    )
    expect(body.differences.some((d) => d.field === 'verdict')).toBe(true)
    // A check that passed in one and failed in the other comes first.
    expect(body.checks[0]!.a).not.toBe(body.checks[0]!.b)
    // The same attempt twice: nothing differs.
    const self = await api(`/api/compare?a=${ids[0]}&b=${ids[0]}`)
    expect((self.json as unknown as { same: boolean }).same).toBe(true)
    // Bad and unknown ids.
    expect((await api(`/api/compare?a=${ids[0]}`)).status).toBe(400)
    expect((await api(`/api/compare?a=${ids[0]}&b=%3Cscript%3E`)).status).toBe(400)
    expect((await api(`/api/compare?a=${ids[0]}&b=01JD0000000000000000000000`)).status).toBe(404)
  })

  it('refuses a bad filter with 400', async () => {
    for (const q of [
      'outcome=maybe',
      'limit=0',
      'limit=abc',
      'limit=5000',
      'reason=%3Cscript%3E',
      'before=x',
      // Repeated: once taken for an SQL row value, and its error for the store being down.
      'endpoint=a&endpoint=b',
      'limit=1&limit=2',
    ]) {
      const r = await api(`/api/attempts?${q}`)
      expect(r.status, q).toBe(400)
    }
    expect((await api('/api/stats?since=1&since=2')).status).toBe(400)
    expect((await api('/api/compare?a=x&a=y&b=z')).status).toBe(400)
  })

  it('stats and compare refuse a parameter they do not take (400 naming it and the known ones), as the list does', async () => {
    for (const [path, detail] of [
      [
        '/api/stats?bucket=60000&endpoint=orders',
        'unknown parameter endpoint; /api/stats takes since, bucket',
      ],
      ['/api/stats?Since=0', 'unknown parameter Since; /api/stats takes since, bucket'],
      [
        `/api/compare?a=${ids[0]}&b=${ids[1]}&tenant=acme`,
        'unknown parameter tenant; /api/compare takes a, b',
      ],
    ] as const) {
      const r = await api(path)
      expect(r.status, path).toBe(400)
      expect(r.json.detail, path).toBe(detail)
      expect(r.json.rows, path).toBeUndefined()
    }
    // What the dashboard sends is known.
    expect((await api(`/api/stats?since=${Date.now() - 3600_000}&bucket=60000`)).status).toBe(200)
    expect((await api(`/api/compare?a=${ids[0]}&b=${ids[1]}`)).status).toBe(200)
  })

  it('shows one attempt: redacted request, checks, diagnosis, forward result, body', async () => {
    const r = await api(`/api/attempts/${ids[0]}`)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({
      id: ids[0],
      endpoint: 'orders',
      tenant: 'acme',
      outcome: 'accepted',
      key_id: '2026-11',
      forward_status: 201,
      has_body: true,
    })
    expect(Buffer.from(r.json.body_base64 as unknown as string, 'base64').toString()).toBe(
      '{"n":1}',
    )
    expect(r.text).not.toContain(TOKEN)
    const rejected = await eventually(async () => {
      const x = await api(`/api/attempts/${ids[1]}`)
      return x.json.diagnosis || x.json.diagnosis_skipped ? x : null
    })
    expect(rejected.json.reason).toBe('scheme_prefix_missing')
    const listed = await api('/api/attempts?reason=scheme_prefix_missing')
    const item = (
      listed.json.attempts as unknown as {
        id: string
        cause: { code: string; fix: string } | null
      }[]
    )[0]!
    expect(item.cause?.code).toBe('scheme_prefix_missing')
    expect(item.cause?.fix).toBeTruthy()
    expect((rejected.json.checks as unknown as unknown[]).length).toBeGreaterThan(0)
    expect((await api('/api/attempts/01JD0000000000000000000000')).status).toBe(404)
    expect((await api('/api/attempts/not-an-id')).status).toBe(404)
  })

  it('replays a stored attempt to the configured upstream only', async () => {
    up.received.length = 0
    const r = await api(`/api/attempts/${ids[0]}/replay`, { method: 'POST', headers: adminHeaders })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ attempt: ids[0], ok: true, status: 201 })
    expect(up.received).toHaveLength(1)
    expect(up.received[0]!.url).toBe('/orders')
    expect(up.received[0]!.body.toString()).toBe('{"n":1}')
    expect(header(up.received[0]!.rawHeaders, 'x-hookwarden-replay-of')).toEqual([ids[0]])
    expect(header(up.received[0]!.rawHeaders, 'authorization')).toEqual([])
  })

  it('refuses to replay what has no stored body or no upstream (409)', async () => {
    const res = await request(`${gw.url}/hooks/keyed`, {
      method: 'POST',
      headers: { 'x-api-key': KEY },
      body: 'x',
    })
    await res.body.dump()
    const r = await api(`/api/attempts/${res.headers['x-hookwarden-attempt']}/replay`, {
      method: 'POST',
      headers: adminHeaders,
    })
    expect(r.status).toBe(409)
  })

  it('stats counts attempts per bucket, endpoint, outcome and reason', async () => {
    const r = await api('/api/stats?bucket=60000')
    expect(r.status).toBe(200)
    const rows = r.json.rows as unknown as {
      endpoint: string
      outcome: string
      reason: string | null
      count: number
    }[]
    const accepted = rows
      .filter((x) => x.endpoint === 'orders' && x.outcome === 'accepted')
      .reduce((n, x) => n + x.count, 0)
    expect(accepted).toBe(2)
    expect((await api('/api/stats?bucket=5')).status).toBe(400)
  })
})

describe('reasons API', () => {
  it('every reason code of the core table with its words and status', async () => {
    const r = await api('/api/reasons')
    expect(r.status).toBe(200)
    const reasons = r.json.reasons as unknown as { code: string; title: string; status: number }[]
    expect(reasons).toContainEqual({
      code: 'scheme_prefix_missing',
      title: expect.stringMatching(/\w+ \w+/),
      status: 401,
    })
    expect(reasons.find((x) => x.code === 'rate_limited')?.status).toBe(429)
    expect(new Set(reasons.map((x) => x.code)).size).toBe(reasons.length)
  })
})

describe('endpoints API', () => {
  it('names, paths, schemes and fingerprints; never a secret', async () => {
    const r = await api('/api/endpoints')
    expect(r.status).toBe(200)
    const eps = r.json.endpoints as unknown as {
      name: string
      path: string
      scheme: string
      forward: string
      credentials: { id: string | null; fingerprint: string }[]
    }[]
    expect(eps.map((e) => [e.name, e.path, e.scheme])).toEqual([
      ['orders', '/hooks/orders', 'bearer'],
      ['keyed', '/hooks/keyed', 'api_key'],
    ])
    expect(eps[0]!.credentials[0]).toMatchObject({
      id: '2026-11',
      fingerprint: expect.stringMatching(/^len=\d+ fp:[0-9a-f]{8}$/),
    })
    expect(eps[0]!.forward).toBe(`${up.url}/orders`)
    expect(r.text).not.toContain(TOKEN)
    expect(r.text).not.toContain(KEY)
  })
})

describe('health, inspect, metrics', () => {
  it('GET /healthz is 200', async () => {
    const r = await api('/healthz', { headers: {} })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ ok: true })
  })

  it('/health/auth/{endpoint} verifies, never forwards, records no body', async () => {
    up.received.length = 0
    const ok = await api('/health/auth/orders', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'secret-body',
    })
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ ok: true, endpoint: 'orders' })
    const get = await api('/health/auth/orders', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(get.status).toBe(200)
    const bad = await api('/health/auth/orders', {
      method: 'POST',
      headers: { authorization: TOKEN },
    })
    expect(bad.status).toBe(401)
    expect(bad.headers['www-authenticate']).toBeTruthy()
    expect(bad.json.reason).toBe('scheme_prefix_missing')
    expect(up.received).toHaveLength(0)
    const rec = await gw.store.get(ok.json.attempt as unknown as string)
    expect(rec).toMatchObject({ kind: 'health', body: null, body_size: 11 })
    expect((await api('/health/auth/nope', { headers: {} })).status).toBe(404)
  })

  it('/inspect/{bin} records the request as it came and echoes it with credentials fingerprinted', async () => {
    const r = await api('/inspect/my-bin?api_key=abc123secretvalue&x=1', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': KEY, 'x-plain': 'visible' },
      body: 'héllo',
    })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({
      bin: 'my-bin',
      method: 'PATCH',
      body: 'héllo',
      body_encoding: 'utf8',
      body_size: 6,
    })
    expect(r.json.url).toMatch(/^\/inspect\/my-bin\?api_key=len%3D17%20fp%3A[0-9a-f]{8}&x=1$/)
    const headers = r.json.headers as unknown as [string, string][]
    expect(headers).toContainEqual(['x-plain', 'visible'])
    expect(headers.find(([n]) => n === 'authorization')![1]).toMatch(/^Bearer len=\d+ fp:/)
    expect(r.text).not.toContain(TOKEN)
    expect(r.text).not.toContain(KEY)
    const rec = await gw.store.get(r.json.attempt as unknown as string)
    expect(rec).toMatchObject({ kind: 'inspect', endpoint: null, method: 'PATCH' })
    expect(Buffer.from(rec!.body!).toString()).toBe('héllo')
    const binary = await request(`${gw.url}/inspect/bin2`, {
      method: 'POST',
      body: Buffer.from([0xff, 0x00, 0x01]),
    })
    expect(await binary.body.json()).toMatchObject({ body_encoding: 'base64', body: '/wAB' })
    expect((await api('/inspect/bad%20bin', { headers: {} })).status).toBe(400)
  })

  it('/metrics: attempts by endpoint, outcome and reason, latency histograms, no secret', async () => {
    const r = await api('/metrics', { headers: {} })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toMatch(/^text\/plain/)
    expect(r.text).toMatch(
      /hookwarden_attempts_total\{endpoint="orders",kind="endpoint",outcome="rejected",reason="scheme_prefix_missing"\} \d+/,
    )
    expect(r.text).toMatch(
      /hookwarden_verify_duration_seconds_bucket\{le="0.005",endpoint="orders"\}/,
    )
    expect(r.text).toMatch(/hookwarden_record_duration_seconds_count \d+/)
    expect(r.text).toMatch(
      /hookwarden_forward_duration_seconds_count\{endpoint="orders",result="2xx"\} \d+/,
    )
    expect(r.text).not.toContain(TOKEN)
    expect(r.text).not.toContain('fp:')
  })

  it('/metrics without the admin token shows credential-matching reasons as callers are told them', async () => {
    for (const key of ['wrong-key-0000000001', 'wrong-key-0000000002'])
      await api('/hooks/keyed', { method: 'POST', headers: { 'x-api-key': key }, body: '{}' })
    const anon = (await api('/metrics', { headers: {} })).text
    expect(anon).not.toMatch(/endpoint="keyed"[^\n]*reason="credential_unknown"/)
    const shown =
      /hookwarden_attempts_total\{endpoint="keyed",kind="endpoint",outcome="rejected",reason="invalid_credentials"\} (\d+)/.exec(
        anon,
      )
    expect(Number(shown?.[1])).toBeGreaterThanOrEqual(2)
    // Header-construction reasons stay named; the admin token reads every reason.
    expect(anon).toMatch(/endpoint="orders"[^\n]*reason="scheme_prefix_missing"/)
    const full = (await api('/metrics', { headers: adminHeaders })).text
    expect(full).toMatch(
      /hookwarden_attempts_total\{endpoint="keyed",kind="endpoint",outcome="rejected",reason="credential_unknown"\} \d+/,
    )
  })
})

describe('diagnose API', () => {
  it('diagnoses a pasted request against a configured endpoint or an inline auth block', async () => {
    const pasted = `POST /hooks/orders HTTP/1.1\r\nHost: example\r\nAuthorization: ${TOKEN}\r\n\r\n{}`
    const byName = await api('/api/diagnose', {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ request: pasted, endpoint: 'orders' }),
    })
    expect(byName.status).toBe(200)
    expect((byName.json.verdict as unknown as { reason: string }).reason).toBe(
      'scheme_prefix_missing',
    )
    expect(Array.isArray(byName.json.causes)).toBe(true)
    const inline = await api('/api/diagnose', {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({
        request: pasted,
        auth: { scheme: 'bearer', tokens: ['other-pasted-token'] },
        response: 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n\r\n',
      }),
    })
    expect(inline.status).toBe(200)
    expect((inline.json.response as unknown as { status: number }).status).toBe(401)
    const make = await api('/api/diagnose', {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ request: pasted, endpoint: 'orders', sender: 'make' }),
    })
    expect(make.status).toBe(200)
    const worded = (make.json.causes as unknown as { fix: string }[])[0]!.fix
    expect(worded).toBeTruthy()
    expect(
      (
        await api('/api/diagnose', {
          method: 'POST',
          headers: adminHeaders,
          body: JSON.stringify({ request: pasted, sender: 'fax' }),
        })
      ).status,
    ).toBe(400)
    expect(JSON.stringify(gw.logs)).not.toContain('other-pasted-token')
    expect(
      (await gw.store.list({ limit: 1000 })).some((r) =>
        JSON.stringify(r).includes('other-pasted-token'),
      ),
    ).toBe(false)
  })

  it('refuses env: and file: references in an inline auth block, bad JSON and unreadable captures (400)', async () => {
    for (const body of [
      JSON.stringify({
        request: 'GET / HTTP/1.1\r\n\r\n',
        auth: { scheme: 'bearer', tokens: ['env:HOME'] },
      }),
      JSON.stringify({
        request: 'GET / HTTP/1.1\r\n\r\n',
        auth: { scheme: 'bearer', tokens: ['file:/etc/passwd'] },
      }),
      '{not json',
      JSON.stringify({ request: '' }),
      JSON.stringify({ request: 'GET / HTTP/1.1\r\n\r\n', endpoint: 'nope' }),
    ]) {
      const r = await api('/api/diagnose', { method: 'POST', headers: adminHeaders, body })
      expect(r.status, body).toBe(400)
      expect(r.text).not.toContain('root:')
    }
  })

  it('is open without the admin token when public_diagnose: true', async () => {
    const pub = await startGateway(`
public_diagnose: true
endpoints:
  - name: a
    path: /a
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`)
    try {
      const pasted = `POST /a HTTP/1.1\r\nHost: h\r\nAuthorization: ${TOKEN}\r\n\r\n`
      // With a pasted auth block: the caller's own secret, diagnosed.
      const res = await request(`${pub.url}/api/diagnose`, {
        method: 'POST',
        body: JSON.stringify({ request: pasted, auth: { scheme: 'bearer', tokens: [TOKEN] } }),
      })
      expect(res.statusCode).toBe(200)
      const diagnosis = (await res.body.json()) as { verdict: { reason: string } }
      expect(diagnosis.verdict.reason).toBe('scheme_prefix_missing')
      // The request alone (no auth): read without any configured secret.
      const alone = await request(`${pub.url}/api/diagnose`, {
        method: 'POST',
        body: JSON.stringify({ request: pasted }),
      })
      expect(alone.statusCode).toBe(200)
      expect(((await alone.body.json()) as { verdict: unknown }).verdict).toBeNull()
      // A configured endpoint's secrets answer only to the admin (no CWE-204 oracle).
      const named = await request(`${pub.url}/api/diagnose`, {
        method: 'POST',
        body: JSON.stringify({ request: pasted, endpoint: 'a' }),
      })
      expect(named.statusCode).toBe(400)
      await named.body.dump()
      const asAdmin = await request(`${pub.url}/api/diagnose`, {
        method: 'POST',
        headers: adminHeaders,
        body: JSON.stringify({ request: pasted }),
      })
      expect(
        ((await asAdmin.body.json()) as { verdict: { endpoint: string } }).verdict.endpoint,
      ).toBe('a')
      const list = await request(`${pub.url}/api/attempts`)
      expect(list.statusCode).toBe(401)
      await list.body.dump()
    } finally {
      await pub.close()
    }
  })

  it('never fetches a jwks_url pasted by someone without the admin token (no SSRF from the public page)', async () => {
    let fetched = 0
    const inside = http.createServer((_req, res) => {
      fetched++
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
    })
    await new Promise<void>((r) => inside.listen(0, '127.0.0.1', r))
    const jwksUrl = `http://127.0.0.1:${(inside.address() as AddressInfo).port}/jwks`
    const pub = await startGateway(`
public_diagnose: true
endpoints:
  - name: a
    path: /a
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`)
    try {
      const pasted = `POST /a HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln\r\n\r\n`
      for (const auth of [
        { scheme: 'jwt', algorithms: ['RS256'], jwks_url: jwksUrl },
        { scheme: 'jwt', algorithms: ['RS256'], JWKS_URL: jwksUrl },
      ]) {
        const res = await request(`${pub.url}/api/diagnose`, {
          method: 'POST',
          body: JSON.stringify({ request: pasted, auth }),
        })
        expect(res.statusCode).toBe(400)
        expect(((await res.body.json()) as { detail: string }).detail).toMatch(/jwks_url/)
      }
      expect(fetched).toBe(0)
    } finally {
      await pub.close()
      inside.close()
    }
  })
})

describe('events', () => {
  it('streams one server-sent event per new attempt', async () => {
    const controller = new AbortController()
    const res = await fetch(`${gw.url}/api/events`, {
      headers: adminHeaders,
      signal: controller.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = res.body!.getReader()
    const sent = await request(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    })
    await sent.body.dump()
    const id = sent.headers['x-hookwarden-attempt'] as string
    let text = ''
    while (!text.includes(id)) text += new TextDecoder().decode((await reader.read()).value)
    const data = text.split('\n').find((l) => l.startsWith('data: ') && l.includes(id))!
    // A forwarded attempt is announced once, with what the sender got: the upstream's 201.
    expect(text.split('\n').filter((l) => l.startsWith('data: ') && l.includes(id))).toHaveLength(1)
    expect(JSON.parse(data.slice(6))).toMatchObject({
      id,
      endpoint: 'orders',
      outcome: 'accepted',
      status: sent.statusCode,
    })
    controller.abort()
  })
})

describe('dashboard', () => {
  it('answers 401 with a login page without the token; the login form sets a cookie; the cookie opens / and the API', async () => {
    const anon = await api('/', { headers: {} })
    expect(anon.status).toBe(401)
    expect(anon.text).toContain('<form')
    expect(anon.headers['content-security-policy']).toMatch(/script-src 'self'/)
    // A token in the address is not taken (it would stay in history and proxy logs).
    expect((await api(`/?token=${ADMIN}`, { headers: {} })).status).toBe(401)
    const link = await api('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(ADMIN)}`,
    })
    expect(link.status).toBe(303)
    expect(link.headers.location).toBe('/')
    const cookie = String(link.headers['set-cookie']).split(';')[0]!
    expect(String(link.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    const page = await api('/', { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.text).toContain('hookwarden dashboard')
    const asset = await api('/assets/app.js', { headers: { cookie } })
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toMatch(/javascript/)
    // A file that is not there is a 404, signed in or not; never the login page's 401.
    expect((await api('/assets/gone-1a2b.js', { headers: {} })).status).toBe(404)
    expect((await api('/assets/gone-1a2b.js', { headers: { cookie } })).status).toBe(404)
    expect((await api('/assets/app.js', { headers: {} })).status).toBe(401)
    const spa = await api('/attempts/123', { headers: { cookie, accept: 'text/html' } })
    expect(spa.text).toContain('hookwarden dashboard')
    expect((await api('/api/endpoints', { headers: { cookie } })).status).toBe(200)
    // A cookie-carried write from another origin is refused.
    const csrf = await api('/api/diagnose', {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example' },
      body: '{"request":"GET / HTTP/1.1\\r\\n\\r\\n"}',
    })
    expect(csrf.status).toBe(403)
    expect((await api('/../../etc/passwd', { headers: { cookie } })).text).not.toContain('root:')
  })

  it('the login form sets the cookie', async () => {
    const bad = await api('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    })
    expect(bad.status).toBe(401)
    const good = await api('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(ADMIN)}`,
    })
    expect(good.status).toBe(303)
    expect(String(good.headers['set-cookie'])).toContain('hookwarden_admin=')
    const session = await api('/api/session', {
      method: 'POST',
      headers: {},
      body: JSON.stringify({ token: ADMIN }),
    })
    expect(session.status).toBe(200)
  })

  it('the cookie is a session, never the token: forged or raw-token cookies fail, and a logout ends it', async () => {
    const login = async () => {
      const res = await api('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${encodeURIComponent(ADMIN)}`,
      })
      const set = String(res.headers['set-cookie'])
      expect(set).not.toContain(ADMIN)
      expect(set).not.toContain(encodeURIComponent(ADMIN))
      expect(set).toMatch(/Max-Age=43200/)
      return set.split(';')[0]!
    }
    const cookie = await login()
    expect(cookie).toMatch(/^hookwarden_admin=v1\.\d+\.[\w-]+\.[\w-]{43}$/)
    expect((await api('/api/attempts', { headers: { cookie } })).status).toBe(200)
    // The token itself as the cookie, or a session with another MAC, opens nothing.
    const [, expires, nonce] = cookie.split('.')
    for (const forged of [
      `hookwarden_admin=${ADMIN}`,
      `hookwarden_admin=v1.${expires}.${nonce}.${'A'.repeat(43)}`,
      `hookwarden_admin=v1.${Number(expires) + 999}.${cookie.split('.').slice(2).join('.')}`,
    ])
      expect((await api('/api/attempts', { headers: { cookie: forged } })).status).toBe(401)
    // DELETE /api/session (the app's Log out) ends this session; another one still works.
    const other = await login()
    expect((await api('/api/session', { method: 'DELETE', headers: { cookie } })).status).toBe(200)
    expect((await api('/api/attempts', { headers: { cookie } })).status).toBe(401)
    expect((await api('/api/attempts', { headers: { cookie: other } })).status).toBe(200)
    // So does a plain form post to /logout.
    const out = await api('/logout', { method: 'POST', headers: { cookie: other } })
    expect(out.status).toBe(303)
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/)
    expect((await api('/api/attempts', { headers: { cookie: other } })).status).toBe(401)
  })

  it('a method a route does not take is 405 with Allow; /api answers are no-store and nosniff', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/health/auth/orders', 'GET, HEAD, POST'],
      ['DELETE', '/api/attempts', 'GET, HEAD'],
      ['POST', '/api/attempts/01ABC', 'GET, HEAD'],
      ['GET', '/api/diagnose', 'POST'],
      ['GET', '/login', 'POST'],
    ] as const) {
      const r = await api(path, { method, headers: adminHeaders })
      expect(r.status, `${method} ${path}`).toBe(405)
      expect(r.headers.allow, `${method} ${path}`).toBe(allow)
      expect(r.json.reason).toBe('method_not_allowed')
    }
    const list = await api('/api/attempts')
    expect(list.headers['cache-control']).toBe('no-store')
    expect(list.headers['x-content-type-options']).toBe('nosniff')
    // A long unknown id is still "no attempt with this id", and an unknown reason is a bad query.
    const long = await api(`/api/attempts/${'x'.repeat(300)}`)
    expect(long.status).toBe(404)
    expect(long.json.detail).toBe('no attempt with this id')
    const reason = await api('/api/attempts?reason=no_such_reason')
    expect(reason.status).toBe(400)
    // A wrong token at the login form is a 401 with its challenge, like every 401.
    const login = await api('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    })
    expect(login.status).toBe(401)
    expect(login.headers['www-authenticate']).toMatch(/^Bearer realm=/)
  })

  it('a GET at a path that is neither a page nor an endpoint is a 404, never the login page', async () => {
    for (const path of ['/no-such-webhook', '/hooks', '/attempts/a/b', '/assets']) {
      const r = await api(path, { headers: {} })
      expect(r.status, path).toBe(404)
      expect(r.headers['content-type'], path).toMatch(/application\/problem\+json/)
      expect(r.json.reason, path).toBe('route_not_found')
      expect(r.headers['www-authenticate'], path).toBeUndefined()
    }
    // A verification GET at a near miss of an endpoint is an attempt there, told the URL.
    const near = await api('/hooks/orders/', { headers: {} })
    expect(near.status).toBe(404)
    expect(near.json.reason).toBe('route_not_found')
    expect(near.json.attempt).toMatch(/^[0-9A-Z]{26}$/)
    // The pages themselves still ask for the login, and the icon never does.
    expect((await api('/attempts', { headers: {} })).status).toBe(401)
    expect((await api('/favicon.ico', { headers: {} })).status).toBe(204)
  })
})
