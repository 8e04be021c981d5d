/**
 * The SQLite file under a running gateway. A connection keeps writing to the inode it opened:
 * when the file at the path is deleted or replaced (a cleanup script, a restore, a copy), every
 * attempt acknowledged after that is written where nobody will ever read it. FileIdentity
 * notices it (two stat calls, made at most once per check interval by the writer), and the
 * adapter opens a new database at the path, carrying over what the old one took recently.
 * @module
 */
import { type Stats, statSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { type DatabaseConnection, type Driver, Kysely, SqliteDialect } from 'kysely'
import type { Database } from './schema.js'

/** Only a connection that must wait for another process's lock sleeps, and only this long. */
export const BUSY_TIMEOUT_MS = 10

/**
 * After a checkpoint, the WAL file is cut back to this size: a WAL that once grew (a reader
 * holding checkpoints back, a burst) does not keep the disk space it took.
 */
export const JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024

/** Pages between automatic checkpoints once the disk has been full (SQLite's default: 1000). */
export const SMALL_DISK_AUTOCHECKPOINT = 64

/** Opens a connection at `path` with the gateway's settings; throws the driver's error. */
export function openConnection(
  path: string,
  durability: 'full' | 'fdatasync',
  maxPageCount?: number,
): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(path)
  try {
    // A new store records which page points to which, so that a prune's freed pages can be
    // given back to the disk (sqlite-vacuum.ts). Only a file with no table yet takes it, and
    // only before WAL mode writes its header; a store made by an earlier release keeps NONE.
    sqlite.pragma('auto_vacuum = INCREMENTAL')
    // Checked, not assumed: some file systems refuse WAL, and the fdatasync discipline of the
    // adapter is only sound for a WAL database (T-DUR-4).
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal')
      throw new Error(`SQLite refused WAL mode (journal_mode=${String(mode)}) for ${path}`)
    sqlite.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
    const sync = sqlite.pragma('synchronous', { simple: true })
    if (sync !== (durability === 'full' ? 2 : 1))
      throw new Error(`SQLite synchronous is ${String(sync)}`)
    // The busy handler sleeps ON the event loop: a lock another process holds makes the
    // commit fail at once (SQLITE_BUSY), and the writer tries it again a little later, off
    // the loop, until the record's deadline (answered 503 + Retry-After past it).
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    sqlite.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`)
    if (maxPageCount !== undefined) sqlite.pragma(`max_page_count = ${Math.trunc(maxPageCount)}`)
  } catch (error) {
    sqlite.close()
    throw error
  }
  return sqlite
}

/**
 * Kysely over the connection. A statement that fails for a full disk, an I/O error or a busy
 * lock makes SQLite roll its transaction back by itself; Kysely's ROLLBACK then failed with
 * "cannot rollback - no transaction is active", and that error reached the caller instead of
 * the cause (a restart on a full disk said nothing of the disk). No transaction left: nothing
 * to roll back, and the cause is what is thrown.
 */
export function kyselyOver(sqlite: BetterSqlite3.Database): Kysely<Database> {
  return new Kysely<Database>({ dialect: new CauseKeepingSqliteDialect(sqlite) })
}

class CauseKeepingSqliteDialect extends SqliteDialect {
  readonly #sqlite: BetterSqlite3.Database
  constructor(sqlite: BetterSqlite3.Database) {
    super({ database: sqlite })
    this.#sqlite = sqlite
  }
  override createDriver(): Driver {
    const driver = super.createDriver()
    const rollback = driver.rollbackTransaction.bind(driver)
    driver.rollbackTransaction = async (connection: DatabaseConnection) => {
      if (this.#sqlite.inTransaction) await rollback(connection)
    }
    return driver
  }
}

/**
 * A full disk: the WAL may hold the space the database needs. On a small disk it never
 * reaches its checkpoint size (1000 pages), so it grows into whatever space is freed and fills
 * it again. A TRUNCATE checkpoint copies it into the database and gives its space back. true
 * when it did; on a disk still too full for the database to grow, it cannot (tried again
 * before the next commit).
 */
export function checkpointTruncate(sqlite: BetterSqlite3.Database): boolean {
  try {
    // From the first full disk on, the WAL is checkpointed (and reused from its start) every
    // 64 pages, not every 1000: it never again needs more than about 256 KiB of free space.
    sqlite.pragma(`wal_autocheckpoint = ${SMALL_DISK_AUTOCHECKPOINT}`)
    const [row] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
    return row?.busy === 0
  } catch {
    return false
  }
}

const statOf = (path: string): Stats | undefined => statSync(path, { throwIfNoEntry: false })

/** The database file and its WAL as opened; changed() says when the path names others. */
export class FileIdentity {
  readonly #path: string
  #db: Stats | undefined
  #wal: Stats | undefined

  constructor(path: string) {
    this.#path = path
  }

  /** Remembers the files now at the path (after opening, once the WAL exists). */
  record(): void {
    this.#db = statOf(this.#path)
    this.#wal = statOf(`${this.#path}-wal`)
  }

  /** Why the path no longer names the open files, or null when it still does. */
  changed(): string | null {
    if (!this.#db) return null
    const db = statOf(this.#path)
    if (!db) return 'the database file was deleted'
    if (db.ino !== this.#db.ino || db.dev !== this.#db.dev)
      return 'the database file was replaced by another file'
    if (this.#wal) {
      const wal = statOf(`${this.#path}-wal`)
      if (!wal) return 'its WAL file was deleted'
      if (wal.ino !== this.#wal.ino || wal.dev !== this.#wal.dev)
        return 'its WAL file was replaced by another file'
    }
    return null
  }
}

/** The most rows carried from a deleted database to its replacement. */
const CARRY_MAX_ROWS = 100_000

/**
 * The attempts the old connection took since `since` (unix ms), read before it closes: those
 * acknowledged between the last check and the one that found the file gone.
 */
export function recentAttempts(
  from: BetterSqlite3.Database,
  since: number,
): Record<string, unknown>[] {
  try {
    return from
      .prepare('select * from attempts where received_at >= ? order by id desc limit ?')
      .all(since, CARRY_MAX_ROWS) as Record<string, unknown>[]
  } catch {
    return []
  }
}

/** Writes rows read by recentAttempts() into the new database; the ones it has are kept. */
export function carryAttempts(to: BetterSqlite3.Database, rows: Record<string, unknown>[]): number {
  const first = rows[0]
  if (!first) return 0
  const columns = Object.keys(first)
  const insert = to.prepare(
    `insert or ignore into attempts (${columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
  )
  let carried = 0
  to.transaction(() => {
    for (const row of rows) carried += insert.run(columns.map((c) => row[c])).changes
  })()
  return carried
}
