/**
 * An open `/api/events` stream lasts only as long as the session it was opened with: logged out
 * on another gateway sharing the store (here two gateways, each with its own connection to one
 * PostgreSQL schema, so that only the store can tell), logged out from another tab of the same
 * gateway, or expired. The stream then ends, and the attempts recorded after carry no event on it.
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import pg from 'pg'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/storage/open-store.js'
import { ADMIN, eventually, type Running, startGateway } from './helpers.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const TOKEN = 'events-session-token-5d1c9e'
const YAML = `
endpoints:
  - name: orders
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`
const schema = `hw_events_${process.pid}_${randomBytes(4).toString('hex')}`
const running: Running[] = []

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`create schema "${schema}"`)
  await admin.end()
})
afterEach(async () => {
  for (const g of running.splice(0)) await g.close()
})
afterAll(async () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`drop schema if exists "${schema}" cascade`)
  await admin.end()
})

/** A gateway with its own connection to the shared schema; heartbeats as often as given. */
async function gateway(eventsHeartbeatMs: number): Promise<Running> {
  const store = await openStore({ databaseUrl: DATABASE_URL, dataDir: '/nonexistent', schema })
  const g = await startGateway(YAML, { store, limits: { eventsHeartbeatMs } })
  running.push(g)
  return g
}

async function login(gw: Running): Promise<string> {
  const res = await request(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(ADMIN)}`,
  })
  await res.body.dump()
  expect(res.statusCode).toBe(303)
  return String(res.headers['set-cookie']).split(';')[0]!
}

async function logout(gw: Running, cookie: string): Promise<void> {
  const res = await request(`${gw.url}/api/session`, { method: 'DELETE', headers: { cookie } })
  await res.body.dump()
  expect(res.statusCode).toBe(200)
}

interface Stream {
  text(): string
  ended: Promise<void>
  isEnded(): boolean
  close(): void
}

/** Opens the events stream with a cookie; everything it sends is kept. */
async function openStream(gw: Running, cookie: string): Promise<Stream> {
  let text = ''
  let ended = false
  let markEnded!: () => void
  const endedP = new Promise<void>((r) => {
    markEnded = r
  })
  const req = http.get(`${gw.url}/api/events`, { headers: { cookie } })
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve)
    req.on('error', reject)
  })
  expect(res.statusCode).toBe(200)
  res.setEncoding('utf8')
  res.on('data', (c: string) => {
    text += c
  })
  const done = () => {
    ended = true
    markEnded()
  }
  res.on('end', done)
  res.on('close', done)
  await eventually(() => text.includes(': connected'))
  return { text: () => text, ended: endedP, isEnded: () => ended, close: () => req.destroy() }
}

/** One attempt at the endpoint; its id. */
async function attempt(gw: Running): Promise<string> {
  const res = await request(`${gw.url}/hooks/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: 'x',
  })
  await res.body.dump()
  return res.headers['x-hookwarden-attempt'] as string
}

describe('an events stream ends with its session', () => {
  it('logged out on another gateway sharing the store: ends at its next heartbeat', async () => {
    const a = await gateway(60_000)
    const b = await gateway(200)
    const [out, kept] = [await login(a), await login(a)]
    const stream = await openStream(b, out)
    const control = await openStream(b, kept)
    try {
      const before = await attempt(b)
      await eventually(() => stream.text().includes(before))
      // Logged out on A only: B hears of it from the store alone (no request of B sees it).
      await logout(a, out)
      await stream.ended
      const later = await attempt(b)
      await eventually(() => control.text().includes(later))
      expect(stream.text()).not.toContain(later)
      expect(control.isEnded()).toBe(false)
    } finally {
      stream.close()
      control.close()
    }
  })

  it('logged out from another tab of the same gateway: not one more event, even before a heartbeat', async () => {
    const gw = await gateway(60_000)
    const cookie = await login(gw)
    const stream = await openStream(gw, cookie)
    try {
      const before = await attempt(gw)
      await eventually(() => stream.text().includes(before))
      await logout(gw, cookie)
      const later = await attempt(gw)
      await stream.ended
      expect(stream.text()).not.toContain(later)
    } finally {
      stream.close()
    }
  })

  it('expired: ends at its next heartbeat', async () => {
    const gw = await gateway(200)
    // A session signed like the login's (v1.<expiry>.<nonce>.<HMAC under the admin token>),
    // one that expires in two seconds instead of twelve hours.
    const expires = Math.floor(Date.now() / 1000) + 2
    const nonce = randomBytes(18).toString('base64url')
    const mac = createHmac('sha256', ADMIN)
      .update(`hookwarden-session:v1:${expires}:${nonce}`)
      .digest('base64url')
    const stream = await openStream(gw, `hookwarden_admin=v1.${expires}.${nonce}.${mac}`)
    try {
      await stream.ended
      const later = await attempt(gw)
      expect(stream.text()).not.toContain(later)
    } finally {
      stream.close()
    }
  })
})
