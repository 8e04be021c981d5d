/** The attempt as the dashboard reads it from /api/attempts, and how it is put in words. @module */
import type { Check, Diagnosis } from './client.js'

export interface Attempt {
  id: string
  received_at: number
  endpoint: string | null
  kind?: 'endpoint' | 'health' | 'inspect'
  method: string
  path: string
  outcome: string
  status: number
  reason: string | null
  /** Report-only endpoint: the request failed its checks but was forwarded anyway. */
  would_have_refused?: boolean
  request_id?: string
  cause?: { summary: string; fix: string; code: string } | null
  headers?: [string, string][]
  checks?: Check[]
  diagnosis?: Diagnosis | null
  diagnosis_skipped?: string | null
  forward_status?: number | null
  forward_latency_ms?: number | null
  forward_error?: string | null
  body_size?: number
  has_body?: boolean
  body_base64?: string | null
  /** The window's full record past a source's limit: its later refusals, recorded as compact rows. */
  refusals_past_limit?: number | null
  /** Unix ms when that source's window ends. */
  limit_window_until?: number | null
  refusals_past_limit_by_status?: Record<string, number> | null
  /** A compact row: the id of its window's full record. */
  counted_into?: string | null
}

/**
 * The count on a window's full record, in words: "37 more from this source until 12:04:10
 * (429 ×35, 413 ×2), recorded as compact rows". null on any other record.
 */
export function refusalsPastLimitWords(a: Attempt): string | null {
  if (a.refusals_past_limit == null) return null
  // The most frequent first (an object's numeric keys come in ascending order).
  const statuses = Object.entries(a.refusals_past_limit_by_status ?? {}).sort(
    ([, x], [, y]) => y - x,
  )
  const by =
    statuses.length > 1 ? ` (${statuses.map(([status, n]) => `${status} ×${n}`).join(', ')})` : ''
  const answered = statuses.length === 1 ? `, each answered ${statuses[0]![0]}` : by
  const until = a.limit_window_until != null ? ` until ${when(a.limit_window_until)}` : ''
  const rows = a.refusals_past_limit === 1 ? 'a compact row' : 'compact rows'
  return `${a.refusals_past_limit} more from this source${until}${answered}, recorded as ${rows} (without their headers or body, not diagnosed)`
}

/** The stored body's bytes. */
export function bodyBytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
}

/** A stored body shown as text (lossy for binary; never interpreted as HTML). */
export function bodyText(b64: string): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bodyBytes(b64))
}

/**
 * The status the sender got: the upstream's answer relayed when the attempt was forwarded,
 * 502/504 when the upstream could not be reached, else the gateway's own answer.
 */
export function senderGot(a: Attempt): number {
  if (a.forward_status != null) return a.forward_status
  if (a.forward_error) return a.status >= 500 ? a.status : /time/i.test(a.forward_error) ? 504 : 502
  return a.status
}

/** Reason code → its title, from GET /api/reasons (the core table). */
export type ReasonWords = Readonly<Record<string, string>>

/** A reason code in words: the table's title, else the code with spaces. */
export const reasonWords = (code: string, titles: ReasonWords = {}) =>
  titles[code] ?? code.replaceAll('_', ' ')

/**
 * What went wrong, in words: the diagnosis's cause when the list has it, else the reason's
 * title (live rows carry the code only). The inspector checks nothing, so its attempts are
 * "inspected", never "verified".
 */
export const words = (a: Attempt, titles: ReasonWords = {}) =>
  a.cause?.summary ||
  (a.reason
    ? reasonWords(a.reason, titles)
    : a.kind === 'inspect'
      ? INSPECTED
      : a.outcome === 'accepted'
        ? 'verified'
        : '')
export const INSPECTED = 'inspected (nothing verified)'
export const when = (ms: number) => new Date(ms).toLocaleString()
