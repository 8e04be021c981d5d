/**
 * The gateway in process (app.inject): capture keeps order, duplicates and casing; bodies stay
 * bytes whatever the Content-Type; the request-id rules; redaction; config checks; limits
 * asserted from the configuration (T-DOS-2: requestTimeout is never 0).
 */

import { Writable } from 'node:stream'
import { loadConfig } from '@hookwarden/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway.js'
import { ATTEMPT_ID, newAttemptId } from '../../src/ids.js'
import { redactHeaders, redactTarget, redactValue } from '../../src/redact.js'
import { requestIdFor } from '../../src/request-id.js'
import { MemoryAttemptStore } from '../../src/storage/memory.js'

const TOKEN = 'routes-token-2b3c4d5e6f'
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() })
const config = (extra = '') =>
  loadConfig(`
endpoints:
  - name: a
    path: /a
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: k
    path: /k
    auth: { scheme: api_key, query: api_key, keys: ["${TOKEN}"] }
${extra}`)

let gw: Gateway
let store: MemoryAttemptStore
beforeAll(async () => {
  store = new MemoryAttemptStore()
  gw = await createGateway({
    config: config(),
    adminToken: 'x'.repeat(32),
    store,
    logDestination: quiet(),
    webDist: null,
  })
})
afterAll(() => gw.close())

describe('capture', () => {
  it('keeps header order, duplicates and casing, and the body bytes, whatever the Content-Type', async () => {
    for (const contentType of [
      'application/json',
      'text/plain; charset=latin1',
      ';;;garbage',
      undefined,
    ]) {
      const res = await gw.app.inject({
        method: 'POST',
        url: '/a?x=1',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'X-Mixed-Case': 'v',
          ...(contentType ? { 'content-type': contentType } : {}),
        },
        payload: Buffer.from([0x7b, 0xff, 0x00, 0x7d]),
      })
      expect(res.statusCode, String(contentType)).toBe(200)
      const rec = await store.get(res.json().attempt)
      expect(Buffer.from(rec!.body!)).toEqual(Buffer.from([0x7b, 0xff, 0x00, 0x7d]))
      expect(rec!.path).toBe('/a?x=1')
      expect(rec!.headers.find(([n]) => n.toLowerCase() === 'x-mixed-case')![1]).toBe('v')
      if (contentType)
        expect(rec!.headers.find(([n]) => n.toLowerCase() === 'content-type')![1]).toBe(contentType)
    }
  })

  it('reads a chunked body without Content-Type', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/a',
      headers: { authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' },
      payload: 'abc',
    })
    expect(res.statusCode).toBe(200)
    expect((await store.get(res.json().attempt))!.body_size).toBe(3)
  })

  it('verifies a key in the query and fingerprints it in the record', async () => {
    const res = await gw.app.inject({ method: 'GET', url: `/k?api_key=${TOKEN}&page=2` })
    expect(res.statusCode).toBe(200)
    const rec = await store.get(res.json().attempt)
    expect(rec!.path).toMatch(/^\/k\?api_key=len%3D\d+%20fp%3A[0-9a-f]{8}&page=2$/)
  })
})

describe('dashboard without a build', () => {
  it('serves a placeholder page to the admin, the login page to anyone else', async () => {
    const anon = await gw.app.inject({ method: 'GET', url: '/' })
    expect(anon.statusCode).toBe(401)
    expect(anon.headers['www-authenticate']).toMatch(/^Bearer realm=/)
    const admin = await gw.app.inject({
      method: 'GET',
      url: '/',
      headers: { authorization: `Bearer ${'x'.repeat(32)}` },
    })
    expect(admin.statusCode).toBe(200)
    expect(admin.body).toContain('dashboard is not built')
    expect(admin.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/)
    expect(admin.headers['x-content-type-options']).toBe('nosniff')
  })

  it('answers 404 problem+json for a POST to no endpoint', async () => {
    const res = await gw.app.inject({ method: 'POST', url: '/nowhere', payload: 'x' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(res.json().reason).toBe('route_not_found')
  })
})

describe('limits from the configuration', () => {
  it('sets a request timeout, a headers timeout and a body limit', () => {
    expect(gw.app.server.requestTimeout).toBe(30_000)
    expect(gw.app.server.headersTimeout).toBe(10_000)
    expect(gw.app.initialConfig.bodyLimit).toBe(1024 * 1024)
  })
})

describe('request id', () => {
  it('keeps a sane caller id, else a valid traceparent trace-id, else a new one', () => {
    expect(requestIdFor([['X-Request-Id', 'abc-123']])).toBe('abc-123')
    expect(requestIdFor([['X-Request-Id', 'a\r\nb']])).not.toContain('\n')
    expect(requestIdFor([['X-Request-Id', 'x'.repeat(201)]])).not.toBe('x'.repeat(201))
    expect(requestIdFor([['X-Request-Id', 'a/b+c=']])).toBe('a/b+c=')
    expect(requestIdFor([['X-Request-Id', 'has space']])).not.toBe('has space')
    expect(requestIdFor([['X-Request-Id', 'q"uote']])).not.toBe('q"uote')
    expect(
      requestIdFor([['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]),
    ).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    // all-zero trace-id, version ff, and two traceparents are invalid
    expect(
      requestIdFor([['traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']]),
    ).toMatch(/^[0-9a-f-]{36}$/)
    expect(
      requestIdFor([['traceparent', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]),
    ).toMatch(/^[0-9a-f-]{36}$/)
    const two = requestIdFor([
      ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01'],
    ])
    expect(two).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('redaction', () => {
  it('fingerprints credential and signature headers, keeps the scheme word', () => {
    const out = redactHeaders([
      ['Authorization', `Bearer ${TOKEN}`],
      ['Cookie', 'sid=abc'],
      ['X-API-Key', TOKEN],
      ['Stripe-Signature', 't=1,v1=abc'],
      ['X-Hub-Signature-256', 'sha256=abc'],
      ['X-Auth-Token', TOKEN],
      ['X-Client-Secret', TOKEN],
      ['X-Shopify-Hmac-Sha256', TOKEN],
      ['Content-Type', 'application/json'],
    ])
    expect(out[0]![1]).toMatch(/^Bearer len=\d+ fp:[0-9a-f]{8}$/)
    for (const [, v] of out.slice(1, 8)) expect(v).toMatch(/^len=\d+ fp:[0-9a-f]{8}$/)
    expect(out[8]).toEqual(['Content-Type', 'application/json'])
    expect(JSON.stringify(out)).not.toContain(TOKEN)
    expect(redactValue(TOKEN)).not.toContain(TOKEN)
  })

  it('fingerprints the endpoint’s own credential header and query parameter', () => {
    const endpoint = loadConfig(`auth: { scheme: api_key, header: X-Partner, keys: ["${TOKEN}"] }`)
      .endpoints[0]!
    expect(redactHeaders([['x-partner', TOKEN]], endpoint)[0]![1]).toMatch(/^len=/)
    const q = loadConfig(`auth: { scheme: api_key, query: partner, keys: ["${TOKEN}"] }`)
      .endpoints[0]!
    expect(redactTarget(`/p?partner=${TOKEN}&token=${TOKEN}&a=1`, q)).not.toContain(TOKEN)
  })
})

describe('bodies that carry the credential', () => {
  it('are never stored, even with store_body: true', async () => {
    const c = loadConfig(`
endpoints:
  - name: figma
    path: /figma
    store_body: true
    auth: { scheme: body_secret, field: passcode, secrets: ["${TOKEN}"] }
`)
    const s = new MemoryAttemptStore()
    const g = await createGateway({
      config: c,
      adminToken: 'x'.repeat(32),
      store: s,
      logDestination: quiet(),
      webDist: null,
    })
    try {
      const res = await g.app.inject({
        method: 'POST',
        url: '/figma',
        headers: { 'content-type': 'application/json' },
        payload: `{"passcode":"${TOKEN}"}`,
      })
      expect(res.statusCode).toBe(200)
      const rec = await s.get(res.json().attempt)
      expect(rec!.body).toBeNull()
      expect(JSON.stringify(s.all())).not.toContain(TOKEN)
    } finally {
      await g.close()
    }
  })
})

describe('attempt ids', () => {
  it('sort by time, also within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newAttemptId(1_700_000_000_000))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(1000)
    expect(newAttemptId(1_700_000_000_001) > ids.at(-1)!).toBe(true)
  })

  it('are ULIDs: the time decodes, and within a millisecond the random part counts up by one', () => {
    const digits = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    const decode = (s: string) => [...s].reduce((n, c) => n * 32n + BigInt(digits.indexOf(c)), 0n)
    // Later than any id made so far in this process (ids never go back in time).
    const t = Date.now() + 3_600_000
    const [a, b] = [newAttemptId(t), newAttemptId(t)]
    expect(a).toMatch(ATTEMPT_ID)
    expect(Number(decode(a.slice(0, 10)))).toBe(t)
    expect(b.slice(0, 10)).toBe(a.slice(0, 10))
    expect(decode(b.slice(10))).toBe(decode(a.slice(10)) + 1n)
    // A new millisecond draws new random bits (the top bit kept clear for headroom).
    const c = newAttemptId(t + 1)
    expect(Number(decode(c.slice(0, 10)))).toBe(t + 1)
    expect(decode(c.slice(10)) < 1n << 79n).toBe(true)
  })
})

describe('config checks', () => {
  it('refuses an endpoint path the gateway owns, and two endpoints on one path', async () => {
    for (const path of [
      '/api/hooks',
      '/healthz',
      '/metrics',
      '/inspect/x',
      '/health/auth/a',
      '/',
    ]) {
      const c = loadConfig(`
endpoints:
  - name: bad
    path: ${path}
    auth: { scheme: bearer, tokens: ["t"] }
`)
      await expect(
        createGateway({ config: c, adminToken: 'x', logDestination: quiet() }),
      ).rejects.toThrow(/gateway's own routes/)
    }
    const dup = loadConfig(`
endpoints:
  - { name: a, path: /same, auth: { scheme: bearer, tokens: ["t"] } }
  - { name: b, path: /same, auth: { scheme: bearer, tokens: ["t"] } }
`)
    await expect(
      createGateway({ config: dup, adminToken: 'x', logDestination: quiet() }),
    ).rejects.toThrow(/also the path of endpoint "a"/)
  })
})
