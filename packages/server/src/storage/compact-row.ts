/**
 * A compact row: a refusal from a source past its limit, recorded without its headers or body
 * and naming its window's full record (pipeline/handle-attempt.ts writes it). Retention by
 * count drops these first, so a flood of them cannot push the records of deliveries out.
 *
 * Told apart by columns every store already has, so no migration: the headers are `[]` (a
 * request as received always has some) and the checks are PAST_LIMIT_CHECK alone. Status 429
 * would miss the 413s, cut-off bodies and 503s that came past the limit, which are compact too.
 * @module
 */
import { checksJson } from './json-text.js'
import type { AttemptRecord } from './types.js'

/**
 * The one check of a compact row; its detail starts with `detailStart` and ends with
 * `fullRecordIs` and the id of its window's full record.
 */
export const PAST_LIMIT_CHECK = {
  name: 'rate_limit',
  ok: false,
  reason: 'rate_limited',
  detailStart: "past this source's limit of refused attempts",
  fullRecordIs: "the window's first refusal, recorded in full, is ",
} as const

/** The headers column of a compact row. */
export const COMPACT_HEADERS = '[]'

/**
 * A LIKE pattern for the checks column of a compact row: checksJson writes a check's fields in
 * a fixed order, so the text starts with the check up to its detail's first words. (Its `_`s
 * match any character, themselves included: the pattern is only wider by those.)
 */
export const COMPACT_CHECKS_LIKE = `${checksJson([
  {
    name: PAST_LIMIT_CHECK.name,
    ok: PAST_LIMIT_CHECK.ok,
    reason: PAST_LIMIT_CHECK.reason,
    detail: PAST_LIMIT_CHECK.detailStart,
  },
]).slice(0, -'"}]'.length)}%`

/** The same test on a record (the memory store). */
export function isCompactRow(r: Pick<AttemptRecord, 'headers' | 'checks'>): boolean {
  const only = (r.checks.length === 1 ? r.checks[0] : undefined) as
    | { name?: unknown; ok?: unknown; reason?: unknown; detail?: unknown }
    | undefined
  return (
    r.headers.length === 0 &&
    only?.name === PAST_LIMIT_CHECK.name &&
    only.ok === PAST_LIMIT_CHECK.ok &&
    only.reason === PAST_LIMIT_CHECK.reason &&
    typeof only.detail === 'string' &&
    only.detail.startsWith(PAST_LIMIT_CHECK.detailStart)
  )
}

/** The id of a compact row's full record (its window's first refusal), else null. */
export function fullRecordOf(r: Pick<AttemptRecord, 'headers' | 'checks'>): string | null {
  if (!isCompactRow(r)) return null
  const detail = (r.checks[0] as { detail: string }).detail
  const at = detail.lastIndexOf(PAST_LIMIT_CHECK.fullRecordIs)
  if (at < 0) return null
  const id = detail.slice(at + PAST_LIMIT_CHECK.fullRecordIs.length)
  return /^[0-9A-Z]{26}$/.test(id) ? id : null
}
