/**
 * SQLite adapter (better-sqlite3, WAL): the default store, one file under the data directory.
 * @module
 */
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { toStoreError } from './errors.js'
import { type CommitResult, GroupCommit } from './group-commit.js'
import { insertSql, updateAttempt } from './queries.js'
import { type Database, toParams } from './schema.js'
import { KyselyAttemptStore, type WriteOp } from './store.js'

const fdatasyncAsync = promisify(fdatasync)

/**
 * How a batch becomes durable before its inserts resolve.
 * - `full`: `synchronous=FULL`; SQLite fsyncs the WAL inside COMMIT (blocks the event loop
 *   for the fsync).
 * - `fdatasync`: `synchronous=NORMAL`; COMMIT writes the WAL frames (page cache: already
 *   safe from kill -9), then one asynchronous fdatasync of the WAL file, on the thread pool,
 *   makes the batch power-safe before any insert of it resolves. Checkpoints keep NORMAL's
 *   own syncs (WAL synced before, database synced after), so a frame is on disk either in the
 *   WAL or in the database file by the time it could be overwritten.
 */
export type SqliteDurability = 'full' | 'fdatasync'

export interface SqliteStoreOptions {
  /** Directory holding the database (created when missing). */
  dataDir: string
  /** File name inside dataDir; default `attempts.db`. */
  file?: string
  durability?: SqliteDurability
  /** Largest batch per transaction. */
  maxBatch?: number
  /** For tests: PRAGMA max_page_count, to make the disk "full". */
  maxPageCount?: number
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<KyselyAttemptStore> {
  const dir = resolve(options.dataDir)
  const path = join(dir, options.file ?? 'attempts.db')
  const durability = options.durability ?? 'fdatasync'
  let sqlite: BetterSqlite3.Database | undefined
  try {
    mkdirSync(dir, { recursive: true })
    sqlite = new BetterSqlite3(path)
    // Checked, not assumed: some file systems refuse WAL, and the fdatasync discipline below
    // is only sound for a WAL database (T-DUR-4).
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal')
      throw new Error(`SQLite refused WAL mode (journal_mode=${String(mode)}) for ${path}`)
    sqlite.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
    const sync = sqlite.pragma('synchronous', { simple: true })
    if (sync !== (durability === 'full' ? 2 : 1))
      throw new Error(`SQLite synchronous is ${String(sync)}`)
    // Short: the busy handler sleeps on the event loop. A lock held longer (another process on
    // the same file) is StoreUnavailableError, answered 503 + Retry-After.
    sqlite.pragma('busy_timeout = 1000')
    if (options.maxPageCount !== undefined)
      sqlite.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`)
  } catch (error) {
    sqlite?.close()
    throw toStoreError('attempts', error)
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  let walFd: number | null = null
  const writer = new GroupCommit<WriteOp>({
    maxBatch: options.maxBatch ?? 1000,
    // The transaction runs synchronously inside commit(); only its fdatasync is awaited. A
    // later batch may commit while an earlier one syncs: each fdatasync covers the frames
    // written before it was called, so every batch is durable before its writes resolve.
    maxInFlight: durability === 'fdatasync' ? 4 : 1,
    commit: (ops) => {
      const result = commitSqlite(sqlite, db, ops)
      if (durability === 'full' || walFd === null) return result
      return fdatasyncAsync(walFd).then(
        () => result,
        (error: unknown) => {
          throw toStoreError('attempts', error)
        },
      )
    },
  })
  const store = new KyselyAttemptStore({
    db,
    dialect: 'sqlite',
    writer,
    description: {
      adapter: 'sqlite',
      location: path,
      durability:
        durability === 'full'
          ? 'WAL, synchronous=FULL, group commit'
          : 'WAL, synchronous=NORMAL, group commit + fdatasync(WAL) before each ack',
    },
    release: async () => {
      if (walFd !== null) closeSync(walFd)
      walFd = null
    },
  })
  await store.migrate()
  if (durability === 'fdatasync') {
    try {
      // The migration wrote to the WAL, so the file exists; it stays while we hold the
      // connection. Sync the directory once so the WAL's name itself survives power loss.
      walFd = openSync(`${path}-wal`, 'a')
      const dirFd = openSync(dir, 'r')
      fsyncSync(dirFd)
      closeSync(dirFd)
    } catch (error) {
      await store.close()
      throw toStoreError('attempts', error)
    }
  }
  return store
}

/** Statements compiled once per connection from the shared Kysely queries. */
const compiled = new WeakMap<BetterSqlite3.Database, Compiled>()

interface Compiled {
  insert: BetterSqlite3.Statement
  updates: Map<string, BetterSqlite3.Statement>
  batch: (ops: WriteOp[]) => void
}

function prepare(sqlite: BetterSqlite3.Database, db: Kysely<Database>): Compiled {
  let c = compiled.get(sqlite)
  if (c) return c
  const insert = sqlite.prepare(insertSql(db, 1))
  const updates = new Map<string, BetterSqlite3.Statement>()
  const run = (op: WriteOp) => {
    if (op.kind === 'insert') insert.run(toParams(op.record))
    else {
      const q = updateAttempt(db, op.id, op.row).compile()
      let stmt = updates.get(q.sql)
      if (!stmt) {
        stmt = sqlite.prepare(q.sql)
        updates.set(q.sql, stmt)
      }
      stmt.run(q.parameters as unknown[])
    }
  }
  const batch = sqlite.transaction((ops: WriteOp[]) => {
    for (const op of ops) run(op)
  })
  c = { insert, updates, batch }
  compiled.set(sqlite, c)
  return c
}

/**
 * One transaction for the batch. When it fails for a reason other than the store being down
 * or full (a bad record), each op is retried alone so one bad write cannot sink the others.
 */
function commitSqlite(
  sqlite: BetterSqlite3.Database,
  db: Kysely<Database>,
  ops: WriteOp[],
): CommitResult {
  const c = prepare(sqlite, db)
  try {
    c.batch(ops)
    return
  } catch (error) {
    const mapped = toStoreError('attempts', error)
    if (mapped.failure !== 'error' || ops.length === 1) throw mapped
  }
  return ops.map((op) => {
    try {
      c.batch([op])
      return undefined
    } catch (error) {
      return toStoreError('attempts', error)
    }
  })
}
