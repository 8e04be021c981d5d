/**
 * T-DUR-2 / T-RPL-5 at the gateway: when PostgreSQL or Redis goes away mid-run, a gateway
 * process answers 503 with Retry-After (never 2xx without a committed record and a replay
 * check), and answers 2xx again once they are back. The outage is a TCP proxy being cut.
 * Runs the BUILT gateway (`npx tsc -b` first); skipped with the reason when it is not built.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import {
  gatewayProcessUnavailable,
  SW_SECRET,
  spawnGateway,
  writeConfig,
} from './gateway-process.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const skip = gatewayProcessUnavailable()

/** A TCP proxy that can be cut (connections destroyed, new ones refused) and restored. */
async function proxyTo(target: URL, defaultPort: number) {
  const sockets = new Set<net.Socket>()
  let open = true
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const upstream = net.connect(Number(target.port || defaultPort), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = new URL(target)
  url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return {
    url: url.toString(),
    cut() {
      open = false
      for (const s of sockets) s.destroy()
    },
    restore() {
      open = true
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

async function send(base: string) {
  const id = `msg_${randomBytes(8).toString('hex')}`
  const body = JSON.stringify({ id })
  const ts = new Date()
  const res = await fetch(`${base}/hooks/sw`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': new Webhook(SW_SECRET).sign(id, ts, body),
    },
    body,
  })
  await res.arrayBuffer()
  return { status: res.status, retryAfter: res.headers.get('retry-after') }
}

async function eventually(check: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

describe.skipIf(skip !== null)(
  `a store going away under a running gateway${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('PostgreSQL down: 503 + Retry-After, never 2xx; back up: 2xx again', {
      timeout: 60_000,
    }, async () => {
      const schema = `hw_down_${process.pid}_${randomBytes(4).toString('hex')}`
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`create schema "${schema}"`)
      const proxy = await proxyTo(new URL(DATABASE_URL), 5432)
      const dir = mkdtempSync(join(tmpdir(), 'hookwarden-down-'))
      mkdirSync(join(dir, 'data'))
      const url = `${proxy.url}${proxy.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
      const gw = await spawnGateway({
        config: writeConfig(dir),
        dataDir: join(dir, 'data'),
        env: { HOOKWARDEN_DATABASE_URL: url },
      })
      try {
        expect((await send(gw.url)).status).toBe(200)
        proxy.cut()
        const during = await Promise.all(Array.from({ length: 10 }, () => send(gw.url)))
        for (const r of during) {
          expect(r.status, gw.output()).toBe(503)
          expect(Number(r.retryAfter)).toBeGreaterThan(0)
        }
        proxy.restore()
        expect(await eventually(async () => (await send(gw.url)).status === 200)).toBe(true)
        const { rows } = await admin.query(
          `select count(*)::int as n, min(status) as lo from "${schema}".attempts`,
        )
        // Only what was answered 2xx is recorded: the refused-with-503 attempts left no row.
        expect(rows[0].lo).toBe(200)
      } finally {
        await gw.stop()
        await proxy.close()
        await admin.query(`drop schema if exists "${schema}" cascade`)
        await admin.end()
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('Redis down: the replay check fails closed with 503 + Retry-After; back up: 2xx again', {
      timeout: 60_000,
    }, async () => {
      const proxy = await proxyTo(new URL(REDIS_URL), 6379)
      const dir = mkdtempSync(join(tmpdir(), 'hookwarden-down-'))
      mkdirSync(join(dir, 'data'))
      const gw = await spawnGateway({
        config: writeConfig(dir),
        dataDir: join(dir, 'data'),
        env: { HOOKWARDEN_REDIS_URL: proxy.url },
      })
      try {
        expect((await send(gw.url)).status).toBe(200)
        proxy.cut()
        const during = await Promise.all(Array.from({ length: 10 }, () => send(gw.url)))
        for (const r of during) {
          expect(r.status, gw.output()).toBe(503)
          expect(Number(r.retryAfter)).toBeGreaterThan(0)
        }
        proxy.restore()
        expect(await eventually(async () => (await send(gw.url)).status === 200)).toBe(true)
      } finally {
        await gw.stop()
        await proxy.close()
        rmSync(dir, { recursive: true, force: true })
      }
    })
  },
)
