/**
 * Reads the count of refusals past a source's limit that the releases before migration
 * 0006_refusals_past_limit wrote as text into the full record's `diagnosis_skipped` (the only
 * free-text column their update could write), so that their rows show the count under its own
 * fields, as this build's rows do, and no longer as a reason the record was "not diagnosed".
 * The text, as over-limit.ts wrote it:
 *   `and 37 more refused 429 from this source until 2026-11-30T12:04:10.000Z: over its limit, …`
 *   `and 42 more refused (429 ×37, 413 ×5) from this source until …`
 * @module
 */

export interface PastLimitCount {
  refusals_past_limit: number
  limit_window_until: number
  refusals_past_limit_by_status: Record<string, number>
}

const LEGACY =
  /^and (\d+) more refused (?:(\d{3})|\(((?:\d{3} ×\d+, )*\d{3} ×\d+)\)) from this source until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z): over its limit, counted into this record/

/** The count a previous release wrote as `diagnosis_skipped`, or null when the text is not one. */
export function legacyPastLimitCount(text: string | null): PastLimitCount | null {
  // Cheap first: every other value of the column is a short word (`load`, `error`).
  if (text === null || !text.startsWith('and ')) return null
  const m = LEGACY.exec(text)
  if (!m) return null
  const count = Number(m[1])
  const until = Date.parse(m[4]!)
  if (!Number.isFinite(until)) return null
  const byStatus: Record<string, number> = {}
  if (m[2] !== undefined) byStatus[m[2]] = count
  else
    for (const part of m[3]!.split(', ')) {
      const [status, n] = part.split(' ×')
      byStatus[status!] = Number(n)
    }
  return {
    refusals_past_limit: count,
    limit_window_until: until,
    refusals_past_limit_by_status: byStatus,
  }
}
