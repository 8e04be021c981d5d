/**
 * Every attempt query, built once with Kysely for both dialects: the one query code path.
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { attemptIdFloor } from '../ids.js'
import { COMPACT_CHECKS_LIKE, COMPACT_HEADERS } from './compact-row.js'
import type { GatewayInstance } from './instances.js'
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
/** Rows deleted per statement by prune(), so a big backlog never holds the writer for long. */
export const PRUNE_CHUNK = 1000

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
  if (q.since !== undefined) query = query.where('received_at', '>=', q.since)
  if (q.until !== undefined) query = query.where('received_at', '<', q.until)
  if (q.before !== undefined) query = query.where('id', '<', q.before)
  return query.orderBy('id', 'desc').limit(clampLimit(q.limit))
}

/** Counts per time bucket, endpoint, outcome and reason since `since`. */
export async function attemptStats(
  db: Kysely<Database>,
  q: { since: number; bucketMs: number },
): Promise<StatsRow[]> {
  const bucketMs = Math.trunc(q.bucketMs)
  if (!(bucketMs > 0)) throw new RangeError('bucketMs must be a positive integer')
  // A literal, not a parameter: integer division must stay integer in both dialects.
  const bucket = sql<number>`(received_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`
  const rows = await db
    .selectFrom('attempts')
    .select([bucket.as('bucket'), 'endpoint', 'outcome', 'reason'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('received_at', '>=', q.since)
    .groupBy([bucket, 'endpoint', 'outcome', 'reason'])
    .orderBy('bucket')
    .execute()
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
 * Deletes in chunks of PRUNE_CHUNK rows: by age, then beyond `max_rows`: first the compact
 * rows of refusals past a source's limit (oldest first), so that a flood of them cannot push
 * the records of deliveries out; then the oldest of the rest.
 */
export async function pruneAttempts(
  db: Kysely<Database>,
  policy: { days?: number; max_rows?: number },
  now: number,
): Promise<number> {
  let removed = 0
  const deleteChunk = async (bound: {
    receivedBefore?: number
    idAtMost?: string
    compact?: number
  }) => {
    let inner = db.selectFrom('attempts').select('id')
    if (bound.receivedBefore !== undefined)
      inner = inner.where('received_at', '<', bound.receivedBefore)
    if (bound.idAtMost !== undefined) inner = inner.where('id', '<=', bound.idAtMost)
    if (bound.compact !== undefined)
      inner = inner
        .where('headers', '=', COMPACT_HEADERS)
        .where('checks', 'like', COMPACT_CHECKS_LIKE)
    const result = await db
      .deleteFrom('attempts')
      .where('id', 'in', inner.orderBy('id').limit(bound.compact ?? PRUNE_CHUNK))
      .executeTakeFirst()
    // A macrotask between chunks: requests (and their inserts) get the event loop meanwhile.
    await new Promise((r) => setImmediate(r))
    return Number(result.numDeletedRows)
  }
  if (policy.days !== undefined && policy.days >= 0) {
    const cutoff = now - policy.days * 86_400_000
    for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK; removed += n)
      n = await deleteChunk({ receivedBefore: cutoff })
  }
  if (policy.max_rows !== undefined && policy.max_rows >= 0) {
    const maxRows = Math.trunc(policy.max_rows)
    const { rows } = await db
      .selectFrom('attempts')
      .select((eb) => eb.fn.countAll<number | string>().as('rows'))
      .executeTakeFirstOrThrow()
    // Compact rows first, as many as the excess and no more (a chunk short of its size: none left).
    for (let excess = Number(rows) - maxRows; excess > 0; ) {
      const chunk = Math.min(excess, PRUNE_CHUNK)
      const n = await deleteChunk({ compact: chunk })
      removed += n
      excess -= n
      if (n < chunk) break
    }
    // The newest row beyond the cap: it and everything older goes.
    const edge = await db
      .selectFrom('attempts')
      .select('id')
      .orderBy('id', 'desc')
      .offset(maxRows)
      .limit(1)
      .executeTakeFirst()
    if (edge) {
      for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK; removed += n)
        n = await deleteChunk({ idAtMost: edge.id })
    }
  }
  return removed
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
