/**
 * Forwarding to a real node:http upstream: bytes exact (binary and UTF-8), headers as
 * received minus hop-by-hop, X-Request-Id added, strip_credentials, the upstream's answer
 * relayed; upstream down → 502, slow → 504, redirects never followed; report-only mode.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORWARD_NOT_FINISHED } from '../../src/pipeline/handle-attempt.js'
import {
  eventually,
  header,
  type Running,
  startGateway,
  startUpstream,
  type Upstream,
} from './helpers.js'

const TOKEN = 'fwd-token-5d1c8e2a9b'
let up: Upstream
let slow: Upstream
let redirect: Upstream
let refusing: Upstream
let flaky: Upstream
let sized: Upstream
const SW_SECRET = `whsec_${Buffer.from('forward-test-standard-webhooks!!').toString('base64')}`
let gw: Running
let deadPort: number

beforeAll(async () => {
  up = await startUpstream()
  slow = await startUpstream((_req, res) => {
    setTimeout(() => {
      res.writeHead(200)
      res.end('late')
    }, 2000)
  })
  // Says how long its GET body is, for HEAD too (as static file servers do).
  sized = await startUpstream((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '12345' })
    res.end()
  })
  let calls = 0
  flaky = await startUpstream((_req, res) => {
    // Down for the first delivery, up for the retry.
    res.writeHead(++calls === 1 ? 503 : 200)
    res.end()
  })
  refusing = await startUpstream((_req, res) => {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
    res.end('{"error":"invalid_token"}')
  })
  redirect = await startUpstream((req, res) => {
    // At the redirecting upstream's own address, under its forward path: a gateway URL.
    res.writeHead(307, { Location: `http://${req.headers.host}/r/moved?x=1` })
    res.end()
  })
  const dead = await startUpstream()
  deadPort = Number(new URL(dead.url).port)
  await dead.close()
  gw = await startGateway(
    `
endpoints:
  - name: fwd
    path: /in
    forward: ${up.url}/orders
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: fwd-head
    path: /in-head
    forward: ${sized.url}/file
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: fwd-strip
    path: /in-strip
    forward: ${up.url}/stripped
    strip_credentials: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: fwd-strip-query
    path: /in-strip-query
    forward: ${up.url}/stripped?route=1
    strip_credentials: true
    auth: { scheme: api_key, query: key, keys: ["${TOKEN}"] }
  - name: up-refuses
    path: /in-up-refuses
    forward: ${refusing.url}/check
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: up-refuses-stripped
    path: /in-up-refuses-stripped
    forward: ${refusing.url}/check?upstream_key=UPSTREAM-KEY-0123456789
    strip_credentials: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: sw-flaky
    path: /in-sw-flaky
    forward: ${flaky.url}/sw
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"] }
  - name: fwd-down
    path: /in-down
    forward: http://127.0.0.1:${deadPort}/x
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: fwd-slow
    path: /in-slow
    forward: ${slow.url}/slow
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: fwd-redirect
    path: /in-redirect
    forward: ${redirect.url}/r
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: report-only
    path: /in-report
    forward: ${up.url}/report
    enforce: false
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: report-only-no-upstream
    path: /in-report-local
    enforce: false
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
    { forward: { timeoutMs: 500 } },
  )
})
afterAll(async () => {
  await gw.close()
  await Promise.all([
    up.close(),
    slow.close(),
    redirect.close(),
    refusing.close(),
    flaky.close(),
    sized.close(),
  ])
})

describe('forwarding', () => {
  it('forwards binary bytes exactly, headers as sent minus hop-by-hop, and relays the answer', async () => {
    const body = Buffer.concat([randomBytes(4096), Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a])])
    up.received.length = 0
    const res = await request(`${gw.url}/in?x=1&y=%20`, {
      method: 'POST',
      headers: [
        'Authorization',
        `Bearer ${TOKEN}`,
        'Content-Type',
        'application/octet-stream',
        'X-Custom',
        'a',
        'x-custom',
        'b',
        'X-Request-Id',
        'caller-77',
      ],
      body,
    })
    expect(res.statusCode).toBe(201)
    expect(await res.body.text()).toBe('{"stored":true}')
    expect(res.headers['x-upstream']).toBe('yes')
    expect(res.headers['x-request-id']).toBe('caller-77')
    const got = up.received[0]!
    expect(got.url).toBe('/orders?x=1&y=%20')
    expect(got.method).toBe('POST')
    expect(Buffer.compare(got.body, body)).toBe(0)
    expect(header(got.rawHeaders, 'x-custom')).toEqual(['a', 'b'])
    // Casing as sent, on both hops.
    expect(got.rawHeaders.filter((h) => h.toLowerCase() === 'x-custom')).toEqual([
      'X-Custom',
      'x-custom',
    ])
    expect(header(got.rawHeaders, 'x-request-id')).toEqual(['caller-77'])
    expect(header(got.rawHeaders, 'authorization')).toEqual([`Bearer ${TOKEN}`])
    const attempt = res.headers['x-hookwarden-attempt'] as string
    const rec = await gw.store.get(attempt)
    // The record's status is what the sender got: the upstream's 201.
    expect(rec).toMatchObject({
      outcome: 'accepted',
      status: 201,
      forward_status: 201,
      forward_error: null,
    })
    expect(Buffer.compare(Buffer.from(rec!.body!), body)).toBe(0)
  })

  it('forwards a UTF-8 header value as the same bytes, and records it as text', async () => {
    up.received.length = 0
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
    await once(socket, 'connect')
    const value = 'caf\u00e9 \u2713 \u00ff'
    socket.write(
      Buffer.concat([
        Buffer.from(
          `POST /in HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\nX-Utf8: ${value}\r\nX-Latin: `,
        ),
        Buffer.from([0x63, 0x61, 0x66, 0xe9]), // "café" in Latin-1: not UTF-8, kept as bytes
        Buffer.from('\r\nContent-Length: 2\r\n\r\nhi'),
      ]),
    )
    const chunks: Buffer[] = []
    for await (const c of socket) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 201/)
    const got = up.received[0]!
    // The upstream's Node reads header bytes as Latin-1: the same string means the same bytes.
    expect(header(got.rawHeaders, 'x-utf8')).toEqual([
      Buffer.from(value, 'utf8').toString('latin1'),
    ])
    expect(header(got.rawHeaders, 'x-latin')).toEqual(['caf\u00e9'])
    const attempt = /x-hookwarden-attempt: (\S+)/i.exec(Buffer.concat(chunks).toString())?.[1]
    const rec = await gw.store.get(attempt!)
    expect(rec!.headers).toContainEqual(['X-Utf8', value])
  })

  it('drops the headers the Connection header names (raw socket: clients refuse to send them)', async () => {
    up.received.length = 0
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(
      `POST /in HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close, X-Hop\r\nX-Hop: drop-me\r\nTE: trailers\r\nContent-Length: 2\r\n\r\nhi`,
    )
    const chunks: Buffer[] = []
    for await (const c of socket) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 201/)
    const got = up.received[0]!
    expect(header(got.rawHeaders, 'x-hop')).toEqual([])
    expect(header(got.rawHeaders, 'te')).toEqual([])
    expect(got.body.toString()).toBe('hi')
  })

  it('forwards a UTF-8 body byte for byte (no re-serialization)', async () => {
    const text = '{ "name" : "Zoë 😀",\n  "n": 1.0 }\n'
    up.received.length = 0
    const res = await request(`${gw.url}/in`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: text,
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    expect(up.received[0]!.body.equals(Buffer.from(text, 'utf8'))).toBe(true)
  })

  it('strip_credentials removes credential and signature headers before the upstream', async () => {
    up.received.length = 0
    const res = await request(`${gw.url}/in-strip`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'x-signature': 'abc',
        cookie: 'a=b',
        'x-keep': '1',
      },
      body: 'x',
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    const got = up.received[0]!
    expect(header(got.rawHeaders, 'authorization')).toEqual([])
    expect(header(got.rawHeaders, 'x-signature')).toEqual([])
    expect(header(got.rawHeaders, 'cookie')).toEqual([])
    expect(header(got.rawHeaders, 'x-keep')).toEqual(['1'])
  })

  it('strip_credentials also takes the credential out of the query string', async () => {
    up.received.length = 0
    const res = await request(
      `${gw.url}/in-strip-query?keep=1;api_key=${TOKEN};c=3&key=${TOKEN}&access_token=${TOKEN}&x=${TOKEN}&page=2`,
      { method: 'POST', body: 'x' },
    )
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    // Split on ';' too, and a credential under any name (x=) is dropped as well.
    expect(up.received[0]!.url).toBe('/stripped?route=1&keep=1;c=3&page=2')
  })

  it('propagates traceparent with the same trace-id and a new parent-id; adds X-Forwarded-*', async () => {
    up.received.length = 0
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    const res = await request(`${gw.url}/in`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, traceparent: tp },
      body: 'x',
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    const got = up.received[0]!
    const sent = header(got.rawHeaders, 'traceparent')[0]!
    expect(sent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    expect(sent).not.toBe(tp)
    expect(header(got.rawHeaders, 'x-request-id')).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736'])
    expect(header(got.rawHeaders, 'x-forwarded-for')).toEqual(['127.0.0.1'])
  })

  it("replaces the sender's Forwarded and X-Real-IP with the gateway's view, like X-Forwarded-*", async () => {
    up.received.length = 0
    const host = new URL(gw.url).host
    const res = await request(`${gw.url}/in`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        forwarded: 'for=203.0.113.7;proto=https;host=payments.example',
        'x-forwarded-for': '198.51.100.1',
        'x-forwarded-proto': 'https',
        'x-real-ip': '198.51.100.2',
      },
      body: 'x',
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    const got = up.received[0]!.rawHeaders
    // The Host has a port: quoted, `:` being no token character (RFC 7239 §4).
    expect(header(got, 'forwarded')).toEqual([`for=127.0.0.1;proto=http;host="${host}"`])
    expect(header(got, 'x-real-ip')).toEqual(['127.0.0.1'])
    expect(header(got, 'x-forwarded-for')).toEqual(['127.0.0.1'])
    expect(header(got, 'x-forwarded-proto')).toEqual(['http'])
    expect(header(got, 'x-forwarded-host')).toEqual([host])
  })

  it('behind a trusted proxy, Forwarded and X-Real-IP name the client the proxy named', async () => {
    const trusting = await startGateway(
      `
endpoints:
  - name: fwd
    path: /in
    forward: ${up.url}/orders
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      { trustProxy: '127.0.0.1' },
    )
    try {
      up.received.length = 0
      const res = await request(`${trusting.url}/in`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          host: 'hooks.example',
          'x-forwarded-for': '2001:db8::7',
          forwarded: 'for=203.0.113.7',
          'x-real-ip': '198.51.100.2',
        },
        body: 'x',
      })
      expect(res.statusCode).toBe(201)
      await res.body.dump()
      const got = up.received[0]!.rawHeaders
      // The same address as X-Forwarded-For; IPv6 bracketed and quoted (RFC 7239 §6).
      expect(header(got, 'x-forwarded-for')).toEqual(['2001:db8::7'])
      expect(header(got, 'forwarded')).toEqual([
        'for="[2001:db8::7]";proto=http;host=hooks.example',
      ])
      expect(header(got, 'x-real-ip')).toEqual(['2001:db8::7'])
    } finally {
      await trusting.close()
    }
  })

  it("drops the sender's True-Client-IP, CF-Connecting-IP and the like; passes them from a trusted proxy", async () => {
    const claims = {
      'true-client-ip': '203.0.113.1',
      'cf-connecting-ip': '203.0.113.2',
      'fastly-client-ip': '203.0.113.3',
      'x-client-ip': '203.0.113.4',
      'x-cluster-client-ip': '203.0.113.5',
    }
    const trusting = await startGateway(
      `
endpoints:
  - name: fwd
    path: /in
    forward: ${up.url}/orders
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      { trustProxy: '127.0.0.1' },
    )
    try {
      for (const [base, trusted] of [
        [gw.url, false],
        [trusting.url, true],
      ] as const) {
        up.received.length = 0
        const res = await request(`${base}/in`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, ...claims, 'x-other': 'kept' },
          body: 'x',
        })
        expect(res.statusCode).toBe(201)
        await res.body.dump()
        const got = up.received[0]!.rawHeaders
        for (const [name, value] of Object.entries(claims))
          expect(header(got, name), `${name}, trusted proxy: ${trusted}`).toEqual(
            trusted ? [value] : [],
          )
        expect(header(got, 'x-other')).toEqual(['kept'])
      }
    } finally {
      await trusting.close()
    }
  })

  it('never forwards a refused attempt', async () => {
    up.received.length = 0
    const res = await request(`${gw.url}/in`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-value' },
      body: 'x',
    })
    expect(res.statusCode).toBe(401)
    await res.body.dump()
    expect(up.received).toHaveLength(0)
  })

  it('upstream down → 502 problem+json, recorded with the upstream error', async () => {
    const res = await request(`${gw.url}/in-down`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    })
    expect(res.statusCode).toBe(502)
    expect(res.headers['content-type']).toBe('application/problem+json')
    const json = (await res.body.json()) as { attempt: string; reason: string }
    expect(json.reason).toBe('upstream_unavailable')
    const rec = await gw.store.get(json.attempt)
    expect(rec).toMatchObject({
      outcome: 'accepted',
      status: 502,
      forward_status: null,
      forward_error: 'upstream refused the connection',
    })
  })

  it('upstream slow → 504 after the timeout, recorded', async () => {
    const before = slow.received.length
    const pending = request(`${gw.url}/in-slow`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    })
    // While the upstream holds it, the row says the forward has no result yet (a gateway
    // killed now leaves this, not a 200 the sender never got).
    await eventually(() => slow.received.length > before)
    const [inFlight] = await gw.store.list({ endpoint: 'fwd-slow' })
    expect(inFlight).toMatchObject({ status: 502, forward_error: FORWARD_NOT_FINISHED })
    const res = await pending
    expect(res.statusCode).toBe(504)
    const json = (await res.body.json()) as { attempt: string; reason: string }
    expect(json.reason).toBe('upstream_timeout')
    const rec = await gw.store.get(json.attempt)
    expect(rec!.forward_error).toMatch(/did not answer within 500 ms/)
    expect(rec!.status).toBe(504)
  })

  it('an upstream that refuses what the gateway accepted is named as the hop that answered, with the cause', async () => {
    for (const [path, code, said] of [
      ['/in-up-refuses', 'credential_unknown', /rotated on one side only/],
      ['/in-up-refuses-stripped', 'credentials_missing', /strip_credentials: true removed/],
    ] as const) {
      const res = await request(`${gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: 'x',
      })
      expect(res.statusCode).toBe(401)
      await res.body.dump()
      const id = res.headers['x-hookwarden-attempt'] as string
      await eventually(async () => Boolean((await gw.store.get(id))?.diagnosis))
      const rec = (await gw.store.get(id))!
      expect(rec).toMatchObject({ outcome: 'accepted', status: 401, forward_status: 401 })
      expect(rec.diagnosis!.origin.layer).toBe('application')
      expect(rec.diagnosis!.origin.evidence[0]).toMatch(/by the upstream behind this gateway/)
      expect(rec.diagnosis!.causes[0]).toMatchObject({ code })
      expect(rec.diagnosis!.causes[0]!.summary).toMatch(said)
      expect(JSON.stringify(rec.diagnosis)).not.toContain(TOKEN)
      // The forward URL is named by origin and path: its query may hold the upstream's key.
      expect(JSON.stringify(rec.diagnosis)).not.toContain('UPSTREAM-KEY')
      expect(rec.diagnosis!.causes[0]!.summary).toContain(`${refusing.url}/check`)
    }
  })

  it('a delivery the upstream failed (503) is accepted again on retry; once delivered, it is a replay', async () => {
    const body = '{"type":"invoice.paid"}'
    const at = new Date()
    const headers = {
      'webhook-id': 'msg_retry_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(SW_SECRET).sign('msg_retry_1', at, body),
    }
    const send = async () => {
      const res = await request(`${gw.url}/in-sw-flaky`, { method: 'POST', headers, body })
      await res.body.dump()
      return res.statusCode
    }
    expect(await send()).toBe(503)
    expect(await send()).toBe(200)
    expect(flaky.received).toHaveLength(2)
    expect(await send()).toBe(401)
    expect(flaky.received).toHaveLength(2)
  })

  it("relays an upstream's answer to HEAD with the length the GET's body would have", async () => {
    const res = await request(`${gw.url}/in-head`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-length']).toBe('12345')
    await res.body.dump()
  })

  it('relays a redirect without following it', async () => {
    up.received.length = 0
    const res = await request(`${gw.url}/in-redirect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    })
    expect(res.statusCode).toBe(307)
    // The sender is not shown the internal upstream's address.
    expect(res.headers.location).toBe('/in-redirect/moved?x=1')
    await res.body.dump()
    expect(up.received).toHaveLength(0)
  })

  it('report-only: a failing attempt is recorded as would_have_refused and forwarded anyway', async () => {
    up.received.length = 0
    const res = await request(`${gw.url}/in-report`, {
      method: 'POST',
      headers: { authorization: TOKEN },
      body: 'x',
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    expect(up.received).toHaveLength(1)
    const rec = await gw.store.get(res.headers['x-hookwarden-attempt'] as string)
    expect(rec).toMatchObject({
      outcome: 'rejected',
      reason: 'scheme_prefix_missing',
      would_have_refused: true,
      forward_status: 201,
    })
    const local = await request(`${gw.url}/in-report-local`, { method: 'POST', body: 'x' })
    expect(local.statusCode).toBe(200)
    expect(await local.body.json()).toMatchObject({ ok: true, would_have_refused: true })
    // A shadow run's refusals have their own series: the senders got answers, not refusals.
    const metrics = await (await request(`${gw.url}/metrics`)).body.text()
    expect(metrics).toMatch(/^hookwarden_would_have_refused_total\{endpoint="report-only"\} 1$/m)
    expect(metrics).toMatch(
      /^hookwarden_would_have_refused_total\{endpoint="report-only-no-upstream"\} 1$/m,
    )
  })
})
