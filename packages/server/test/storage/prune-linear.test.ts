/**
 * Retention reads each row it deletes once (red team 7, F2, F3): every statement starts where
 * the previous one ended (a cursor on the id) and reads one chunk; compact rows come from
 * their own index. The statements of a run are counted and their plans read, on SQLite and on
 * the PostgreSQL running here. A run with nothing to delete reads a few index entries and
 * counts nothing.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { type CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PAST_LIMIT_CHECK } from '../../src/storage/compact-row.js'
import type { DialectName } from '../../src/storage/migrations.js'
import { openPostgresStore } from '../../src/storage/postgres.js'
import { pruneAttempts } from '../../src/storage/prune-attempts.js'
import type { Database } from '../../src/storage/schema.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import type { AttemptStore } from '../../src/storage/types.js'
import { makeRecord } from './attempt-store.contract.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const AT = 1_764_000_000_000
const DAY = 86_400_000

/** A compact row: a refusal past its source's limit, without its headers (compact-row.ts). */
const compact = (receivedAt: number) =>
  makeRecord({
    received_at: receivedAt,
    outcome: 'rejected',
    status: 429,
    reason: 'rate_limited',
    headers: [],
    checks: [
      {
        name: PAST_LIMIT_CHECK.name,
        ok: false,
        reason: 'rate_limited',
        detail: `${PAST_LIMIT_CHECK.detailStart}: recorded without its headers; ${PAST_LIMIT_CHECK.fullRecordIs}01KB0000000000000000000000`,
      },
    ],
  })

interface Backend {
  dialect: DialectName
  store: AttemptStore
  /** A Kysely over the same store that records every statement it runs. */
  db: Kysely<Database>
  statements: CompiledQuery[]
  /** The plan of a statement, one line per step (SQLite: EXPLAIN QUERY PLAN). */
  plan(q: CompiledQuery): Promise<string>
  sql(text: string): Promise<void>
  done(): Promise<void>
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'hookwarden-prune-'))
  const store = await openSqliteStore({ dataDir: dir })
  const raw = new BetterSqlite3(join(dir, 'attempts.db'))
  const statements: CompiledQuery[] = []
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: raw }),
    log: (e) => {
      if (e.level === 'query') statements.push(e.query)
    },
  })
  return {
    dialect: 'sqlite',
    store,
    db,
    statements,
    async plan(q) {
      return (
        raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as {
          detail: string
        }[]
      )
        .map((r) => r.detail)
        .join(' | ')
    },
    async sql(text) {
      raw.exec(text)
    },
    async done() {
      await db.destroy()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function postgresBackend(): Promise<Backend> {
  const schema = `hw_prune_${process.pid}_${randomBytes(4).toString('hex')}`
  const store = await openPostgresStore({ databaseUrl: DATABASE_URL, schema })
  const pool = new pg.Pool({
    connectionString: DATABASE_URL,
    max: 2,
    options: `-c search_path=${schema}`,
  })
  const statements: CompiledQuery[] = []
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') statements.push(e.query)
    },
  })
  return {
    dialect: 'postgres',
    store,
    db,
    statements,
    async plan(q) {
      const { rows } = await pool.query(`explain ${q.sql}`, q.parameters as unknown[])
      return rows.map((r) => r['QUERY PLAN']).join(' | ')
    },
    async sql(text) {
      await pool.query(text)
    },
    async done() {
      await db.destroy()
      await store.close()
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
    },
  }
}

const onAttempts = (q: CompiledQuery) => /"attempts"|\battempts\b/.test(q.sql)
/** The lower id bound a walk or delete starts from (`id > ?` or `id >= ?`), if any. */
const startOf = (q: CompiledQuery) => {
  const m = /"id" >=? (\?|\$(\d+))/.exec(q.sql)
  if (!m) return undefined
  const at = m[2] ? Number(m[2]) - 1 : q.sql.slice(0, m.index).split('?').length - 1
  return q.parameters[at] as string
}

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('retention by count on %s', (_name, open) => {
  it('deletes 1 500 compact rows in chunks that each start after the last one: statements in proportion to the rows', async () => {
    const b = await open()
    try {
      // 6 000 attempts, every third compact: max_rows 4 500 drops the 1 500 oldest compact rows.
      const rows = Array.from({ length: 6000 }, (_, i) =>
        i % 3 === 0 ? compact(AT + i) : makeRecord({ received_at: AT + i }),
      )
      for (let i = 0; i < rows.length; i += 1000)
        await Promise.all(rows.slice(i, i + 1000).map((r) => b.store.insert(r)))
      const chunk = 50
      const removed = await pruneAttempts(b.db, { max_rows: 4500 }, AT, {
        dialect: b.dialect,
        chunk,
        walk: 500,
        pause: async () => {},
      })
      expect(removed).toBe(1500)
      const compactIds = rows.filter((_, i) => i % 3 === 0).map((r) => r.id)
      const left = await b.store.list({ limit: 1000, reason: 'rate_limited' })
      expect(left.map((r) => r.id).sort()).toEqual(compactIds.slice(1500))
      expect((await b.store.list({ limit: 1000, outcome: 'accepted' })).length).toBe(1000)

      const run = b.statements.filter(onAttempts)
      // Linear: the count, one walk to find where the phase ends, then a walk and a delete per
      // chunk (and the walk that finds the phase done): ~3 statements per 50 rows, where the
      // quadratic phase's statement count was the same but each read from the oldest row.
      expect(run.length).toBeLessThanOrEqual(3 * Math.ceil(1500 / chunk) + 4)
      // Each walk of a phase starts after the last id the previous one reached: no row read
      // twice. (The delete of a chunk reads the same range its walk found.)
      const walks = run.filter((q) => /^select/.test(q.sql) && /limit/.test(q.sql))
      const starts = walks.map(startOf).filter((s): s is string => s !== undefined)
      expect(starts.length).toBeGreaterThanOrEqual(2 * (Math.ceil(1500 / chunk) - 1))
      for (const phase of [starts.slice(0, 29), starts.slice(29)])
        for (let i = 1; i < phase.length; i++) expect(phase[i]! > phase[i - 1]!).toBe(true)
      // And each is a range of the compact rows' own index, never a scan of the table.
      for (const q of run.filter((q) => /"headers" = '\[\]'/.test(q.sql))) {
        const plan = await b.plan(q)
        expect(plan).toMatch(/attempts_compact_id/)
        // (The first walks start at the index's first entry: every entry of it is one to read.)
        expect(plan).not.toMatch(
          /SCAN attempts(?! USING (COVERING )?INDEX attempts_compact_id)|Seq Scan/,
        )
      }
    } finally {
      await b.done()
    }
  })

  it('a run with nothing to delete reads a few index entries and counts nothing', async () => {
    const b = await open()
    try {
      const rows = Array.from({ length: 300 }, (_, i) => makeRecord({ received_at: AT - DAY + i }))
      await Promise.all(rows.map((r) => b.store.insert(r)))
      // PostgreSQL: its estimate of the table's size, as autovacuum keeps it.
      if (b.dialect === 'postgres') await b.sql('analyze attempts')
      b.statements.length = 0
      const removed = await pruneAttempts(b.db, { days: 14, max_rows: 100_000 }, AT, {
        dialect: b.dialect,
      })
      expect(removed).toBe(0)
      const run = b.statements.filter(onAttempts)
      // By age: one walk from the oldest row, which is younger than the cutoff. By count: the
      // bound (SQLite's rowids; PostgreSQL's estimate) says the table is far below max_rows.
      expect(run).toHaveLength(2)
      expect(run.some((q) => /count\(\*\)/.test(q.sql) && !/limit/.test(q.sql))).toBe(false)
    } finally {
      await b.done()
    }
  })
})
