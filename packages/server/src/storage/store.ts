/**
 * The AttemptStore over Kysely: reads go through the shared queries, writes through the
 * adapter's group-commit writer. The SQLite and PostgreSQL adapters only differ in how a
 * batch is committed.
 * @module
 */
import type { Kysely } from 'kysely'
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
} from './queries.js'
import type { AttemptsTable, Database } from './schema.js'
import type { AttemptQuery, AttemptRecord, AttemptStore, StoreDescription } from './types.js'

/** One queued write. Inserts carry their record; updates their already-serialised columns. */
export type WriteOp =
  | { kind: 'insert'; record: AttemptRecord }
  | { kind: 'update'; id: string; row: Partial<AttemptsTable> }

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

export class KyselyAttemptStore implements AttemptStore {
  readonly #parts: KyselyStoreParts
  #closed: Promise<void> | null = null

  constructor(parts: KyselyStoreParts) {
    this.#parts = parts
  }

  /** The Kysely instance, for tests and tools (never needed by the gateway). */
  get db(): Kysely<Database> {
    return this.#parts.db
  }

  describe(): StoreDescription {
    return this.#parts.description
  }

  async migrate(): Promise<void> {
    try {
      await migrateToLatest(
        this.#parts.db as Kysely<unknown>,
        this.#parts.dialect,
        this.#parts.schema,
      )
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

  async prune(policy: { days?: number; max_rows?: number }, now: number): Promise<number> {
    // Committed writes first, so a prune never races rows still in the queue.
    await this.#parts.writer.drain()
    return this.#read(() => pruneAttempts(this.#parts.db, policy, now))
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#parts.writer.close()
      await this.#parts.db.destroy()
      await this.#parts.release?.()
    })()
    return this.#closed
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
