/**
 * Every attempt query, built once with Kysely for both dialects: the one query code path.
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { attemptIdFloor } from '../ids.js'
import { ID_AFTER_ARRIVAL_MS, idAt } from './id-bounds.js'
import type { GatewayInstance } from './instances.js'
import { STATS_SLOT_MS } from './migrations.js'
import { ATTEMPT_COLUMNS, type AttemptsTable, type Database, fromRow, toRow } from './schema.js'
import type {
  AttemptQuery,
  AttemptRecord,
  AttemptStore,
  CredentialUse,
  CredentialUseQuery,
  CredentialUseRow,
  Outcome,
} from './types.js'
import { ROTATED_OUT_REASONS } from './types.js'

export type AttemptPatch = Parameters<AttemptStore['update']>[1]
export type StatsRow = Awaited<ReturnType<AttemptStore['stats']>>[number]

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 1000

/** The insert statement for a batch of records (one row or many). */
export function insertAttempts(db: Kysely<Database>, records: readonly AttemptRecord[]) {
  return db.insertInto('attempts').values(records.map(toRow))
}

/**
 * The insert statement's SQL for `rows` records, from the same Kysely query, compiled once per
 * dialect and row count: building and compiling a 20-row insert costs about 100 µs (measured),
 * 5 µs of every webhook's CPU if done per batch. Parameters are `toParams()` of each record, in
 * order. Row counts above 128 are compiled each time (rare, and their text is large).
 */
export function insertSql(db: Kysely<Database>, rows: number): string {
  let cache = insertSqlCache.get(db)
  if (!cache) {
    cache = new Map()
    insertSqlCache.set(db, cache)
  }
  const known = cache.get(rows)
  if (known !== undefined) return known
  const query = insertAttempts(
    db,
    Array.from({ length: rows }, () => PLACEHOLDER),
  ).compile()
  if (query.parameters.length !== ATTEMPT_COLUMNS.length * rows)
    throw new Error('insert columns out of step')
  if (rows <= 128) cache.set(rows, query.sql)
  return query.sql
}

const insertSqlCache = new WeakMap<Kysely<Database>, Map<number, string>>()

const PLACEHOLDER: AttemptRecord = {
  id: '',
  received_at: 0,
  endpoint: null,
  tenant: null,
  environment: null,
  method: '',
  path: '',
  headers: [],
  body_size: 0,
  body_sha256: '',
  body: null,
  outcome: 'accepted',
  status: 0,
  reason: null,
  would_have_refused: false,
  checks: [],
  diagnosis: null,
  diagnosis_skipped: null,
  key_id: null,
  forward_status: null,
  forward_latency_ms: null,
  forward_error: null,
  request_id: '',
  kind: 'endpoint',
}

/** Only the patchable columns; JSON is serialised here, once. */
export function patchToRow(patch: AttemptPatch): Partial<AttemptsTable> {
  const row: Partial<AttemptsTable> = {}
  if (patch.diagnosis !== undefined)
    row.diagnosis = patch.diagnosis === null ? null : JSON.stringify(patch.diagnosis)
  if (patch.diagnosis_skipped !== undefined) row.diagnosis_skipped = patch.diagnosis_skipped
  if (patch.status !== undefined) row.status = patch.status
  if (patch.forward_status !== undefined) row.forward_status = patch.forward_status
  if (patch.forward_latency_ms !== undefined) row.forward_latency_ms = patch.forward_latency_ms
  if (patch.forward_error !== undefined) row.forward_error = patch.forward_error
  if (patch.refusals_past_limit !== undefined) row.refusals_past_limit = patch.refusals_past_limit
  if (patch.limit_window_until !== undefined) row.limit_window_until = patch.limit_window_until
  if (patch.refusals_past_limit_by_status !== undefined)
    row.refusals_past_limit_by_status =
      patch.refusals_past_limit_by_status === null
        ? null
        : JSON.stringify(patch.refusals_past_limit_by_status)
  return row
}

export function updateAttempt(db: Kysely<Database>, id: string, row: Partial<AttemptsTable>) {
  return db.updateTable('attempts').set(row).where('id', '=', id)
}

export async function getAttempt(db: Kysely<Database>, id: string): Promise<AttemptRecord | null> {
  const row = await db.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? fromRow(row) : null
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT
  return Math.max(1, Math.min(MAX_LIMIT, Math.trunc(limit)))
}

/** Newest first (ids sort by time), filtered; `before` pages to older attempts. */
export async function listAttempts(
  db: Kysely<Database>,
  q: AttemptQuery,
): Promise<AttemptRecord[]> {
  const rows = await listQuery(db, q).execute()
  return rows.map(fromRow)
}

/** The list query itself (tests read its plan). */
export function listQuery(db: Kysely<Database>, q: AttemptQuery) {
  let query = db.selectFrom('attempts').selectAll()
  if (q.endpoint !== undefined) query = query.where('endpoint', '=', q.endpoint)
  if (q.tenant !== undefined) query = query.where('tenant', '=', q.tenant)
  if (q.environment !== undefined) query = query.where('environment', '=', q.environment)
  // A literal, so that both planners see the partial index `attempts_rejected_id` applies
  // (a bound parameter cannot prove `outcome = 'rejected'`); only the two known values are.
  if (q.outcome !== undefined)
    query = query.where(
      'outcome',
      '=',
      q.outcome === 'rejected' || q.outcome === 'accepted' ? sql.lit(q.outcome) : q.outcome,
    )
  if (q.reason !== undefined) query = query.where('reason', '=', q.reason)
  // Each time bound is also a bound on the id (id-bounds.ts): the walk of an index ending in
  // id stops there, where `received_at` alone let it run through every older row.
  if (q.since !== undefined)
    query = query.where('received_at', '>=', q.since).where('id', '>=', idAt(q.since))
  if (q.until !== undefined)
    query = query
      .where('received_at', '<', q.until)
      .where('id', '<', idAt(q.until + ID_AFTER_ARRIVAL_MS))
  if (q.before !== undefined) query = query.where('id', '<', q.before)
  return query.orderBy('id', 'desc').limit(clampLimit(q.limit))
}

/**
 * Counts per time bucket, endpoint, outcome and reason since `since`, read from an index, never
 * the rows (migration 0007). Grouping the attempts by bucket sorted every one of them (SQLite
 * has no hash aggregation; PostgreSQL, expecting a group per row, sorted on disk): 0.65 s of
 * CPU for a week of a 3 M-row store on SQLite, 0.75 s on PostgreSQL. attempts_counts_slot
 * holds each attempt's 5-minute slot before its endpoint, outcome and reason, so counting per
 * slot reads that index in its own order with no sort, and the few slot rows (~22 a slot) are
 * summed into buckets: 0.13–0.24 s and 0.23 s. A bucket that is not a whole number of slots
 * is counted from the rows, as before.
 */
export async function attemptStats(
  db: Kysely<Database>,
  q: { since: number; bucketMs: number },
): Promise<StatsRow[]> {
  const bucketMs = Math.trunc(q.bucketMs)
  if (!(bucketMs > 0)) throw new RangeError('bucketMs must be a positive integer')
  if (bucketMs % STATS_SLOT_MS === 0) return statsBySlot(db, q.since, bucketMs)
  return statsRows(await statsFromRows(db, q.since, undefined, bucketMs).execute())
}

/** The counts query over the rows received in [since, until). */
export function statsFromRows(
  db: Kysely<Database>,
  since: number,
  until: number | undefined,
  bucketMs: number,
) {
  // A literal, not a parameter: integer division must stay integer in both dialects.
  const bucket = sql<number>`(received_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`
  let query = db
    .selectFrom('attempts')
    .select([bucket.as('bucket'), 'endpoint', 'outcome', 'reason'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('received_at', '>=', since)
  if (until !== undefined) query = query.where('received_at', '<', until)
  return query.groupBy([bucket, 'endpoint', 'outcome', 'reason']).orderBy('bucket')
}

/**
 * Counts per bucket (a whole number of slots) from attempts_counts_slot: the slots wholly after
 * `since` from the index; the rows of a slot `since` cuts, from the rows.
 */
async function statsBySlot(db: Kysely<Database>, since: number, bucketMs: number) {
  const firstSlot = Math.ceil(since / STATS_SLOT_MS)
  const rows = await statsBySlotQuery(db, firstSlot, bucketMs).execute()
  const cut = firstSlot * STATS_SLOT_MS
  if (cut === since) return statsRows(rows)
  const counts = new Map<string, StatsRow>()
  for (const r of statsRows([
    ...(await statsFromRows(db, since, cut, bucketMs).execute()),
    ...rows,
  ])) {
    const key = JSON.stringify([r.bucket, r.endpoint, r.outcome, r.reason])
    const known = counts.get(key)
    if (known) known.count += r.count
    else counts.set(key, r)
  }
  return [...counts.values()].sort((a, b) => a.bucket - b.bucket)
}

/** The query of statsBySlot: the index's slots from `firstSlot` on, summed per bucket. */
export function statsBySlotQuery(db: Kysely<Database>, firstSlot: number, bucketMs: number) {
  // The index's expression, as written in migration 0007 (the planner matches it by its form).
  const slot = sql<number>`(received_at / ${sql.lit(STATS_SLOT_MS)})`
  // max(), not the slot itself: SQLite then takes the slot from the index for the result too,
  // where the bare expression had it read every row from the table (3× the time, measured).
  const perSlot = db
    .selectFrom('attempts')
    .select((eb) => [eb.fn.max(slot).as('slot'), 'endpoint', 'outcome', 'reason'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(slot, '>=', firstSlot)
    .groupBy([slot, 'endpoint', 'outcome', 'reason'])
  const bucket = sql<number>`(slot * ${sql.lit(STATS_SLOT_MS)} / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`
  return db
    .selectFrom(perSlot.as('per_slot'))
    .select([bucket.as('bucket'), 'endpoint', 'outcome', 'reason'])
    .select((eb) => eb.fn.sum<number>('n').as('count'))
    .groupBy([bucket, 'endpoint', 'outcome', 'reason'])
    .orderBy('bucket')
}

function statsRows(
  rows: {
    bucket: unknown
    endpoint: string | null
    outcome: string
    reason: string | null
    count: unknown
  }[],
): StatsRow[] {
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    endpoint: r.endpoint,
    outcome: r.outcome as Outcome,
    reason: r.reason,
    count: Number(r.count),
  }))
}

/**
 * Attempts read per statement by credentialUse(). better-sqlite3 runs a statement on the
 * gateway's one thread, so a chunk must be short enough that no request waits long behind it:
 * ~13 ms of CPU on SQLite (bench/credential-use.bench.mjs: 2.4–3.1 µs an attempt, its row's
 * pages read through the page cache; the week of a 1 M-row store is 201 such statements).
 */
export const CREDENTIAL_USE_CHUNK = 5_000
/** Attempts read by one credentialUse() at most; beyond, the answer says it is partial. */
export const CREDENTIAL_USE_MAX_ROWS = 2_000_000

/**
 * Accepted attempts per slice, endpoint and matched credential, and refusals for a rotated-out
 * credential, received in [from, until). No index holds key_id, so every attempt of the range
 * is read: newest first, by a range of the primary key (an id begins with its arrival's
 * millisecond), `chunk` attempts a statement, each chunk counted in SQL, with `pause` (a
 * macrotask: requests get the event loop) between statements; at most `maxRows` of them.
 */
export async function credentialUse(
  db: Kysely<Database>,
  q: CredentialUseQuery,
  options: { chunk?: number; maxRows?: number; pause?: () => Promise<void> } = {},
): Promise<CredentialUse> {
  const chunk = Math.max(1, Math.trunc(options.chunk ?? CREDENTIAL_USE_CHUNK))
  const maxRows = options.maxRows ?? CREDENTIAL_USE_MAX_ROWS
  const pause = options.pause ?? (() => new Promise<void>((r) => setImmediate(r)))
  const totals = new Map<string, CredentialUseRow>()
  let scanned = 0
  let oldest: number | null = null
  let before = q.until === undefined ? undefined : attemptIdFloor(q.until)
  for (;;) {
    const limit = Math.min(chunk, maxRows - scanned)
    if (limit <= 0) return { rows: [...totals.values()], scanned, complete: false, oldest }
    const rows = await credentialUseChunk(db, q, before, limit).execute()
    let read = 0
    let first: string | undefined
    for (const r of rows) {
      read += Number(r.read)
      if (first === undefined || r.first_id < first) first = r.first_id
      const at = Number(r.oldest_at)
      if (oldest === null || at < oldest) oldest = at
      const count = Number(r.count)
      // Refusals for other reasons are only read past, as are attempts of no endpoint.
      if (count === 0 || r.endpoint === null) continue
      if (r.outcome !== 'accepted' && r.rotated === null) continue
      const slice = Number(r.slice)
      const key = JSON.stringify([slice, r.endpoint, r.key_id, r.outcome, r.rotated])
      const lastAt = Number(r.last_at)
      const row = totals.get(key)
      if (row) {
        row.count += count
        if (lastAt > row.last_at) row.last_at = lastAt
      } else
        totals.set(key, {
          slice,
          endpoint: r.endpoint,
          key_id: r.key_id,
          outcome: r.outcome as Outcome,
          reason: r.rotated,
          count,
          last_at: lastAt,
        })
    }
    scanned += read
    if (read < limit || first === undefined)
      return { rows: [...totals.values()], scanned, complete: true, oldest }
    before = first
    await pause()
  }
}

/**
 * One chunk of credentialUse(): the `limit` newest attempts with an id from `q.from`'s
 * millisecond up to (not including) `before`, grouped. `read`, `first_id` and `oldest_at`
 * cover every attempt of the chunk (the next one starts below `first_id`); `count` and
 * `last_at` only those received inside [from, until).
 */
export function credentialUseChunk(
  db: Kysely<Database>,
  q: CredentialUseQuery,
  before: string | undefined,
  limit: number,
) {
  let inner = db
    .selectFrom('attempts')
    .select(['id', 'endpoint', 'key_id', 'outcome', 'reason', 'received_at'])
    .where('id', '>=', attemptIdFloor(q.from))
  if (before !== undefined) inner = inner.where('id', '<', before)
  const sliceMs = Math.trunc(q.sliceMs)
  if (!(sliceMs > 0)) throw new RangeError('sliceMs must be a positive integer')
  // Literals, as in attemptStats: integer division must stay integer in both dialects.
  const slice = sql<number | string>`(received_at / ${sql.lit(sliceMs)}) * ${sql.lit(sliceMs)}`
  const rotated = sql<string | null>`case when reason in (${sql.join(
    ROTATED_OUT_REASONS.map((r) => sql.lit(r)),
  )}) then reason end`
  const inRange =
    q.until === undefined
      ? sql`received_at >= ${q.from}`
      : sql`received_at >= ${q.from} and received_at < ${q.until}`
  return db
    .selectFrom(inner.orderBy('id', 'desc').limit(limit).as('chunk'))
    .select([slice.as('slice'), 'endpoint', 'key_id', 'outcome', rotated.as('rotated')])
    .select((eb) => [
      eb.fn.countAll<number | string>().as('read'),
      sql<number | string>`sum(case when ${inRange} then 1 else 0 end)`.as('count'),
      eb.fn.max('received_at').as('last_at'),
      eb.fn.min('received_at').as('oldest_at'),
      eb.fn.min('id').as('first_id'),
    ])
    .groupBy([slice, 'endpoint', 'key_id', 'outcome', rotated])
}

/**
 * A logout, as the statements that record it: the session's row (a second logout of the same
 * session keeps the first row), then every row whose session has expired, so the table holds
 * only sessions that could still be presented.
 */
export function revokeSessionQueries(
  db: Kysely<Database>,
  session: string,
  expiresAt: number,
  now: number,
) {
  return [
    db
      .insertInto('revoked_sessions')
      .values({ session, expires_at: expiresAt })
      .onConflict((oc) => oc.column('session').doNothing()),
    db.deleteFrom('revoked_sessions').where('expires_at', '<=', now),
  ] as const
}

/** true when the session was logged out and has not expired yet. */
export async function sessionRevoked(
  db: Kysely<Database>,
  session: string,
  now: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('revoked_sessions')
    .select('session')
    .where('session', '=', session)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return row !== undefined
}

/** Enters a gateway in the instance registry, or refreshes its row (its heartbeat). */
export function upsertInstance(db: Kysely<Database>, instance: GatewayInstance) {
  return db
    .insertInto('gateway_instances')
    .values(instance)
    .onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: instance.seen_at }))
}

export function deleteInstance(db: Kysely<Database>, id: string) {
  return db.deleteFrom('gateway_instances').where('id', '=', id)
}

/** Rows of gateways that stopped without a close, not seen since `seenBefore`. */
export function forgetInstances(db: Kysely<Database>, seenBefore: number) {
  return db.deleteFrom('gateway_instances').where('seen_at', '<', seenBefore)
}

export async function listInstances(db: Kysely<Database>): Promise<GatewayInstance[]> {
  const rows = await db.selectFrom('gateway_instances').selectAll().orderBy('started_at').execute()
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    pid: Number(r.pid),
    started_at: Number(r.started_at),
    seen_at: Number(r.seen_at),
    replay_claims: r.replay_claims === 'redis' ? 'redis' : 'memory',
  }))
}

/** Stores `key` as the installation's fingerprint key unless one is stored already. */
export function insertFingerprintKey(db: Kysely<Database>, key: Uint8Array, now: number) {
  return db
    .insertInto('fingerprint_key')
    .values({ id: 1, key: Buffer.from(key).toString('base64'), created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
}

/** The stored fingerprint key's bytes, or null when none is stored. */
export async function readFingerprintKey(db: Kysely<Database>): Promise<Uint8Array | null> {
  const row = await db
    .selectFrom('fingerprint_key')
    .select('key')
    .where('id', '=', 1)
    .executeTakeFirst()
  return row ? new Uint8Array(Buffer.from(row.key, 'base64')) : null
}
