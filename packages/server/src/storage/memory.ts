/**
 * An in-memory AttemptStore for tests and for a gateway started without a database. Not
 * durable: a restart forgets everything. `fail` lets a test make the store "down".
 * @module
 */
import { isCompactRow } from './compact-row.js'
import { StoreUnavailableError } from './errors.js'
import type {
  AttemptQuery,
  AttemptRecord,
  AttemptStore,
  CredentialUse,
  CredentialUseQuery,
  CredentialUseRow,
  Outcome,
  StoreDescription,
} from './types.js'
import { ROTATED_OUT_REASONS } from './types.js'

const ROTATED_OUT: ReadonlySet<string> = new Set(ROTATED_OUT_REASONS)

export class MemoryAttemptStore implements AttemptStore {
  readonly #rows = new Map<string, AttemptRecord>()
  /** Logged-out sessions: session -> when it would have expired (unix ms). */
  readonly #revoked = new Map<string, number>()
  /** When set, every call throws it (a store that is down or full). */
  fail: Error | null = null
  closed = false

  /** Opens the store (again, after close(): a gateway restarted on the same store). */
  async migrate(): Promise<void> {
    this.closed = false
  }

  async insert(record: AttemptRecord): Promise<void> {
    if (this.fail) throw this.fail
    // As the SQL stores answer: a closed store and a duplicate id are refusals, not overwrites.
    if (this.closed) throw new StoreUnavailableError('attempts', 'down', 'the store is closed')
    if (this.#rows.has(record.id))
      throw new StoreUnavailableError(
        'attempts',
        'error',
        `attempt ${record.id} is already recorded`,
      )
    // A copy, so that a later change to the caller's object never alters the record.
    this.#rows.set(record.id, structuredClone(record))
  }

  async update(id: string, patch: Parameters<AttemptStore['update']>[1]): Promise<void> {
    if (this.fail) throw this.fail
    const row = this.#rows.get(id)
    if (row) Object.assign(row, structuredClone(patch))
  }

  async get(id: string): Promise<AttemptRecord | null> {
    if (this.fail) throw this.fail
    const row = this.#rows.get(id)
    return row ? structuredClone(row) : null
  }

  async list(query: AttemptQuery): Promise<AttemptRecord[]> {
    if (this.fail) throw this.fail
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000)
    const out: AttemptRecord[] = []
    // Ids sort by time, so the newest first is the reverse id order.
    const ids = [...this.#rows.keys()].sort().reverse()
    for (const id of ids) {
      const r = this.#rows.get(id)!
      if (query.before !== undefined && !(id < query.before)) continue
      if (query.endpoint !== undefined && r.endpoint !== query.endpoint) continue
      if (query.tenant !== undefined && r.tenant !== query.tenant) continue
      if (query.environment !== undefined && r.environment !== query.environment) continue
      if (query.outcome !== undefined && r.outcome !== query.outcome) continue
      if (query.reason !== undefined && r.reason !== query.reason) continue
      if (query.since !== undefined && r.received_at < query.since) continue
      if (query.until !== undefined && r.received_at >= query.until) continue
      out.push(structuredClone(r))
      if (out.length >= limit) break
    }
    return out
  }

  async stats(query: { since: number; bucketMs: number }) {
    const counts = new Map<
      string,
      {
        bucket: number
        endpoint: string | null
        outcome: Outcome
        reason: string | null
        count: number
      }
    >()
    for (const r of this.#rows.values()) {
      if (r.received_at < query.since) continue
      const bucket = Math.floor(r.received_at / query.bucketMs) * query.bucketMs
      const key = JSON.stringify([bucket, r.endpoint, r.outcome, r.reason])
      const row = counts.get(key) ?? {
        bucket,
        endpoint: r.endpoint,
        outcome: r.outcome,
        reason: r.reason,
        count: 0,
      }
      row.count++
      counts.set(key, row)
    }
    return [...counts.values()].sort((a, b) => a.bucket - b.bucket)
  }

  async credentialUse(query: CredentialUseQuery): Promise<CredentialUse> {
    if (this.fail) throw this.fail
    const totals = new Map<string, CredentialUseRow>()
    let scanned = 0
    let oldest: number | null = null
    for (const r of this.#rows.values()) {
      if (r.received_at < query.from) continue
      if (query.until !== undefined && r.received_at >= query.until) continue
      scanned++
      if (oldest === null || r.received_at < oldest) oldest = r.received_at
      const reason = r.outcome === 'accepted' ? null : r.reason
      if (r.endpoint === null) continue
      if (r.outcome !== 'accepted' && !(reason !== null && ROTATED_OUT.has(reason))) continue
      const slice = Math.floor(r.received_at / query.sliceMs) * query.sliceMs
      const key = JSON.stringify([slice, r.endpoint, r.key_id, r.outcome, reason])
      const row = totals.get(key) ?? {
        slice,
        endpoint: r.endpoint,
        key_id: r.key_id,
        outcome: r.outcome,
        reason,
        count: 0,
        last_at: r.received_at,
      }
      row.count++
      if (r.received_at > row.last_at) row.last_at = r.received_at
      totals.set(key, row)
    }
    return { rows: [...totals.values()], scanned, complete: true, oldest }
  }

  async revokeSession(session: string, expiresAt: number, now: number): Promise<void> {
    if (this.fail) throw this.fail
    if (this.closed) throw new StoreUnavailableError('attempts', 'down', 'the store is closed')
    for (const [s, expires] of this.#revoked) if (expires <= now) this.#revoked.delete(s)
    if (!this.#revoked.has(session)) this.#revoked.set(session, expiresAt)
  }

  async sessionRevoked(session: string, now: number): Promise<boolean> {
    if (this.fail) throw this.fail
    // Never "not logged out" from a store that cannot know, as the SQL stores answer.
    if (this.closed) throw new StoreUnavailableError('attempts', 'down', 'the store is closed')
    const expires = this.#revoked.get(session)
    return expires !== undefined && expires > now
  }

  async prune(policy: { days?: number; max_rows?: number }, now: number): Promise<number> {
    let removed = 0
    if (policy.days !== undefined) {
      const cutoff = now - policy.days * 86_400_000
      for (const [id, r] of this.#rows)
        if (r.received_at < cutoff && this.#rows.delete(id)) removed++
    }
    if (policy.max_rows !== undefined && this.#rows.size > policy.max_rows) {
      // As the SQL stores: compact rows of refusals past a limit first, then the oldest of the rest.
      const ids = [...this.#rows.keys()].sort()
      const compact = ids.filter((id) => isCompactRow(this.#rows.get(id)!))
      const rest = ids.filter((id) => !isCompactRow(this.#rows.get(id)!))
      for (const id of [...compact, ...rest].slice(0, this.#rows.size - policy.max_rows))
        if (this.#rows.delete(id)) removed++
    }
    return removed
  }

  async close(): Promise<void> {
    this.closed = true
  }

  describe(): StoreDescription {
    return {
      adapter: 'memory',
      location: 'memory',
      durability: 'none: a restart forgets every record',
    }
  }

  /** Every record (tests scan them for secrets). */
  all(): AttemptRecord[] {
    return [...this.#rows.values()].map((r) => structuredClone(r))
  }
}
