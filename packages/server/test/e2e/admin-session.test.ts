/**
 * The dashboard session over real HTTP: a logout is kept in the attempt store (a new gateway on
 * the same store refuses the cookie; a store that cannot answer lets no cookie in), wrong
 * tokens meet the same per-source limit at every login route, a token in the address is not
 * taken, another origin cannot log the admin out, and the login returns to the page asked for.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loginTarget } from '../../src/plugins/dashboard.js'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import { MemoryAttemptStore } from '../../src/storage/memory.js'
import { ADMIN, type Running, startGateway } from './helpers.js'

const YAML = `
endpoints:
  - name: orders
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["orders-token-0a1b2c3d4e"] }
`
const web = mkdtempSync(join(tmpdir(), 'hw-web-session-'))
const running: Running[] = []

beforeAll(() => {
  mkdirSync(join(web, 'assets'))
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>hookwarden dashboard</title>')
})
afterEach(async () => {
  for (const g of running.splice(0)) await g.close()
})
afterAll(() => rmSync(web, { recursive: true, force: true }))

async function gateway(store = new MemoryAttemptStore()): Promise<Running> {
  const g = await startGateway(YAML, { webDist: web, store })
  running.push(g)
  return g
}

async function call(
  gw: Running,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const res = await request(gw.url + path, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers ?? {},
    body: init.body ?? null,
  })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }

/** Signs in with the form; the cookie as a Cookie header value. */
async function login(gw: Running): Promise<string> {
  const res = await call(gw, '/login', {
    method: 'POST',
    headers: form,
    body: `token=${encodeURIComponent(ADMIN)}`,
  })
  expect(res.status).toBe(303)
  return String(res.headers['set-cookie']).split(';')[0]!
}

const status = async (gw: Running, path: string, cookie: string) =>
  (await call(gw, path, { headers: { cookie } })).status

describe('a logout is kept in the store', () => {
  it('a new gateway on the same store refuses a logged-out cookie, and takes the others', async () => {
    const store = new MemoryAttemptStore()
    const first = await gateway(store)
    const [out, kept] = [await login(first), await login(first)]
    expect(await status(first, '/api/attempts', out)).toBe(200)
    const bye = await call(first, '/api/session', { method: 'DELETE', headers: { cookie: out } })
    expect(bye.status).toBe(200)
    expect(String(bye.headers['set-cookie'])).toMatch(/Max-Age=0/)
    expect(await status(first, '/api/attempts', out)).toBe(401)
    await first.close()
    // "Restart": another gateway, another process's memory, the same store.
    const second = await gateway(store)
    expect(await status(second, '/api/attempts', out)).toBe(401)
    expect(await status(second, '/api/session', out)).toBe(401)
    expect(await status(second, '/attempts', out)).toBe(401)
    expect(await status(second, '/api/attempts', kept)).toBe(200)
    expect(await status(second, '/attempts', kept)).toBe(200)
  })

  it('only a cookie the gateway issued is recorded: a forged one writes nothing', async () => {
    const store = new MemoryAttemptStore()
    const gw = await gateway(store)
    const nonce = 'forgedNonceForgedNonce12'
    const forged = `hookwarden_admin=v1.${Math.floor(Date.now() / 1000) + 3600}.${nonce}.${'A'.repeat(43)}`
    expect(
      (await call(gw, '/api/session', { method: 'DELETE', headers: { cookie: forged } })).status,
    ).toBe(200)
    expect(await store.sessionRevoked(nonce, Date.now())).toBe(false)
    const cookie = await login(gw)
    await call(gw, '/logout', { method: 'POST', headers: { cookie } })
    expect(await store.sessionRevoked(cookie.split('.')[2]!, Date.now())).toBe(true)
  })

  it('a store that cannot answer lets no cookie in: 503 + Retry-After, the bearer token still works', async () => {
    const store = new MemoryAttemptStore()
    const gw = await gateway(store)
    const cookie = await login(gw)
    store.fail = new StoreUnavailableError('attempts', 'down', 'attempt store down: test')
    for (const path of ['/api/endpoints', '/api/session']) {
      const res = await call(gw, path, { headers: { cookie } })
      expect(res.status, path).toBe(503)
      expect(res.headers['retry-after'], path).toBe('5')
      expect(JSON.parse(res.text).reason, path).toBe('store_unavailable')
    }
    const page = await call(gw, '/attempts', { headers: { cookie } })
    expect(page.status).toBe(503)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['retry-after']).toBe('5')
    expect(page.text).toContain('cannot check your session')
    expect(page.text).not.toContain('hookwarden dashboard')
    // The bearer token needs no lookup; /metrics with a cookie reads as for anyone.
    const bearer = await call(gw, '/api/endpoints', {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    expect(bearer.status).toBe(200)
    expect((await call(gw, '/metrics', { headers: { cookie } })).status).toBe(200)
    // A logout that cannot be recorded says so; the browser forgets the cookie all the same,
    // and this gateway refuses it once the store is back.
    const bye = await call(gw, '/api/session', { method: 'DELETE', headers: { cookie } })
    expect(bye.status).toBe(503)
    expect(String(bye.headers['set-cookie'])).toMatch(/Max-Age=0/)
    expect(JSON.parse(bye.text).detail).toMatch(/logout could not be recorded/)
    store.fail = null
    expect(await status(gw, '/api/endpoints', cookie)).toBe(401)
    expect(await status(gw, '/api/endpoints', await login(gw))).toBe(200)
  })
})

describe('wrong admin tokens are limited at every login route', () => {
  const wrong = (i: number) => `wrong-admin-token-${i}-xxxxxxxx`

  it('POST /login: 60 × 401, then a readable 429 page with Retry-After; the right token still opens', async () => {
    const gw = await gateway()
    const statuses: number[] = []
    let last = await call(gw, '/login', { method: 'POST', headers: form, body: 'token=x' })
    for (let i = 0; i < 150; i++) {
      last = await call(gw, '/login', {
        method: 'POST',
        headers: form,
        body: `token=${wrong(i)}&next=%2Fattempts`,
      })
      statuses.push(last.status)
    }
    // The first wrong token was the one above.
    expect(statuses.slice(0, 59).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(59).every((s) => s === 429)).toBe(true)
    expect(last.headers['content-type']).toMatch(/^text\/html/)
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0)
    expect(last.text).toMatch(/Too many wrong tokens from this address: try again in \d+ s\./)
    expect(last.text).toContain('name="next" value="/attempts"')
    const right = await call(gw, '/login', {
      method: 'POST',
      headers: form,
      body: `token=${encodeURIComponent(ADMIN)}&next=%2Fattempts`,
    })
    expect(right.status).toBe(303)
    expect(right.headers.location).toBe('/attempts')
    // One limit per source: the API refuses this source too.
    expect(
      (await call(gw, '/api/attempts', { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(429)
  })

  it('POST /api/session and a wrong GET /api/session: 429 problem+json once over; the right token still opens', async () => {
    const gw = await gateway()
    const statuses: number[] = []
    for (let i = 0; i < 150; i++)
      statuses.push(
        (
          await call(gw, '/api/session', {
            method: 'POST',
            body: JSON.stringify({ token: wrong(i) }),
          })
        ).status,
      )
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true)
    const limited = await call(gw, '/api/session', {
      headers: { authorization: `Bearer ${wrong(0)}` },
    })
    expect(limited.status).toBe(429)
    expect(JSON.parse(limited.text)).toMatchObject({ reason: 'rate_limited' })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    const right = await call(gw, '/api/session', {
      method: 'POST',
      body: JSON.stringify({ token: ADMIN }),
    })
    expect(right.status).toBe(200)
    expect(String(right.headers['set-cookie'])).toContain('hookwarden_admin=v1.')
    // Asking without any credential is not a guess: still the plain 401.
    const fresh = await gateway()
    for (let i = 0; i < 70; i++) expect((await call(fresh, '/api/session')).status).toBe(401)
  })
})

describe('a token in the address', () => {
  it('is not exchanged for a cookie: the login page, without the token, says why', async () => {
    const gw = await gateway()
    for (const path of [`/?token=${ADMIN}`, `/attempts?token=${ADMIN}&outcome=rejected`]) {
      const res = await call(gw, path)
      expect(res.status, path).toBe(401)
      expect(res.headers['set-cookie'], path).toBeUndefined()
      expect(res.headers['referrer-policy'], path).toBe('no-referrer')
      expect(res.headers['cache-control'], path).toBe('no-store')
      expect(res.text, path).toContain('A token in the address is not accepted')
      expect(res.text, path).not.toContain(ADMIN)
    }
    expect((await call(gw, `/attempts?token=${ADMIN}&outcome=rejected`)).text).toContain(
      'name="next" value="/attempts?outcome=rejected"',
    )
  })
})

describe('logout from another origin', () => {
  it('is refused 403, the session kept; from this origin (or no browser) it ends', async () => {
    const gw = await gateway()
    const cookie = await login(gw)
    const host = new URL(gw.url).host
    for (const headers of [
      { origin: 'http://evil.example' },
      { origin: `http://${host}.evil.example` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
    ]) {
      const out = await call(gw, '/logout', { method: 'POST', headers: { cookie, ...headers } })
      expect(out.status, JSON.stringify(headers)).toBe(403)
      expect(out.headers['set-cookie'], JSON.stringify(headers)).toBeUndefined()
      expect(out.headers['content-type']).toMatch(/^text\/html/)
      const api = await call(gw, '/api/session', {
        method: 'DELETE',
        headers: { cookie, ...headers },
      })
      expect(api.status, JSON.stringify(headers)).toBe(403)
      expect(api.headers['set-cookie']).toBeUndefined()
      expect(await status(gw, '/api/attempts', cookie)).toBe(200)
    }
    const out = await call(gw, '/logout', {
      method: 'POST',
      headers: { cookie, origin: gw.url, 'sec-fetch-site': 'same-origin' },
    })
    expect(out.status).toBe(303)
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/)
    expect(await status(gw, '/api/attempts', cookie)).toBe(401)
    // Without Origin or Sec-Fetch-Site (curl): not a browser being abused.
    const other = await login(gw)
    expect((await call(gw, '/logout', { method: 'POST', headers: { cookie: other } })).status).toBe(
      303,
    )
    expect(await status(gw, '/api/attempts', other)).toBe(401)
  })
})

describe('the login returns to the page asked for', () => {
  it('the login page carries the page asked for; the form goes back to it', async () => {
    const gw = await gateway()
    const asked = '/attempts?outcome=rejected&endpoint=x'
    const page = await call(gw, asked)
    expect(page.status).toBe(401)
    expect(page.text).toContain('name="next" value="/attempts?outcome=rejected&amp;endpoint=x"')
    const res = await call(gw, '/login', {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: ADMIN, next: asked }).toString(),
    })
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe(asked)
    // A wrong token keeps it for the next try.
    const wrong = await call(gw, '/login', {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: 'nope', next: '/attempts/01ABC' }).toString(),
    })
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('name="next" value="/attempts/01ABC"')
    // The page's own address, hostile text included, is escaped into the form.
    const hostile = await call(gw, '/attempts?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&x="><b>')
    expect(hostile.text).not.toMatch(/<script>|<b>/)
  })

  it('sends anything but a path on this gateway to /', async () => {
    const gw = await gateway()
    for (const next of [
      '//evil.example/x',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/\t/evil.example',
      '/\n/evil.example',
      ' /attempts',
      '/.//evil.example',
      '/..//evil.example',
      '/%09/evil.example/..',
      'attempts',
      '',
      `/${'a'.repeat(3000)}`,
    ]) {
      const res = await call(gw, '/login', {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ token: ADMIN, next }).toString(),
      })
      expect(res.status, JSON.stringify(next)).toBe(303)
      const location = String(res.headers.location)
      expect(location, JSON.stringify(next)).toMatch(/^\/(?![/\\])/)
      expect(new URL(location, gw.url).origin, JSON.stringify(next)).toBe(gw.url)
    }
    expect(loginTarget('//evil.example')).toBe('/')
    expect(loginTarget('/.//evil.example')).toBe('/')
    expect(loginTarget('/compare?a=1&b=2&token=secret')).toBe('/compare?a=1&b=2')
    expect(loginTarget('/attempts/01ABC')).toBe('/attempts/01ABC')
    expect(loginTarget(undefined)).toBe('/')
  })
})
