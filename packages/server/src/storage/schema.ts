/**
 * The `attempts` table as Kysely sees it, and the mapping between rows and AttemptRecords.
 * @module
 */
import { checksJson, headersJson } from './json-text.js'
import { legacyPastLimitCount } from './legacy-past-limit-text.js'
import type { AttemptRecord, Outcome } from './types.js'

/** One row. Booleans are 0/1 and JSON is text so both dialects store the same values. */
export interface AttemptsTable {
  id: string
  received_at: number
  endpoint: string | null
  tenant: string | null
  environment: string | null
  method: string
  path: string
  /** JSON text of the redacted `[name, value][]`. */
  headers: string
  body_size: number
  body_sha256: string
  body: Uint8Array | null
  outcome: string
  status: number
  reason: string | null
  would_have_refused: number
  /** JSON text. */
  checks: string
  /** JSON text or null. */
  diagnosis: string | null
  diagnosis_skipped: string | null
  key_id: string | null
  forward_status: number | null
  forward_latency_ms: number | null
  forward_error: string | null
  request_id: string
  kind: string
  /**
   * Migration 0006, written by update() only (never by the insert: ATTEMPT_COLUMNS leaves
   * them out, so a store an older build also writes gets null there).
   */
  refusals_past_limit: number | null
  /** Unix milliseconds (PostgreSQL returns them as strings: int8). */
  limit_window_until: number | string | null
  /** JSON text of `{status: count}`. */
  refusals_past_limit_by_status: string | null
}

/**
 * Dashboard sessions ended by a logout before their expiry: every gateway sharing the store
 * refuses their cookie, after a restart too. A row is pruned once its session has expired.
 */
export interface RevokedSessionsTable {
  /** The session cookie's nonce (not a credential: the cookie's MAC needs the admin token). */
  session: string
  /** Unix milliseconds when the session would have expired anyway. */
  expires_at: number
}

/** One row per gateway running on the store, refreshed by its heartbeat (instances.ts). */
export interface GatewayInstancesTable {
  id: string
  /** The host name the gateway runs on. */
  host: string
  pid: number
  /** Unix milliseconds (PostgreSQL returns them as strings: int8). */
  started_at: number | string
  seen_at: number | string
  /** `redis` or `memory`. */
  replay_claims: string
}

/** The installation's fingerprint key (PostgreSQL; one row, id 1). */
export interface FingerprintKeyTable {
  id: number
  /** The key's bytes, base64. */
  key: string
  created_at: number | string
}

export interface Database {
  attempts: AttemptsTable
  revoked_sessions: RevokedSessionsTable
  gateway_instances: GatewayInstancesTable
  fingerprint_key: FingerprintKeyTable
}

/**
 * Column order of the insert statement (and of `toParams`). The columns of migration 0006 are
 * not among them: an attempt is inserted without its count of refusals past the limit, which
 * only update() writes, so every insert binds no more than it did before.
 */
export const ATTEMPT_COLUMNS = [
  'id',
  'received_at',
  'endpoint',
  'tenant',
  'environment',
  'method',
  'path',
  'headers',
  'body_size',
  'body_sha256',
  'body',
  'outcome',
  'status',
  'reason',
  'would_have_refused',
  'checks',
  'diagnosis',
  'diagnosis_skipped',
  'key_id',
  'forward_status',
  'forward_latency_ms',
  'forward_error',
  'request_id',
  'kind',
] as const satisfies readonly (keyof AttemptsTable)[]

const asBuffer = (b: Uint8Array | null): Uint8Array | null =>
  b === null ? null : Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** The insert parameters in ATTEMPT_COLUMNS order: the hot path, so no intermediate object. */
export function toParams(r: AttemptRecord): unknown[] {
  return [
    r.id,
    r.received_at,
    r.endpoint,
    r.tenant,
    r.environment,
    r.method,
    r.path,
    headersJson(r.headers),
    r.body_size,
    r.body_sha256,
    asBuffer(r.body),
    r.outcome,
    r.status,
    r.reason,
    r.would_have_refused ? 1 : 0,
    checksJson(r.checks),
    r.diagnosis == null ? null : JSON.stringify(r.diagnosis),
    r.diagnosis_skipped,
    r.key_id,
    r.forward_status,
    r.forward_latency_ms,
    r.forward_error,
    r.request_id,
    r.kind,
  ]
}

/** A row object for Kysely's `values()`, built from the same parameter list. */
export function toRow(r: AttemptRecord): AttemptsTable {
  const params = toParams(r)
  const row: Record<string, unknown> = {}
  for (let i = 0; i < ATTEMPT_COLUMNS.length; i++) row[ATTEMPT_COLUMNS[i] as string] = params[i]
  return row as unknown as AttemptsTable
}

/** PostgreSQL returns int8 as a string and bytea as a Buffer; SQLite returns numbers. */
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v))
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v))
const json = (v: string | null): unknown => (v === null ? null : JSON.parse(v))

export function fromRow(row: AttemptsTable): AttemptRecord {
  const body = row.body
  const record: AttemptRecord = {
    id: row.id,
    received_at: num(row.received_at),
    endpoint: row.endpoint,
    tenant: row.tenant,
    environment: row.environment,
    method: row.method,
    path: row.path,
    headers: JSON.parse(row.headers) as [string, string][],
    body_size: num(row.body_size),
    body_sha256: row.body_sha256,
    body: body === null ? null : new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    outcome: row.outcome as Outcome,
    status: num(row.status),
    reason: row.reason,
    would_have_refused: num(row.would_have_refused) === 1,
    checks: JSON.parse(row.checks) as unknown[],
    diagnosis: json(row.diagnosis),
    diagnosis_skipped: row.diagnosis_skipped,
    key_id: row.key_id,
    forward_status: numOrNull(row.forward_status),
    forward_latency_ms: numOrNull(row.forward_latency_ms),
    forward_error: row.forward_error,
    request_id: row.request_id,
    kind: row.kind as AttemptRecord['kind'],
  }
  if (row.refusals_past_limit !== null && row.refusals_past_limit !== undefined) {
    record.refusals_past_limit = num(row.refusals_past_limit)
    record.limit_window_until = numOrNull(row.limit_window_until)
    record.refusals_past_limit_by_status = json(row.refusals_past_limit_by_status) as Record<
      string,
      number
    > | null
  }
  // A row of a release before 0006 carries its count as text in diagnosis_skipped: read as
  // the count it is (the stored text stays, for that release to read after a rollback).
  const legacy = legacyPastLimitCount(row.diagnosis_skipped)
  if (legacy) {
    record.diagnosis_skipped = null
    if (record.refusals_past_limit === undefined) Object.assign(record, legacy)
  }
  return record
}
