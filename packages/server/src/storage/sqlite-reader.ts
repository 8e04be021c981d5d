/**
 * The admin API's reads on SQLite, off the gateway's event loop. better-sqlite3 runs each
 * statement synchronously on the calling thread: on a store of millions of rows a dashboard
 * filter or the Overview's week walked the table for seconds while no webhook was answered
 * (and some were answered 503 at their record deadline). These reads run in a child process
 * (sqlite-read-process.js) on its own read-only connection; WAL lets it read beside the
 * writer, and it sees every committed write. The queries are the same Kysely queries
 * (queries.ts), compiled here and run there; the rows come back to the same mapping.
 *
 * A process, not a worker thread: better-sqlite3 cannot interrupt a statement, and a worker
 * thread ends only once its statement returns (terminate() waited 53 s on a long scan, and
 * the gateway's own exit waited with it); a process is ended at once by SIGKILL.
 *
 * One read runs at a time. A read running longer than the time bound is answered 503 and its
 * process killed; a read that waited that long behind others is answered 503 unrun. The
 * process starts at the first read (a gateway nobody reads from never starts it) and is
 * started again at the next read after it stops for any reason.
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { StoreUnavailableError, toStoreError } from './errors.js'
import type { Database } from './schema.js'

/** A read running longer is stopped: PostgreSQL's statement_timeout for the same reads. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000
/** Reads waiting at once beyond the running one; more are answered 503 at once. */
const MAX_WAITING = 256
/** How long close() waits for a killed process to be gone (its file locks released). */
const EXIT_WAIT_MS = 2000

// Beside this file in the sources and in dist alike (tsc copies it: allowJs).
const ENTRY = fileURLToPath(new URL('./sqlite-read-process.js', import.meta.url))

export interface SqliteReaderOptions {
  /** The database file the gateway writes. */
  path: string
  /** A read running longer is stopped and answered 503 (ms); default 30 000. */
  timeoutMs?: number
  /** Says what no caller asked (the process stopped by itself). */
  notice: (level: 'warn' | 'error', message: string) => void
}

interface PendingRead {
  id: number
  sql: string
  parameters: readonly unknown[]
  queuedAt: number
  resolve: (rows: unknown[]) => void
  reject: (error: Error) => void
  timer?: NodeJS.Timeout
}

/** What the process says: loaded, or its answer to a read. */
type ReadAnswer =
  | { ready: true }
  | { id: number; rows: unknown[] }
  | { id: number; error: { code: string; message: string } }

const down = (message: string) =>
  new StoreUnavailableError('attempts', 'down', `attempts store down: ${message}`)

export class SqliteReader {
  readonly #path: string
  readonly #timeoutMs: number
  readonly #notice: SqliteReaderOptions['notice']
  #child: ChildProcess | null = null
  /** Processes stopped on purpose: their exit is no news. */
  readonly #stopped = new WeakSet<ChildProcess>()
  #running: PendingRead | null = null
  readonly #waiting: PendingRead[] = []
  #nextId = 1
  #closed = false
  /** Reads wait while the database at the path is being replaced (holding()). */
  #held = 0

  constructor(options: SqliteReaderOptions) {
    this.#path = options.path
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS
    this.#notice = options.notice
  }

  /** The read process's pid while it runs (tests). */
  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** The rows of one read statement, run in the read process. */
  run(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(down('attempt store is closed'))
    if (this.#waiting.length >= MAX_WAITING)
      return Promise.reject(
        down(`${MAX_WAITING} reads already wait for the SQLite read process; try again shortly`),
      )
    return new Promise((resolve, reject) => {
      this.#waiting.push({
        id: this.#nextId++,
        sql,
        parameters,
        queuedAt: Date.now(),
        resolve,
        reject,
      })
      this.#next()
    })
  }

  /**
   * Runs `work` (the writer replacing the database at the path) with the read process stopped
   * and reads held: it must not hold the old file while the writer closes it (the last
   * connection to close removes the WAL at the path), nor open the path before the new
   * database is there. The next read opens the new one.
   */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    this.#held++
    try {
      await this.#stop(down('the database file was reopened during this read; try again'))
      return await work()
    } finally {
      this.#held--
      this.#next()
    }
  }

  /** Stops the read process and refuses the reads still waiting. */
  async close(): Promise<void> {
    this.#closed = true
    for (const read of this.#waiting.splice(0)) read.reject(down('attempt store is closed'))
    await this.#stop(down('attempt store is closed'))
  }

  /** Runs the next waiting read, when none runs. */
  #next(): void {
    if (this.#running || this.#closed || this.#held > 0) return
    let read: PendingRead | undefined
    for (;;) {
      read = this.#waiting.shift()
      if (!read || Date.now() - read.queuedAt <= this.#timeoutMs) break
      read.reject(
        down(
          `this read waited more than ${this.#timeoutMs} ms behind slower ones and was not run; try again, or narrow the slow queries (a time range, an endpoint)`,
        ),
      )
    }
    if (!read) {
      // Idle: the process may stay, but it never keeps the gateway's process alive.
      this.#child?.channel?.unref()
      return
    }
    let child: ChildProcess
    try {
      child = this.#child ?? this.#spawn()
    } catch (error) {
      read.reject(toStoreError('attempts', error))
      this.#next()
      return
    }
    this.#running = read
    child.channel?.ref()
    // Started again once a new process has loaded: the bound is for the read, not the start.
    this.#bound(read)
    try {
      child.send({ id: read.id, sql: read.sql, parameters: read.parameters }, (error) => {
        if (error && this.#running === read)
          void this.#stop(down(`the SQLite read process could not be reached (${error.message})`))
      })
    } catch (error) {
      void this.#stop(toStoreError('attempts', error))
    }
  }

  /** The running read's time bound, from now. */
  #bound(read: PendingRead): void {
    clearTimeout(read.timer)
    read.timer = setTimeout(() => {
      if (this.#running !== read) return
      void this.#stop(
        down(
          `a read ran longer than ${this.#timeoutMs} ms and was stopped (the gateway kept answering meanwhile); narrow it (a time range, an endpoint)`,
        ),
      ).then(() => this.#next())
    }, this.#timeoutMs)
  }

  #spawn(): ChildProcess {
    const child = fork(ENTRY, [this.#path], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      // Not the gateway's own flags (an --inspect port would be taken twice).
      execArgv: [],
    })
    child.unref()
    this.#child = child
    child.on('message', (answer: ReadAnswer) => this.#answered(child, answer))
    // A process that could not start emits 'error' and maybe no 'exit'.
    child.on('error', (error) => this.#gone(child, toStoreError('attempts', error).message))
    child.on('exit', (code, signal) =>
      this.#gone(child, signal ? `signal ${signal}` : `exit code ${code}`),
    )
    return child
  }

  #answered(child: ChildProcess, answer: ReadAnswer): void {
    const read = this.#running
    if (child !== this.#child || !read) return
    if ('ready' in answer) {
      this.#bound(read)
      return
    }
    if (read.id !== answer.id) return
    this.#running = null
    clearTimeout(read.timer)
    if ('rows' in answer) read.resolve(answer.rows)
    else {
      // The driver's error as the driver threw it: toStoreError reads its code.
      const error = Object.assign(new Error(answer.error.message), { code: answer.error.code })
      read.reject(toStoreError('attempts', error))
    }
    this.#next()
  }

  /** The process ended; unless stopped on purpose, its read fails and the next one starts anew. */
  #gone(child: ChildProcess, how: string): void {
    if (this.#stopped.has(child) || child !== this.#child) return
    this.#stopped.add(child)
    this.#child = null
    const read = this.#running
    const message = `the SQLite read process stopped (${how})${read ? ' during this read' : ''}; the next read starts a new one`
    this.#notice('warn', `attempts store: ${message}`)
    if (read) {
      this.#running = null
      clearTimeout(read.timer)
      read.reject(down(message))
    }
    this.#next()
  }

  /** Kills the process (at once: a statement cannot be interrupted otherwise) and waits for it. */
  async #stop(reason: StoreUnavailableError): Promise<void> {
    const read = this.#running
    if (read) {
      this.#running = null
      clearTimeout(read.timer)
      read.reject(reason)
    }
    const child = this.#child
    if (!child) return
    this.#child = null
    this.#stopped.add(child)
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
    let timer: NodeJS.Timeout | undefined
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      timer = setTimeout(resolve, EXIT_WAIT_MS)
    })
    child.kill('SIGKILL')
    await exited
    clearTimeout(timer)
  }
}

/**
 * A Kysely instance whose statements run in the read process: the store's read functions
 * (queries.ts) build and compile their queries as for any connection. Reads only: no
 * transaction, no stream.
 */
export function kyselyOverReader(reader: SqliteReader): Kysely<Database> {
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      return { rows: (await reader.run(query.sql, query.parameters)) as R[] }
    },
    // biome-ignore lint/correctness/useYield: refuses before any row
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error('the SQLite read process does not stream')
    },
  }
  const noTransaction = () =>
    Promise.reject(new Error('the SQLite read process runs single reads, not transactions'))
  const driver: Driver = {
    init: () => Promise.resolve(),
    acquireConnection: () => Promise.resolve(connection),
    beginTransaction: noTransaction,
    commitTransaction: noTransaction,
    rollbackTransaction: noTransaction,
    releaseConnection: () => Promise.resolve(),
    destroy: () => reader.close(),
  }
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createQueryCompiler: () => new SqliteQueryCompiler(),
      createIntrospector: (db) => new SqliteIntrospector(db),
    },
  })
}
