/**
 * T-DUR-1: kill -9 of the gateway under load loses no answered attempt. Clients send signed
 * (and some tampered) Standard Webhooks requests with unique X-Request-Id; every id that got
 * a response is the "ack". After SIGKILL at a random moment the SQLite file is reopened: each
 * acked id must be there exactly once, and `PRAGMA integrity_check` must be ok. Then the
 * gateway restarts on the same data. The same against PostgreSQL (T-DUR-2, synchronous_commit=on). Rounds: HOOKWARDEN_DURABILITY_ROUNDS (default 3; 20 nightly).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import {
  gatewayProcessUnavailable,
  SW_SECRET,
  spawnGateway,
  writeConfig,
} from './gateway-process.js'

const ROUNDS = Number(process.env.HOOKWARDEN_DURABILITY_ROUNDS ?? 3)
const CLIENTS = 24
const skip = gatewayProcessUnavailable()
const webhook = new Webhook(SW_SECRET)

/** Loops until stopped; returns the request ids that got an answer, and how many failed. */
async function drive(url: string, stop: { stopped: boolean }) {
  const acked: string[] = []
  let failed = 0
  let n = 0
  const loop = async (c: number) => {
    while (!stop.stopped) {
      const id = `r${c}-${n++}-${randomBytes(4).toString('hex')}`
      const body = JSON.stringify({ id, pad: 'x'.repeat(200) })
      const ts = new Date()
      const signature = webhook.sign(id, ts, body)
      try {
        const res = await fetch(`${url}/hooks/sw`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-request-id': id,
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
            // One in five is tampered: refusals are answered attempts too.
            'webhook-signature': n % 5 === 0 ? signature.replace(/.$/, 'A') : signature,
          },
          body,
        })
        await res.arrayBuffer()
        acked.push(id)
      } catch {
        failed++
        if (stop.stopped) return
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  }
  return {
    acked,
    failed: () => failed,
    done: Promise.all(Array.from({ length: CLIENTS }, (_, c) => loop(c))),
  }
}

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

interface Backend {
  name: string
  env: Record<string, string>
  /** request_id → rows, and the integrity check (SQLite only). */
  read(): Promise<{ stored: Map<string, number>; integrity: string }>
  cleanup(): Promise<void>
}

function sqliteBackend(dataDir: string): Backend {
  return {
    name: 'SQLite',
    env: {},
    async read() {
      const db = new BetterSqlite3(join(dataDir, 'attempts.db'))
      const integrity = String(db.pragma('integrity_check', { simple: true }))
      const rows = db
        .prepare('select request_id, count(*) as n from attempts group by request_id')
        .all() as {
        request_id: string
        n: number
      }[]
      db.close()
      return { stored: new Map(rows.map((r) => [r.request_id, r.n])), integrity }
    },
    async cleanup() {},
  }
}

async function postgresBackend(): Promise<Backend> {
  const schema = `hw_kill9_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`create schema "${schema}"`)
  const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  return {
    name: 'PostgreSQL',
    env: { HOOKWARDEN_DATABASE_URL: url },
    async read() {
      const { rows } = await admin.query(
        `select request_id, count(*)::int as n from "${schema}".attempts group by request_id`,
      )
      return {
        stored: new Map(rows.map((r: { request_id: string; n: number }) => [r.request_id, r.n])),
        integrity: 'ok',
      }
    },
    async cleanup() {
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
    },
  }
}

describe.skipIf(skip !== null)(
  `kill -9 of the gateway under load${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    for (const kind of ['sqlite', 'postgres'] as const) {
      it(`loses no answered attempt (${ROUNDS} rounds, ${kind})`, {
        timeout: 60_000 + ROUNDS * 15_000,
      }, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'hookwarden-kill9-'))
        const config = writeConfig(dir)
        const dataDir = join(dir, 'data')
        mkdirSync(dataDir)
        const backend = kind === 'sqlite' ? sqliteBackend(dataDir) : await postgresBackend()
        let totalAcked = 0
        const seen = new Set<string>()
        try {
          for (let round = 0; round < ROUNDS; round++) {
            const gw = await spawnGateway({ config, dataDir, env: backend.env })
            const stop = { stopped: false }
            const load = await drive(gw.url, stop)
            // Kill once the load is flowing, at a random moment.
            await new Promise((r) => setTimeout(r, 400 + Math.random() * 800))
            await gw.kill9()
            stop.stopped = true
            await load.done
            expect(load.acked.length, gw.output()).toBeGreaterThan(0)
            totalAcked += load.acked.length
            for (const id of load.acked) seen.add(id)

            const { stored, integrity } = await backend.read()
            expect(integrity).toBe('ok')
            const lost = [...seen].filter((id) => !stored.has(id))
            expect(lost, `round ${round}: ${lost.length} acknowledged attempts lost`).toEqual([])
            expect([...stored].filter(([, n]) => n > 1)).toEqual([])
          }
          // The gateway starts again over the killed store and answers.
          const gw = await spawnGateway({ config, dataDir, env: backend.env })
          expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
          await gw.stop()
          expect(totalAcked).toBeGreaterThan(ROUNDS)
          console.info(
            `kill -9 × ${ROUNDS} (${backend.name}): ${totalAcked} acknowledged attempts, 0 lost`,
          )
        } finally {
          await backend.cleanup()
          rmSync(dir, { recursive: true, force: true })
        }
      })
    }
  },
)
