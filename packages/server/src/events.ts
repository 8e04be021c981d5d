/**
 * New-attempt notifications for `GET /api/events` (server-sent events): in-process only; each
 * gateway streams the attempts it saw itself.
 * @module
 */
import type { AttemptRecord } from './storage/types.js'

export type AttemptSummary = Pick<
  AttemptRecord,
  | 'id'
  | 'received_at'
  | 'endpoint'
  | 'kind'
  | 'method'
  | 'path'
  | 'outcome'
  | 'status'
  | 'reason'
  | 'would_have_refused'
  | 'request_id'
>

export function summarize(r: AttemptRecord): AttemptSummary {
  return {
    id: r.id,
    received_at: r.received_at,
    endpoint: r.endpoint,
    kind: r.kind,
    method: r.method,
    path: r.path,
    outcome: r.outcome,
    status: r.status,
    reason: r.reason,
    would_have_refused: r.would_have_refused,
    request_id: r.request_id,
  }
}

export class AttemptEvents {
  readonly #listeners = new Set<(s: AttemptSummary) => void>()

  subscribe(listener: (s: AttemptSummary) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  emit(record: AttemptRecord): void {
    if (this.#listeners.size === 0) return
    const summary = summarize(record)
    for (const l of this.#listeners) l(summary)
  }

  get size(): number {
    return this.#listeners.size
  }
}
