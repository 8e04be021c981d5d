/**
 * Schema migrations, in code, for both dialects; run at start by Kysely's Migrator.
 * @module
 */
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  type RawBuilder,
  sql,
} from 'kysely'
import { COMPACT_HEADERS } from './compact-row.js'

export type DialectName = 'sqlite' | 'postgres'

/**
 * A migration, and how it runs. `outsideTransaction` (PostgreSQL): it builds or drops indexes
 * CONCURRENTLY, which cannot run in a transaction; it runs in none, so it must be idempotent
 * (IF NOT EXISTS, IF EXISTS). `buildsIndexes`: it reads every row of attempts, which takes long
 * on a big store: migrateToLatest says so before and after (F7).
 */
export interface HookwardenMigration extends Migration {
  outsideTransaction?: boolean
  buildsIndexes?: boolean
}

/** Where Kysely's Migrator keeps one row per migration that ran on the store. */
export const MIGRATION_TABLE = 'hookwarden_migration'

/**
 * Every migration this build knows, run in name order. Migrations are ADDITIVE ONLY: a new
 * table, index, or nullable (or defaulted) column; never dropping or renaming a table or column,
 * nor a new constraint that an older build's writes could break (an index may be replaced).
 * During a rolling upgrade, and after a rollback, an older build runs on a store that a newer
 * one has migrated: it skips the migrations it does not know (migrateToLatest) and relies on
 * this rule to keep working.
 */
export function migrations(dialect: DialectName): Record<string, HookwardenMigration> {
  const pg = dialect === 'postgres'
  const millis = pg ? 'bigint' : 'integer'
  return {
    '0001_attempts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('attempts')
          .ifNotExists()
          // Ids are compared byte-wise for `before` paging: PostgreSQL's default collation
          // would order punctuation and case differently from SQLite.
          .addColumn('id', pg ? sql`text collate "C"` : 'text', (c) => c.primaryKey())
          .addColumn('received_at', pg ? 'bigint' : 'integer', (c) => c.notNull())
          .addColumn('endpoint', 'text')
          .addColumn('tenant', 'text')
          .addColumn('environment', 'text')
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('headers', 'text', (c) => c.notNull())
          .addColumn('body_size', 'integer', (c) => c.notNull())
          .addColumn('body_sha256', 'text', (c) => c.notNull())
          .addColumn('body', pg ? 'bytea' : 'blob')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('would_have_refused', 'smallint', (c) => c.notNull().defaultTo(0))
          .addColumn('checks', 'text', (c) => c.notNull())
          .addColumn('diagnosis', 'text')
          .addColumn('diagnosis_skipped', 'text')
          .addColumn('key_id', 'text')
          .addColumn('forward_status', 'integer')
          .addColumn('forward_latency_ms', pg ? 'double precision' : 'real')
          .addColumn('forward_error', 'text')
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .execute()
        // One index per list filter, each ending in id so "newest first" is an index walk;
        // received_at serves retention by age and the overview chart.
        const indices: [string, string[]][] = [
          ['attempts_received_at', ['received_at']],
          ['attempts_endpoint_id', ['endpoint', 'id']],
          ['attempts_outcome_id', ['outcome', 'id']],
          ['attempts_reason_id', ['reason', 'id']],
        ]
        for (const [name, columns] of indices) {
          await db.schema.createIndex(name).ifNotExists().on('attempts').columns(columns).execute()
        }
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('attempts').ifExists().execute()
      },
    },
    // Every index is written on every insert, and most attempts are accepted ones with no
    // reason: the outcome and reason indexes now hold only the rows they are asked for
    // (measured: each index costs the insert a B-tree update and a WAL page per batch).
    // PostgreSQL: built CONCURRENTLY on a big table, outside a transaction (F5).
    '0002_partial_indexes': {
      outsideTransaction: true,
      buildsIndexes: true,
      async up(db: Kysely<unknown>) {
        const concurrently = await bigTable(db, dialect)
        await dropAttemptsIndex(db, 'attempts_outcome_id', concurrently)
        await dropAttemptsIndex(db, 'attempts_reason_id', concurrently)
        await createAttemptsIndex(db, dialect, concurrently, {
          name: 'attempts_rejected_id',
          columns: ['id'],
          where: sql`${sql.ref('outcome')} = ${sql.lit('rejected')}`,
        })
        await createAttemptsIndex(db, dialect, concurrently, {
          name: 'attempts_reason_id_some',
          columns: ['reason', 'id'],
          where: sql`${sql.ref('reason')} is not null`,
        })
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('attempts_rejected_id').ifExists().execute()
        await db.schema.dropIndex('attempts_reason_id_some').ifExists().execute()
        await db.schema
          .createIndex('attempts_outcome_id')
          .on('attempts')
          .columns(['outcome', 'id'])
          .execute()
        await db.schema
          .createIndex('attempts_reason_id')
          .on('attempts')
          .columns(['reason', 'id'])
          .execute()
      },
    },
    // Logouts, shared by every gateway on the store and kept across restarts (admin-auth.ts).
    '0003_revoked_sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('revoked_sessions')
          .ifNotExists()
          .addColumn('session', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', pg ? 'bigint' : 'integer', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('revoked_sessions_expires_at')
          .ifNotExists()
          .on('revoked_sessions')
          .column('expires_at')
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('revoked_sessions').ifExists().execute()
      },
    },
    // The gateways running on this store, each refreshing its row (instances.ts): a gateway
    // without Redis refuses to start beside another live one, whose replay claims it cannot see.
    '0004_gateway_instances': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('gateway_instances')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('host', 'text', (c) => c.notNull())
          .addColumn('pid', 'integer', (c) => c.notNull())
          .addColumn('started_at', millis, (c) => c.notNull())
          .addColumn('seen_at', millis, (c) => c.notNull())
          // `redis` or `memory`: where its replay claims are, which decides who may run beside it.
          .addColumn('replay_claims', 'text', (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('gateway_instances').ifExists().execute()
      },
    },
    // PostgreSQL: the installation's fingerprint key, one row, so that every gateway sharing
    // the database fingerprints a credential alike (SQLite keeps its key file beside it).
    '0005_fingerprint_key': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('fingerprint_key')
          .ifNotExists()
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('created_at', millis, (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('fingerprint_key').ifExists().execute()
      },
    },
    // The count of a source's refusals past its limit, on its window's full record (written
    // by update() only: the insert of every attempt carries none of these columns). Nullable,
    // so adding them rewrites no row on either database, and an older build's inserts, which
    // do not name them, leave them null.
    '0006_refusals_past_limit': {
      async up(db: Kysely<unknown>) {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for (const [column, type] of PAST_LIMIT_COLUMNS(millis))
          await db.schema.alterTable('attempts').addColumn(column, type).execute()
      },
      async down(db: Kysely<unknown>) {
        for (const [column] of PAST_LIMIT_COLUMNS(millis))
          await db.schema.alterTable('attempts').dropColumn(column).execute()
      },
    },
    // The dashboard's filters and counts read a range of an index, not the table (F4, F8):
    // tenant and environment (partial: a store without them pays nothing on insert), the
    // compact rows retention by count deletes first (F3: about 200 bytes each, and only they
    // are in it), and the Overview's counts: each attempt's 5-minute slot, endpoint, outcome
    // and reason, which a GROUP BY reads in their order with no sort, and received_at, so that
    // PostgreSQL reads them from the index alone (queries.ts attemptStats).
    '0007_filter_indexes': {
      outsideTransaction: true,
      buildsIndexes: true,
      async up(db: Kysely<unknown>) {
        const concurrently = await bigTable(db, dialect)
        for (const index of FILTER_INDEXES)
          await createAttemptsIndex(db, dialect, concurrently, index)
      },
      async down(db: Kysely<unknown>) {
        for (const { name } of FILTER_INDEXES) await db.schema.dropIndex(name).ifExists().execute()
      },
    },
  }
}

/** An index of `attempts`, as createAttemptsIndex builds it. */
interface AttemptsIndex {
  name: string
  /** Column names, or SQL expressions of them. */
  columns: (string | RawBuilder<unknown>)[]
  /** A partial index's condition. */
  where?: RawBuilder<unknown>
}

/** The 5-minute slot of a receive time: what the counts index holds (queries.ts). */
export const STATS_SLOT_MS = 300_000

/** The indexes of migration 0007. */
const FILTER_INDEXES: AttemptsIndex[] = [
  {
    name: 'attempts_tenant_id',
    columns: ['tenant', 'id'],
    where: sql`${sql.ref('tenant')} is not null`,
  },
  {
    name: 'attempts_environment_id',
    columns: ['environment', 'id'],
    where: sql`${sql.ref('environment')} is not null`,
  },
  {
    name: 'attempts_compact_id',
    columns: ['id'],
    where: sql`${sql.ref('headers')} = ${sql.lit(COMPACT_HEADERS)}`,
  },
  {
    name: 'attempts_counts_slot',
    columns: [
      sql`(${sql.ref('received_at')} / ${sql.lit(STATS_SLOT_MS)})`,
      'endpoint',
      'outcome',
      'reason',
      'received_at',
    ],
  },
]

/**
 * A table this big has its indexes built CONCURRENTLY on PostgreSQL (F5): the build then takes
 * no lock that stops an insert, but waits for every transaction older than it and cannot run
 * in a transaction. A smaller one (a new store, a test's) is built in place in milliseconds.
 */
export const CONCURRENT_BUILD_ROWS = 10_000

/** PostgreSQL, and attempts holds at least CONCURRENT_BUILD_ROWS rows. */
async function bigTable(db: Kysely<unknown>, dialect: DialectName): Promise<boolean> {
  if (dialect !== 'postgres') return false
  const { rows } = await sql<{
    n: number | string
  }>`select count(*) as n from (select 1 from ${sql.table(
    'attempts',
  )} limit ${sql.lit(CONCURRENT_BUILD_ROWS)}) as head`.execute(db)
  return Number(rows[0]?.n ?? 0) >= CONCURRENT_BUILD_ROWS
}

/**
 * Creates an index of attempts unless it exists. CONCURRENTLY: an earlier concurrent build
 * that was interrupted (the gateway killed, the build cancelled) leaves the index INVALID,
 * still written by every insert and never read, which IF NOT EXISTS would keep: it is dropped
 * and built again. The build waits for older transactions with no lock_timeout: waiting holds
 * no insert up.
 */
async function createAttemptsIndex(
  db: Kysely<unknown>,
  dialect: DialectName,
  concurrently: boolean,
  index: AttemptsIndex,
): Promise<void> {
  const columns = sql.join(index.columns.map((c) => (typeof c === 'string' ? sql.ref(c) : c)))
  const where = index.where ? sql` where ${index.where}` : sql``
  const create = (how: string) =>
    sql`create index ${sql.raw(how)}if not exists ${sql.id(index.name)} on ${sql.table('attempts')} (${columns})${where}`
  if (!concurrently) {
    await create('').execute(db)
    return
  }
  if (dialect !== 'postgres') throw new Error('CONCURRENTLY is PostgreSQL only')
  await withoutLockTimeout(db, async () => {
    const { rows } = await sql<{
      valid: boolean
    }>`select indisvalid as valid from pg_index where indexrelid = to_regclass(${index.name})`.execute(
      db,
    )
    if (rows[0] && !rows[0].valid)
      await sql`drop index concurrently if exists ${sql.id(index.name)}`.execute(db)
    await create('concurrently ').execute(db)
  })
}

/** Drops an index of attempts if it exists, CONCURRENTLY on a big PostgreSQL table. */
async function dropAttemptsIndex(
  db: Kysely<unknown>,
  name: string,
  concurrently: boolean,
): Promise<void> {
  if (!concurrently) {
    await db.schema.dropIndex(name).ifExists().execute()
    return
  }
  await withoutLockTimeout(db, () =>
    sql`drop index concurrently if exists ${sql.id(name)}`.execute(db),
  )
}

/** Runs `work` with the session's lock_timeout off, then puts it back. */
async function withoutLockTimeout<T>(db: Kysely<unknown>, work: () => Promise<T>): Promise<T> {
  const { rows } = await sql<{ lock_timeout: string }>`show lock_timeout`.execute(db)
  await sql`set lock_timeout = 0`.execute(db)
  try {
    return await work()
  } finally {
    await sql`select set_config('lock_timeout', ${rows[0]?.lock_timeout ?? '0'}, false)`.execute(db)
  }
}

/** The columns of 0006: the count, when the window ends (unix ms), the count by status (JSON). */
const PAST_LIMIT_COLUMNS = (millis: 'bigint' | 'integer') =>
  [
    ['refusals_past_limit', 'integer'],
    ['limit_window_until', millis],
    ['refusals_past_limit_by_status', 'text'],
  ] as const

/** What migrateToLatest found on the store. */
export interface MigrationOutcome {
  /** Migrations a newer hookwarden ran on this store that this build does not know. */
  newer: string[]
  /** How many migrations this build knows (all of them have run once it returns). */
  known: number
}

/** Stands in for a newer build's migration: it has run already, so it never runs here. */
const RAN_ELSEWHERE: Migration = { async up() {} }

export interface MigrateOptions {
  /**
   * Told before and after a migration that builds indexes over the attempts (with their count
   * and how long it took), and when the start waits for another gateway's migration (F7).
   */
  onProgress?: (message: string) => void
}

/**
 * PostgreSQL: how long a migration's statement waits for a lock on a table (an ALTER TABLE
 * waiting behind a long query). Every insert that comes after it queues behind it meanwhile:
 * past this, it gives up and lets them through, and is tried again later (F5).
 */
export const MIGRATION_LOCK_TIMEOUT_MS = 1000
/** …this many times, 0.5 s apart and twice that each time up to 5 s, before the start fails. */
export const MIGRATION_LOCK_TRIES = 20

/**
 * Runs every pending migration this build knows; throws the migrator's error when one fails.
 * Migrations a newer build ran are tolerated (nothing to run, see `migrations()`), and one of
 * ours that has not run yet still runs even when a newer one has. `known` is this build's
 * migrations (a test passes an older build's, to open a store as that build would).
 *
 * PostgreSQL: on one connection, under a lock every hookwarden build of this release takes
 * first; each run of consecutive pending migrations goes in a transaction, but one that builds
 * indexes CONCURRENTLY (`outsideTransaction`) goes outside any; a statement waits at most
 * MIGRATION_LOCK_TIMEOUT_MS for a lock, its migration tried again if it timed out.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: DialectName,
  schema?: string,
  known: Record<string, HookwardenMigration> = migrations(dialect),
  options: MigrateOptions = {},
): Promise<MigrationOutcome> {
  const look = async (on: Kysely<unknown>) => {
    const executed = await executedMigrations(on, schema)
    return {
      executed,
      pending: Object.keys(known)
        .filter((name) => !executed.includes(name))
        .sort(),
      outcome: {
        newer: executed.filter((name) => !(name in known)),
        known: Object.keys(known).length,
      },
    }
  }
  if (dialect !== 'postgres') return migratePending(db, dialect, schema, known, options, look)
  // Nothing to run (every start but an upgrade's): no lock taken, no setting changed.
  const first = await look(db)
  if (first.pending.length === 0) return first.outcome
  return db.connection().execute(async (conn) => {
    await sql`set lock_timeout = ${sql.lit(MIGRATION_LOCK_TIMEOUT_MS)}`.execute(conn)
    try {
      return await holdingMigrationLock(conn, options, () =>
        migratePending(conn, dialect, schema, known, options, look),
      )
    } finally {
      await sql`reset lock_timeout`.execute(conn)
    }
  })
}

type Look = (db: Kysely<unknown>) => Promise<{
  executed: string[]
  pending: string[]
  outcome: MigrationOutcome
}>

/** The pending migrations, run by Kysely's Migrator in runs of the same kind (see above). */
async function migratePending(
  db: Kysely<unknown>,
  dialect: DialectName,
  schema: string | undefined,
  known: Record<string, HookwardenMigration>,
  options: MigrateOptions,
  look: Look,
): Promise<MigrationOutcome> {
  for (let looked = 1; ; looked++) {
    const { executed, pending, outcome } = await look(db)
    try {
      for (const run of runsOf(pending, known, dialect)) {
        await migrateRun(db, dialect, schema, { executed, known, run, options })
        executed.push(...run.names)
      }
      return outcome
    } catch (error) {
      // A newer build migrated between our look and the migrator's (under its lock): look again.
      if (looked < 3 && /previously executed migration .* is missing/.test(String(error))) continue
      throw error
    }
  }
}

/**
 * The pending migrations cut into runs: PostgreSQL runs a migration that must be outside a
 * transaction apart from its neighbours; SQLite (no transactional DDL in Kysely) runs them all
 * at once, each on its own.
 */
function runsOf(
  pending: string[],
  known: Record<string, HookwardenMigration>,
  dialect: DialectName,
): { names: string[]; outside: boolean }[] {
  const runs: { names: string[]; outside: boolean }[] = []
  for (const name of pending) {
    const outside = dialect === 'postgres' && known[name]?.outsideTransaction === true
    const last = runs.at(-1)
    if (last && last.outside === outside && !outside) last.names.push(name)
    else runs.push({ names: [name], outside })
  }
  return runs
}

/** One run of migrations, by Kysely's Migrator; tried again when a lock wait timed out. */
async function migrateRun(
  db: Kysely<unknown>,
  dialect: DialectName,
  schema: string | undefined,
  step: {
    executed: string[]
    known: Record<string, HookwardenMigration>
    run: { names: string[]; outside: boolean }
    options: MigrateOptions
  },
): Promise<void> {
  const { executed, known, run, options } = step
  // The migrations that ran (else the migrator takes the store for corrupt) and this run's;
  // the other pending ones are left to their own run.
  const all: Record<string, Migration> = {}
  for (const name of executed) all[name] = known[name] ?? RAN_ELSEWHERE
  for (const name of run.names) all[name] = said(name, known[name]!, dialect, options)
  const provider: MigrationProvider = { getMigrations: async () => all }
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: 'hookwarden_migration_lock',
    // Ours may sort before a newer build's that ran first.
    allowUnorderedMigrations: true,
    disableTransactions: run.outside,
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  for (let tried = 1; ; tried++) {
    const { error } = await migrator.migrateToLatest()
    if (!error) return
    if (dialect !== 'postgres' || tried >= MIGRATION_LOCK_TRIES || !waitedTooLong(error))
      throw error
    if (tried === 1)
      options.onProgress?.(
        `migrating the store: ${run.names.join(', ')} waited over ${MIGRATION_LOCK_TIMEOUT_MS} ms for a lock on its table (a long query or transaction holds it); gave way to the other gateways' writes, trying again`,
      )
    await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** (tried - 1))))
  }
}

/**
 * A lock wait that timed out (55P03), or a deadlock PostgreSQL broke (40P01): a later try may
 * succeed. A concurrent index build that was the deadlock's victim left an INVALID index,
 * which the next try drops and builds again.
 */
function waitedTooLong(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '55P03' || code === '40P01'
}

/** The migration, told before and after (F7) when it builds indexes over existing attempts. */
function said(
  name: string,
  migration: HookwardenMigration,
  dialect: DialectName,
  options: MigrateOptions,
): Migration {
  const say = options.onProgress
  if (!migration.buildsIndexes || !say) return migration
  return {
    ...migration,
    async up(db: Kysely<unknown>) {
      const rows = await attemptsRows(db, dialect)
      if (rows === 0) return migration.up(db)
      say(
        `migrating the store: ${name} over ${dialect === 'postgres' ? 'about ' : ''}${rows.toLocaleString('en-US')} attempts (building indexes; the gateway starts listening once it is done)`,
      )
      const began = performance.now()
      await migration.up(db)
      say(`migrated the store: ${name} in ${((performance.now() - began) / 1000).toFixed(1)} s`)
    },
  }
}

/**
 * How many attempts the store holds: counted on SQLite (a count of an index, ~0.1 s a million
 * rows); PostgreSQL's would read the whole table, so its estimate (at least the rows of a
 * small table that has none yet).
 */
async function attemptsRows(db: Kysely<unknown>, dialect: DialectName): Promise<number> {
  const attempts = sql.table('attempts')
  const { rows } =
    dialect === 'postgres'
      ? await sql<{ n: number | string }>`select greatest(
          (select reltuples from pg_class where oid = to_regclass('attempts')),
          (select n_live_tup from pg_stat_user_tables where relid = to_regclass('attempts')),
          (select count(*) from (select 1 from ${attempts} limit ${sql.lit(CONCURRENT_BUILD_ROWS)}) as head)
        ) as n`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from ${attempts}`.execute(db)
  return Math.max(0, Math.round(Number(rows[0]?.n ?? 0)))
}

/**
 * Holds the PostgreSQL advisory lock that hookwarden's migrations take, one for the whole
 * database like Kysely's own. Tried every 250 ms, not waited for: a session waiting on a lock
 * holds a snapshot, and CREATE INDEX CONCURRENTLY waits for every older snapshot, so a second
 * gateway waiting for the first's lock while the first builds an index would deadlock them.
 * Kysely's Migrator then takes its own lock, which no build that took this one waits for.
 */
async function holdingMigrationLock<T>(
  db: Kysely<unknown>,
  options: MigrateOptions,
  work: () => Promise<T>,
): Promise<T> {
  const key = sql`hashtext('hookwarden migrations')`
  for (let waited = 0; ; waited += 250) {
    const { rows } = await sql<{
      got: boolean
    }>`select pg_try_advisory_lock(${key}) as got`.execute(db)
    if (rows[0]?.got) break
    if (waited === 5000)
      options.onProgress?.(
        'migrating the store: another gateway is migrating a store of this database; waiting for it to finish',
      )
    await new Promise((r) => setTimeout(r, 250))
  }
  try {
    return await work()
  } finally {
    await sql`select pg_advisory_unlock(${key})`.execute(db)
  }
}

/** The names in the migration table; none before the first migration made it. */
async function executedMigrations(db: Kysely<unknown>, schema?: string): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true })
  if (!tables.some((t) => t.name === MIGRATION_TABLE && (!schema || t.schema === schema))) return []
  const table = sql.table(schema ? `${schema}.${MIGRATION_TABLE}` : MIGRATION_TABLE)
  const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db)
  return rows.map((r) => r.name)
}
