/**
 * PostgreSQL adapter (pg): chosen when HOOKWARDEN_DATABASE_URL is set, so that several
 * gateways share one attempt log.
 * @module
 */
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { redactUrls, toStoreError } from './errors.js'
import { type CommitResult, GroupCommit } from './group-commit.js'
import { insertSql, revokeSessionQueries, updateAttempt } from './queries.js'
import { type Database, toParams } from './schema.js'
import { DEFAULT_RECORD_TIMEOUT_MS, KyselyAttemptStore, type WriteOp } from './store.js'
import type { AttemptRecord } from './types.js'

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db` */
  databaseUrl: string
  /** Tables live in this schema (created when missing); default: the search_path's first. */
  schema?: string
  /** Pool size; default 10. */
  poolSize?: number
  maxBatch?: number
  /** A write not committed within this many ms is refused (answered 503); default 5000. */
  recordTimeoutMs?: number
  /**
   * Where the store says what no caller asked, from the start on: a migration that builds
   * indexes over a big store is said before and after (F7), while the start waits for it.
   */
  onNotice?: KyselyAttemptStore['onNotice']
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export async function openPostgresStore(
  options: PostgresStoreOptions,
): Promise<KyselyAttemptStore> {
  const { schema } = options
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new RangeError(`schema must match ${SCHEMA_NAME}`)
  }
  const recordTimeoutMs = options.recordTimeoutMs ?? DEFAULT_RECORD_TIMEOUT_MS
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    // A table locked elsewhere (LOCK TABLE, a long migration) fails the statement at the
    // record's deadline instead of holding a connection for as long as the lock lasts; a slow
    // statement ends too, later, so that a stuck one gives its connection back.
    lock_timeout: recordTimeoutMs,
    statement_timeout: Math.max(30_000, recordTimeoutMs),
    // Unqualified table names resolve to our schema on every pooled connection.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client losing its server emits 'error' on the pool: without a listener the
  // process would crash. The next query reports the outage as StoreUnavailableError instead.
  pool.on('error', () => {})
  // A connection that dies while checked out emits 'error' on its client, where pg-pool has
  // no listener: that would be an uncaught exception. The running query is rejected anyway.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const writer = new GroupCommit<WriteOp>({
    maxBatch: options.maxBatch ?? 1000,
    // Batches are independent transactions on separate pooled connections: the next one need
    // not wait for the previous round trip. An update of a record is only queued after its
    // insert resolved, so no batch can overtake the insert it depends on.
    maxInFlight: 4,
    deadlineMs: recordTimeoutMs,
    commit: (ops) => commitPostgres(db, ops),
  })
  // The schema the tables land in: the option, or the search_path's first (the URL may set it
  // with `?options=-c search_path=…`). The migrator must be told, or it would take another
  // schema's migration table for ours.
  let current: string
  try {
    if (schema) await pool.query(`create schema if not exists "${schema}"`)
    const { rows } = await pool.query<{ s: string | null }>('select current_schema() as s')
    if (!rows[0]?.s) throw new Error('the search_path names no existing schema')
    current = rows[0].s
  } catch (error) {
    await db.destroy()
    throw toStoreError('attempts', error)
  }
  const store = new KyselyAttemptStore({
    db,
    dialect: 'postgres',
    writer,
    schema: current,
    description: {
      adapter: 'postgres',
      location: `${redactUrls(options.databaseUrl)} schema ${current}`,
      durability: 'group commit, synchronous_commit as configured on the server (default on)',
    },
  })
  if (options.onNotice) store.onNotice = options.onNotice
  try {
    await store.migrate()
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

/** Inserts as one multi-row statement, updates (and logouts) after them, all in one transaction. */
async function commitBatch(db: Kysely<Database>, ops: WriteOp[]): Promise<void> {
  const records: AttemptRecord[] = []
  const updates: Exclude<WriteOp, { kind: 'insert' }>[] = []
  for (const op of ops) {
    if (op.kind === 'insert') records.push(op.record)
    else updates.push(op)
  }
  const insert =
    records.length > 0
      ? CompiledQuery.raw(insertSql(db, records.length), records.flatMap(toParams))
      : null
  if (updates.length === 0) {
    // One statement is its own transaction: one round trip, one WAL flush.
    if (insert) await db.executeQuery(insert)
    return
  }
  await db.transaction().execute(async (trx) => {
    if (insert) await trx.executeQuery(insert)
    for (const u of updates) {
      if (u.kind === 'update') await updateAttempt(trx, u.id, u.row).execute()
      else
        for (const q of revokeSessionQueries(trx, u.session, u.expiresAt, u.now)) await q.execute()
    }
  })
}

async function commitPostgres(db: Kysely<Database>, ops: WriteOp[]): Promise<CommitResult> {
  try {
    await commitBatch(db, ops)
    return
  } catch (error) {
    const mapped = toStoreError('attempts', error)
    if (mapped.failure !== 'error' || ops.length === 1) throw mapped
  }
  // A bad record (e.g. a duplicate id) must not sink the rest of its batch.
  const results: (unknown | undefined)[] = []
  for (const op of ops) {
    try {
      await commitBatch(db, [op])
      results.push(undefined)
    } catch (error) {
      results.push(toStoreError('attempts', error))
    }
  }
  return results
}
