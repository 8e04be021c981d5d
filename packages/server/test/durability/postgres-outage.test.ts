/**
 * The PostgreSQL store under a gateway when the database holds it up: the attempts table
 * locked (LOCK TABLE … ACCESS EXCLUSIVE in a session held open), backends terminated
 * (pg_terminate_backend), a statement slowed by a pg_sleep trigger. An attempt is answered 503
 * + Retry-After at the record deadline with its replay claim given back; a record's later
 * updates are held until the database takes them; close() is bounded.
 * @module
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../src/storage/postgres.js'
import type { KyselyAttemptStore } from '../../src/storage/store.js'
import { eventually, startUpstream } from '../e2e/helpers.js'
import { gatewayWithLogs, signedDelivery } from './outage-helpers.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const TOKEN = 'pg-outage-token-9d2e41'
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const ADMIN = 'admin-token-for-pg-outage-0123456'

let admin: pg.Client | null = null
beforeAll(async () => {
  admin = new pg.Client({ connectionString: DATABASE_URL })
  try {
    await admin.connect()
  } catch {
    admin = null
  }
})
afterAll(async () => {
  await admin?.end()
})

/** A schema of our own, and the name our gateway's connections carry (to find them). */
async function ownStore(recordTimeoutMs: number) {
  const schema = `hw_outage_${process.pid}_${randomBytes(4).toString('hex')}`
  const app = `hw_outage_${randomBytes(4).toString('hex')}`
  const url = new URL(DATABASE_URL)
  url.searchParams.set('application_name', app)
  const store = await openPostgresStore({ databaseUrl: url.toString(), schema, recordTimeoutMs })
  return {
    store,
    schema,
    app,
    drop: async () => {
      await admin!.query(`drop schema if exists "${schema}" cascade`)
    },
  }
}

const yaml = (forward?: string) => `
endpoints:
  - name: sw
    path: /sw
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"], tolerance: 300 }
${forward ? `  - name: fwd\n    path: /fwd\n    forward: ${forward}\n    auth: { scheme: bearer, tokens: ["${TOKEN}"] }\n` : ''}`

const gatewayOn = (store: KyselyAttemptStore, forward?: string) =>
  gatewayWithLogs(yaml(forward), store, ADMIN)

const signed = () => signedDelivery(SW_SECRET)

async function post(url: string, headers: Record<string, string>, body: string) {
  const started = performance.now()
  const res = await fetch(url, { method: 'POST', headers, body })
  const text = await res.text()
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    attempt: res.headers.get('x-hookwarden-attempt'),
    text,
    ms: performance.now() - started,
  }
}

/** Holds ACCESS EXCLUSIVE on the attempts table in a session of its own until released. */
async function lockTable(schema: string) {
  const holder = new pg.Client({ connectionString: DATABASE_URL })
  await holder.connect()
  await holder.query('begin')
  await holder.query(`lock table "${schema}".attempts in access exclusive mode`)
  return {
    release: async () => {
      await holder.query('rollback')
      await holder.end()
    },
  }
}

describe('PostgreSQL holding the gateway up', () => {
  it('a locked table: 503 + Retry-After at the deadline, nothing recorded, the claim given back', {
    timeout: 30_000,
  }, async (ctx) => {
    if (!admin) return ctx.skip('PostgreSQL is not reachable')
    const own = await ownStore(1000)
    const gw = await gatewayOn(own.store)
    try {
      const lock = await lockTable(own.schema)
      const delivery = signed()
      let refused: Awaited<ReturnType<typeof post>>
      try {
        refused = await post(`${gw.url}/sw`, delivery.headers, delivery.body)
      } finally {
        await lock.release()
      }
      expect(refused.status).toBe(503)
      expect(Number(refused.retryAfter)).toBeGreaterThan(0)
      expect(JSON.parse(refused.text).reason).toBe('store_unavailable')
      expect(refused.ms).toBeLessThan(3000)
      // The sender's resend, the same bytes: the claim was given back, so not a replay.
      const retried = await post(`${gw.url}/sw`, delivery.headers, delivery.body)
      expect(retried.status, retried.text).toBe(200)
      const { rows } = await admin.query(`select status from "${own.schema}".attempts`)
      expect(rows).toEqual([{ status: 200 }])
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(metrics).toMatch(
        /^hookwarden_refused_unavailable_total\{endpoint="sw",reason="store_unavailable"\} 1$/m,
      )
    } finally {
      await gw.gateway.close()
      await own.drop()
    }
  })

  it('forward results refused by a lock and by terminated backends are written once the database takes them', {
    timeout: 30_000,
  }, async (ctx) => {
    if (!admin) return ctx.skip('PostgreSQL is not reachable')
    const own = await ownStore(1000)
    const up = await startUpstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(202)
        res.end('taken')
      }, 300)
    })
    const gw = await gatewayOn(own.store, up.url)
    try {
      const sent = Array.from({ length: 4 }, () =>
        post(`${gw.url}/fwd`, { authorization: `Bearer ${TOKEN}` }, '{"n":1}'),
      )
      await eventually(() => up.received.length === 4)
      const lock = await lockTable(own.schema)
      // Backends of this gateway's pool, killed every 120 ms while the lock holds them.
      let killing = true
      let killed = 0
      const killer = (async () => {
        while (killing) {
          const { rows } = await admin!.query(
            'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1',
            [own.app],
          )
          killed += rows.filter((r) => r.ok).length
          await new Promise((r) => setTimeout(r, 120))
        }
      })()
      const answers = await Promise.all(sent)
      for (const a of answers) expect(a.status, a.text).toBe(202)
      await new Promise((r) => setTimeout(r, 800))
      killing = false
      await killer
      await lock.release()
      expect(killed).toBeGreaterThan(0)
      const updates = gw.gateway.context.updates!
      await eventually(() => updates.held === 0, 500)
      const { rows } = await admin.query(
        `select status, forward_status, forward_error from "${own.schema}".attempts`,
      )
      expect(rows).toEqual(
        answers.map(() => ({ status: 202, forward_status: 202, forward_error: null })),
      )
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(Number(/^hookwarden_record_updates_held_total (\d+)$/m.exec(metrics)?.[1])).toBe(4)
    } finally {
      await gw.gateway.close()
      await up.close()
      await own.drop()
    }
  })

  it('a slow statement (pg_sleep trigger): 503 at the deadline, and the row committed late is removed', {
    timeout: 30_000,
  }, async (ctx) => {
    if (!admin) return ctx.skip('PostgreSQL is not reachable')
    const own = await ownStore(700)
    await admin.query(`create function "${own.schema}".slow() returns trigger language plpgsql as
      $$ begin perform pg_sleep(2); return new; end $$`)
    await admin.query(
      `create trigger slow before insert on "${own.schema}".attempts for each row execute function "${own.schema}".slow()`,
    )
    const gw = await gatewayOn(own.store)
    try {
      const delivery = signed()
      const refused = await post(`${gw.url}/sw`, delivery.headers, delivery.body)
      expect(refused.status).toBe(503)
      expect(refused.ms).toBeLessThan(1800)
      // The insert commits after 2 s; the sender was told 503, so the row goes.
      await new Promise((r) => setTimeout(r, 2500))
      await eventually(async () => {
        const { rows } = await admin!.query(
          `select count(*)::int as n from "${own.schema}".attempts`,
        )
        return rows[0].n === 0
      }, 200)
    } finally {
      await gw.gateway.close()
      await own.drop()
    }
  })

  it('close() during a long lock is bounded', { timeout: 30_000 }, async (ctx) => {
    if (!admin) return ctx.skip('PostgreSQL is not reachable')
    const own = await ownStore(1000)
    const gw = await gatewayOn(own.store)
    const lock = await lockTable(own.schema)
    try {
      const delivery = signed()
      const inFlight = post(`${gw.url}/sw`, delivery.headers, delivery.body)
      await new Promise((r) => setTimeout(r, 200))
      const started = performance.now()
      await gw.gateway.close()
      expect(performance.now() - started).toBeLessThan(5000)
      expect((await inFlight).status).toBe(503)
    } finally {
      await lock.release()
      await own.drop()
    }
  })
})
