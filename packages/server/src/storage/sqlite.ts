/**
 * SQLite adapter (better-sqlite3, WAL): the default store, one file under the data directory.
 * @module
 */
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery, Kysely } from 'kysely'
import { DiskReserve } from './disk-reserve.js'
import { isLockBusy, StoreUnavailableError, toStoreError } from './errors.js'
import { type CommitResult, GroupCommit } from './group-commit.js'
import type { GatewayInstance } from './instances.js'
import { insertSql, revokeSessionQueries, updateAttempt } from './queries.js'
import { type Database, toParams } from './schema.js'
import {
  carryAttempts,
  checkpointTruncate,
  FileIdentity,
  kyselyOver,
  openConnection,
  recentAttempts,
} from './sqlite-file.js'
import { kyselyOverReader, SqliteReader } from './sqlite-reader.js'
import { StoreSpace } from './sqlite-space.js'
import {
  DEFAULT_RECORD_TIMEOUT_MS,
  KyselyAttemptStore,
  type KyselyStoreParts,
  type WriteOp,
} from './store.js'
import type { WriteRefusal } from './types.js'

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
  /** A write not committed within this many ms is refused (answered 503); default 5000. */
  recordTimeoutMs?: number
  /** How often, at most, a commit checks that the path still names the open file (ms). */
  fileCheckMs?: number
  /**
   * Bytes of the reserve file kept beside the database for a full disk (disk-reserve.ts);
   * default 16 MiB, or an eighth of a smaller disk; 0: none.
   */
  reserveBytes?: number
  /**
   * An admin API read running longer than this many ms in the read process is stopped and
   * answered 503 (sqlite-reader.ts); default 30 000.
   */
  readTimeoutMs?: number
  /**
   * Where the store says what no caller asked, from the start on: a migration that builds
   * indexes over a big store is said before and after (F7), while the start waits for it.
   */
  onNotice?: KyselyAttemptStore['onNotice']
}

/** What a full disk at start asks of the operator, after freeing space. */
const AT_START = 'then start the gateway again'

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteAttemptStore> {
  const dir = resolve(options.dataDir)
  const path = join(dir, options.file ?? 'attempts.db')
  const durability = options.durability ?? 'fdatasync'
  let sqlite: BetterSqlite3.Database | undefined
  // Said before the store exists (the reserve given up to open it) waits for it.
  const early: [level: 'warn' | 'error', message: string][] = []
  let storeMade = false
  const reserve = options.reserveBytes === 0 ? null : new DiskReserve(dir, options.reserveBytes)
  const space = new StoreSpace({
    path,
    reserve,
    notice: (level, message) => {
      if (storeMade) store.notice(level, message)
      else early.push([level, message])
    },
    connection: () => sqlite!,
  })
  try {
    mkdirSync(dir, { recursive: true })
    // Made in the background (a new data directory, or after it was given up); close() waits.
    void reserve?.ensure()
    sqlite = await space.withReserve('the store could open', AT_START, () =>
      openConnection(path, durability, options.maxPageCount),
    )
  } catch (error) {
    await reserve?.settled()
    throw toStoreError('attempts', error)
  }
  let db = kyselyOver(sqlite)
  let walFd: number | null = null
  const openWal = () => {
    // The migration wrote to the WAL, so the file exists; it stays while we hold the
    // connection. Sync the directory once so the WAL's name itself survives power loss.
    walFd = openSync(`${path}-wal`, 'a')
    const dirFd = openSync(dir, 'r')
    fsyncSync(dirFd)
    closeSync(dirFd)
  }
  // A commit checks the file at most once per interval: the timer only raises a flag.
  const file = new FileIdentity(path)
  let fileCheckDue = false
  const fileTimer = setInterval(() => {
    fileCheckDue = true
  }, options.fileCheckMs ?? 1000)
  fileTimer.unref()
  /** Why the path holds no usable database, while a new one could not be opened there. */
  let fileLost: string | null = null
  let intactAt = Date.now()
  /** The old file's recent attempts, until a new database has taken them. */
  let carry: Record<string, unknown>[] = []
  let reopening: Promise<void> | null = null
  const lostError = (why: string, error: unknown) =>
    new StoreUnavailableError(
      'attempts',
      'down',
      `attempts store down: ${path}: ${why}, and no new database could be opened there (${toStoreError('attempts', error).message})`,
    )
  /** Closes the connection to the old file and opens a new database at the path. */
  const reopen = async (why: string): Promise<void> => {
    if (fileLost === null)
      store.notice(
        'error',
        `${path}: ${why} while the gateway ran; opening a new database there (attempts acknowledged meanwhile are carried over)`,
      )
    fileLost = why
    // Read before the old connection closes; it still reads the file it opened. An attempt
    // is recorded at most a request timeout (30 s) after it arrived. Kept across failed tries.
    if (carry.length === 0 && sqlite!.open) carry = recentAttempts(sqlite!, intactAt - 35_000)
    let next: BetterSqlite3.Database
    try {
      mkdirSync(dir, { recursive: true })
      // Closing first checkpoints the old WAL into the old file and removes the WAL at the
      // path: the new database never reads frames that belong to another file.
      if (sqlite!.open) await db.destroy()
      next = openConnection(path, durability, options.maxPageCount)
    } catch (error) {
      throw lostError(why, error)
    }
    const previousWal = walFd
    walFd = null
    sqlite = next
    db = kyselyOver(next)
    parts.db = db
    try {
      await store.migrate()
      const n = carryAttempts(next, carry)
      carry = []
      if (durability === 'fdatasync') openWal()
      file.record()
      fileLost = null
      intactAt = Date.now()
      store.notice('warn', `${path}: new database opened; ${n} recent attempt(s) carried over`)
    } catch (error) {
      throw lostError(why, error)
    } finally {
      // An fdatasync of a batch committed before may still be running on it.
      if (previousWal !== null) setTimeout(() => closeSync(previousWal), 5000).unref()
    }
  }
  const checkFile = (): Promise<void> => {
    if (reopening) return reopening
    if (fileLost !== null && !fileCheckDue)
      return Promise.reject(lostError(fileLost, new Error('tried again at the next check')))
    fileCheckDue = false
    const why = fileLost ?? file.changed()
    if (why === null) {
      intactAt = Date.now()
      return Promise.resolve()
    }
    // With the read process stopped: it must not keep the old file open while it closes.
    reopening = reader
      .holding(() => reopen(why))
      .finally(() => {
        reopening = null
      })
    return reopening
  }
  /** The disk was full: the WAL gives its space back before it takes any more. */
  let checkpointFirst = false
  const commitOnce = (ops: WriteOp[]): CommitResult => {
    if (checkpointFirst) checkpointFirst = !checkpointTruncate(sqlite!)
    try {
      return commitSqlite(sqlite!, db, ops)
    } catch (error) {
      if (!(StoreUnavailableError.is(error) && error.failure === 'full')) throw error
      checkpointFirst = !checkpointTruncate(sqlite!)
      if (checkpointFirst) throw error
      return commitSqlite(sqlite!, db, ops)
    }
  }
  // A full disk's refusal is remembered (GET /readyz) until a commit succeeds: one call per
  // batch, never per attempt.
  const commitNow = (ops: WriteOp[]): CommitResult => {
    let result: CommitResult
    try {
      result = commitOnce(ops)
    } catch (error) {
      throw StoreUnavailableError.is(error) ? space.refused(error) : error
    }
    space.committed()
    return result
  }
  const commitDurably = (ops: WriteOp[]) => {
    const result = commitNow(ops)
    if (durability === 'full' || walFd === null) return result
    return fdatasyncAsync(walFd).then(
      () => result,
      (error: unknown) => {
        throw space.refused(toStoreError('attempts', error))
      },
    )
  }
  const writer = new GroupCommit<WriteOp>({
    maxBatch: options.maxBatch ?? 1000,
    // The transaction runs synchronously inside commit(); only its fdatasync is awaited. A
    // later batch may commit while an earlier one syncs: each fdatasync covers the frames
    // written before it was called, so every batch is durable before its writes resolve.
    maxInFlight: durability === 'fdatasync' ? 4 : 1,
    deadlineMs: options.recordTimeoutMs ?? DEFAULT_RECORD_TIMEOUT_MS,
    // Another process holding the write lock: tried again off the event loop.
    retryable: isLockBusy,
    commit: (ops) =>
      !fileCheckDue && fileLost === null
        ? commitDurably(ops)
        : checkFile().then(() => commitDurably(ops)),
  })
  // The admin API's reads, in their own process (started at the first read).
  const reader = new SqliteReader({
    path,
    ...(options.readTimeoutMs ? { timeoutMs: options.readTimeoutMs } : {}),
    notice: (level, message) => store.notice(level, message),
  })
  const parts: KyselyStoreParts = {
    db,
    reads: kyselyOverReader(reader),
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
      clearInterval(fileTimer)
      if (walFd !== null) closeSync(walFd)
      walFd = null
      await reserve?.settled()
    },
  }
  const store = new SqliteAttemptStore(parts, space)
  storeMade = true
  if (options.onNotice) store.onNotice = options.onNotice
  for (const [level, message] of early.splice(0)) store.notice(level, message)
  await store.migrate()
  try {
    if (durability === 'fdatasync') openWal()
    file.record()
  } catch (error) {
    await store.close()
    throw toStoreError('attempts', error)
  }
  return store
}

/**
 * The Kysely store over SQLite, and what it does on a full disk (sqlite-space.ts): the work
 * that must run there gives up the reserve file, a prune gives its pages back to the disk.
 */
export class SqliteAttemptStore extends KyselyAttemptStore {
  readonly #space: StoreSpace

  constructor(parts: KyselyStoreParts, space: StoreSpace) {
    super(parts)
    this.#space = space
  }

  override migrate(): Promise<void> {
    return this.#space.withReserve('the migration could run', AT_START, () => super.migrate())
  }

  override registerInstance(self: Omit<GatewayInstance, 'seen_at'>): Promise<GatewayInstance[]> {
    return this.#space.withReserve('this gateway could register in the store', AT_START, () =>
      super.registerInstance(self),
    )
  }

  override async prune(policy: { days?: number; max_rows?: number }, now: number): Promise<number> {
    const removed = await this.#space.withReserve(
      'the prune could run',
      'then the next prune (every 10 minutes, and at each reload) can run',
      () => super.prune(policy, now),
    )
    await this.#space.afterPrune(removed)
    return removed
  }

  refusingWrites(): WriteRefusal | null {
    return this.#space.refusingWrites()
  }
}

/** Statements compiled once per connection from the shared Kysely queries. */
const compiled = new WeakMap<BetterSqlite3.Database, Compiled>()

interface Compiled {
  insert: BetterSqlite3.Statement
  /** Prepared statements of the other writes, by their SQL. */
  statements: Map<string, BetterSqlite3.Statement>
  batch: (ops: WriteOp[]) => void
}

function prepare(sqlite: BetterSqlite3.Database, db: Kysely<Database>): Compiled {
  let c = compiled.get(sqlite)
  if (c) return c
  const insert = sqlite.prepare(insertSql(db, 1))
  const statements = new Map<string, BetterSqlite3.Statement>()
  const runQuery = (q: CompiledQuery) => {
    let stmt = statements.get(q.sql)
    if (!stmt) {
      stmt = sqlite.prepare(q.sql)
      statements.set(q.sql, stmt)
    }
    stmt.run(q.parameters as unknown[])
  }
  const run = (op: WriteOp) => {
    if (op.kind === 'insert') insert.run(toParams(op.record))
    else if (op.kind === 'update') runQuery(updateAttempt(db, op.id, op.row).compile())
    else
      for (const q of revokeSessionQueries(db, op.session, op.expiresAt, op.now))
        runQuery(q.compile())
  }
  const batch = sqlite.transaction((ops: WriteOp[]) => {
    for (const op of ops) run(op)
  })
  c = { insert, statements, batch }
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
