/**
 * risingEndpoints: which endpoints the Overview names as "refusals rose" — the refused share
 * of the last hour against the 23 hours before.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { newTrafficRefused, risingEndpoints, type StatsRow } from '../src/api/stats.js'

const NOW = Date.UTC(2026, 10, 28, 12, 0)
const SLOT = 5 * 60_000
const at = (minutesAgo: number) => Math.floor((NOW - minutesAgo * 60_000) / SLOT) * SLOT
const row = (
  endpoint: string,
  minutesAgo: number,
  outcome: 'accepted' | 'rejected',
  count: number,
): StatsRow => ({
  bucket: at(minutesAgo),
  endpoint,
  outcome,
  reason: outcome === 'accepted' ? null : 'signature_mismatch',
  count,
})
const stats = (rows: StatsRow[]) => ({ since: NOW - 86_400_000, bucket_ms: SLOT, rows })

describe('risingEndpoints', () => {
  it('names an endpoint whose refused share jumped in the last hour', () => {
    const r = risingEndpoints(
      stats([
        row('orders', 600, 'accepted', 95),
        row('orders', 600, 'rejected', 5), // 5 % before
        row('orders', 20, 'accepted', 6),
        row('orders', 20, 'rejected', 4), // 40 % now
      ]),
      NOW,
    )
    expect(r).toEqual([{ endpoint: 'orders', before: [100, 5], now: [10, 4] }])
  })

  it('does not name a steady refusal rate, a small rise, or fewer than 3 refusals', () => {
    const r = risingEndpoints(
      stats([
        // steady 30 %
        row('steady', 300, 'accepted', 70),
        row('steady', 300, 'rejected', 30),
        row('steady', 10, 'accepted', 7),
        row('steady', 10, 'rejected', 3),
        // 10 % → 15 %: under 10 points
        row('small', 300, 'accepted', 90),
        row('small', 300, 'rejected', 10),
        row('small', 10, 'accepted', 17),
        row('small', 10, 'rejected', 3),
        // 0 % → 100 % but only 2 refusals
        row('few', 300, 'accepted', 50),
        row('few', 10, 'rejected', 2),
      ]),
      NOW,
    )
    expect(r).toEqual([])
  })

  it('counts a slot that reaches into the last hour as the last hour; highest share first', () => {
    const r = risingEndpoints(
      stats([
        row('a', 62, 'accepted', 3), // the 5-minute slot from 65 to 60 minutes ago: before
        row('a', 58, 'rejected', 3), // inside the hour
        row('a', 58, 'accepted', 3),
        row('b', 600, 'accepted', 10),
        row('b', 30, 'rejected', 9),
        row('b', 30, 'accepted', 1),
      ]),
      NOW,
    )
    expect(r.map((e) => e.endpoint)).toEqual(['b', 'a'])
    expect(r.find((e) => e.endpoint === 'a')).toMatchObject({ before: [3, 0], now: [6, 3] })
  })

  it('an endpoint with no attempts before the last hour is new traffic, not a rise', () => {
    const s = stats([
      row('new', 30, 'rejected', 8),
      row('new', 30, 'accepted', 1),
      row('quiet', 30, 'accepted', 5), // new, but nothing refused
      row('old', 600, 'accepted', 10),
      row('old', 30, 'rejected', 8),
    ])
    expect(risingEndpoints(s, NOW).map((e) => e.endpoint)).toEqual(['old'])
    expect(newTrafficRefused(s, NOW)).toEqual([{ endpoint: 'new', before: [0, 0], now: [9, 8] }])
  })
})
