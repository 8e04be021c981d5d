/**
 * Schema migrations, in code, for both dialects; run at start by Kysely's Migrator.
 * @module
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'

export type DialectName = 'sqlite' | 'postgres'

function migrations(dialect: DialectName): Record<string, Migration> {
  const pg = dialect === 'postgres'
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
  }
}

/** Runs every pending migration; throws the migrator's error when one fails. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: DialectName,
  schema?: string,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) }
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'hookwarden_migration',
    migrationLockTableName: 'hookwarden_migration_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  const { error } = await migrator.migrateToLatest()
  if (error) throw error
}
