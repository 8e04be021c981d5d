/**
 * An endpoint's own path over real HTTP: verify, record, answer; the 401/400 answers and
 * their headers; explain safe|full|none; X-Request-Id; the record.
 */

import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { ADMIN, eventually, type Running, startGateway } from './helpers.js'

const TOKEN = 'tok_live_7f3a9c1e5b2d4f6a8c0e'
const YAML = `
endpoints:
  - name: orders
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: orders-full
    path: /hooks/full
    explain: full
    auth: { scheme: bearer, tokens: ["${TOKEN}"], retired: ["tok_old_retired_value_123"] }
  - name: orders-none
    path: /hooks/none
    explain: none
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: orders-safe
    path: /hooks/safe
    auth: { scheme: bearer, tokens: ["${TOKEN}"], retired: ["tok_old_retired_value_123"] }
  - name: env-prod
    path: /hooks/env-prod
    environment: production
    explain: full
    auth: { scheme: bearer, tokens: ["tok_env_production_000001"] }
  - name: env-staging
    path: /hooks/env-staging
    environment: staging
    auth: { scheme: bearer, tokens: ["tok_env_staging_00000001"] }
`

let gw: Running
beforeAll(async () => {
  gw = await startGateway(YAML)
})
afterAll(async () => {
  await gw.close()
})

async function post(path: string, headers: Record<string, string> = {}, body = '{"id":1}') {
  const res = await request(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  const text = await res.body.text()
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: text ? JSON.parse(text) : null,
  }
}

describe('endpoint route', () => {
  it('accepts a valid request: 200 {"ok":true,"attempt":id} and records it', async () => {
    const r = await post('/hooks/orders', { authorization: `Bearer ${TOKEN}` })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ ok: true, attempt: expect.stringMatching(/^[0-9A-Z]{26}$/) })
    expect(r.headers['x-request-id']).toBeTruthy()
    const rec = await gw.store.get(r.json.attempt)
    expect(rec).toMatchObject({
      endpoint: 'orders',
      outcome: 'accepted',
      status: 200,
      reason: null,
      kind: 'endpoint',
      method: 'POST',
      path: '/hooks/orders',
      body: null,
      body_size: 8,
    })
    expect(rec!.request_id).toBe(r.headers['x-request-id'])
    // The Authorization header is in the record, fingerprinted.
    const auth = rec!.headers.find(([n]) => n.toLowerCase() === 'authorization')!
    expect(auth[1]).toMatch(/^Bearer len=\d+ fp:[0-9a-f]{8}$/)
  })

  it('answers any method', async () => {
    const res = await request(`${gw.url}/hooks/orders`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    const get = await request(`${gw.url}/hooks/orders`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(get.statusCode).toBe(200)
    await get.body.dump()
  })

  it('no credentials: 401, WWW-Authenticate without error=, problem+json', async () => {
    const r = await post('/hooks/orders')
    expect(r.status).toBe(401)
    expect(r.headers['content-type']).toBe('application/problem+json')
    expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer /)
    expect(String(r.headers['www-authenticate'])).not.toMatch(/error=/)
    expect(r.json).toMatchObject({
      status: 401,
      reason: 'credentials_missing',
      attempt: expect.any(String),
      request_id: r.headers['x-request-id'],
    })
    expect(r.json.type).toBe('https://hookwarden.dev/reasons/credentials_missing')
  })

  it('token without "Bearer ": 401 scheme_prefix_missing with invalid_token', async () => {
    const r = await post('/hooks/orders', { authorization: TOKEN })
    expect(r.status).toBe(401)
    expect(r.json.reason).toBe('scheme_prefix_missing')
    expect(String(r.headers['www-authenticate'])).toMatch(/error="invalid_token"/)
    const rec = await gw.store.get(r.json.attempt)
    expect(rec).toMatchObject({ outcome: 'rejected', status: 401, reason: 'scheme_prefix_missing' })
    expect(rec!.checks.length).toBeGreaterThan(0)
  })

  it('reads header values as UTF-8: a zero-width space pasted after the token is credential_invisible_chars', async () => {
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(
      Buffer.concat([
        Buffer.from(
          `POST /hooks/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Note: caf\u00e9 \u2713\r\nAuthorization: Bearer ${TOKEN}\u200b\r\nContent-Length: 2\r\n\r\n{}`,
          'utf8',
        ),
      ]),
    )
    const chunks: Buffer[] = []
    for await (const c of socket) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    expect(text).toMatch(/^HTTP\/1\.1 401/)
    const json = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
    expect(json.reason).toBe('credential_invisible_chars')
    const rec = await gw.store.get(json.attempt)
    expect(rec!.reason).toBe('credential_invisible_chars')
    expect(rec!.headers).toContainEqual(['X-Note', 'caf\u00e9 \u2713'])
  })

  it("what Node's parser refuses (no Host, headers too large) still carries an X-Request-Id", async () => {
    const raw = async (text: string) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      socket.write(text)
      const chunks: Buffer[] = []
      for await (const c of socket) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('latin1')
    }
    const noHost = await raw('POST /hooks/orders HTTP/1.1\r\nContent-Length: 0\r\n\r\n')
    expect(noHost).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(noHost).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/)
    const huge = await raw(
      `POST /hooks/orders HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    )
    expect(huge).toMatch(/^HTTP\/1\.1 431 /)
    expect(huge).toMatch(/\r\nX-Request-Id: /)
  })

  it('two Authorization headers: 400 invalid_request (duplicates seen through rawHeaders)', async () => {
    const res = await request(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: ['Authorization', `Bearer ${TOKEN}`, 'Authorization', `Bearer ${TOKEN}`],
      body: '{}',
    })
    const json = (await res.body.json()) as { reason: string }
    expect(res.statusCode).toBe(400)
    expect(json.reason).toBe('duplicate_auth_header')
    expect(res.headers['content-type']).toBe('application/problem+json')
  })

  it('explain: safe answers credential failures as invalid_credentials; the record keeps the full reason', async () => {
    const r = await post('/hooks/safe', { authorization: 'Bearer tok_old_retired_value_123' })
    expect(r.status).toBe(401)
    expect(r.json.reason).toBe('invalid_credentials')
    expect(r.json.type).toBe('https://hookwarden.dev/reasons/invalid_credentials')
    expect(JSON.stringify(r.json)).not.toMatch(/revoked|retired/)
    const rec = await gw.store.get(r.json.attempt)
    expect(rec!.reason).toBe('credential_revoked')
    const metrics = await (await request(`${gw.url}/metrics`)).body.text()
    expect(metrics).toMatch(/hookwarden_retired_credential_used_total\{endpoint="orders-safe"\} 1/)
    // safe still names header-construction problems
    const p = await post('/hooks/safe', { authorization: TOKEN })
    expect(p.json.reason).toBe('scheme_prefix_missing')
  })

  it('another environment’s token: named under explain: full and in the record, invalid_credentials under safe', async () => {
    const full = await post('/hooks/env-prod', { authorization: 'Bearer tok_env_staging_00000001' })
    expect(full.status).toBe(401)
    expect(full.json.reason).toBe('credential_wrong_environment')
    expect((await gw.store.get(full.json.attempt))!.reason).toBe('credential_wrong_environment')
    const safe = await post('/hooks/env-staging', {
      authorization: 'Bearer tok_env_production_000001',
    })
    expect(safe.json.reason).toBe('invalid_credentials')
    expect((await gw.store.get(safe.json.attempt))!.reason).toBe('credential_wrong_environment')
    // The tokens hold the environments' names ("tok_env_staging_…"): the diagnosis still names
    // them plainly, not as "part of" a secret, and still never shows a token.
    const diagnosis = await eventually(
      async () => (await gw.store.get(full.json.attempt))!.diagnosis,
    )
    const text = JSON.stringify(diagnosis)
    expect(text).toMatch(/\bstaging\b/)
    expect(text).toContain('env-staging')
    expect(text).not.toContain('part of')
    expect(text).not.toContain('tok_env_staging_00000001')
  })

  it('explain: full names everything', async () => {
    const r = await post('/hooks/full', { authorization: 'Bearer tok_old_retired_value_123' })
    expect(r.status).toBe(401)
    expect(r.json.reason).toBe('credential_revoked')
    expect(r.json.hint).toBeTruthy()
  })

  it('explain: none names nothing', async () => {
    const r = await post('/hooks/none', { authorization: TOKEN })
    expect(r.status).toBe(401)
    expect(r.json.reason).toBeUndefined()
    expect(r.json.hint).toBeUndefined()
    expect(r.json).toMatchObject({ type: 'about:blank', status: 401, attempt: expect.any(String) })
    expect(r.headers['www-authenticate']).toBeTruthy()
    const rec = await gw.store.get(r.json.attempt)
    expect(rec!.reason).toBe('scheme_prefix_missing')
  })

  it('keeps the caller X-Request-Id, else the traceparent trace-id, else makes one', async () => {
    const a = await post('/hooks/orders', { 'x-request-id': 'caller-id-42', authorization: TOKEN })
    expect(a.headers['x-request-id']).toBe('caller-id-42')
    expect(a.json.request_id).toBe('caller-id-42')
    const b = await post('/hooks/orders', {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    })
    expect(b.headers['x-request-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    const c = await post('/hooks/orders', { 'x-request-id': 'bad\u0001id'.replace('\u0001', ' ') })
    expect(c.headers['x-request-id']).not.toBe('bad id')
    expect(String(c.headers['x-request-id']).length).toBeGreaterThan(8)
    const d = await request(`${gw.url}/healthz`, { headers: { 'x-request-id': 'on-health' } })
    expect(d.headers['x-request-id']).toBe('on-health')
    await d.body.dump()
  })

  it('diagnoses a rejected attempt after answering', async () => {
    const r = await post('/hooks/orders', { authorization: TOKEN })
    const rec = await eventually(async () => {
      const x = await gw.store.get(r.json.attempt)
      return x && (x.diagnosis || x.diagnosis_skipped) ? x : null
    })
    expect(rec.diagnosis ?? rec.diagnosis_skipped).toBeTruthy()
    // The hop that answered is this gateway, as the sender saw it.
    if (rec.diagnosis)
      expect((rec.diagnosis as { origin: unknown }).origin).toMatchObject({
        layer: 'gateway',
        product: 'hookwarden',
      })
  })

  it('answers 404 problem+json for a path that is no endpoint', async () => {
    const r = await post('/hooks/unknown', { authorization: `Bearer ${TOKEN}` })
    expect(r.status).toBe(404)
    expect(r.json.reason).toBe('route_not_found')
    expect(r.headers['x-request-id']).toBeTruthy()
  })

  it('names the endpoint a near-miss URL meant in the 404 and records it there, except under explain: none', async () => {
    const slash = await post('/hooks/orders/', { authorization: `Bearer ${TOKEN}` })
    expect(slash.status).toBe(404)
    expect(slash.json.reason).toBe('route_not_found')
    const detail =
      'No endpoint at /hooks/orders/; endpoint "orders" is at /hooks/orders: remove the trailing slash from the webhook URL.'
    expect(slash.json.detail).toBe(detail)
    // Recorded against the endpoint it meant, so the operator sees the sender's mistake.
    expect(slash.headers['x-hookwarden-attempt']).toBe(slash.json.attempt)
    const rec = await gw.store.get(slash.json.attempt)
    expect(rec).toMatchObject({
      endpoint: 'orders',
      kind: 'endpoint',
      path: '/hooks/orders/',
      status: 404,
      outcome: 'rejected',
      reason: 'route_not_found',
      checks: [{ name: 'route', ok: false, reason: 'route_not_found', detail }],
      forward_status: null,
    })
    expect(JSON.stringify(rec)).not.toContain(TOKEN)
    const prefixed = await post('/api-gw/hooks/orders?x=1', { authorization: `Bearer ${TOKEN}` })
    expect(prefixed.json.detail).toMatch(/extra prefix \/api-gw\. A proxy in front/)
    const quiet = await post('/hooks/none/', { authorization: `Bearer ${TOKEN}` })
    expect(quiet.status).toBe(404)
    expect(quiet.json.detail).toBeUndefined()
    expect(quiet.json.attempt).toBeUndefined()
    expect(quiet.json.hint).toBe('Check the URL of the webhook.')
  })

  it('answers a GET under /api/ or /health/ that no route takes with 404 problem+json, not the login page', async () => {
    for (const path of ['/health/auth/orders/', '/api/nope', '/health', '/health/auth/orders/x']) {
      const r = await request(`${gw.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      expect(r.statusCode, path).toBe(404)
      expect(r.headers['content-type'], path).toBe('application/problem+json')
      const json = (await r.body.json()) as { reason: string; detail?: string }
      expect(json.reason, path).toBe('route_not_found')
      if (path === '/health/auth/orders/') {
        expect(json.detail).toMatch(
          /the contract check of endpoint "orders" is at \/health\/auth\/orders: remove the trailing slash/,
        )
        const rec = await gw.store.get((json as { attempt?: string }).attempt ?? '')
        expect(rec).toMatchObject({ endpoint: 'orders', kind: 'health', status: 404 })
      }
    }
    // The dashboard's own client-side routes still get the dashboard (its login page here).
    const page = await request(`${gw.url}/attempts`)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    await page.body.dump()
  })

  it('writes one log line per attempt with the request id, and no token', async () => {
    await post('/hooks/orders', {
      authorization: `Bearer ${TOKEN}`,
      'x-request-id': 'log-line-check',
    })
    const line = await eventually(() => gw.logs.find((l) => l.includes('"log-line-check"')))
    const entry = JSON.parse(line)
    expect(entry).toMatchObject({
      msg: 'attempt',
      request_id: 'log-line-check',
      endpoint: 'orders',
      status: 200,
    })
    expect(gw.logs.join('\n')).not.toContain(TOKEN)
    void ADMIN
  })

  // Answers that become ready in one turn of the event loop are written together at its end:
  // each must still reach its own request, accepted and refused alike, in order on one socket.
  it('answers many concurrent requests each with its own answer, pipelined ones in order', async () => {
    const one = async (i: number, via?: Client) => {
      const good = i % 3 !== 0
      const opts = {
        method: 'POST' as const,
        path: '/hooks/orders',
        headers: {
          'content-type': 'application/json',
          'x-request-id': `batch-${i}`,
          ...(good ? { authorization: `Bearer ${TOKEN}` } : {}),
        },
        body: `{"n":${i}}`,
      }
      const { path, ...rest } = opts
      const res = via ? await via.request(opts) : await request(gw.url + path, rest)
      const json = (await res.body.json()) as { attempt?: string }
      return { i, good, status: res.statusCode, id: res.headers['x-request-id'], json }
    }
    const spread = await Promise.all(Array.from({ length: 60 }, (_, i) => one(i)))
    const client = new Client(gw.url, { pipelining: 10 })
    const piped = await Promise.all(Array.from({ length: 30 }, (_, i) => one(100 + i, client)))
    await client.close()
    for (const r of [...spread, ...piped]) {
      expect(r.id).toBe(`batch-${r.i}`)
      expect(r.status).toBe(r.good ? 200 : 401)
    }
    for (const r of spread.filter((x) => x.good).slice(0, 10)) {
      const rec = await gw.store.get(r.json.attempt!)
      expect(rec?.request_id).toBe(`batch-${r.i}`)
    }
  })
})

describe('pipelined requests in one write', () => {
  // Node gives a queued answer its socket only once the one ahead of it has gone out; answers
  // ready in the same turn were once taken for answers to senders already gone, and dropped.
  it('each gets its answer, in order, and the connection stays usable', async () => {
    const gw = await startGateway(YAML)
    try {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      let text = ''
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1')
      })
      const post = (id: string, auth: boolean) =>
        `POST /hooks/orders HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${id}\r\n${auth ? `Authorization: Bearer ${TOKEN}\r\n` : ''}Content-Length: 2\r\n\r\n{}`
      const answers = (n: number) =>
        eventually(async () => {
          // An answer's body runs straight into the next status line: no ^ anchors.
          const heads = text.match(/HTTP\/1\.1 \d{3} /g) ?? []
          if (heads.length < n) return null
          return [...text.matchAll(/HTTP\/1\.1 (\d{3}) [\s\S]*?X-Request-Id: (\S+)/gi)].map(
            (m) => `${m[1]} ${m[2]}`,
          )
        })
      socket.write(post('p1', true) + post('p2', false) + post('p3', true))
      expect(await answers(3)).toEqual(['200 p1', '401 p2', '200 p3'])
      socket.write(post('p4', true))
      expect(await answers(4)).toEqual(['200 p1', '401 p2', '200 p3', '200 p4'])
      socket.destroy()
    } finally {
      await gw.close()
    }
  })
})

describe('a sender that half-closes after its request', () => {
  // Some HTTP/1.0-style clients (and `nc -N`) send the request, then shut their side down and
  // wait for the answer. On SQLite the answer waits for the group commit, so the FIN arrives
  // first: Node's default then dropped the answer of an attempt it had recorded.
  it('still gets its answer (SQLite, answered after the commit), and the attempt is recorded', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hw-half-close-'))
    const sqlite = await startGateway(YAML, { store: await openSqliteStore({ dataDir }) })
    try {
      for (let i = 0; i < 3; i++) {
        const socket = connect(Number(new URL(sqlite.url).port), '127.0.0.1')
        await once(socket, 'connect')
        const chunks: Buffer[] = []
        socket.on('data', (c) => chunks.push(c))
        const body = `{"id":"half-close-${i}"}`
        socket.end(
          `POST /hooks/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        )
        await once(socket, 'close')
        const text = Buffer.concat(chunks).toString()
        expect(text).toMatch(/^HTTP\/1\.1 200 /)
        const { attempt } = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
        expect(await sqlite.store.get(attempt)).toMatchObject({ endpoint: 'orders', status: 200 })
      }
    } finally {
      await sqlite.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
