// @ts-check
/**
 * The SQLite read process, started by sqlite-reader.ts: runs the admin API's reads on its own
 * read-only connection to the gateway's database. better-sqlite3 runs a statement on the
 * calling thread and cannot interrupt it, so a read that walks millions of rows here never
 * holds the gateway's event loop, and one past its time bound ends with this process
 * (SIGKILL; a worker thread could not be stopped before its statement returned, nor could the
 * gateway's process exit meanwhile). Plain JavaScript: it runs as is from the sources (tests)
 * and from dist.
 *
 * argv: the database path. Messages out: `{ ready: true }` once loaded; then for each
 * `{ id, sql, parameters }` in (one at a time) `{ id, rows }` or `{ id, error: { code,
 * message } }`. It ends when the gateway goes (the IPC channel closes).
 * @module
 */
import BetterSqlite3 from 'better-sqlite3'

const path = process.argv[2] ?? ''
/**
 * In WAL mode a reader waits only while the WAL is restarted or recovered; it sleeps here,
 * never on the gateway's thread, and the gateway's time bound covers it.
 */
const BUSY_TIMEOUT_MS = 5000
/** Prepared statements kept (by SQL text): the list filters and stats buckets in use. */
const STATEMENTS_KEPT = 64

// A terminal's Ctrl-C or hangup and a service manager's stop reach the whole process group:
// the gateway closes this process itself once its own reads are done.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, () => {})
}

/** @type {BetterSqlite3.Database | null} */
let db = null
/** @type {Map<string, BetterSqlite3.Statement>} */
const statements = new Map()

/** Opened at the first read, so that a failure to open is that read's answer. */
function connection() {
  if (db) return db
  const opened = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  try {
    opened.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    opened.pragma('query_only = ON')
  } catch (error) {
    opened.close()
    throw error
  }
  db = opened
  return opened
}

/** @param {string} sql */
function statement(sql) {
  let stmt = statements.get(sql)
  if (stmt) {
    // Most recently used last: the first entry is the one dropped.
    statements.delete(sql)
  } else {
    stmt = connection().prepare(sql)
    if (!stmt.reader) throw new Error('the SQLite read process runs reads only')
    if (statements.size >= STATEMENTS_KEPT) {
      const oldest = statements.keys().next().value
      if (oldest !== undefined) statements.delete(oldest)
    }
  }
  statements.set(sql, stmt)
  return stmt
}

process.on('message', (/** @type {{ id: number, sql: string, parameters: unknown[] }} */ m) => {
  let answer
  try {
    answer = { id: m.id, rows: statement(m.sql).all(m.parameters) }
  } catch (error) {
    const e = /** @type {{ code?: unknown, message?: unknown }} */ (error)
    answer = {
      id: m.id,
      error: {
        code: typeof e?.code === 'string' ? e.code : '',
        message: typeof e?.message === 'string' ? e.message : String(error),
      },
    }
  }
  process.send?.(answer)
})

process.send?.({ ready: true })

process.on('disconnect', () => {
  db?.close()
  process.exit(0)
})
