/**
 * Retention: deletes attempts by age, then beyond `max_rows` (first the compact rows of
 * refusals past a source's limit, so that a flood of them cannot push the records of
 * deliveries out, then the oldest of the rest).
 *
 * Every statement reads a bounded range of an index and starts where the previous one ended
 * (a cursor on the id), so a run reads each row it deletes once, and one with nothing to delete
 * reads a few index entries (F2, F3). On SQLite a statement runs on the gateway's one thread:
 * each is kept to a few milliseconds, with a macrotask between them so that requests and their
 * inserts interleave.
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { COMPACT_CHECKS_LIKE, COMPACT_HEADERS } from './compact-row.js'
import { idAt } from './id-bounds.js'
import type { DialectName } from './migrations.js'
import type { Database } from './schema.js'

/**
 * Rows deleted per statement. A delete updates every index of each row and frees its pages:
 * ~21 µs of CPU a row on SQLite (1.8 M rows of a 3 M-row store, measured), so a chunk (its walk
 * and its delete) holds the gateway's thread ~4 ms (median 6.5 ms on the shared 2-core machine
 * under load; a WAL checkpoint now and then takes longer).
 */
export const PRUNE_CHUNK = 200

/**
 * Primary-key entries walked per statement when finding where a by-count delete ends: index
 * entries only, ~2 ms for 5 000 on the same store.
 */
export const PRUNE_WALK = 5_000

export interface PruneOptions {
  dialect: DialectName
  /** Rows deleted per statement (tests make it small). */
  chunk?: number
  /** Index entries walked per statement. */
  walk?: number
  /** Between statements; default a macrotask (setImmediate). */
  pause?: () => Promise<void>
}

export interface PrunePolicy {
  days?: number
  max_rows?: number
}

/** Which rows a phase deletes: all, or only compact ones (compact-row.ts). */
type Rows = 'all' | 'compact'

const DAY_MS = 86_400_000

/**
 * Prunes by the policy; returns how many rows it deleted. On PostgreSQL one gateway prunes at a
 * time (a session advisory lock, tried, not waited for): gateways sharing a database run their
 * schedules at the same minute, and two runs counting the same excess would delete it twice.
 */
export async function pruneAttempts(
  db: Kysely<Database>,
  policy: PrunePolicy,
  now: number,
  options: PruneOptions,
): Promise<number> {
  if (options.dialect !== 'postgres') return prune(db, policy, now, options)
  return db.connection().execute(async (conn) => {
    // One lock per schema: stores in other schemas of the same database prune on their own.
    const key = sql`hashtext(${'hookwarden retention '} || current_schema())`
    const { rows } = await sql<{
      got: boolean
    }>`select pg_try_advisory_lock(${key}) as got`.execute(conn)
    // Another gateway is pruning this store right now: this run has nothing left to do.
    if (!rows[0]?.got) return 0
    try {
      return await prune(conn, policy, now, options)
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(conn)
    }
  })
}

async function prune(
  db: Kysely<Database>,
  policy: PrunePolicy,
  now: number,
  options: PruneOptions,
): Promise<number> {
  const steps = {
    chunk: Math.max(1, Math.trunc(options.chunk ?? PRUNE_CHUNK)),
    walk: Math.max(1, Math.trunc(options.walk ?? PRUNE_WALK)),
    pause: options.pause ?? (() => new Promise<void>((r) => setImmediate(r))),
  }
  let removed = 0
  if (policy.days !== undefined && policy.days >= 0) {
    // Every id below the cutoff's belongs to an attempt received before it (id-bounds.ts): the
    // oldest rows, a range of the primary key from its start.
    removed += await deleteThrough(db, 'all', { below: idAt(now - policy.days * DAY_MS) }, steps)
  }
  if (policy.max_rows !== undefined && policy.max_rows >= 0) {
    let excess = await rowsBeyond(db, options.dialect, Math.trunc(policy.max_rows))
    for (const rows of ['compact', 'all'] as const) {
      if (excess <= 0) break
      // Where the `excess` oldest rows end, found before any is deleted: the delete then goes
      // through an id, so a second run at the same time (two gateways on one SQLite file)
      // deletes the same rows, not twice as many.
      const { last, walked } = await walkOldest(db, rows, excess, steps)
      if (last === undefined) continue
      removed += await deleteThrough(db, rows, { through: last }, steps)
      excess -= walked
    }
  }
  return removed
}

/**
 * How many rows the table holds beyond `maxRows`, without reading it when it cannot be over.
 * SQLite: rowids are handed out in increasing order, so the span between the lowest and the
 * highest bounds the count (two index seeks); only past `maxRows` is it counted (a count of
 * the narrowest index: ~10 ms a million rows, page by page). PostgreSQL: count(*) reads the
 * whole table (seconds on millions of rows), so the planner's estimate is asked first; below
 * half of `maxRows` nothing is counted. A table never vacuumed nor analysed has no estimate
 * (reltuples -1): counted.
 */
export async function rowsBeyond(
  db: Kysely<Database>,
  dialect: DialectName,
  maxRows: number,
): Promise<number> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{
      span: number | null
    }>`select max(rowid) - min(rowid) + 1 as span from attempts`.execute(db)
    if ((rows[0]?.span ?? 0) <= maxRows) return 0
  } else {
    const { rows } = await sql<{ analysed: number; estimate: number }>`
      select c.reltuples as analysed, greatest(c.reltuples, coalesce(s.n_live_tup, 0)) as estimate
      from pg_class c left join pg_stat_user_tables s on s.relid = c.oid
      where c.oid = to_regclass('attempts')`.execute(db)
    const known = rows[0]
    if (known && Number(known.analysed) >= 0 && Number(known.estimate) < maxRows / 2) return 0
  }
  const { count } = await db
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(count) - maxRows
}

/** The rows a phase reads: all of them (the primary key), or compact ones (their index). */
function rowsOf(db: Kysely<Database>, rows: Rows) {
  const all = db.selectFrom('attempts')
  if (rows === 'all') return all
  // Literals, so that both planners see that the partial index attempts_compact_id (headers
  // '[]', migration 0007) holds every row that can match.
  return all
    .where('headers', '=', sql.lit(COMPACT_HEADERS))
    .where('checks', 'like', sql.lit(COMPACT_CHECKS_LIKE))
}

/** Where a phase stops: below an id (by age), or at one (by count, found by walkOldest). */
type Bound = { below: string } | { through: string }

/**
 * The last id and the count of the next `limit` rows after `after` (and within `bound`), oldest
 * first: index entries only, for all rows.
 */
export function walkStep(
  db: Kysely<Database>,
  rows: Rows,
  after: string | undefined,
  limit: number,
  bound?: Bound,
) {
  let step = rowsOf(db, rows).select('id')
  if (after !== undefined) step = step.where('id', '>', after)
  if (bound)
    step =
      'below' in bound ? step.where('id', '<', bound.below) : step.where('id', '<=', bound.through)
  return db
    .selectFrom(step.orderBy('id').limit(limit).as('step'))
    .select((eb) => [
      eb.fn.min('id').as('first'),
      eb.fn.max('id').as('last'),
      eb.fn.countAll<number | string>().as('walked'),
    ])
}

/** The id of the `count`-th oldest row (or of the last one, when fewer), and how many. */
async function walkOldest(
  db: Kysely<Database>,
  rows: Rows,
  count: number,
  steps: { walk: number; chunk: number; pause: () => Promise<void> },
): Promise<{ last: string | undefined; walked: number }> {
  let last: string | undefined
  let walked = 0
  while (walked < count) {
    // A compact row is read to be told apart (its checks): as many as a delete takes.
    const limit = Math.min(rows === 'all' ? steps.walk : steps.chunk, count - walked)
    const step = await walkStep(db, rows, last, limit).executeTakeFirst()
    const n = Number(step?.walked ?? 0)
    if (n > 0 && step?.last != null) last = step.last
    walked += n
    if (n < limit) break
    await steps.pause()
  }
  return { last, walked }
}

/**
 * One delete of deleteThrough: the rows (of the phase) with an id from `first` to `last`, a
 * range of the primary key that walkStep found. A range, not `id in (subquery)`: PostgreSQL
 * planned that as a sequential scan of the table hashed against the chunk. Both ends, so that
 * no planner takes "every id up to `last`" for much of the table (statistics gathered before a
 * big delete still count the rows it removed).
 */
export function deleteStep(db: Kysely<Database>, rows: Rows, first: string, last: string) {
  let range = db.deleteFrom('attempts').where('id', '>=', first).where('id', '<=', last)
  if (rows === 'compact')
    range = range
      .where('headers', '=', sql.lit(COMPACT_HEADERS))
      .where('checks', 'like', sql.lit(COMPACT_CHECKS_LIKE))
  return range
}

/**
 * Deletes the rows up to the bound, oldest first, `chunk` per statement, each chunk found by
 * walkStep and deleted as a range; how many.
 */
async function deleteThrough(
  db: Kysely<Database>,
  rows: Rows,
  bound: Bound,
  steps: { chunk: number; pause: () => Promise<void> },
): Promise<number> {
  let removed = 0
  let after: string | undefined
  for (;;) {
    const step = await walkStep(db, rows, after, steps.chunk, bound).executeTakeFirst()
    const walked = Number(step?.walked ?? 0)
    if (walked === 0 || step?.first == null || step.last == null) return removed
    const { numDeletedRows } = await deleteStep(db, rows, step.first, step.last).executeTakeFirst()
    removed += Number(numDeletedRows)
    // Fewer than asked: the bound is reached.
    if (walked < steps.chunk) return removed
    after = step.last
    // A macrotask between chunks: requests (and their inserts) get the event loop meanwhile.
    await steps.pause()
  }
}
