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
import { type DialectName, migrateToLatest, migrations } from '../../src/storage/migrations.js'
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
        ).toEqual({ newer: ['0006_refusals_past_limit'], known: 5 })
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
