/**
 * The AttemptStore over Kysely: reads go through the shared queries, writes through the
 * adapter's group-commit writer. The SQLite and PostgreSQL adapters only differ in how a
 * batch is committed.
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { isLockBusy, StoreMigrationError, StoreUnavailableError, toStoreError } from './errors.js'
import type { GroupCommit } from './group-commit.js'
import { FORGET_AFTER_MS, type GatewayInstance, HEARTBEAT_MS, LIVE_WITHIN_MS } from './instances.js'
import { type DialectName, type MigrationOutcome, migrateToLatest } from './migrations.js'
import { pruneAttempts } from './prune-attempts.js'
import {
  type AttemptPatch,
  attemptStats,
  credentialUse,
  deleteInstance,
  forgetInstances,
  getAttempt,
  insertFingerprintKey,
  listAttempts,
  listInstances,
  patchToRow,
  readFingerprintKey,
  sessionRevoked,
  upsertInstance,
} from './queries.js'
import type { AttemptsTable, Database } from './schema.js'
import type {
  AttemptQuery,
  AttemptRecord,
  AttemptStore,
  CredentialUseQuery,
  StoreDescription,
} from './types.js'

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
  /**
   * Where the admin API's reads run when not on `db`: SQLite's read process
   * (sqlite-reader.ts), so that no read holds the gateway's event loop. Destroyed first at
   * close().
   */
  reads?: Kysely<Database>
}

/**
 * An attempt not recorded within this many ms is answered 503 + Retry-After, its replay claim
 * given back (HOOKWARDEN_RECORD_TIMEOUT_MS): a store held up by a lock, a slow disk or a slow
 * database never holds a sender longer.
 */
export const DEFAULT_RECORD_TIMEOUT_MS = 5000

type NoticeListener = (level: 'info' | 'warn' | 'error', message: string) => void

/** How long close() waits for the connections to end once the writer is drained. */
const CLOSE_CONNECTIONS_MS = 2000

export class KyselyAttemptStore implements AttemptStore {
  readonly #parts: KyselyStoreParts
  #closed: Promise<void> | null = null
  #onNotice: NoticeListener | undefined
  /** Said before anyone listened (opening the store, before the gateway's logger is set). */
  #early: [level: 'info' | 'warn' | 'error', message: string][] = []
  /** What the last migrate() found: migrations a newer build ran, and how many we know. */
  migrations: MigrationOutcome | undefined
  /** This gateway's row in the instance registry, once registered. */
  #instance: GatewayInstance | null = null
  #heartbeat: NodeJS.Timeout | undefined
  #beating: Promise<void> | null = null
  #beatOkAt = 0
  #beatWarned = false

  constructor(parts: KyselyStoreParts) {
    this.#parts = parts
    parts.writer.onLate = (ops) => this.#undoLate(ops)
  }

  /**
   * What the store has to say that no caller asked for (the gateway logs it). What it said
   * before a listener was set goes to the first one.
   */
  get onNotice(): NoticeListener | undefined {
    return this.#onNotice
  }
  set onNotice(listener: NoticeListener | undefined) {
    this.#onNotice = listener
    if (listener) for (const [level, message] of this.#early.splice(0)) listener(level, message)
  }

  /** Says something to the operator (through onNotice, when the gateway listens). */
  notice(level: 'info' | 'warn' | 'error', message: string): void {
    if (this.#onNotice) this.#onNotice(level, message)
    else if (this.#early.length < 20) this.#early.push([level, message])
  }

  /** The Kysely instance, for tests and tools (never needed by the gateway). */
  get db(): Kysely<Database> {
    return this.#parts.db
  }

  describe(): StoreDescription {
    return this.#parts.description
  }

  /**
   * Runs the pending migrations. A store that cannot be reached is StoreUnavailableError; one
   * reached whose migration failed is StoreMigrationError ("migrating the store failed: …").
   */
  async migrate(): Promise<void> {
    const { dialect, schema } = this.#parts
    // A long migration is said before and after (F7): onNotice, set before the store opens.
    const said = { onProgress: (message: string) => this.notice('info', message) }
    try {
      if (dialect === 'postgres')
        // The pool's statement_timeout bounds an attempt's recording; a migration that builds
        // an index over a big table must not be cut off by it. Its lock waits are bounded by
        // migrateToLatest itself (MIGRATION_LOCK_TIMEOUT_MS, then tried again).
        this.migrations = await this.#parts.db.connection().execute(async (conn) => {
          await sql`set statement_timeout = 0`.execute(conn)
          try {
            return await migrateToLatest(conn as Kysely<unknown>, dialect, schema, undefined, said)
          } finally {
            await sql`reset statement_timeout`.execute(conn)
          }
        })
      else
        this.migrations = await migrateToLatest(
          this.#parts.db as Kysely<unknown>,
          dialect,
          schema,
          undefined,
          said,
        )
    } catch (error) {
      const mapped = toStoreError('attempts', error)
      if (mapped.failure !== 'error') throw mapped
      throw new StoreMigrationError(mapped.message.replace(/^attempts store error: /, ''), {
        cause: error,
      })
    }
  }

  /**
   * Enters this gateway in the store's instance registry and resolves to the other gateways
   * registered there (instances.ts says which of them are live). The row is refreshed every
   * HEARTBEAT_MS until close(), which removes it. The entry and the read are one transaction
   * that no other gateway's registration can interleave with (PostgreSQL: a table lock;
   * SQLite: its one writer), so of two gateways starting at once the second sees the first.
   * Runs at start, before any attempt is written.
   */
  async registerInstance(self: Omit<GatewayInstance, 'seen_at'>): Promise<GatewayInstance[]> {
    const now = Date.now()
    const instance: GatewayInstance = { ...self, seen_at: now }
    const others = await this.#whileBusy(() =>
      this.#parts.db.transaction().execute(async (trx) => {
        if (this.#parts.dialect === 'postgres')
          await sql`lock table gateway_instances in share row exclusive mode`.execute(trx)
        await upsertInstance(trx, instance).execute()
        await forgetInstances(trx, now - FORGET_AFTER_MS).execute()
        return (await listInstances(trx)).filter((o) => o.id !== self.id)
      }),
    )
    this.#instance = instance
    this.#beatOkAt = now
    clearInterval(this.#heartbeat)
    this.#heartbeat = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => {
        this.#beating = null
      })
    }, HEARTBEAT_MS)
    this.#heartbeat.unref()
    return others
  }

  /**
   * PostgreSQL: the installation's fingerprint key, kept in the store so that every gateway
   * sharing it fingerprints alike; `candidate` becomes that key unless one is stored already.
   * SQLite: null (the key file beside the database is the installation's).
   */
  async sharedFingerprintKey(candidate: Uint8Array): Promise<Uint8Array | null> {
    if (this.#parts.dialect !== 'postgres') return null
    const key = await this.#read(async () => {
      await insertFingerprintKey(this.#parts.db, candidate, Date.now()).execute()
      return readFingerprintKey(this.#parts.db)
    })
    if (!key || key.length < 16)
      throw new StoreUnavailableError(
        'attempts',
        'error',
        `the fingerprint key in the database (table fingerprint_key) holds ${key?.length ?? 0} bytes; it needs at least 16: delete that row to make a new one, or set HOOKWARDEN_FINGERPRINT_KEY`,
      )
    return key
  }

  /** One heartbeat: this gateway's row says it is still running. Said once when they fail. */
  async #beat(): Promise<void> {
    if (!this.#instance || this.#closed) return
    const now = Date.now()
    try {
      await upsertInstance(this.#parts.db, { ...this.#instance, seen_at: now }).execute()
      this.#beatOkAt = now
      this.#beatWarned = false
    } catch (error) {
      if (this.#beatWarned || now - this.#beatOkAt <= LIVE_WITHIN_MS) return
      this.#beatWarned = true
      this.notice(
        'warn',
        `this gateway's heartbeat in the store has failed for ${Math.round((now - this.#beatOkAt) / 1000)} s (${toStoreError('attempts', error).message}): another gateway starting now without Redis would take this one for stopped`,
      )
    }
  }

  /** Runs `work` again while another process holds SQLite's write lock (up to 5 s). */
  async #whileBusy<T>(work: () => Promise<T>): Promise<T> {
    for (let waited = 0; ; waited += 50) {
      try {
        return await work()
      } catch (error) {
        if (!isLockBusy(error) || waited >= 5000) throw toStoreError('attempts', error)
      }
      await new Promise((r) => setTimeout(r, 50))
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

  /** Where the admin API's reads run (see KyselyStoreParts.reads). */
  get #reads(): Kysely<Database> {
    return this.#parts.reads ?? this.#parts.db
  }

  get(id: string): Promise<AttemptRecord | null> {
    return this.#read(() => getAttempt(this.#reads, id))
  }

  list(query: AttemptQuery): Promise<AttemptRecord[]> {
    return this.#read(() => listAttempts(this.#reads, query))
  }

  stats(query: { since: number; bucketMs: number }) {
    return this.#read(() => attemptStats(this.#reads, query))
  }

  credentialUse(query: CredentialUseQuery) {
    return this.#read(() => credentialUse(this.#reads, query))
  }

  revokeSession(session: string, expiresAt: number, now: number): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    return this.#parts.writer.write({ kind: 'revoke', session, expiresAt, now })
  }

  // On the writer's connection: one primary-key lookup in a table holding only the sessions
  // logged out and not expired yet (bounded, never a scan), asked by every admin request, which
  // must not wait behind a slow dashboard read in the read process.
  sessionRevoked(session: string, now: number): Promise<boolean> {
    return this.#read(() => sessionRevoked(this.#parts.db, session, now))
  }

  async prune(policy: { days?: number; max_rows?: number }, now: number): Promise<number> {
    // Committed writes first, so a prune never races rows still in the queue.
    await this.#parts.writer.drain()
    return this.#read(() =>
      pruneAttempts(this.#parts.db, policy, now, { dialect: this.#parts.dialect }),
    )
  }

  /**
   * Drains the writer (bounded by its deadline) and ends the connections (bounded too: a
   * connection stuck on a lock held elsewhere never holds a shutdown).
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      // The read process first: the writer's connection, closing last, checkpoints the WAL.
      await this.#parts.reads?.destroy()
      await this.#parts.writer.close()
      await this.#leaveRegistry()
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
   * Removes this gateway's row, once its last writes are in (the gateway closes its nonce
   * store, saving its replay claims, before the attempt store): a gateway started after this
   * finds the claims saved. Bounded, like the rest of close(); a row left (store down) is taken
   * as stopped once its heartbeat is old.
   */
  async #leaveRegistry(): Promise<void> {
    clearInterval(this.#heartbeat)
    const instance = this.#instance
    if (!instance) return
    this.#instance = null
    // After a heartbeat still running, which would otherwise put the row back.
    const leave = (async () => {
      await this.#beating
      await deleteInstance(this.#parts.db, instance.id).execute()
    })()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      leave.catch(() => {}),
      new Promise<void>((r) => {
        timer = setTimeout(r, CLOSE_CONNECTIONS_MS)
      }),
    ])
    clearTimeout(timer)
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
