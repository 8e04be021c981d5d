/**
 * The SQLite store when its disk is full. On a full disk every write fails, a DELETE too (in
 * WAL mode it needs new WAL frames first), so lowering retention could not free anything, and
 * a pruned row's pages stayed in the file. Here:
 * - a commit refused for lack of space: its error names the database file, the log says once
 *   what to do, and refusingWrites() (GET /readyz) answers until a commit succeeds or the disk
 *   has room again — looked at, at most once a second, when asked: a load balancer sends no
 *   webhooks to a gateway that is not ready, so no commit would ever come to clear it;
 * - work refused for lack of space (a prune; at start, opening, migrating, registering): the
 *   reserve file (disk-reserve.ts) is given up and the work tried once more;
 * - after a prune: the freed pages go back to the disk (sqlite-vacuum.ts) and the reserve is
 *   made again when there is room.
 * @module
 */
import { dirname } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { bytesText, type DiskReserve, diskSpace, reserveBytesFor } from './disk-reserve.js'
import { StoreUnavailableError, toStoreError } from './errors.js'
import { checkpointTruncate } from './sqlite-file.js'
import { autoVacuumOf, freePageBytes, vacuumFreePages } from './sqlite-vacuum.js'
import type { WriteRefusal } from './types.js'

/** The most often refusingWrites() looks at the disk while the store is refusing. */
const RECHECK_MS = 1000

/** Free pages below this are not worth a word about a store that cannot give them back. */
const LEGACY_NOTE_BYTES = 1024 * 1024

const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export interface StoreSpaceOptions {
  /** The database file. */
  path: string
  /** null: no reserve (tests). */
  reserve: DiskReserve | null
  notice: (level: 'warn' | 'error', message: string) => void
  /** The open connection (the adapter may open a new one at the same path). */
  connection: () => BetterSqlite3.Database
}

export class StoreSpace {
  readonly #path: string
  readonly #dir: string
  readonly #reserve: DiskReserve | null
  readonly #notice: StoreSpaceOptions['notice']
  readonly #connection: StoreSpaceOptions['connection']
  #refusal: WriteRefusal | null = null
  #checkedAt = 0
  /** The reserve was given up and has not been made again yet. */
  #reserveGiven = false
  #legacySaid = false

  constructor(options: StoreSpaceOptions) {
    this.#path = options.path
    this.#dir = dirname(options.path)
    this.#reserve = options.reserve
    this.#notice = options.notice
    this.#connection = options.connection
  }

  /**
   * A commit's error, as the writer throws it. For a full disk: one naming the database's
   * file, and, the first time, the store starts refusing (said once, with what to do).
   */
  refused(error: StoreUnavailableError): StoreUnavailableError {
    if (error.failure !== 'full') return error
    if (this.#refusal === null) {
      this.#refusal = {
        failure: 'full',
        reason:
          'no space left on the disk holding the attempt store: attempts are answered 503 and not recorded (the log says what to do)',
        since: Date.now(),
      }
      this.#notice('error', this.#fullAdvice())
    }
    this.#checkedAt = Date.now()
    return this.fullError(error)
  }

  /** A commit succeeded: the store records again. Called once per batch (one field read). */
  committed(): void {
    if (this.#refusal !== null) this.#recovered('a write was committed')
  }

  /** Why writes are refused now, or null; for GET /readyz, never on an attempt's path. */
  refusingWrites(): WriteRefusal | null {
    if (this.#refusal === null) return null
    const now = Date.now()
    if (now - this.#checkedAt >= RECHECK_MS) {
      this.#checkedAt = now
      const space = diskSpace(this.#dir)
      if (space && space.free >= roomBytes(space.size))
        this.#recovered(`${bytesText(space.free)} free on its disk`)
    }
    return this.#refusal
  }

  /** "attempts store full: the disk holding <file> is full (12 KiB free)[: then]". */
  fullError(cause: unknown, then?: string): StoreUnavailableError {
    const space = diskSpace(this.#dir)
    const free = space ? ` (${bytesText(space.free)} free)` : ''
    return new StoreUnavailableError(
      'attempts',
      'full',
      `attempts store full: the disk holding ${this.#path} is full${free}${then ? `: ${then}` : ''}`,
      { cause },
    )
  }

  /**
   * Runs `work`; when the disk is too full for it, gives up the reserve file and runs it once
   * more. Still too full (or no reserve): a full error saying how much to free, then `then`.
   * `soThat` completes "gave up the reserve file so that …".
   */
  async withReserve<T>(soThat: string, then: string, work: () => T | Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (!this.#tooFull(error)) throw error
      const given = this.#reserve?.release() ?? 0
      if (given === 0) throw this.fullError(error, `${this.#freeSome()}, ${then}`)
      this.#reserveGiven = true
      this.#notice(
        'warn',
        `the disk holding ${this.#path} is full: gave up the reserve file ${this.#reserve!.path} (${bytesText(given)}) so that ${soThat}`,
      )
    }
    try {
      return await work()
    } catch (error) {
      if (!this.#tooFull(error)) throw error
      throw this.fullError(
        error,
        `even with the reserve file given up; ${this.#freeSome()}, ${then}`,
      )
    }
  }

  /** "free space on it (3 MiB or more)": what lets the store record again. */
  #freeSome(): string {
    const space = diskSpace(this.#dir)
    return `free space on it${space ? ` (${bytesText(roomBytes(space.size))} or more)` : ''}`
  }

  /**
   * After a prune that removed rows: the freed pages go back to the disk (an INCREMENTAL
   * store; an older store's log says once how to convert it). Then the reserve is made again
   * when it is missing and there is room. Never throws.
   */
  async afterPrune(removed: number): Promise<void> {
    try {
      const sqlite = this.#connection()
      if (removed > 0 && sqlite.open) {
        if (autoVacuumOf(sqlite) === 'incremental') await vacuumFreePages(this.#connection)
        else this.#legacyNote(sqlite)
      }
      // Closed meanwhile: no reserve is made in a directory that may be removed next.
      if (!this.#reserve || this.#reserve.size() > 0 || !sqlite.open) return
      // Its WAL gives its space back too, before the reserve asks for room.
      if (this.#reserveGiven && !sqlite.inTransaction) checkpointTruncate(sqlite)
      const made = await this.#reserve.ensure()
      if (this.#reserveGiven) {
        const space = diskSpace(this.#dir)
        if (made) this.#notice('warn', `the reserve file ${this.#reserve.path} was made again`)
        else
          this.#notice(
            'warn',
            `the reserve file ${this.#reserve.path} could not be made again (${space ? bytesText(space.free) : 'unknown'} free; it needs twice ${bytesText(this.#reserve.wanted(space))}): on the next full disk a prune has no reserve to run with`,
          )
        this.#reserveGiven = false
      }
    } catch {
      // The connection closed meanwhile: nothing to give back.
    }
  }

  /** Refused for want of space: SQLITE_FULL, or an I/O error on a disk with no room left. */
  #tooFull(error: unknown): boolean {
    const mapped = toStoreError('attempts', error)
    if (mapped.failure === 'full') return true
    if (mapped.failure !== 'down') return false
    const space = diskSpace(this.#dir)
    return space !== null && space.free < roomBytes(space.size)
  }

  #recovered(why: string): void {
    const since = this.#refusal?.since ?? Date.now()
    this.#refusal = null
    this.#notice(
      'warn',
      `the attempt store takes writes again (${why}) after ${Math.round((Date.now() - since) / 1000)} s of a full disk`,
    )
  }

  #fullAdvice(): string {
    const space = diskSpace(this.#dir)
    const reserve = this.#reserve?.size() ?? 0
    const prune =
      reserve > 0
        ? `or lower retention (retention.max_rows or retention.days) and reload the config (SIGHUP): the prune gives up the reserve file ${this.#reserve!.path} (${bytesText(reserve)}) to run`
        : 'or, once a little space is free, lower retention (retention.max_rows or retention.days) and reload the config (SIGHUP) (there is no reserve file left to give up for a prune)'
    return `the disk holding ${this.#path} is full (${space ? bytesText(space.free) : 'unknown'} free): attempts are answered 503 and not recorded, and GET /readyz answers 503, until there is room again; the gateway then records again by itself. To make room: free space on that disk, ${prune}`
  }

  /** An auto_vacuum=NONE store (made by an earlier build) keeps its freed pages: said once. */
  #legacyNote(sqlite: BetterSqlite3.Database): void {
    if (this.#legacySaid) return
    const free = freePageBytes(sqlite)
    if (free < LEGACY_NOTE_BYTES) return
    this.#legacySaid = true
    this.#notice(
      'warn',
      `${this.#path} keeps ${bytesText(free)} of pruned attempts' pages: it was made by an earlier hookwarden with auto_vacuum off, so new attempts reuse that space but the file never shrinks. To let it give space back after each prune, stop the gateway and run once: sqlite3 ${quoted(this.#path)} 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;' (VACUUM needs free space about the size of the file)`,
    )
  }
}

/** Free space at which a full store is taken as able to record again: its reserve's worth, 8 MiB at most. */
function roomBytes(size: number): number {
  return Math.max(64 * 1024, Math.min(reserveBytesFor(size), 8 * 1024 * 1024))
}
