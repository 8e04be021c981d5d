/**
 * Schema migrations, in code, for both dialects; run at start by Kysely's Migrator.
 * @module
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'

export type DialectName = 'sqlite' | 'postgres'

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
export function migrations(dialect: DialectName): Record<string, Migration> {
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
    '0002_partial_indexes': {
      async up(db: Kysely<unknown>) {
        await db.schema.dropIndex('attempts_outcome_id').ifExists().execute()
        await db.schema.dropIndex('attempts_reason_id').ifExists().execute()
        await db.schema
          .createIndex('attempts_rejected_id')
          .ifNotExists()
          .on('attempts')
          .column('id')
          .where(sql.ref('outcome'), '=', sql.lit('rejected'))
          .execute()
        await db.schema
          .createIndex('attempts_reason_id_some')
          .ifNotExists()
          .on('attempts')
          .columns(['reason', 'id'])
          .where(sql.ref('reason'), 'is not', null)
          .execute()
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

/**
 * Runs every pending migration this build knows; throws the migrator's error when one fails.
 * Migrations a newer build ran are tolerated (nothing to run, see `migrations()`), and one of
 * ours that has not run yet still runs even when a newer one has. `known` is this build's
 * migrations (a test passes an older build's, to open a store as that build would).
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: DialectName,
  schema?: string,
  known: Record<string, Migration> = migrations(dialect),
): Promise<MigrationOutcome> {
  for (let look = 1; ; look++) {
    const newer = (await executedMigrations(db, schema)).filter((name) => !(name in known))
    const all = { ...known }
    for (const name of newer) all[name] = RAN_ELSEWHERE
    const provider: MigrationProvider = { getMigrations: async () => all }
    const migrator = new Migrator({
      db,
      provider,
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: 'hookwarden_migration_lock',
      // Ours may sort before a newer build's that ran first.
      allowUnorderedMigrations: true,
      ...(schema ? { migrationTableSchema: schema } : {}),
    })
    const { error } = await migrator.migrateToLatest()
    if (!error) return { newer, known: Object.keys(known).length }
    // A newer build migrated between our look and the migrator's (under its lock): look again.
    if (look < 3 && /previously executed migration .* is missing/.test(String(error))) continue
    throw error
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
