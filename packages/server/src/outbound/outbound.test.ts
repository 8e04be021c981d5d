/**
 * replay and probe against real servers on 127.0.0.1: an nginx-style Basic-auth proxy in
 * front of a Bearer app, a redirector, a silent server, and a raw byte recorder.
 * @module
 */
import { type HttpRequest, parseRequest } from '@hookwarden/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isPrivateAddress } from './guard.js'
import { probe } from './probe.js'
import { headerConstructionFix } from './quick-fix.js'
import { replay } from './replay.js'
import {
  APP_TOKEN,
  PROXY_PASS,
  PROXY_USER,
  type Running,
  startApp,
  startBasicAuthProxy,
  startRecorder,
  startRedirector,
  startSilent,
} from './test-servers.spec.js'

const BODY = '{"event":"order.created","order":{"id":"ord_1042"}}'
const capture = (auth: string | null, extra = ''): HttpRequest =>
  parseRequest(
    `POST /hooks/orders HTTP/1.1\r\nHost: hooks.example.org\r\nContent-Type: application/json\r\n${auth === null ? '' : `Authorization: ${auth}\r\n`}${extra}Content-Length: ${BODY.length}\r\n\r\n${BODY}`,
  )
const local = { allowPrivate: true, timeoutMs: 5000 }

let app: Running
let proxy: Running
beforeAll(async () => {
  app = await startApp()
  proxy = await startBasicAuthProxy(app.url)
})
afterAll(async () => {
  await proxy.close()
  await app.close()
})

describe('replay', () => {
  it('sends byte for byte: header casing, order, duplicates, raw body; Host rewritten', async () => {
    const rec = await startRecorder()
    try {
      const body = Buffer.from([0x7b, 0x0d, 0x0a, 0xe2, 0x82, 0xac, 0x00, 0xff, 0x7d])
      const req: HttpRequest = {
        method: 'PUT',
        url: '/hooks/orders?x=1',
        headers: [
          ['Host', 'hooks.example.org'],
          ['X-Custom', 'a'],
          ['authorization', `Bearer ${APP_TOKEN}`],
          ['X-Custom', 'b'],
          ['Connection', 'close'],
          ['Content-Length', '999'],
        ],
        body,
      }
      const r = await replay(req, { ...local, to: rec.url })
      expect(r.error).toBeNull()
      expect(r.response?.status).toBe(204)
      const raw = rec.received()
      const headEnd = raw.indexOf('\r\n\r\n')
      const head = raw.subarray(0, headEnd).toString('latin1').split('\r\n')
      expect(head[0]).toBe('PUT /hooks/orders?x=1 HTTP/1.1')
      expect(head[1]).toBe(`host: ${new URL(rec.url).host}`)
      const mine = head.filter((l) => /^(X-Custom|authorization):/.test(l))
      expect(mine).toEqual(['X-Custom: a', `authorization: Bearer ${APP_TOKEN}`, 'X-Custom: b'])
      expect(head).toContain(`content-length: ${body.length}`)
      expect(Buffer.compare(raw.subarray(headEnd + 4), body)).toBe(0)
      expect(r.sent.dropped.join(' ')).toMatch(/Connection/)
      expect(r.sent.dropped.join(' ')).toMatch(/Content-Length: 999/)
      expect(JSON.stringify(r)).not.toContain(APP_TOKEN)
    } finally {
      await rec.close()
    }
  })

  it("through the nginx-style proxy, a Bearer token gets nginx's 401", async () => {
    const r = await replay(capture(`Bearer ${APP_TOKEN}`), { ...local, to: proxy.url })
    expect(r.response).toMatchObject({ status: 401, class: 'authentication' })
    expect(r.origin).toMatchObject({ layer: 'proxy', product: 'nginx' })
    expect(r.target).toBe(`${proxy.url}/hooks/orders`)
    expect(JSON.stringify(r)).not.toContain(APP_TOKEN)
    expect(JSON.stringify(r.sent.headers)).toMatch(/Bearer len=\d+ fp:[0-9a-f]{8}/)
  })

  it('with the proxy satisfied, the app answers its own 401 JSON', async () => {
    const basic = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASS}`).toString('base64')}`
    const r = await replay(capture(basic), { ...local, to: proxy.url })
    expect(r.response?.status).toBe(401)
    expect(r.origin?.layer).toBe('application')
    expect(r.origin?.evidence.join(' ')).toMatch(/nginx/)
  })

  it('--fix adds the missing Bearer prefix and the app accepts it', async () => {
    const before = await replay(capture(`"${APP_TOKEN}\u200B"`), { ...local, to: app.url })
    expect(before.response?.status).toBe(401)
    const after = await replay(capture(`"${APP_TOKEN}\u200B"`), {
      ...local,
      to: app.url,
      fix: headerConstructionFix,
    })
    expect(after.response).toMatchObject({ status: 200, class: 'success' })
    expect(after.fixes.join(' ')).toMatch(/Bearer/)
    expect(after.fixes.join(' ')).toMatch(/quotes/)
    expect(after.fixes.join(' ')).toMatch(/invisible/)
  })

  it('never follows a redirect, and reports it', async () => {
    const red = await startRedirector(301, (p) => `https://hooks.example.org${p}`)
    try {
      const r = await replay(capture(`Bearer ${APP_TOKEN}`), { ...local, to: red.url })
      expect(red.requests).toBe(1)
      expect(r.response?.status).toBe(301)
      expect(r.redirect?.finding).toMatch(/another origin/)
      expect(r.hints[0]?.code).toBe('credentials_missing')
    } finally {
      await red.close()
    }
  })

  it('times out on a server that never answers', async () => {
    const silent = await startSilent()
    try {
      const r = await replay(capture(`Bearer ${APP_TOKEN}`), {
        ...local,
        to: silent.url,
        timeoutMs: 300,
      })
      expect(r.response).toBeNull()
      expect(r.error?.code).toBe('timeout')
    } finally {
      await silent.close()
    }
  })

  it('reads at most maxResponseBytes of the answer', async () => {
    const { createServer } = await import('node:http')
    const big = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' })
      res.end(Buffer.alloc(3 * 1024 * 1024, 0x61))
    })
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r))
    try {
      const port = (big.address() as { port: number }).port
      const r = await replay(capture(null), {
        ...local,
        to: `http://127.0.0.1:${port}`,
        maxResponseBytes: 65536,
      })
      expect(r.response).toMatchObject({ status: 401, body_bytes: 65536, truncated: true })
    } finally {
      big.closeAllConnections()
      await new Promise((r) => big.close(r))
    }
  })

  it('refuses private targets unless allowed, before any connection', async () => {
    const rec = await startRecorder()
    try {
      const r = await replay(capture(null), { to: rec.url, timeoutMs: 2000 })
      expect(r.error?.code).toBe('blocked_address')
      const byName = await replay(capture(null), {
        to: rec.url.replace('127.0.0.1', 'localhost'),
        timeoutMs: 2000,
      })
      expect(byName.error?.code).toBe('blocked_address')
      expect(rec.connections).toBe(0)
    } finally {
      await rec.close()
    }
  })
})

describe('isPrivateAddress', () => {
  it('knows the reserved ranges, mapped forms included', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '224.0.0.1',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true)
    for (const ip of ['93.184.216.34', '2606:4700::1111', '8.8.8.8'])
      expect(isPrivateAddress(ip), ip).toBe(false)
  })
})

describe('probe', () => {
  it('behind the nginx-style proxy: nginx answers, and it answers the same with and without the Bearer token', async () => {
    const r = await probe(`${proxy.url}/hooks/orders`, {
      ...local,
      request: capture(`Bearer ${APP_TOKEN}`),
    })
    expect(r.variants.length).toBeLessThanOrEqual(6)
    expect(r.answered_by).toMatchObject({ layer: 'proxy', product: 'nginx' })
    expect(r.credential_read).toBe(false)
    expect(r.findings.map((f) => f.code)).toContain('credential_not_read')
    expect(r.findings.map((f) => f.code)).toContain('auth_in_front')
    expect(JSON.stringify(r)).not.toContain(APP_TOKEN)
  })

  it('straight to the app: the credential is read, the fix works, DELETE is routed first', async () => {
    const r = await probe(`${app.url}/hooks/orders`, {
      ...local,
      request: capture(`Bearer  ${APP_TOKEN}`),
    })
    expect(r.credential_read).toBe(true)
    const codes = r.findings.map((f) => f.code)
    expect(codes).toContain('fix_works')
    expect(codes).toContain('auth_per_route')
    expect(codes).toContain('method_routed_first')
    expect(r.variants.map((v) => v.name)).toEqual([
      'without-credentials',
      'captured',
      'fixed',
      'other-method',
      'unknown-path',
    ])
  })

  it('without a capture it sends an impossible token instead', async () => {
    const r = await probe(`${app.url}/hooks/orders`, local)
    expect(r.variants.map((v) => v.name)).toContain('invalid-credential')
    expect(r.credential_read).toBe(true)
  })

  it('reports a redirect and does not follow it', async () => {
    const red = await startRedirector(308, (p) => `${p}/`)
    try {
      const r = await probe(`${red.url}/hooks/orders`, {
        ...local,
        request: capture(`Bearer ${APP_TOKEN}`),
      })
      expect(red.requests).toBe(r.variants.length)
      expect(r.findings.some((f) => f.code === 'redirect')).toBe(true)
    } finally {
      await red.close()
    }
  })
})

describe('what a server outside echoes back', () => {
  const TOKEN = 'tok_ECHOED_BY_THE_SERVER_4242'
  let echo: import('node:http').Server
  let url = ''
  beforeAll(async () => {
    const { createServer } = await import('node:http')
    echo = createServer((req, res) => {
      req.resume()
      if (req.url?.startsWith('/moved')) {
        res.writeHead(302, { Location: `http://make:${TOKEN}@elsewhere.example/?token=${TOKEN}` })
        return res.end()
      }
      const sent = String(req.headers.authorization ?? '').replace(/^Bearer /, '')
      res.writeHead(401, {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="token ${sent} unknown"`,
        'Content-Type': 'application/json',
      })
      res.end(JSON.stringify({ error: `token ${sent} unknown` }))
    })
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(echo.address() as import('node:net').AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => echo.close(() => r())))

  it('replay shows the credential it sent, echoed in a header or a URL, as its fingerprint', async () => {
    const r = await replay(capture(`Bearer ${TOKEN}`, ''), { ...local, to: `${url}/hooks/orders` })
    expect(r.response?.status).toBe(401)
    const moved = await replay(capture(`Bearer ${TOKEN}`), { ...local, to: `${url}/moved` })
    expect(moved.redirect?.status).toBe(302)
    for (const shown of [r, moved]) {
      const text = JSON.stringify(shown)
      expect(text).not.toContain(TOKEN)
      expect(text).toMatch(/len=29 fp:[0-9a-f]{8}/)
    }
  })

  it('probe and replay never repeat credential-like query values of the URL they were given', async () => {
    const r = await replay(capture(null), { ...local, to: `${url}/hooks/orders?api_key=${TOKEN}` })
    expect(JSON.stringify(r)).not.toContain(TOKEN)
    const p = await probe(`${url}/moved?token=${TOKEN}`, local)
    expect(JSON.stringify(p)).not.toContain(TOKEN)
  })
})
