/**
 * Typed errors for a store that cannot do its job right now (down, full, unreachable).
 * @module
 */
import { HookwardenError } from '@hookwarden/core'

/** Which store failed: the attempt log, the replay-nonce store or the rate counters. */
export type StoreName = 'attempts' | 'nonce' | 'rate'

/** Why it failed: `down` (unreachable, closed, I/O error), `full` (disk or quota), `error` (other). */
export type StoreFailure = 'down' | 'full' | 'error'

/**
 * The store could not commit or answer. The gateway answers 503 with `Retry-After:
 * retryAfterSeconds` so that the sender's own retry covers the loss (never a 2xx without a
 * committed record, never an unchecked nonce).
 */
export class StoreUnavailableError extends HookwardenError {
  readonly store: StoreName
  readonly failure: StoreFailure
  readonly retryAfterSeconds: number
  constructor(
    store: StoreName,
    failure: StoreFailure,
    message: string,
    options?: ErrorOptions & { retryAfterSeconds?: number },
  ) {
    super('ERR_STORE_UNAVAILABLE', message, options)
    this.store = store
    this.failure = failure
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5
  }
  static is(value: unknown): value is StoreUnavailableError {
    return value instanceof HookwardenError && value.code === 'ERR_STORE_UNAVAILABLE'
  }
}

/**
 * The store was reached but its migrations failed (a permission, a table in the way): the
 * operator's database to look at, not its URL. The message starts `migrating the store failed:`.
 */
export class StoreMigrationError extends HookwardenError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_STORE_MIGRATION', `migrating the store failed: ${message}`, options)
  }
  static is(value: unknown): value is StoreMigrationError {
    return value instanceof HookwardenError && value.code === 'ERR_STORE_MIGRATION'
  }
}

// SQLITE_IOERR_SHMSIZE: the -shm file could not be grown, which on a disk with no space left is
// what opening a WAL database fails with (before any write could say SQLITE_FULL).
const SQLITE_FULL = new Set(['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE'])
const SQLITE_DOWN = /^SQLITE_(IOERR|CANTOPEN|READONLY|BUSY|LOCKED|CORRUPT|NOTADB|PROTOCOL|MISUSE)/

// PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100 disk
// full), 57P0x operator intervention (shutdown), 58 system error; node errors for sockets.
const PG_DOWN_CLASSES = ['08', '57P', '58']
// 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout): the
// database is held up, not the record bad — splitting the batch to find a bad one would only
// wait out the same timeout once per record.
const PG_TIMED_OUT = new Set(['55P03', '57014'])
const NET_DOWN = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
])

/** Maps a driver error to a StoreUnavailableError without leaking connection strings. */
export function toStoreError(store: StoreName, error: unknown): StoreUnavailableError {
  if (StoreUnavailableError.is(error)) return error
  const e = error as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : String(error)
  let failure: StoreFailure = 'error'
  if (SQLITE_FULL.has(code) || code === '53100' || code === 'ENOSPC') failure = 'full'
  else if (SQLITE_DOWN.test(code) || NET_DOWN.has(code) || code.startsWith('53')) failure = 'down'
  else if (PG_DOWN_CLASSES.some((c) => code.startsWith(c)) || PG_TIMED_OUT.has(code))
    failure = 'down'
  else if (
    /Connection terminated|timeout exceeded when trying to connect|is not open|Connection is closed|not connected|Command timed out/i.test(
      message,
    )
  )
    failure = 'down'
  return new StoreUnavailableError(
    store,
    failure,
    `${store} store ${failure}: ${redactUrls(message)}`,
    {
      cause: error,
    },
  )
}

/** Driver messages can carry a connection string with a password: never pass it on. */
export function redactUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, '$1***@')
}

/**
 * A write lock held by another connection (another process on the same SQLite file): worth
 * trying the same commit again a little later, without blocking the event loop meanwhile.
 */
export function isLockBusy(error: unknown): boolean {
  const cause = StoreUnavailableError.is(error) ? (error as Error).cause : error
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}
