/**
 * Limits over real HTTP: the body limit (413, recorded, body not read), the per-source limit on
 * rejected attempts (429 + Retry-After; memory and Redis), a store that is down (503 +
 * Retry-After, nothing acknowledged or forwarded), diagnosis shed under load, replay.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryNonceStore } from '@hookwarden/core'
import { sign as signGithub } from '@octokit/webhooks-methods'
import { Redis } from 'ioredis'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ATTEMPT_ID } from '../../src/ids.js'
import { RedisNonceStore } from '../../src/nonce/redis.js'
import { RedisRateLimiter } from '../../src/pipeline/rate-limit.js'
import { connectRedis } from '../../src/redis.js'
import { MemoryAttemptStore } from '../../src/storage/memory.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import {
  adminHeaders,
  eventually,
  type Running,
  startGateway,
  startUpstream,
  type Upstream,
} from './helpers.js'

const TOKEN = 'limits-token-0a9b8c7d6e'
const SECRET_B64 = Buffer.from('limits-standard-webhooks-secret!').toString('base64')

/** A Standard Webhooks ping signed with the endpoint's secret: a fresh message id unless given. */
function signedPing(id = `msg_${randomUUID()}`) {
  const ts = Math.floor(Date.now() / 1000)
  const body = '{"type":"ping"}'
  const sig = createHmac('sha256', Buffer.from(SECRET_B64, 'base64'))
    .update(`${id}.${ts}.${body}`)
    .digest('base64')
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': `v1,${sig}`,
  }
  return { method: 'POST' as const, headers, body }
}
const yaml = (forward: string) => `
endpoints:
  - name: small
    path: /small
    forward: ${forward}
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: sw
    path: /sw
    auth: { scheme: standard_webhooks, secrets: ["whsec_${SECRET_B64}"] }
`

let up: Upstream
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(async () => {
  await up.close()
})

describe('body limit', () => {
  let gw: Running
  beforeAll(async () => {
    gw = await startGateway(yaml(up.url), { limits: { bodyLimit: 1024 } })
  })
  afterAll(() => gw.close())

  it('answers limit+1 bytes with 413 problem+json and records the attempt', async () => {
    up.received.length = 0
    const res = await request(`${gw.url}/small`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: Buffer.alloc(1025, 0x61),
    })
    expect(res.statusCode).toBe(413)
    expect(res.headers['content-type']).toBe('application/problem+json')
    const json = (await res.body.json()) as { reason: string; attempt: string }
    expect(json.reason).toBe('payload_too_large')
    const rec = await gw.store.get(json.attempt)
    expect(rec).toMatchObject({
      endpoint: 'small',
      outcome: 'rejected',
      status: 413,
      reason: 'payload_too_large',
      body_size: 1025,
      // Not read: no hash of bytes nobody saw.
      body_sha256: '',
      body: null,
    })
    const api = await request(`${gw.url}/api/attempts/${json.attempt}`, { headers: adminHeaders })
    expect(((await api.body.json()) as { body_sha256: unknown }).body_sha256).toBeNull()
    expect(up.received).toHaveLength(0)
  })

  it('accepts exactly the limit', async () => {
    const res = await request(`${gw.url}/small`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: Buffer.alloc(1024, 0x61),
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
  })

  it('Expect: 100-continue: a body declared over the limit gets 413 without a 100 first; one within it gets its 100', async () => {
    const exchange = async (length: number, body?: string) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      socket.write(
        `POST /small HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`,
      )
      let text = ''
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1')
        // The sender waits for the interim answer before it sends the body.
        if (body && text === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(body)
      })
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (/\r\n\r\n\{.*\}$/s.test(text)) {
            clearInterval(check)
            resolve()
          }
        }, 10)
      })
      socket.destroy()
      return text
    }
    const refused = await exchange(5_000_000)
    expect(refused).toMatch(/^HTTP\/1\.1 413 /)
    expect(refused).not.toContain('100 Continue')
    const { attempt } = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)) as {
      attempt: string
    }
    expect(await gw.store.get(attempt)).toMatchObject({ status: 413, body_size: 5_000_000 })
    const accepted = await exchange(2, 'ok')
    expect(accepted).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /)
  })

  it('an Expect other than 100-continue is 417 problem+json with a request id', async () => {
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(
      'POST /small HTTP/1.1\r\nHost: x\r\nExpect: x-later\r\nContent-Length: 2\r\n\r\n{}',
    )
    const [chunk] = (await once(socket, 'data')) as [Buffer]
    socket.destroy()
    const text = chunk.toString('latin1')
    expect(text).toMatch(/^HTTP\/1\.1 417 /)
    expect(text).toMatch(/\r\nX-Request-Id: \S+/i)
    expect(text).toMatch(/\r\nContent-Type: application\/problem\+json/i)
  })

  it('reads every header up to the size limit: an Authorization after 1100 others still counts', async () => {
    const many = Array.from({ length: 1100 }, (_, i) => [`x-h${i}`, 'a']).flat()
    const res = await request(`${gw.url}/small`, {
      method: 'POST',
      headers: [...many, 'authorization', `Bearer ${TOKEN}`],
      body: 'x',
    })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
  })

  it('stops a chunked body over the limit', async () => {
    async function* chunks() {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(512, 0x62)
    }
    const res = await request(`${gw.url}/small`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: chunks(),
    }).catch((e) => e)
    if (res instanceof Error) return // the gateway may close the socket before the client finishes sending
    expect(res.statusCode).toBe(413)
    const { attempt } = (await res.body.json()) as { attempt: string }
    // No length was declared: the record gives the bytes read before the gateway stopped.
    expect((await gw.store.get(attempt))!.body_size).toBeGreaterThan(1024)
  })
})

describe('slow senders', () => {
  it('a request whose headers never end is cut off with 408; the gateway keeps answering', async () => {
    const gw = await startGateway(yaml(up.url), {
      limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 },
    })
    try {
      expect(gw.gateway.app.server.requestTimeout).toBe(2000)
      expect(gw.gateway.app.server.headersTimeout).toBe(1000)
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      socket.write('POST /small HTTP/1.1\r\nHost: x\r\nX-Slow: ')
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      // Drip a byte now and then, as slowloris does; the gateway must close anyway.
      const drip = setInterval(() => socket.writable && socket.write('a'), 200)
      await once(socket, 'close')
      clearInterval(drip)
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 408/)
      const ok = await request(`${gw.url}/healthz`)
      expect(ok.statusCode).toBe(200)
      await ok.body.dump()
    } finally {
      await gw.close()
    }
  })

  it('a body that stops short is recorded as request_incomplete: 408 at the timeout, 400 when the sender hangs up', async () => {
    const gw = await startGateway(yaml(up.url), {
      limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500 },
    })
    const head = `POST /small HTTP/1.1\r\nHost: x\r\nX-Request-Id: stalled-sender-1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n`
    try {
      // Too slow: 40 of 100 bytes, then nothing until the request timeout.
      const slow = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(slow, 'connect')
      const chunks: Buffer[] = []
      slow.on('data', (c) => chunks.push(c))
      slow.on('error', () => {})
      slow.write(`${head}${'a'.repeat(40)}`)
      await once(slow, 'close')
      const answer = Buffer.concat(chunks).toString()
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
      // The sender's own request id, and a problem+json that names the reason.
      expect(answer).toMatch(/^X-Request-Id: stalled-sender-1$/im)
      expect(answer).toMatch(/^Content-Type: application\/problem\+json$/im)
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
        reason: 'request_incomplete',
        status: 408,
        request_id: 'stalled-sender-1',
      })
      // Gone: 25 bytes, then the sender resets the connection.
      const gone = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(gone, 'connect')
      gone.write(`${head}${'b'.repeat(25)}`)
      await new Promise((r) => setTimeout(r, 100))
      gone.resetAndDestroy()
      let rows: Awaited<ReturnType<typeof gw.store.list>> = []
      for (let i = 0; i < 50 && rows.length < 2; i++) {
        rows = await gw.store.list({ endpoint: 'small' })
        await new Promise((r) => setTimeout(r, 50))
      }
      const byStatus = Object.fromEntries(rows.map((r) => [r.status, r]))
      expect(byStatus[408]).toMatchObject({
        reason: 'request_incomplete',
        body_size: 40,
        request_id: 'stalled-sender-1',
        // The hash of the 40 bytes that arrived, and the time the request did (not its end).
        body_sha256: createHash('sha256').update('a'.repeat(40)).digest('hex'),
      })
      expect(byStatus[408]!.received_at).toBeLessThan(Date.now() - 1000)
      expect(byStatus[408]!.checks[0]!.detail).toMatch(/40 bytes of the 100 declared/)
      expect(byStatus[400]).toMatchObject({ reason: 'request_incomplete', body_size: 25 })
      expect(byStatus[400]!.checks[0]!.detail).toMatch(/closed after 25 bytes/)
      // Nothing of either was forwarded.
      expect(up.received.filter((r) => r.url === '/small')).toEqual([])
    } finally {
      await gw.close()
    }
  })

  it("a cut-off body's answer carries the attempt id of its record, listed by /api/attempts: 408 at the timeout, 400 on a half-close", async () => {
    const gw = await startGateway(yaml(up.url), {
      limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500 },
    })
    /** 40 of 100 bytes, then nothing (the request timeout), or a half-close (FIN) at once. */
    const cutOff = async (ownRequestId: string | null, halfClose: boolean) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      socket.on('error', () => {})
      const id = ownRequestId === null ? '' : `X-Request-Id: ${ownRequestId}\r\n`
      socket.write(
        `POST /small HTTP/1.1\r\nHost: x\r\n${id}Authorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n${'a'.repeat(40)}`,
      )
      if (halfClose) socket.end()
      await once(socket, 'close')
      const text = Buffer.concat(chunks).toString()
      const head = text.slice(0, text.indexOf('\r\n\r\n'))
      return {
        status: Number(head.split(' ')[1]),
        header: (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1],
        problem: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)),
      }
    }
    try {
      // One sender names its request, the other does not: the answer's id is the record's.
      const answers = [await cutOff('slow-upload-1', false), await cutOff(null, true)]
      expect(answers.map((a) => a.status)).toEqual([408, 400])
      const listed = await eventually(async () => {
        const res = await request(`${gw.url}/api/attempts?endpoint=small`, {
          headers: adminHeaders,
        })
        const { attempts } = (await res.body.json()) as {
          attempts: { id: string; request_id: string; status: number; reason: string }[]
        }
        return attempts.length === 2 ? attempts : null
      })
      for (const answer of answers) {
        expect(answer.problem).toMatchObject({
          reason: 'request_incomplete',
          attempt: expect.stringMatching(ATTEMPT_ID),
        })
        expect(answer.header('X-Hookwarden-Attempt')).toBe(answer.problem.attempt)
        expect(answer.header('X-Request-Id')).toBe(answer.problem.request_id)
        expect(listed.find((r) => r.id === answer.problem.attempt)).toMatchObject({
          status: answer.status,
          reason: 'request_incomplete',
          request_id: answer.problem.request_id,
        })
      }
      expect(answers[0]!.problem.request_id).toBe('slow-upload-1')
    } finally {
      await gw.close()
    }
  })

  it('broken chunked framing is named as such, in the answer and the record, not as a short body', async () => {
    const gw = await startGateway(yaml(up.url))
    try {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      socket.on('error', () => {})
      socket.write(
        `POST /small HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad-chunks-1\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n`,
      )
      await once(socket, 'close')
      const answer = Buffer.concat(chunks).toString()
      expect(answer).toMatch(/^HTTP\/1\.1 400/)
      const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
      expect(problem).toMatchObject({ reason: 'request_incomplete', request_id: 'bad-chunks-1' })
      expect(problem.detail).toMatch(/framing is broken \(invalid character in chunk size\)/)
      expect(problem.hint).toMatch(/chunked framing/)
      const [row] = await eventually(async () => {
        const rows = await gw.store.list({ endpoint: 'small' })
        return rows.length ? rows : null
      })
      expect(row).toMatchObject({ reason: 'request_incomplete', status: 400, body_size: 5 })
      expect(row!.checks[0]!.detail).toMatch(/framing broke after 5 bytes \(invalid character/)
    } finally {
      await gw.close()
    }
  })
})

describe('rate limit on rejected attempts', () => {
  it('answers 429 with Retry-After once a source sent too many rejected attempts (memory)', async () => {
    const gw = await startGateway(yaml(up.url), { rateLimit: { max: 3, windowMs: 60_000 } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const res = await request(`${gw.url}/small`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope' },
          body: 'x',
        })
        statuses.push(res.statusCode)
        if (res.statusCode === 429) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
          expect(((await res.body.json()) as { reason: string }).reason).toBe('rate_limited')
        } else await res.body.dump()
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429])
      // Each 429 is recorded: the window's first in full, the next without the sender's headers.
      const limited = await gw.store.list({ reason: 'rate_limited' })
      expect(limited.map((r) => r.headers.length > 0)).toEqual([false, true])
      // A valid request from the same source still goes through: the limit is on refusals
      // (Make and Zapier send many customers' calls from shared addresses).
      const valid = await request(`${gw.url}/small`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: 'x',
      })
      expect(valid.statusCode).toBeLessThan(300)
      await valid.body.dump()
      const again = await request(`${gw.url}/small`, {
        method: 'POST',
        headers: { authorization: 'Bearer nope' },
        body: 'x',
      })
      expect(again.statusCode).toBe(429)
      await again.body.dump()
      // The contract check too: the operator's way to confirm the credentials answers them,
      // and still limits the failures.
      const health = async (auth: string) => {
        const res = await request(`${gw.url}/health/auth/small`, {
          method: 'POST',
          headers: { authorization: auth },
          body: 'x',
        })
        await res.body.dump()
        return res.statusCode
      }
      expect(await health(`Bearer ${TOKEN}`)).toBe(200)
      expect(await health('Bearer nope')).toBe(429)
    } finally {
      await gw.close()
    }
  })

  it('wrong admin tokens meet 429 too; the right token still opens', async () => {
    const gw = await startGateway(yaml(up.url), { rateLimit: { max: 3, windowMs: 60_000 } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const res = await request(`${gw.url}/api/attempts`, {
          headers: { authorization: `Bearer guess-${i}-0123456789` },
        })
        statuses.push(res.statusCode)
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
        await res.body.dump()
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429])
      const right = await request(`${gw.url}/api/attempts`, { headers: adminHeaders })
      expect(right.statusCode).toBe(200)
      await right.body.dump()
    } finally {
      await gw.close()
    }
  })

  it('counts a near-miss URL sent again and again (a trailing slash) like any refusal', async () => {
    const gw = await startGateway(yaml(up.url), { rateLimit: { max: 2, windowMs: 60_000 } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const res = await request(`${gw.url}/small/`, { method: 'POST', body: 'x' })
        statuses.push(res.statusCode)
        await res.body.dump()
      }
      expect(statuses).toEqual([404, 404, 429, 429])
      expect((await gw.store.list({ reason: 'route_not_found' })).length).toBe(2)
    } finally {
      await gw.close()
    }
  })

  it('counts per endpoint, and never counts replays (a valid signature sent again)', async () => {
    const gw = await startGateway(yaml(up.url), { rateLimit: { max: 2, windowMs: 60_000 } })
    try {
      const ping = signedPing()
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const res = await request(`${gw.url}/sw`, ping)
        statuses.push(res.statusCode)
        await res.body.dump()
      }
      expect(statuses).toEqual([200, 401, 401, 401, 401])
      // Two bad tokens on /small: that endpoint is limited, /sw is not.
      for (let i = 0; i < 2; i++) {
        const res = await request(`${gw.url}/small`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope' },
          body: 'x',
        })
        await res.body.dump()
      }
      const limited = await request(`${gw.url}/small`, {
        method: 'POST',
        headers: { authorization: 'Bearer nope' },
        body: 'x',
      })
      expect(limited.statusCode).toBe(429)
      await limited.body.dump()
      const other = await request(`${gw.url}/sw`, { method: 'POST', body: 'x' })
      expect(other.statusCode).toBe(401)
      await other.body.dump()
    } finally {
      await gw.close()
    }
  })

  it('behind a trusted proxy, counts per X-Forwarded-For client; otherwise per peer', async () => {
    const gw = await startGateway(yaml(up.url), {
      rateLimit: { max: 2, windowMs: 60_000 },
      trustProxy: '127.0.0.1',
    })
    try {
      const send = async (client: string) => {
        const res = await request(`${gw.url}/small`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope', 'x-forwarded-for': client },
          body: 'x',
        })
        await res.body.dump()
        return res.statusCode
      }
      expect([
        await send('203.0.113.1'),
        await send('203.0.113.1'),
        await send('203.0.113.1'),
      ]).toEqual([401, 401, 429])
      // Another client behind the same proxy is not affected (T-BRU-1).
      expect(await send('203.0.113.2')).toBe(401)
    } finally {
      await gw.close()
    }
  })

  it('shares the counters through Redis (two gateways, one limit)', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { keyPrefix: `hw-test-${randomUUID()}:` })
    const a = await startGateway(yaml(up.url), {
      rateLimiter: new RedisRateLimiter(redis, { max: 2, windowMs: 60_000 }),
    })
    const b = await startGateway(yaml(up.url), {
      rateLimiter: new RedisRateLimiter(redis, { max: 2, windowMs: 60_000 }),
    })
    try {
      const send = async (gw: Running) => {
        const res = await request(`${gw.url}/small`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope' },
          body: 'x',
        })
        await res.body.dump()
        return { status: res.statusCode, retry: res.headers['retry-after'] }
      }
      expect((await send(a)).status).toBe(401)
      expect((await send(b)).status).toBe(401)
      const third = await send(a)
      expect(third.status).toBe(429)
      expect(Number(third.retry)).toBeGreaterThan(0)
    } finally {
      await a.close()
      await b.close()
      await redis.quit()
    }
  })
})

describe('store down', () => {
  it('answers 503 with Retry-After, never 2xx, and forwards nothing', async () => {
    const store = new MemoryAttemptStore()
    const gw = await startGateway(yaml(up.url), { store })
    try {
      store.fail = Object.assign(new Error('disk full'), { retryAfterSeconds: 7 })
      up.received.length = 0
      const res = await request(`${gw.url}/small`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: 'x',
      })
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBe('7')
      expect(res.headers['content-type']).toBe('application/problem+json')
      const json = (await res.body.json()) as { reason: string; attempt?: string }
      expect(json.reason).toBe('store_unavailable')
      expect(json.attempt).toBeUndefined()
      expect(up.received).toHaveLength(0)
      const api = await request(`${gw.url}/api/attempts`, { headers: adminHeaders })
      expect(api.statusCode).toBe(503)
      expect(api.headers['retry-after']).toBe('7')
      await api.body.dump()
      const refused = await request(`${gw.url}/small`, { method: 'POST', body: 'x' })
      expect(refused.statusCode).toBe(503)
      await refused.body.dump()
      store.fail = null
      const ok = await request(`${gw.url}/small`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: 'x',
      })
      expect(ok.statusCode).toBe(201)
      await ok.body.dump()
    } finally {
      await gw.close()
    }
  })
})

describe('store full', () => {
  it('a real SQLite store at its size limit: 503 + Retry-After, the gateway stays up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hw-full-'))
    const store = await openSqliteStore({ dataDir, maxPageCount: 40 })
    const gw = await startGateway(yaml(up.url), { store })
    try {
      const big = 'x'.repeat(4000)
      const statuses = new Set<number>()
      for (let i = 0; i < 200 && !statuses.has(503); i++) {
        const res = await request(`${gw.url}/small`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'x-padding': big },
          body: 'x',
        })
        statuses.add(res.statusCode)
        if (res.statusCode === 503) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
          expect(((await res.body.json()) as { reason: string }).reason).toBe('store_unavailable')
        } else await res.body.dump()
      }
      expect(statuses.has(503)).toBe(true)
      const health = await request(`${gw.url}/healthz`)
      expect(health.statusCode).toBe(200)
      await health.body.dump()
    } finally {
      await gw.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('diagnosis under load', () => {
  it('sheds the diagnosis when the queue is full: diagnosis_skipped "load"', async () => {
    const gw = await startGateway(yaml(up.url), { diagnosisQueueSize: 0 })
    try {
      const res = await request(`${gw.url}/small`, {
        method: 'POST',
        headers: { authorization: TOKEN },
        body: 'x',
      })
      expect(res.statusCode).toBe(401)
      await res.body.dump()
      const rec = await gw.store.get(res.headers['x-hookwarden-attempt'] as string)
      expect(rec).toMatchObject({ diagnosis: null, diagnosis_skipped: 'load' })
      const metrics = await (await request(`${gw.url}/metrics`)).body.text()
      expect(metrics).toMatch(/hookwarden_diagnosis_shed_total\{endpoint="small"\} 1/)
    } finally {
      await gw.close()
    }
  })
})

describe('replay protection', () => {
  it('accepts a signed Standard Webhooks message once; the same message again is replay_detected', async () => {
    const gw = await startGateway(yaml(up.url))
    try {
      const id = `msg_${randomUUID()}`
      const ts = Math.floor(Date.now() / 1000)
      const body = '{"type":"ping"}'
      const sig = createHmac('sha256', Buffer.from(SECRET_B64, 'base64'))
        .update(`${id}.${ts}.${body}`)
        .digest('base64')
      const headers = {
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': `v1,${sig}`,
        'content-type': 'application/json',
      }
      // The contract check verifies but never claims the id (it must not burn the delivery).
      const health = await request(`${gw.url}/health/auth/sw`, { method: 'POST', headers, body })
      expect(health.statusCode).toBe(200)
      await health.body.dump()
      const first = await request(`${gw.url}/sw`, { method: 'POST', headers, body })
      expect(first.statusCode).toBe(200)
      await first.body.dump()
      const again = await request(`${gw.url}/sw`, { method: 'POST', headers, body })
      expect(again.statusCode).toBe(401)
      const json = (await again.body.json()) as { reason: string }
      expect(json.reason).toBe('replay_detected')
      const rec = (await gw.store.list({ endpoint: 'sw' })).find(
        (r) => r.kind === 'endpoint' && r.reason === 'replay_detected',
      )
      expect(rec).toBeTruthy()
      // The signature header is redacted in the record.
      expect(JSON.stringify(rec!.headers)).not.toContain(sig)
    } finally {
      await gw.close()
    }
  })

  it("a sender's retry of a delivered message (same id, signed again) reaches the upstream; its exact copy does not", async () => {
    // What Svix and Standard Webhooks senders do when the 2xx was lost on the way back: the
    // same webhook-id, a new timestamp, a new signature. The upstream dedupes by id.
    const secret = `whsec_${SECRET_B64}`
    const gw = await startGateway(`
endpoints:
  - name: swf
    path: /swf
    forward: ${up.url}/swf
    auth: { scheme: standard_webhooks, secrets: ["${secret}"] }
`)
    try {
      const id = `msg_${randomUUID()}`
      const body = '{"type":"invoice.paid"}'
      const signedAt = (ts: number) => ({
        method: 'POST' as const,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': new StandardWebhook(secret).sign(id, new Date(ts * 1000), body),
          'content-type': 'application/json',
        },
        body,
      })
      const now = Math.floor(Date.now() / 1000)
      const first = signedAt(now - 30)
      const before = up.received.length
      const delivered = await request(`${gw.url}/swf`, first)
      expect(delivered.statusCode).toBe(201)
      await delivered.body.dump()
      const retry = await request(`${gw.url}/swf`, signedAt(now))
      expect(retry.statusCode).toBe(201)
      await retry.body.dump()
      expect(up.received.length - before).toBe(2)
      const copy = await request(`${gw.url}/swf`, first)
      expect(copy.statusCode).toBe(401)
      expect(((await copy.body.json()) as { reason: string }).reason).toBe('replay_detected')
      expect(up.received.length - before).toBe(2)
    } finally {
      await gw.close()
    }
  })
})

describe('a delivery the upstream refused', () => {
  it("GitHub's Redeliver (the same bytes) reaches the upstream once it is fixed, after any non-2xx", async () => {
    const secret = 'limits-github-secret-0a1b2c'
    let refuse = 401
    const github = await startUpstream((_req, res) => {
      res.writeHead(refuse === 0 ? 200 : refuse, { 'Content-Type': 'text/plain' })
      res.end(refuse === 0 ? 'ok' : 'no')
    })
    const gw = await startGateway(`
endpoints:
  - name: gh
    path: /gh
    forward: ${github.url}/gh
    auth: { provider: github, secrets: ["${secret}"] }
`)
    try {
      const body = JSON.stringify({ action: 'opened', number: 1 })
      const delivery = {
        method: 'POST' as const,
        headers: {
          'x-github-delivery': randomUUID(),
          'x-github-event': 'pull_request',
          'x-hub-signature-256': await signGithub(secret, body),
          'content-type': 'application/json',
        },
        body,
      }
      for (const status of [401, 404, 422]) {
        refuse = status
        const refused = await request(`${gw.url}/gh`, delivery)
        expect(refused.statusCode).toBe(status)
        await refused.body.dump()
      }
      refuse = 0
      const redelivered = await request(`${gw.url}/gh`, delivery)
      expect(redelivered.statusCode).toBe(200)
      await redelivered.body.dump()
      expect(github.received).toHaveLength(4)
      // Taken now: the same bytes again are a replay.
      const again = await request(`${gw.url}/gh`, delivery)
      expect(again.statusCode).toBe(401)
      expect(((await again.body.json()) as { reason: string }).reason).toBe('replay_detected')
    } finally {
      await gw.close()
      await github.close()
    }
  })
})

describe('nonce store down', () => {
  it('fails closed: 503 + Retry-After, never an accept without the replay check', async () => {
    const redis = await connectRedis({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: `hw-test-${randomUUID()}:`,
      store: 'nonce',
    })
    const gw = await startGateway(yaml(up.url), { nonceStore: new RedisNonceStore(redis) })
    try {
      const ok = await request(`${gw.url}/sw`, signedPing())
      expect(ok.statusCode).toBe(200)
      await ok.body.dump()
      redis.disconnect()
      const down = await request(`${gw.url}/sw`, signedPing())
      expect(down.statusCode).toBe(503)
      expect(Number(down.headers['retry-after'])).toBeGreaterThan(0)
      expect(((await down.body.json()) as { reason: string }).reason).toBe(
        'nonce_store_unavailable',
      )
    } finally {
      await gw.close().catch(() => {})
    }
  })

  it('full of live ids (memory store at its cap): 503 + Retry-After, and an early id is still a replay (T-RPL-4)', async () => {
    const gw = await startGateway(yaml(up.url), {
      nonceStore: new MemoryNonceStore({ maxEntries: 2 }),
    })
    try {
      const first = signedPing()
      for (const req of [first, signedPing()]) {
        const ok = await request(`${gw.url}/sw`, req)
        expect(ok.statusCode).toBe(200)
        await ok.body.dump()
      }
      const full = await request(`${gw.url}/sw`, signedPing())
      expect(full.statusCode).toBe(503)
      expect(Number(full.headers['retry-after'])).toBeGreaterThan(0)
      expect(((await full.body.json()) as { reason: string }).reason).toBe(
        'nonce_store_unavailable',
      )
      const replay = await request(`${gw.url}/sw`, first)
      expect(replay.statusCode).not.toBe(200)
      expect(((await replay.body.json()) as { reason: string }).reason).toBe('replay_detected')
    } finally {
      await gw.close().catch(() => {})
    }
  })
})
