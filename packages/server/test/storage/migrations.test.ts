/**
 * A store migrated by a newer build: this build starts on it (rolling upgrade, rollback),
 * runs what it knows and has not run yet, and says which newer migrations it found. A
 * migration that fails for another reason says "migrating the store failed", not that the
 * store's URL or directory is wrong. On SQLite and on the PostgreSQL running here.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { start } from '../../src/start.js'
import { StoreMigrationError } from '../../src/storage/errors.js'
import {
  CONCURRENT_BUILD_ROWS,
  type DialectName,
  migrateToLatest,
  migrations,
} from '../../src/storage/migrations.js'
import { openStore } from '../../src/storage/open-store.js'
import { ATTEMPT_COLUMNS } from '../../src/storage/schema.js'
import type { KyselyAttemptStore } from '../../src/storage/store.js'
import type { AttemptStore } from '../../src/storage/types.js'
import { makeRecord } from './attempt-store.contract.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const root = mkdtempSync(join(tmpdir(), 'hw-migrations-'))
const NEWER = '0099_from_a_newer_build'

/** Runs SQL straight on the store's database, as another build or an operator would. */
interface Backend {
  open(): Promise<AttemptStore>
  sql(text: string): Promise<unknown[]>
  /** HOOKWARDEN_* settings that point start() at this store. */
  env: Record<string, string>
  dataDir: string
  kind: DialectName
  /** The PostgreSQL schema holding the tables (none on SQLite). */
  schema?: string
  cleanup(): Promise<void>
}

function sqlite(name: string): Backend {
  const dataDir = join(root, name)
  return {
    dataDir,
    env: {},
    kind: 'sqlite',
    open: () => openStore({ dataDir }),
    async sql(text) {
      const db = new BetterSqlite3(join(dataDir, 'attempts.db'))
      try {
        const stmt = db.prepare(text)
        if (stmt.reader) return stmt.all()
        stmt.run()
        return []
      } finally {
        db.close()
      }
    },
    async cleanup() {},
  }
}

async function postgres(): Promise<Backend> {
  const schema = `hw_mig_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`create schema "${schema}"`)
  await admin.query(`set search_path = "${schema}"`)
  const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  return {
    dataDir: join(root, schema),
    env: { HOOKWARDEN_DATABASE_URL: url },
    kind: 'postgres',
    schema,
    open: () => openStore({ databaseUrl: DATABASE_URL, dataDir: '/nonexistent', schema }),
    async sql(text) {
      return (await admin.query(text)).rows
    },
    async cleanup() {
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
    },
  }
}

afterAll(() => rmSync(root, { recursive: true, force: true }))

const newerRow = `insert into hookwarden_migration (name, timestamp) values ('${NEWER}', '2099-01-01T00:00:00.000Z')`

/** start() quietly, its log lines collected. */
async function startOn(backend: Backend, config: string) {
  const lines: string[] = []
  const running = await start({
    configFile: config,
    port: 0,
    dataDir: backend.dataDir,
    env: backend.env,
    print: () => {},
    handleSignals: false,
    logDestination: new Writable({
      write(chunk, _e, cb) {
        lines.push(...String(chunk).trim().split('\n'))
        cb()
      },
    }),
    webDist: null,
  })
  return { running, lines }
}

const config = join(root, 'hookwarden.yaml')
writeFileSync(
  config,
  'endpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokens: [tok-1234567890] }\n',
)

for (const kind of ['sqlite', 'postgres'] as const) {
  const backendOf = (name: string) => (kind === 'sqlite' ? sqlite(name) : postgres())

  describe(`${kind}: a store a newer build migrated`, () => {
    it('opens, keeps working, and reports the migrations it does not know', async () => {
      const backend = await backendOf('newer')
      try {
        const first = await backend.open()
        const known = first.migrations?.known
        expect(first.migrations).toEqual({ newer: [], known: expect.any(Number) })
        await first.close()
        await backend.sql(newerRow)

        const again = await backend.open()
        expect(again.migrations).toEqual({ newer: [NEWER], known })
        const record = makeRecord()
        await again.insert(record)
        expect((await again.get(record.id))?.id).toBe(record.id)
        await again.close()
        // The newer build's row stays, and nothing of ours ran twice.
        const names = (await backend.sql(
          'select name from hookwarden_migration order by name',
        )) as { name: string }[]
        expect(names.map((r) => r.name)).toContain(NEWER)
        expect(new Set(names.map((r) => r.name)).size).toBe(names.length)
      } finally {
        await backend.cleanup()
      }
    })

    it('runs a migration it knows that has not run, though a newer one has', async () => {
      const backend = await backendOf('gap')
      try {
        await (await backend.open()).close()
        // As if this build's last migration had never run, and a newer build's had.
        await backend.sql(`delete from hookwarden_migration where name = '0005_fingerprint_key'`)
        await backend.sql('drop table fingerprint_key')
        await backend.sql(newerRow)

        const store = await backend.open()
        expect(store.migrations?.newer).toEqual([NEWER])
        const names = (await backend.sql('select name from hookwarden_migration')) as {
          name: string
        }[]
        expect(names.map((r) => r.name)).toContain('0005_fingerprint_key')
        expect(await backend.sql('select * from fingerprint_key')).toEqual([])
        await store.close()
      } finally {
        await backend.cleanup()
      }
    })

    it('a build that does not know 0006 opens a store this build migrated, and what it wrote reads right here', async () => {
      const backend = await backendOf('older')
      try {
        const store = (await backend.open()) as KyselyAttemptStore
        const counted = makeRecord({ outcome: 'rejected', status: 429, reason: 'rate_limited' })
        await store.insert(counted)
        const until = Date.parse('2026-11-30T12:04:10.000Z')
        await store.update(counted.id, {
          refusals_past_limit: 37,
          limit_window_until: until,
          refusals_past_limit_by_status: { '429': 37 },
        })

        // The release before 0006 (a rollback, or a gateway not upgraded yet): its migrations end
        // at 0005, so it takes 0006 for a newer build's and starts.
        const previous = Object.fromEntries(
          Object.entries(migrations(backend.kind)).filter(([name]) => name < '0006'),
        )
        expect(
          await migrateToLatest(store.db as never, backend.kind, backend.schema, previous),
        ).toEqual({ newer: ['0006_refusals_past_limit', '0007_filter_indexes'], known: 5 })
        // Its insert names exactly these columns (0006's are left out of this build's too), and
        // its count of refusals past the limit was text in diagnosis_skipped.
        expect(ATTEMPT_COLUMNS).toHaveLength(24)
        expect(ATTEMPT_COLUMNS).not.toContain('refusals_past_limit')
        const old = makeRecord({ outcome: 'rejected', status: 429, reason: 'rate_limited' })
        await store.insert(old)
        const legacyText =
          'and 42 more refused (429 ×37, 413 ×5) from this source until 2026-11-30T12:04:10.000Z: over its limit, counted into this record, not recorded or diagnosed one by one'
        await store.update(old.id, { diagnosis_skipped: legacyText })
        const [{ n }] = (await backend.sql(
          `select count(*) as n from attempts where refusals_past_limit is null`,
        )) as [{ n: number | string }]
        expect(Number(n)).toBe(1)
        await store.close()

        // This build again: its own count, and the older release's text read as the same count
        // (no longer a reason for "not diagnosed"); the stored text stays for that release.
        const again = await backend.open()
        expect(again.migrations).toEqual({ newer: [], known: expect.any(Number) })
        expect(await again.get(counted.id)).toMatchObject({
          refusals_past_limit: 37,
          limit_window_until: until,
          refusals_past_limit_by_status: { '429': 37 },
          diagnosis_skipped: null,
        })
        const legacy = {
          refusals_past_limit: 42,
          limit_window_until: until,
          refusals_past_limit_by_status: { '429': 37, '413': 5 },
          diagnosis_skipped: null,
        }
        expect(await again.get(old.id)).toMatchObject(legacy)
        expect((await again.list({})).find((r) => r.id === old.id)).toMatchObject(legacy)
        await again.close()
        expect(
          await backend.sql(`select diagnosis_skipped from attempts where id = '${old.id}'`),
        ).toEqual([{ diagnosis_skipped: legacyText }])
      } finally {
        await backend.cleanup()
      }
    })

    it('start() logs one line naming them, and serves', async () => {
      const backend = await backendOf('start')
      try {
        await (await backend.open()).close()
        await backend.sql(newerRow)
        const { running, lines } = await startOn(backend, config)
        const said = lines.filter((l) => l.includes('newer hookwarden'))
        expect(said).toHaveLength(1)
        expect(JSON.parse(said[0] as string).msg).toMatch(
          new RegExp(
            `^this database was also migrated by a newer hookwarden: ${NEWER}; this build uses the \\d+ migrations it knows$`,
          ),
        )
        expect((await fetch(`${running.url}/healthz`)).status).toBe(200)
        await running.close()
      } finally {
        await backend.cleanup()
      }
    })

    it('a migration failing for another reason says so, not that the store is unreachable', async () => {
      const backend = await backendOf('broken')
      try {
        mkdirSync(backend.dataDir, { recursive: true })
        // A table of that name in the way, without the columns the migrator keeps.
        await backend.sql('create table hookwarden_migration (name integer)')
        const error = await backend.open().catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StoreMigrationError)
        expect((error as Error).message).toMatch(/^migrating the store failed: .*timestamp/)

        const refused = await startOn(backend, config).catch((e: unknown) => e)
        expect(refused).toMatchObject({ code: 'ERR_CONFIG' })
        expect((refused as Error).message).toMatch(/^migrating the store failed: /)
        expect((refused as Error).message).not.toMatch(/cannot open the store|DATABASE_URL/)
      } finally {
        await backend.cleanup()
      }
    })
  })
}

/** 0007's indexes (migrations.ts). */
const FILTER_INDEXES = [
  'attempts_tenant_id',
  'attempts_environment_id',
  'attempts_compact_id',
  'attempts_counts_slot',
]

/** The store as the release before 0007 left it (0007 pending, as after an upgrade). */
async function before0007(backend: Backend): Promise<void> {
  for (const name of FILTER_INDEXES) await backend.sql(`drop index if exists ${name}`)
  await backend.sql(`delete from hookwarden_migration where name = '0007_filter_indexes'`)
}

/** The indexes of attempts, by name. */
async function indexesOf(backend: Backend): Promise<string[]> {
  const rows = (await backend.sql(
    backend.kind === 'sqlite'
      ? `select name from sqlite_master where type = 'index' and tbl_name = 'attempts'`
      : `select indexname as name from pg_indexes where schemaname = '${backend.schema}' and tablename = 'attempts'`,
  )) as { name: string }[]
  return rows.map((r) => r.name).sort()
}

for (const kind of ['sqlite', 'postgres'] as const) {
  const backendOf = (name: string) => (kind === 'sqlite' ? sqlite(name) : postgres())

  describe(`${kind}: migration 0007 (the filter and count indexes)`, () => {
    it('a build that does not know 0007 opens a store this build migrated, and both read what the other wrote', async () => {
      const backend = await backendOf('older-0007')
      try {
        const store = (await backend.open()) as KyselyAttemptStore
        const mine = makeRecord({ tenant: 'wayne', environment: 'dev' })
        await store.insert(mine)
        // The release before 0007 (a rollback, or a gateway not upgraded yet) starts on it.
        const previous = Object.fromEntries(
          Object.entries(migrations(backend.kind)).filter(([name]) => name < '0007'),
        )
        expect(
          await migrateToLatest(store.db as never, backend.kind, backend.schema, previous),
        ).toEqual({ newer: ['0007_filter_indexes'], known: 6 })
        // Its insert names the same columns: the new indexes (partial ones too) take its rows.
        const theirs = makeRecord({
          tenant: 'wayne',
          environment: 'dev',
          received_at: mine.received_at + 1,
        })
        await backend.sql(
          `insert into attempts (id, received_at, tenant, environment, method, path, headers, body_size, body_sha256, outcome, status, would_have_refused, checks, request_id, kind)
           values ('${theirs.id}', ${theirs.received_at}, 'wayne', 'dev', 'POST', '/x', '[]', 0, '', 'accepted', 200, 0, '[]', 'r', 'endpoint')`,
        )
        expect((await store.list({ tenant: 'wayne' })).map((r) => r.id)).toEqual([
          theirs.id,
          mine.id,
        ])
        expect((await store.list({ environment: 'dev', since: mine.received_at })).length).toBe(2)
        await store.close()
        const again = await backend.open()
        expect(again.migrations).toEqual({ newer: [], known: expect.any(Number) })
        await again.close()
      } finally {
        await backend.cleanup()
      }
    })

    it('on a store of the previous release: built at start, said before and after (with the count), and used', async () => {
      const backend = await backendOf('upgrade-0007')
      try {
        const first = await backend.open()
        const rows = [1, 2, 3].map((i) => makeRecord({ received_at: 1_764_000_000_000 + i }))
        for (const r of rows) await first.insert(r)
        await first.close()
        await before0007(backend)
        expect(await indexesOf(backend)).not.toContain('attempts_tenant_id')

        const said: string[] = []
        const store = await openStore({
          ...(backend.kind === 'sqlite'
            ? { dataDir: backend.dataDir }
            : { databaseUrl: DATABASE_URL, dataDir: '/nonexistent', schema: backend.schema! }),
          onNotice: (level, message) => said.push(`${level}: ${message}`),
        })
        const about = backend.kind === 'postgres' ? 'about ' : ''
        expect(said).toEqual([
          `info: migrating the store: 0007_filter_indexes over ${about}3 attempts (building indexes; the gateway starts listening once it is done)`,
          expect.stringMatching(/^info: migrated the store: 0007_filter_indexes in \d+\.\d s$/),
        ])
        expect(await indexesOf(backend)).toEqual(expect.arrayContaining(FILTER_INDEXES))
        expect((await store.list({ tenant: 'acme' })).length).toBe(3)
        await store.close()
      } finally {
        await backend.cleanup()
      }
    })

    it('start() says it in the log before the gateway listens', async () => {
      const backend = await backendOf('start-0007')
      try {
        const first = await backend.open()
        await first.insert(makeRecord())
        await first.close()
        await before0007(backend)
        const { running, lines } = await startOn(backend, config)
        const messages = lines.map((l) => {
          try {
            return String(JSON.parse(l).msg)
          } catch {
            return l
          }
        })
        const before = messages.findIndex((m) =>
          m.startsWith('migrating the store: 0007_filter_indexes over'),
        )
        const after = messages.findIndex((m) =>
          m.startsWith('migrated the store: 0007_filter_indexes in'),
        )
        const listening = messages.findIndex((m) => /^Server listening at/.test(m))
        expect(before).toBeGreaterThanOrEqual(0)
        expect(after).toBeGreaterThan(before)
        expect(listening).toBeGreaterThan(after)
        await running.close()
      } finally {
        await backend.cleanup()
      }
    })
  })
}

/**
 * PostgreSQL during a rolling upgrade (red team 7, F5): the running gateways' inserts go on
 * while a starting one migrates. An index on a big table is built CONCURRENTLY, outside a
 * transaction; an ALTER waits for its lock MIGRATION_LOCK_TIMEOUT_MS at most, gives way, and
 * is tried again.
 */
describe('postgres: a migration never stops the other gateways inserting', () => {
  /** A gateway's insert, from its own connection: refused past 3 s of waiting for a lock. */
  const insertFrom = async (backend: Backend, client: pg.Client) => {
    const r = makeRecord()
    await client.query(`set search_path = "${backend.schema}"`)
    await client.query(`set lock_timeout = '3s'`)
    await client.query(
      `insert into attempts (id, received_at, method, path, headers, body_size, body_sha256, outcome, status, would_have_refused, checks, request_id, kind)
       values ($1, $2, 'POST', '/x', '[]', 0, '', 'accepted', 200, 0, '[]', 'r', 'endpoint')`,
      [r.id, r.received_at],
    )
    return r.id
  }
  /** A table past CONCURRENT_BUILD_ROWS, written in one statement. */
  const bigTable = (backend: Backend) =>
    backend.sql(
      `insert into attempts (id, received_at, tenant, method, path, headers, body_size, body_sha256, outcome, status, would_have_refused, checks, request_id, kind)
       select lpad(i::text, 26, '0'), i, 't' || (i % 7), 'POST', '/x', '[]', 0, '', 'accepted', 200, 0, '[]', 'r', 'endpoint'
       from generate_series(1, ${CONCURRENT_BUILD_ROWS}) i`,
    )
  /** Until a session of this database runs a statement matching `pattern` and waits on a lock. */
  const waitingOn = async (backend: Backend, pattern: string) => {
    for (;;) {
      const rows = (await backend.sql(
        `select query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike '${pattern}' and wait_event_type = 'Lock'`,
      )) as { query: string }[]
      if (rows.length > 0) return rows[0]!.query
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const clients: pg.Client[] = []
  const client = async () => {
    const c = new pg.Client({ connectionString: DATABASE_URL })
    await c.connect()
    clients.push(c)
    return c
  }
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => {})
  })

  it('0007 on a big table: CREATE INDEX CONCURRENTLY outside a transaction; an insert meanwhile is not held', async () => {
    const backend = await postgres()
    try {
      await (await backend.open()).close()
      await before0007(backend)
      await bigTable(backend)
      // A running gateway's transaction, open: the concurrent build waits for it to end.
      const writer = await client()
      await writer.query(`set search_path = "${backend.schema}"`)
      await writer.query('begin')
      await writer.query(`update attempts set status = 201 where id = lpad('1', 26, '0')`)
      const said: string[] = []
      const opening = openStore({
        databaseUrl: DATABASE_URL,
        dataDir: '/nonexistent',
        schema: backend.schema!,
        onNotice: (_level, message) => said.push(message),
      })
      const building = await waitingOn(backend, 'create index concurrently%')
      expect(building).toMatch(
        /^create index concurrently if not exists "attempts_\w+" on "attempts"/,
      )
      // Another gateway's insert while the build waits: through at once (a plain CREATE INDEX
      // would hold it behind its SHARE lock until the build ended, past its lock_timeout).
      const inserted = await insertFrom(backend, await client())
      await writer.query('commit')
      const store = await opening
      expect(await store.get(inserted)).not.toBeNull()
      const valid = (await backend.sql(
        `select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
         join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${backend.schema}' and c.relname like 'attempts%'`,
      )) as { name: string; valid: boolean }[]
      expect(valid.filter((r) => !r.valid)).toEqual([])
      expect(valid.map((r) => r.name)).toEqual(expect.arrayContaining(FILTER_INDEXES))
      expect(said[0]).toMatch(/^migrating the store: 0007_filter_indexes over about \d/)
      await store.close()
    } finally {
      await backend.cleanup()
    }
  })

  it('an index an interrupted concurrent build left INVALID is dropped and built again', async () => {
    const backend = await postgres()
    try {
      await (await backend.open()).close()
      await before0007(backend)
      await bigTable(backend)
      // A concurrent build that failed half way leaves its index INVALID under the same name.
      await expect(
        backend.sql('create unique index concurrently attempts_tenant_id on attempts (tenant)'),
      ).rejects.toThrow(/unique|duplicate/i)
      const [broken] = (await backend.sql(
        `select indisvalid as valid from pg_index where indexrelid = to_regclass('attempts_tenant_id')`,
      )) as { valid: boolean }[]
      expect(broken?.valid).toBe(false)
      const store = await backend.open()
      const [index] = (await backend.sql(
        `select i.indisvalid as valid, i.indisunique as unique, pg_get_indexdef(i.indexrelid) as def
         from pg_index i where indexrelid = to_regclass('attempts_tenant_id')`,
      )) as { valid: boolean; unique: boolean; def: string }[]
      expect(index).toMatchObject({ valid: true, unique: false })
      expect(index?.def).toMatch(/\(tenant, id\) WHERE \(tenant IS NOT NULL\)/)
      await store.close()
    } finally {
      await backend.cleanup()
    }
  })

  it('an ALTER behind a long query gives way after MIGRATION_LOCK_TIMEOUT_MS, lets inserts through, and runs once it can', async () => {
    const backend = await postgres()
    try {
      await (await backend.open()).close()
      // 0006 pending, as when a release adds a column.
      for (const column of [
        'refusals_past_limit',
        'limit_window_until',
        'refusals_past_limit_by_status',
      ])
        await backend.sql(`alter table attempts drop column ${column}`)
      await backend.sql(`delete from hookwarden_migration where name = '0006_refusals_past_limit'`)
      // A long read (a pg_dump, a slow report) holds the table's ACCESS SHARE lock.
      const reader = await client()
      await reader.query(`set search_path = "${backend.schema}"`)
      await reader.query('begin')
      await reader.query('select count(*) from attempts')
      const said: string[] = []
      const opening = openStore({
        databaseUrl: DATABASE_URL,
        dataDir: '/nonexistent',
        schema: backend.schema!,
        onNotice: (_level, message) => said.push(message),
      })
      await waitingOn(backend, 'alter table%')
      // An insert queued behind the ALTER's lock request is let through when it gives up.
      const inserted = await insertFrom(backend, await client())
      await reader.query('commit')
      const store = await opening
      expect(await store.get(inserted)).not.toBeNull()
      expect(
        said.some((m) => /0006_refusals_past_limit waited over 1000 ms for a lock/.test(m)),
      ).toBe(true)
      const columns = (await backend.sql(
        `select column_name from information_schema.columns where table_schema = '${backend.schema}' and table_name = 'attempts' and column_name = 'refusals_past_limit'`,
      )) as unknown[]
      expect(columns).toHaveLength(1)
      await store.close()
    } finally {
      await backend.cleanup()
    }
  })
})
