/**
 * Two gateways on one store without Redis would share one attempts list but not their replay
 * claims: a copy of a message one accepted would be accepted by the other, and on one data
 * directory each would save its claims over the other's at close. The BUILT `hookwarden serve`
 * refuses to start beside a live gateway then (exit 2, one line naming it and the fix), on
 * SQLite (two processes, one data directory) and PostgreSQL (one schema); with Redis on every
 * gateway it starts; a gateway killed with -9 and started again at once starts.
 * Skipped with the reason when the gateway is not built (`npx tsc -b`).
 * @module
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BIN,
  type GatewayProcess,
  gatewayProcessUnavailable,
  spawnGateway,
  writeConfig,
} from '../durability/gateway-process.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const skip = gatewayProcessUnavailable()
const dir = mkdtempSync(join(tmpdir(), 'hookwarden-instances-'))
const config = writeConfig(dir)
const running: GatewayProcess[] = []

afterAll(async () => {
  for (const g of running) await g.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function started(dataDir: string, env: Record<string, string> = {}) {
  mkdirSync(dataDir, { recursive: true })
  const gw = await spawnGateway({ config, dataDir, env })
  running.push(gw)
  return gw
}

/** `hookwarden serve` that must refuse to start: its exit code and what it wrote to stderr. */
async function refused(dataDir: string, env: Record<string, string> = {}) {
  mkdirSync(dataDir, { recursive: true })
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--port', '0'], {
    cwd: dataDir,
    env: {
      ...process.env,
      HOOKWARDEN_DATA_DIR: dataDir,
      HOOKWARDEN_DATABASE_URL: '',
      HOOKWARDEN_REDIS_URL: '',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let [stdout, stderr] = ['', '']
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
    // Started after all: stop it, so that the assertion below fails rather than hangs.
    if (stdout.includes('listening on')) child.kill('SIGTERM')
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d
  })
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  return { code, stderr, stdout }
}

const refusal = (pid: number, withoutRedis: 'this' | 'other') =>
  new RegExp(
    `^hookwarden: another gateway is running on this store ${withoutRedis === 'other' ? 'without HOOKWARDEN_REDIS_URL ' : ''}\\(host ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} pid ${pid}, seen \\d+ s ago\\); .*: set HOOKWARDEN_REDIS_URL on every gateway, or stop the other one first\\n$`,
  )

function expectRefused(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2)
  expect(r.stderr).toMatch(pattern)
  expect(r.stderr).not.toMatch(/^\s+at /m)
}

describe.skipIf(skip !== null)(
  `gateways sharing a store without Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('SQLite: a second process on the data directory is refused; after a kill -9 one starts at once', async () => {
      const data = join(dir, 'sqlite')
      const first = await started(data)
      const pid = first.child.pid as number
      expectRefused(await refused(data), refusal(pid, 'this'))
      // Redis on the newcomer does not help: the running one's claims are in its memory.
      expectRefused(await refused(data, { HOOKWARDEN_REDIS_URL: REDIS_URL }), refusal(pid, 'other'))
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200)

      await first.kill9()
      const again = await started(data)
      expect((await fetch(`${again.url}/healthz`)).status).toBe(200)
      // A graceful stop leaves no row behind; the killed gateway's row stays, taken as stopped.
      await again.stop()
      const db = new BetterSqlite3(join(data, 'attempts.db'), { readonly: true })
      expect(db.prepare('select pid from gateway_instances').all()).toEqual([{ pid }])
      db.close()
      const after = await started(data)
      await after.stop()
    }, 60_000)

    it('PostgreSQL: a second gateway on the schema is refused without Redis, and starts with it', async () => {
      const schema = `hw_instances_${process.pid}_${randomBytes(4).toString('hex')}`
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`create schema "${schema}"`)
      try {
        const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
        const store = { HOOKWARDEN_DATABASE_URL: url }
        const shared = { ...store, HOOKWARDEN_REDIS_URL: REDIS_URL }
        const a = await started(join(dir, 'pg-a'), store)
        const pid = a.child.pid as number
        expectRefused(await refused(join(dir, 'pg-b'), store), refusal(pid, 'this'))
        expectRefused(await refused(join(dir, 'pg-c'), shared), refusal(pid, 'other'))
        await a.stop()

        const withRedis = [
          await started(join(dir, 'pg-a'), shared),
          await started(join(dir, 'pg-b'), shared),
        ]
        for (const gw of withRedis) expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
        const { rows } = await admin.query(
          `select pid, replay_claims from "${schema}".gateway_instances order by started_at`,
        )
        expect(rows).toEqual(withRedis.map((g) => ({ pid: g.child.pid, replay_claims: 'redis' })))
        // Still refused without Redis beside them.
        const other = withRedis[0]?.child.pid as number
        expectRefused(await refused(join(dir, 'pg-d'), store), /pid \d+, seen \d+ s ago; host /)
        await withRedis[0]?.kill9()
        const restarted = await started(join(dir, 'pg-a'), shared)
        expect((await fetch(`${restarted.url}/healthz`)).status).toBe(200)
        for (const gw of [...withRedis, restarted]) await gw.stop()
        const left = await admin.query(`select pid from "${schema}".gateway_instances`)
        // Only the killed gateway's row is left, taken as stopped once its heartbeat is old.
        expect(left.rows).toEqual([{ pid: other }])
      } finally {
        await admin.query(`drop schema if exists "${schema}" cascade`)
        await admin.end()
      }
    }, 90_000)
  },
)
