/** GET /api/stats rows, and what the Overview reads from them. @module */

export interface StatsRow {
  bucket: number
  endpoint: string | null
  outcome: 'accepted' | 'rejected'
  reason: string | null
  count: number
}
export interface Stats {
  since: number
  bucket_ms: number
  rows: StatsRow[]
}

/** "Rose": the refused share of the last hour is this much above the hours before… */
export const RISE_POINTS = 0.1
/** …with at least this many refusals in the last hour (a single 401 is not a trend). */
export const RISE_MIN_REFUSED = 3

export interface Rise {
  endpoint: string
  /** [attempts, refused] before the last hour, and in it. */
  before: [number, number]
  now: [number, number]
}

export const refusedShare = ([n, refused]: [number, number]) => (n === 0 ? 0 : refused / n)

/**
 * Each endpoint's [attempts, refused] in the hour before `now` and before it, for those whose
 * last hour meets the bar: RISE_MIN_REFUSED refusals and a refused share RISE_POINTS above
 * the hours before (counted as 0 % when there were none). Highest share first.
 */
function refusalChanges(stats: Stats, now: number): Rise[] {
  const cut = now - 3_600_000
  const acc = new Map<string, Rise>()
  for (const r of stats.rows) {
    const endpoint = r.endpoint ?? '(none)'
    const e = acc.get(endpoint) ?? { endpoint, before: [0, 0], now: [0, 0] }
    // A slot that reaches into the last hour counts as the last hour.
    const part = r.bucket + stats.bucket_ms > cut ? e.now : e.before
    part[0] += r.count
    if (r.outcome !== 'accepted') part[1] += r.count
    acc.set(endpoint, e)
  }
  return [...acc.values()]
    .filter(
      (e) =>
        e.now[1] >= RISE_MIN_REFUSED && refusedShare(e.now) - refusedShare(e.before) >= RISE_POINTS,
    )
    .sort((x, y) => refusedShare(y.now) - refusedShare(x.now))
}

/**
 * Endpoints whose refused share in the hour before `now` rose above the hours before. An
 * endpoint with no attempts before the last hour has no share to rise from: it is not here
 * but in newTrafficRefused.
 */
export function risingEndpoints(stats: Stats, now: number): Rise[] {
  return refusalChanges(stats, now).filter((e) => e.before[0] > 0)
}

/** Endpoints seen only in the last hour (no attempts before it) whose attempts were refused. */
export function newTrafficRefused(stats: Stats, now: number): Rise[] {
  return refusalChanges(stats, now).filter((e) => e.before[0] === 0)
}
