/**
 * The attempt store: one interface, two adapters (SQLite by default, PostgreSQL when
 * HOOKWARDEN_DATABASE_URL is set), one Kysely query path.
 * @module
 */
import type { GatewayInstance } from './instances.js'

export type Outcome = 'accepted' | 'rejected'

/**
 * Refusal reasons that say a sender still uses a credential a rotation took out: a retired
 * one, or one past its `not_after` (signature schemes name a retired secret apart).
 */
export const ROTATED_OUT_REASONS = ['credential_revoked', 'signature_previous_secret'] as const

/** One attempt as recorded. Secrets never appear: headers are redacted before they get here. */
export interface AttemptRecord {
  /** Attempt id (ULID-like, sortable by time). */
  id: string
  /** Unix milliseconds when the attempt was received. */
  received_at: number
  endpoint: string | null
  tenant: string | null
  environment: string | null
  method: string
  path: string
  /** Redacted headers, in order: credentials replaced by fingerprints. */
  headers: [string, string][]
  body_size: number
  /** Hex SHA-256 of the raw body; '' when the body was not read (413). */
  body_sha256: string
  /** The raw body, only when the endpoint says store_body: true (never for /health/auth). */
  body: Uint8Array | null
  outcome: Outcome
  /** The HTTP status answered. */
  status: number
  /** The first failed check's reason (null when accepted). */
  reason: string | null
  /** true when the endpoint is report-only and a refusal was forwarded anyway. */
  would_have_refused: boolean
  /** Verdict checks (JSON). */
  checks: unknown[]
  /** Diagnosis (JSON) once computed; null until then or when shed ("not diagnosed: load"). */
  diagnosis: unknown | null
  /** Why there is no diagnosis, e.g. `load`. */
  diagnosis_skipped: string | null
  key_id: string | null
  forward_status: number | null
  forward_latency_ms: number | null
  forward_error: string | null
  request_id: string
  /** `endpoint`, `health`, `inspect`. */
  kind: 'endpoint' | 'health' | 'inspect'
  /**
   * On the full record of a source's window past its limit: how many later refusals of that
   * window were recorded as compact rows (compact-row.ts) and counted here. Written by
   * update() only (every 10 s while the window lasts, at its end, at a graceful stop), so
   * absent or null on every other record: insert() does not write it.
   */
  refusals_past_limit?: number | null
  /** With `refusals_past_limit`: unix ms when the source's window ends. */
  limit_window_until?: number | null
  /** With `refusals_past_limit`: that count by the status answered, e.g. `{"429": 37, "413": 2}`. */
  refusals_past_limit_by_status?: Record<string, number> | null
}

export interface AttemptQuery {
  endpoint?: string
  /** The endpoint's tenant and environment when the attempt was recorded. */
  tenant?: string
  environment?: string
  outcome?: Outcome
  reason?: string
  /** Unix ms bounds. */
  since?: number
  until?: number
  /** Default 50, at most 1000. */
  limit?: number
  /** Return attempts older than this id (paging). */
  before?: string
}

/** What credentialUse() reads: the attempts received in [from, until), counted per slice. */
export interface CredentialUseQuery {
  /** Unix ms: the first attempt counted was received at or after this. */
  from: number
  /** Unix ms: received before this (default: no bound). */
  until?: number
  /** Counts are per slice of this many ms (slice start = received_at rounded down). */
  sliceMs: number
}

/** Attempts of one slice and endpoint that share a matched credential, outcome and reason. */
export interface CredentialUseRow {
  /** Unix ms: start of the slice. */
  slice: number
  endpoint: string
  /** The credential the attempt matched (its config id); null when it has none. */
  key_id: string | null
  outcome: Outcome
  /** A refusal's reason: always one of ROTATED_OUT_REASONS (other refusals are not counted). */
  reason: string | null
  count: number
  /** When the newest of them was received (Unix ms). */
  last_at: number
}

/** What credentialUse() found, and how much of the range it read. */
export interface CredentialUse {
  rows: CredentialUseRow[]
  /** Attempts read (every kind and outcome in the range, newest first). */
  scanned: number
  /**
   * false when the range held more attempts than one call reads (CREDENTIAL_USE_MAX_ROWS): the
   * rows then cover the newest `scanned` attempts, from `oldest` on (its slice only in part).
   */
  complete: boolean
  /** received_at of the oldest attempt read; null when none was. */
  oldest: number | null
}

export interface AttemptStore {
  /** Creates tables / runs migrations. */
  migrate(): Promise<void>
  /**
   * Durably records an attempt. Resolves only once the record is committed (group commit
   * allowed: many inserts share one transaction/fsync). The gateway answers after this.
   */
  insert(record: AttemptRecord): Promise<void>
  /** Fills in the diagnosis or forward result computed after the answer. */
  update(
    id: string,
    patch: Partial<
      Pick<
        AttemptRecord,
        | 'diagnosis'
        | 'diagnosis_skipped'
        | 'status'
        | 'forward_status'
        | 'forward_latency_ms'
        | 'forward_error'
        | 'refusals_past_limit'
        | 'limit_window_until'
        | 'refusals_past_limit_by_status'
      >
    >,
  ): Promise<void>
  get(id: string): Promise<AttemptRecord | null>
  list(query: AttemptQuery): Promise<AttemptRecord[]>
  /** Counts per time bucket / endpoint / reason, for the overview chart. */
  stats(query: { since: number; bucketMs: number }): Promise<
    {
      bucket: number
      endpoint: string | null
      outcome: Outcome
      reason: string | null
      count: number
    }[]
  >
  /**
   * Per time slice, endpoint and matched credential: accepted attempts, and refusals that used
   * a rotated-out credential (the rotations view). Reads the range newest first in bounded
   * chunks, yielding between them, and at most CREDENTIAL_USE_MAX_ROWS attempts.
   */
  credentialUse(query: CredentialUseQuery): Promise<CredentialUse>
  /**
   * Records that the dashboard session `session` was logged out, until `expiresAt` (unix ms,
   * when it would have expired anyway); rows already expired at `now` are pruned. Resolves once
   * committed, so every gateway sharing the store refuses the session from then on.
   */
  revokeSession(session: string, expiresAt: number, now: number): Promise<void>
  /** true when `session` was logged out and would not have expired by `now`. */
  sessionRevoked(session: string, now: number): Promise<boolean>
  /** Deletes by age and by count; returns how many rows were removed. */
  prune(policy: { days?: number; max_rows?: number }, now: number): Promise<number>
  /** Flushes pending writes and closes. */
  close(): Promise<void>
  /** Which adapter, where, and how durable (the startup log names it). Optional. */
  describe?(): StoreDescription
  /**
   * Why the store refuses to record attempts now (GET /readyz answers 503 with it), or null.
   * Asked per /readyz request, never on an attempt's path. Optional (SQLite only, for now).
   */
  refusingWrites?(): WriteRefusal | null
  /** Set by the gateway: where the store says what no caller asked (its file replaced…). */
  onNotice?: ((level: 'info' | 'warn' | 'error', message: string) => void) | undefined
  /**
   * Set by migrate(): the migrations a newer hookwarden ran on this store that this build does
   * not know (tolerated: migrations are additive), and how many this build knows.
   */
  readonly migrations?: { newer: readonly string[]; known: number } | undefined
  /**
   * Enters this gateway in the store's instance registry, kept fresh until close() removes it;
   * resolves to the other gateways registered (instances.ts: which of them are live).
   */
  registerInstance?(self: Omit<GatewayInstance, 'seen_at'>): Promise<GatewayInstance[]>
  /**
   * The installation's fingerprint key when the store keeps one (PostgreSQL): `candidate`
   * unless another was stored first. null when the key lives in the data directory (SQLite).
   */
  sharedFingerprintKey?(candidate: Uint8Array): Promise<Uint8Array | null>
}

/** The store refuses writes: what /readyz says (no path, no URL: the route is open). */
export interface WriteRefusal {
  /** `full`: no space left for the store. */
  failure: 'full'
  /** One line: what is wrong and that the log says what to do. */
  reason: string
  /** Unix ms of the first refused write. */
  since: number
}

/** What a store says about itself at start, e.g. `sqlite ./data/attempts.db (WAL, FULL)`. */
export interface StoreDescription {
  adapter: 'sqlite' | 'postgres' | 'memory'
  /** File path, or the database URL with any password removed. */
  location: string
  /** How a commit is made durable before insert() resolves. */
  durability: string
}
