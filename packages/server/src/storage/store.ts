/**
 * The AttemptStore over Kysely: reads go through the shared queries, writes through the
 * adapter's group-commit writer. The SQLite and PostgreSQL adapters only differ in how a
 * batch is committed.
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { StoreUnavailableError, toStoreError } from './errors.js'
import type { GroupCommit } from './group-commit.js'
import { type DialectName, migrateToLatest } from './migrations.js'
import {
  type AttemptPatch,
  attemptStats,
  getAttempt,
  listAttempts,
  patchToRow,
  pruneAttempts,
  sessionRevoked,
} from './queries.js'
import type { AttemptsTable, Database } from './schema.js'
import type { AttemptQuery, AttemptRecord, AttemptStore, StoreDescription } from './types.js'

/**
 * One queued write. Inserts carry their record; updates their already-serialised columns; a
 * logout its session (committed like an attempt, so it is as durable before it resolves).
 */
export type WriteOp =
  | { kind: 'insert'; record: AttemptRecord }
  | { kind: 'update'; id: string; row: Partial<AttemptsTable> }
  | { kind: 'revoke'; session: string; expiresAt: number; now: number }

export interface KyselyStoreParts {
  db: Kysely<Database>
  dialect: DialectName
  writer: GroupCommit<WriteOp>
  description: StoreDescription
  /** PostgreSQL schema holding the tables, when not the default. */
  schema?: string
  /** Releases the connection(s) after the writer is drained and Kysely destroyed. */
  release?: () => Promise<void>
}

/**
 * An attempt not recorded within this many ms is answered 503 + Retry-After, its replay claim
 * given back (HOOKWARDEN_RECORD_TIMEOUT_MS): a store held up by a lock, a slow disk or a slow
 * database never holds a sender longer.
 */
export const DEFAULT_RECORD_TIMEOUT_MS = 5000

/** How long close() waits for the connections to end once the writer is drained. */
const CLOSE_CONNECTIONS_MS = 2000

export class KyselyAttemptStore implements AttemptStore {
  readonly #parts: KyselyStoreParts
  #closed: Promise<void> | null = null
  /** What the store has to say that no caller asked for (the gateway logs it). */
  onNotice: ((level: 'warn' | 'error', message: string) => void) | undefined

  constructor(parts: KyselyStoreParts) {
    this.#parts = parts
    parts.writer.onLate = (ops) => this.#undoLate(ops)
  }

  /** Says something to the operator (through onNotice, when the gateway listens). */
  notice(level: 'warn' | 'error', message: string): void {
    this.onNotice?.(level, message)
  }

  /** The Kysely instance, for tests and tools (never needed by the gateway). */
  get db(): Kysely<Database> {
    return this.#parts.db
  }

  describe(): StoreDescription {
    return this.#parts.description
  }

  async migrate(): Promise<void> {
    const { dialect, schema } = this.#parts
    try {
      if (dialect === 'postgres')
        // The pool's lock_timeout and statement_timeout bound an attempt's recording; a
        // migration that builds an index over a big table must not be cut off by them.
        await this.#parts.db.connection().execute(async (conn) => {
          await sql`set statement_timeout = 0`.execute(conn)
          await sql`set lock_timeout = 0`.execute(conn)
          try {
            await migrateToLatest(conn as Kysely<unknown>, dialect, schema)
          } finally {
            await sql`reset statement_timeout`.execute(conn)
            await sql`reset lock_timeout`.execute(conn)
          }
        })
      else await migrateToLatest(this.#parts.db as Kysely<unknown>, dialect, schema)
    } catch (error) {
      throw toStoreError('attempts', error)
    }
  }

  insert(record: AttemptRecord): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    return this.#parts.writer.write({ kind: 'insert', record })
  }

  update(id: string, patch: AttemptPatch): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    const row = patchToRow(patch)
    if (Object.keys(row).length === 0) return Promise.resolve()
    return this.#parts.writer.write({ kind: 'update', id, row })
  }

  get(id: string): Promise<AttemptRecord | null> {
    return this.#read(() => getAttempt(this.#parts.db, id))
  }

  list(query: AttemptQuery): Promise<AttemptRecord[]> {
    return this.#read(() => listAttempts(this.#parts.db, query))
  }

  stats(query: { since: number; bucketMs: number }) {
    return this.#read(() => attemptStats(this.#parts.db, query))
  }

  revokeSession(session: string, expiresAt: number, now: number): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    return this.#parts.writer.write({ kind: 'revoke', session, expiresAt, now })
  }

  sessionRevoked(session: string, now: number): Promise<boolean> {
    return this.#read(() => sessionRevoked(this.#parts.db, session, now))
  }

  async prune(policy: { days?: number; max_rows?: number }, now: number): Promise<number> {
    // Committed writes first, so a prune never races rows still in the queue.
    await this.#parts.writer.drain()
    return this.#read(() => pruneAttempts(this.#parts.db, policy, now))
  }

  /**
   * Drains the writer (bounded by its deadline) and ends the connections (bounded too: a
   * connection stuck on a lock held elsewhere never holds a shutdown).
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#parts.writer.close()
      let timer: NodeJS.Timeout | undefined
      const ended = await Promise.race([
        this.#parts.db.destroy().then(() => true),
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), CLOSE_CONNECTIONS_MS)
        }),
      ])
      clearTimeout(timer)
      if (!ended)
        this.notice(
          'warn',
          `store connections did not close within ${CLOSE_CONNECTIONS_MS} ms (a statement still running); left to end on their own`,
        )
      await this.#parts.release?.()
    })()
    return this.#closed
  }

  /**
   * Inserts committed after their deadline had them refused: each attempt was answered 503
   * (the sender retries it, under a new attempt id), so its row goes — a 503 leaves no record.
   */
  #undoLate(ops: WriteOp[]): void {
    const ids: string[] = []
    for (const op of ops) if (op.kind === 'insert') ids.push(op.record.id)
    if (ids.length === 0) return
    const remove = async (tries: number): Promise<void> => {
      try {
        await this.#parts.db.deleteFrom('attempts').where('id', 'in', ids).execute()
      } catch (error) {
        if (tries < 30 && !this.#closed) {
          setTimeout(() => void remove(tries + 1), 1000).unref()
          return
        }
        this.notice(
          'error',
          `${ids.length} attempt(s) answered 503 but committed late stay recorded (could not remove them: ${toStoreError('attempts', error).message}): ${ids.join(', ')}`,
        )
      }
    }
    void remove(0)
  }

  async #read<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedError()
    try {
      return await run()
    } catch (error) {
      if (error instanceof RangeError) throw error
      throw toStoreError('attempts', error)
    }
  }
}

const closedError = () => new StoreUnavailableError('attempts', 'down', 'attempt store is closed')
