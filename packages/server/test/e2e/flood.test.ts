/**
 * Floods from one source (red team 6, F2 F4 F5), over real HTTP against real stores: a burst
 * of refusals meets the per-source limit exactly (memory and Redis), the refusals over it are
 * counted into one record per window instead of one row each (SQLite and PostgreSQL), and the
 * bytes held for bodies still arriving are bounded.
 */
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import { Pool } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisRateLimiter } from '../../src/pipeline/rate-limit.js'
import { isCompactRow } from '../../src/storage/compact-row.js'
import { openPostgresStore } from '../../src/storage/postgres.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import type { AttemptRecord, AttemptStore } from '../../src/storage/types.js'
import { adminHeaders, eventually, startGateway } from './helpers.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const TOKEN = 'flood-token-0a9b8c7d6e5f'
const yaml = `
endpoints:
  - name: small
    path: /small
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`

/** One POST on its own connection (no keep-alive pool: a burst arrives as a real one would). */
function post(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** `n` refused requests at once from this address; the answers' statuses, counted. */
async function refusedBurst(base: string, n: number): Promise<Record<number, number>> {
  const answers = await Promise.all(
    Array.from({ length: n }, () =>
      post(base, '/small', { authorization: 'Bearer wrong-token' }, '{"a":1}'),
    ),
  )
  const counts: Record<number, number> = {}
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1
  return counts
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-flood-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a burst of refusals meets the per-source limit exactly (F4)', () => {
  it('in memory: 200 at once, max 20 → 20 refusals and 180 429s, over a real SQLite store', async () => {
    // SQLite's group commit (fsync) is what let a burst in: each request used to be counted
    // only once its record had committed, so all of one commit's requests saw the old count.
    const store = await openSqliteStore({ dataDir: join(dir, `burst-${randomUUID()}`) })
    const gw = await startGateway(yaml, {
      store: store as never,
      rateLimit: { max: 20, windowMs: 60_000 },
    })
    try {
      expect(await refusedBurst(gw.url, 200)).toEqual({ 401: 20, 429: 180 })
    } finally {
      await gw.close()
    }
  })

  it('in Redis, shared by two gateways: 200 at once across both, max 20 → 20 refusals', async () => {
    const redis = new Redis(REDIS_URL, { keyPrefix: `hw-flood-${randomUUID()}:` })
    const stores = await Promise.all(
      [1, 2].map((i) => openSqliteStore({ dataDir: join(dir, `redis-${i}-${randomUUID()}`) })),
    )
    const [a, b] = await Promise.all(
      stores.map((store) =>
        startGateway(yaml, {
          store: store as never,
          rateLimiter: new RedisRateLimiter(redis, { max: 20, windowMs: 60_000 }),
        }),
      ),
    )
    try {
      const [x, y] = await Promise.all([refusedBurst(a!.url, 100), refusedBurst(b!.url, 100)])
      expect((x[401] ?? 0) + (y[401] ?? 0)).toBe(20)
      expect((x[429] ?? 0) + (y[429] ?? 0)).toBe(180)
    } finally {
      await a!.close()
      await b!.close()
      await redis.quit()
    }
  })
})

/** `n` requests written at once on one connection (HTTP/1.1 pipelining); the statuses, counted. */
async function pipelined(base: string, head: string, body: string, n: number) {
  const url = new URL(base)
  const socket = connect(Number(url.port), url.hostname)
  await once(socket, 'connect')
  let text = ''
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1')
  })
  const one = `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  socket.write(one.repeat(n))
  const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
  await eventually(() => statuses().length >= n, 3000)
  socket.destroy()
  const counts: Record<number, number> = {}
  for (const s of statuses()) counts[s] = (counts[s] ?? 0) + 1
  return counts
}

describe('a burst at the public paste page meets its per-source limit exactly', () => {
  it('300 at once from one address (150 connections, 150 pipelined on one) → 60 diagnoses, 240 429s', async () => {
    const gw = await startGateway(`public_diagnose: true\n${yaml}`)
    try {
      const body = JSON.stringify({
        request: 'POST /small HTTP/1.1\r\nHost: h\r\nAuthorization: x\r\n\r\n',
        auth: { scheme: 'bearer', tokens: [TOKEN] },
      })
      const json = { 'content-type': 'application/json' }
      const [separate, together] = await Promise.all([
        Promise.all(Array.from({ length: 150 }, () => post(gw.url, '/api/diagnose', json, body))),
        pipelined(
          gw.url,
          'POST /api/diagnose HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n',
          body,
          150,
        ),
      ])
      const counts: Record<number, number> = { ...together }
      for (const a of separate) counts[a.status] = (counts[a.status] ?? 0) + 1
      expect(counts).toEqual({ 200: 60, 429: 240 })
      const limited = separate.find((a) => a.status === 429)
      if (limited) expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await gw.close()
    }
  })
})

/** Every row of the store, newest first. */
async function everyRow(store: AttemptStore): Promise<AttemptRecord[]> {
  const rows: AttemptRecord[] = []
  for (let before: string | undefined; ; ) {
    const page = await store.list({ limit: 1000, ...(before ? { before } : {}) })
    rows.push(...page)
    if (page.length < 1000) return rows
    before = page.at(-1)!.id
  }
}

/** A real store, opened again after the gateway closed it (what was written at shutdown). */
interface StoreKind {
  name: string
  open(): Promise<AttemptStore>
  cleanup(): Promise<void>
}

const sqliteKind = (): StoreKind => {
  const dataDir = join(dir, `sqlite-${randomUUID()}`)
  return { name: 'SQLite', open: () => openSqliteStore({ dataDir }), cleanup: async () => {} }
}

const postgresKind = (): StoreKind => {
  const schema = `hw_flood_${process.pid}_${randomUUID().slice(0, 8)}`
  return {
    name: 'PostgreSQL',
    open: () => openPostgresStore({ databaseUrl: DATABASE_URL, schema }),
    cleanup: async () => {
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
    },
  }
}

describe.each([
  ['SQLite', sqliteKind],
  ['PostgreSQL', postgresKind],
])('a flood of refusals from one source does not fill the store (F2, %s)', (_name, kindOf) => {
  it('4 000 refusals → limit full rows, then compact rows (no headers, no body) and the count; 413s past the limit too; /inspect limited', async () => {
    const kind = kindOf()
    const store = await kind.open()
    const gw = await startGateway(yaml, {
      store: store as never,
      rateLimit: { max: 20, windowMs: 60_000 },
      limits: { bodyLimit: 64 * 1024 },
    })
    const pool = new Pool(gw.url, { connections: 8 })
    let delivered = ''
    try {
      const delivery = await pool.request({
        path: '/small',
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '{"ok":1}',
      })
      expect(delivery.statusCode).toBe(200)
      delivered = ((await delivery.body.json()) as { attempt: string }).attempt

      // The repro's shape: one address, twelve headers of 1 000 bytes, 8 keep-alive lanes.
      const padding: Record<string, string> = { authorization: 'Bearer wrong-token' }
      for (let i = 0; i < 12; i++) padding[`x-pad-${i}`] = 'p'.repeat(1000)
      const statuses: Record<number, number> = {}
      const attemptsNamed = new Set<string>()
      let next = 0
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < 4000) {
            const res = await pool.request({
              path: '/small',
              method: 'POST',
              headers: padding,
              body: '{"a":1}',
            })
            await res.body.dump()
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
            if (res.statusCode === 429)
              attemptsNamed.add(String(res.headers['x-hookwarden-attempt']))
          }
        }),
      )
      expect(statuses).toEqual({ 401: 20, 429: 3980 })
      // Every 429 names its own record: every answered request is in the store.
      expect(attemptsNamed.size).toBe(3980)

      // Bodies over the size limit from the same source, past its limit: still 413, compact rows.
      for (let i = 0; i < 5; i++) {
        const res = await pool.request({
          path: '/small',
          method: 'POST',
          body: 'x'.repeat(64 * 1024 + 1),
        })
        await res.body.dump()
        expect(res.statusCode).toBe(413)
        expect(String(res.headers['x-hookwarden-attempt'])).toMatch(/^[0-9A-Z]{26}$/)
      }

      // The inspector: every request counts against the source; past it, 429, compact rows.
      const inspected: Record<number, number> = {}
      for (let i = 0; i < 30; i++) {
        const res = await pool.request({
          path: '/inspect/x',
          method: 'POST',
          body: 'i'.repeat(32 * 1024),
        })
        await res.body.dump()
        inspected[res.statusCode] = (inspected[res.statusCode] ?? 0) + 1
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      }
      expect(inspected).toEqual({ 200: 20, 429: 10 })

      // Metrics count every answer, recorded or not.
      const metrics = await pool.request({ path: '/metrics', method: 'GET' })
      const text = await metrics.body.text()
      const limited = text.match(/hookwarden_rate_limited_total\{endpoint="small"\} (\d+)/)
      expect(Number(limited?.[1])).toBe(3980)
    } finally {
      await pool.close()
      // A graceful shutdown writes the counts.
      await gw.close()
    }

    const reopened = await kind.open()
    try {
      const rows = await everyRow(reopened)
      const endpointRows = rows.filter((r) => r.endpoint === 'small')
      expect(endpointRows.filter((r) => r.status === 401)).toHaveLength(20)
      const over = endpointRows.filter((r) => r.status === 429)
      expect(over).toHaveLength(3980)
      expect(endpointRows).toHaveLength(1 + 20 + 3980 + 5)
      const full = over.filter((r) => r.headers.length > 0)
      expect(full).toHaveLength(1)
      expect(full[0]!.checks.find((c) => c.name === 'rate_limit')?.detail).toMatch(
        /over its limit of refused attempts to this endpoint until \d{4}-/,
      )
      // The count of its compact rows, written at the graceful stop, in its own fields: not a
      // reason it was "not diagnosed".
      expect(full[0]).toMatchObject({
        refusals_past_limit: 3984,
        refusals_past_limit_by_status: { '429': 3979, '413': 5 },
        diagnosis_skipped: null,
      })
      expect(full[0]!.limit_window_until).toBeGreaterThan(full[0]!.received_at)
      // The rest hold none of the sender's 12 KB of headers: the flood costs small rows.
      const compact = endpointRows.filter((r) => r.status !== 200 && r.headers.length === 0)
      expect(compact).toHaveLength(3979 + 5)
      for (const r of compact) {
        expect(r.body).toBeNull()
        expect(r.checks[0]?.detail).toContain(`is ${full[0]!.id}`)
      }
      const inspectRows = rows.filter((r) => r.kind === 'inspect')
      expect(inspectRows).toHaveLength(30)
      expect(inspectRows.filter((r) => r.status === 429 && r.headers.length > 0)).toHaveLength(1)
      expect((await reopened.get(delivered))?.outcome).toBe('accepted')

      // Retention by count drops the compact rows first, oldest first: the delivery stays.
      const compactIds = rows.filter(isCompactRow).map((r) => r.id)
      const fullIds = rows.filter((r) => !isCompactRow(r)).map((r) => r.id)
      expect(compactIds.length).toBeGreaterThan(rows.length - 2000)
      expect(await reopened.prune({ max_rows: 2000 }, Date.now())).toBe(rows.length - 2000)
      expect((await reopened.get(delivered))?.outcome).toBe('accepted')
      const kept = (await everyRow(reopened)).map((r) => r.id)
      expect(kept).toHaveLength(2000)
      const newestCompact = compactIds.slice(0, 2000 - fullIds.length)
      expect(new Set(kept)).toEqual(new Set([...fullIds, ...newestCompact]))
      // With none of them left, the oldest of the rest go.
      expect(await reopened.prune({ max_rows: 30 }, Date.now())).toBe(2000 - 30)
      expect((await everyRow(reopened)).map((r) => r.id)).toEqual(fullIds.slice(0, 30))
      expect(await reopened.get(delivered)).toBeNull()
    } finally {
      await reopened.close()
      await kind.cleanup()
    }
  })

  it('the API shows the count on the full record once its window ends, and each compact row names that record', async () => {
    const kind = kindOf()
    const store = await kind.open()
    // The gateway's clock, moved past the window by the test (the limiter keeps its own).
    let now = Date.now()
    const gw = await startGateway(yaml, {
      store: store as never,
      rateLimit: { max: 2, windowMs: 60_000 },
      clock: () => now,
    })
    const api = async (path: string) => {
      const res = await fetch(`${gw.url}${path}`, { headers: adminHeaders })
      expect(res.status).toBe(200)
      return (await res.json()) as Record<string, unknown>
    }
    try {
      const refused: { status: number; attempt: string; retryAfter: number }[] = []
      // One at a time, so that the first over the limit is the window's full record.
      for (let i = 0; i < 10; i++) {
        const res = await post(gw.url, '/small', { authorization: 'Bearer wrong-token' }, '{}')
        refused.push({
          status: res.status,
          attempt: String(res.headers['x-hookwarden-attempt']),
          retryAfter: Number(res.headers['retry-after']),
        })
      }
      expect(refused.map((r) => r.status)).toEqual([401, 401, ...Array(8).fill(429)])
      const [full, ...compact] = refused.slice(2)

      // The window ends: the source's next refusal closes it, and its count is written.
      const windowStart = now
      now += 61_000
      const after = await post(gw.url, '/small', { authorization: 'Bearer wrong-token' }, '{}')
      expect(after.status).toBe(429)
      // (A write every 10 s while the window lasts may have counted fewer already: the final is 7.)
      const counted = await eventually(async () => {
        const one = await api(`/api/attempts/${full!.attempt}`)
        return one.refusals_past_limit === 7 ? one : null
      })
      const count = {
        refusals_past_limit: 7,
        limit_window_until: windowStart + full!.retryAfter * 1000,
        refusals_past_limit_by_status: { '429': 7 },
      }
      expect(counted).toMatchObject({ ...count, diagnosis_skipped: null, counted_into: null })
      // The list's items carry it too.
      const list = (await api('/api/attempts?reason=rate_limited&limit=1000')) as {
        attempts: Record<string, unknown>[]
      }
      expect(list.attempts.find((a) => a.id === full!.attempt)).toMatchObject(count)
      // Each compact row names the full record, and holds no count of its own.
      for (const row of compact) {
        expect(await api(`/api/attempts/${row.attempt}`)).toMatchObject({
          counted_into: full!.attempt,
          refusals_past_limit: null,
          headers: [],
        })
      }
      expect(list.attempts.filter((a) => a.counted_into === full!.attempt)).toHaveLength(7)
    } finally {
      await gw.close()
      await kind.cleanup()
    }
  })
})

/** A raw connection that sends a request's head and part of its body, and keeps the rest. */
async function heldBody(
  base: string,
  declared: number,
  sent: number,
  extraHeaders = '',
): Promise<{ finish(): void; answer: Promise<string>; close(): void }> {
  const url = new URL(base)
  const socket = connect(Number(url.port), url.hostname)
  await once(socket, 'connect')
  let text = ''
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      if (/\r\n\r\n/.test(text)) resolve(text)
    })
    socket.on('close', () => resolve(text))
  })
  socket.on('error', () => {})
  socket.write(
    `POST /small HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-token\r\n${extraHeaders}Content-Length: ${declared}\r\n\r\n`,
  )
  socket.write(Buffer.alloc(sent, 0x61))
  return {
    finish: () => socket.write(Buffer.alloc(declared - sent, 0x61)),
    answer,
    close: () => socket.destroy(),
  }
}

const statusOf = (head: string) => Number(head.split(' ')[1])

describe('bodies still arriving are bounded (F5)', () => {
  it('bytes held at once: 6 bodies of 64 KiB against room for 4 → at least 2 answered 503 with Retry-After, recorded', async () => {
    const gw = await startGateway(yaml, {
      limits: { bodyLimit: 65_535, bodyBytesInFlight: 4 * 65_535, bodiesPerSource: 100 },
    })
    const held = await Promise.all(
      Array.from({ length: 6 }, () => heldBody(gw.url, 65_535, 65_534)),
    )
    try {
      const answered = new Map<number, string>()
      held.forEach((h, i) => void h.answer.then((a) => answered.set(i, a)))
      // Nothing passes the bound: the bodies that did not fit were answered at once.
      await eventually(() => answered.size >= 2)
      for (const head of answered.values()) {
        expect(statusOf(head)).toBe(503)
        expect(head).toMatch(/\r\nRetry-After: 5\r\n/i)
        expect(head).toMatch(/\r\nX-Hookwarden-Attempt: /i)
      }
      // The bodies that fit complete and are verified as usual.
      for (const [i, h] of held.entries()) if (!answered.has(i)) h.finish()
      const heads = await Promise.all(held.map((h) => h.answer))
      const statuses = heads.map(statusOf)
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(2)
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(4)
      expect(statuses.every((s) => s === 503 || s === 401)).toBe(true)
      const busy = await eventually(async () => {
        const rows = await gw.store.list({ reason: 'gateway_busy' })
        return rows.length >= 2 ? rows : null
      })
      expect(busy.every((r) => r.status === 503 && r.body === null)).toBe(true)
    } finally {
      for (const h of held) h.close()
      await gw.close()
    }
  })

  it('bodies at once per source: the 4th and 5th from one source get 503; another source is not affected', async () => {
    const gw = await startGateway(yaml, {
      limits: { bodiesPerSource: 3 },
      trustProxy: '127.0.0.1',
    })
    const from = (client: string) => `X-Forwarded-For: ${client}\r\n`
    const held = []
    try {
      for (let i = 0; i < 5; i++) held.push(await heldBody(gw.url, 100, 1, from('203.0.113.7')))
      const refused = await Promise.race([
        Promise.all([held[3]!.answer, held[4]!.answer]),
        held[0]!.answer.then(() => null),
      ])
      expect(refused?.map(statusOf)).toEqual([503, 503])
      const other = await heldBody(gw.url, 100, 1, from('203.0.113.8'))
      held.push(other)
      other.finish()
      expect(statusOf(await other.answer)).toBe(401)
      for (const h of held.slice(0, 3)) h.finish()
      expect((await Promise.all(held.slice(0, 3).map((h) => h.answer))).map(statusOf)).toEqual([
        401, 401, 401,
      ])
      const busy = await gw.store.list({ reason: 'gateway_busy' })
      expect(busy).toHaveLength(2)
      expect(busy[0]!.checks[0]!.detail).toMatch(/3 bodies from this source were still arriving/)
    } finally {
      for (const h of held) h.close()
      await gw.close()
    }
  })
})
