/**
 * "Log out ends it", across processes: a dashboard session logged out stays logged out when
 * the gateway restarts on the same SQLite data directory, and on every gateway sharing one
 * PostgreSQL. Runs the BUILT gateway (`npx tsc -b` first); skipped with the reason when it is
 * not built.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  type GatewayProcess,
  gatewayProcessUnavailable,
  spawnGateway,
  writeConfig,
} from '../durability/gateway-process.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const skip = gatewayProcessUnavailable()

/** Signs in with the login form; the cookie as a Cookie header value. */
async function login(gw: GatewayProcess): Promise<string> {
  const res = await fetch(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(ADMIN_TOKEN)}`,
    redirect: 'manual',
  })
  expect(res.status).toBe(303)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!
}

async function statusWith(gw: GatewayProcess, cookie: string, path = '/api/attempts') {
  const res = await fetch(`${gw.url}${path}`, { headers: { cookie } })
  await res.arrayBuffer()
  return res.status
}

async function logout(gw: GatewayProcess, cookie: string): Promise<void> {
  const res = await fetch(`${gw.url}/api/session`, { method: 'DELETE', headers: { cookie } })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
}

describe.skipIf(skip !== null)(
  `a logout lasts across processes${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-logout-'))
    const gateways: GatewayProcess[] = []
    const start = async (dataDir: string, env: Record<string, string> = {}) => {
      mkdirSync(dataDir, { recursive: true })
      const gw = await spawnGateway({ config: writeConfig(dir), dataDir, env })
      gateways.push(gw)
      return gw
    }
    afterAll(async () => {
      for (const g of gateways) await g.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('SQLite: login, logout, restart on the same data dir: the cookie is still refused', async () => {
      const data = join(dir, 'sqlite')
      const before = await start(data)
      expect(before.output()).toMatch(/sqlite/)
      const [out, kept] = [await login(before), await login(before)]
      expect(await statusWith(before, out)).toBe(200)
      await logout(before, out)
      expect(await statusWith(before, out)).toBe(401)
      await before.stop()
      const after = await start(data)
      expect(await statusWith(after, out)).toBe(401)
      expect(await statusWith(after, out, '/attempts')).toBe(401)
      expect(await statusWith(after, kept)).toBe(200)
    }, 60_000)

    it('PostgreSQL: two gateways share it; a logout on one is a 401 on the other at once', async () => {
      const schema = `hw_logout_${process.pid}_${randomBytes(4).toString('hex')}`
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`create schema "${schema}"`)
      try {
        const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
        // Two gateways on one store share replay claims through Redis (without it the second
        // refuses to start).
        const env = { HOOKWARDEN_DATABASE_URL: url, HOOKWARDEN_REDIS_URL: REDIS_URL }
        const a = await start(join(dir, 'pg-a'), env)
        const b = await start(join(dir, 'pg-b'), env)
        expect(a.output()).toMatch(/postgres/)
        const [out, kept] = [await login(a), await login(b)]
        // Sessions are signed with the shared token: each gateway takes the other's.
        expect(await statusWith(b, out)).toBe(200)
        expect(await statusWith(a, kept)).toBe(200)
        await logout(a, out)
        expect(await statusWith(b, out)).toBe(401)
        expect(await statusWith(b, out, '/overview')).toBe(401)
        expect(await statusWith(a, out)).toBe(401)
        // The other way round, and the untouched session still works on both.
        await logout(b, kept)
        expect(await statusWith(a, kept)).toBe(401)
        const fresh = await login(a)
        expect(await statusWith(b, fresh)).toBe(200)
        const { rows } = await admin.query(
          `select count(*)::int as n from "${schema}".revoked_sessions`,
        )
        expect(rows[0].n).toBe(2)
      } finally {
        for (const g of gateways.splice(0)) await g.stop()
        await admin.query(`drop schema if exists "${schema}" cascade`)
        await admin.end()
      }
    }, 60_000)
  },
)
