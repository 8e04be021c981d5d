/**
 * Overview: attempts and refusals over time (a stacked bar chart, split by outcome, endpoint or
 * reason), the top reasons of the last 24 h, and the endpoints whose refusal rate rose. From
 * GET /api/stats; the chart is plain SVG (no chart library in the bundle), and the same
 * numbers are in a table for screen readers and for copying.
 * @module
 */
import { useEffect, useRef, useState } from 'react'
import { reasonWords } from '../api/attempt.js'
import { api } from '../api/client.js'
import { useReasons } from '../api/reasons.js'
import {
  type RotationEndpoint,
  type Rotations,
  rotatingEndpoints,
  rotationsToShow,
  validityWords,
} from '../api/rotations.js'
import {
  newTrafficRefused,
  RISE_MIN_REFUSED,
  RISE_POINTS,
  refusedShare,
  risingEndpoints,
  type Stats,
  type StatsRow,
} from '../api/stats.js'
import { ErrorLine, NameOptions } from '../components/Form.js'

const HOUR = 3_600_000
const WINDOWS = {
  '1h': { span: HOUR, bucket: 5 * 60_000, label: 'last hour (5-minute bars)' },
  '24h': { span: 24 * HOUR, bucket: HOUR, label: 'last 24 hours (hourly bars)' },
  '7d': { span: 7 * 24 * HOUR, bucket: 6 * HOUR, label: 'last 7 days (6-hour bars)' },
} as const
type WindowName = keyof typeof WINDOWS
type Split = 'outcome' | 'endpoint' | 'reason'

// Each at least 4.5:1 on white (text in the legend) and 3:1 as a bar (WCAG 1.4.11).
const PALETTE = [
  '#0b4fb3',
  '#9b0000',
  '#05631f',
  '#7a4100',
  '#5b2a86',
  '#00616b',
  '#a3005c',
  '#444',
]
const ACCEPTED = '#05631f'
const REFUSED = '#9b0000'

/** The 24 h view behind the top reasons and the rise, in 5-minute slots: "the last hour" is one. */
const DAY_BUCKET = 5 * 60_000

async function fetchStats(span: number, bucket: number): Promise<Stats> {
  const since = Math.floor((Date.now() - span) / bucket) * bucket
  return api<Stats>(`/api/stats?since=${since}&bucket=${bucket}`)
}

export function Overview() {
  const [windowName, setWindowName] = useState<WindowName>('24h')
  const [split, setSplit] = useState<Split>('outcome')
  const [endpoint, setEndpoint] = useState('')
  const [stats, setStats] = useState<Stats | null>(null)
  const [day, setDay] = useState<Stats | null>(null)
  const [error, setError] = useState('')
  const [rotations, setRotations] = useState<Rotations | null>(null)
  const [rotationsError, setRotationsError] = useState('')
  const [tick, setTick] = useState(0)
  const { titles } = useReasons()
  const win = WINDOWS[windowName]

  useEffect(() => {
    let live = true
    Promise.all([fetchStats(win.span, win.bucket), fetchStats(24 * HOUR, DAY_BUCKET)])
      .then(([s, d]) => {
        if (!live) return
        setStats(s)
        setDay(d)
        setError('')
      })
      .catch((e: Error) => live && setError(e.message))
    return () => {
      live = false
    }
  }, [windowName, tick])
  // Apart from the chart: its own failure says so in its panel, the chart stays.
  useEffect(() => {
    let live = true
    api<Rotations>('/api/rotations')
      .then((r) => {
        if (!live) return
        setRotations(r)
        setRotationsError('')
      })
      .catch((e: Error) => live && setRotationsError(e.message))
    return () => {
      live = false
    }
  }, [tick])
  // New attempts keep arriving: refresh every 30 s while the page is open.
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 30_000)
    return () => clearInterval(t)
  }, [])

  const endpoints = [
    ...new Set((day?.rows ?? []).concat(stats?.rows ?? []).map((r) => r.endpoint ?? '(none)')),
  ].sort()
  const rows = (stats?.rows ?? []).filter((r) => !endpoint || (r.endpoint ?? '(none)') === endpoint)
  const seriesOf = (r: StatsRow) =>
    split === 'outcome'
      ? r.outcome === 'accepted'
        ? 'accepted'
        : 'refused'
      : split === 'endpoint'
        ? (r.endpoint ?? '(none)')
        : r.outcome === 'accepted'
          ? 'accepted'
          : (r.reason ?? 'refused')
  const seriesName = (key: string) =>
    split === 'reason' && key !== 'accepted' && key !== 'refused' ? reasonWords(key, titles) : key

  // Buckets from the window's start to now, empty ones included.
  const buckets: number[] = []
  if (stats) for (let t = stats.since; t <= Date.now(); t += stats.bucket_ms) buckets.push(t)
  const totals = new Map<string, number>()
  const cell = new Map<string, number>() // `${bucket}|${series}` → count
  for (const r of rows) {
    const key = seriesOf(r)
    totals.set(key, (totals.get(key) ?? 0) + r.count)
    cell.set(`${r.bucket}|${key}`, (cell.get(`${r.bucket}|${key}`) ?? 0) + r.count)
  }
  const series = [...totals.keys()].sort((x, y) => (totals.get(y) ?? 0) - (totals.get(x) ?? 0))
  const colour = (key: string, i: number) =>
    split !== 'endpoint' && key === 'accepted'
      ? ACCEPTED
      : split === 'outcome' && key === 'refused'
        ? REFUSED
        : PALETTE[i % PALETTE.length]!
  const total = rows.reduce((n, r) => n + r.count, 0)
  const refused = rows.filter((r) => r.outcome !== 'accepted').reduce((n, r) => n + r.count, 0)

  return (
    <section>
      <h1>Overview</h1>
      <ErrorLine message={error} />
      <div className="row">
        <div>
          <label htmlFor="ov-window">Time</label>
          <select
            id="ov-window"
            value={windowName}
            onChange={(e) => setWindowName(e.target.value as WindowName)}
          >
            {Object.entries(WINDOWS).map(([k, w]) => (
              <option key={k} value={k}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="ov-split">Split by</label>
          <select id="ov-split" value={split} onChange={(e) => setSplit(e.target.value as Split)}>
            <option value="outcome">accepted / refused</option>
            <option value="endpoint">endpoint</option>
            <option value="reason">reason</option>
          </select>
        </div>
        <div>
          <label htmlFor="ov-endpoint">Endpoint</label>
          <select id="ov-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)}>
            <option value="">all</option>
            <NameOptions names={endpoints} />
          </select>
        </div>
      </div>
      <p data-testid="overview-summary">
        {total} attempts in the {win.label.replace(/ \(.*\)$/, '')}, {refused} refused
        {total > 0 ? ` (${Math.round((100 * refused) / total)} %)` : ''}.
      </p>
      {stats && (
        <BarChart
          buckets={buckets}
          bucketMs={stats.bucket_ms}
          series={series}
          value={(b, s) => cell.get(`${b}|${s}`) ?? 0}
          colour={colour}
          name={seriesName}
        />
      )}
      {stats && (
        <details>
          <summary>The numbers as a table</summary>
          <table className="stats-table" data-testid="stats-table">
            <thead>
              <tr>
                <th scope="col">From</th>
                {series.map((s) => (
                  <th scope="col" key={s}>
                    {seriesName(s)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets
                .filter((b) => series.some((s) => cell.has(`${b}|${s}`)))
                .map((b) => (
                  <tr key={b}>
                    <th scope="row">{new Date(b).toLocaleString()}</th>
                    {series.map((s) => (
                      <td key={s}>{cell.get(`${b}|${s}`) ?? 0}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </details>
      )}
      <RotationsPanel rotations={rotations} error={rotationsError} />
      {day && <TopReasons day={day} titles={titles} />}
      {day && <Rising day={day} />}
    </section>
  )
}

function BarChart(props: {
  buckets: number[]
  bucketMs: number
  series: string[]
  value: (bucket: number, series: string) => number
  colour: (series: string, i: number) => string
  name: (series: string) => string
}) {
  const { buckets, series, value, colour, name } = props
  // On a narrow screen the box scrolls: start at the newest slots, on the right.
  const scroller = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = scroller.current
    if (el) el.scrollLeft = el.scrollWidth
  }, [buckets.length])
  const W = 800
  const H = 220
  const left = 40
  const bottom = 24
  const plotH = H - bottom - 8
  const stackOf = (b: number) => series.reduce((n, s) => n + value(b, s), 0)
  const max = Math.max(1, ...buckets.map(stackOf))
  const slot = (W - left) / Math.max(1, buckets.length)
  const bar = Math.max(1, slot * 0.8)
  const y = (v: number) => 8 + plotH - (v / max) * plotH
  const time = (t: number) =>
    props.bucketMs >= 24 * HOUR || buckets.length * props.bucketMs > 24 * HOUR
      ? new Date(t).toLocaleDateString(undefined, {
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
        })
      : new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  const labels = [0, Math.floor(buckets.length / 2), buckets.length - 1].filter(
    (i, k, all) => i >= 0 && all.indexOf(i) === k,
  )
  return (
    <figure className="chart">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard */}
      <div
        ref={scroller}
        className="chart-scroll"
        tabIndex={0}
        role="region"
        aria-label="Chart (scrolls sideways on narrow screens)"
      >
        <svg
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-labelledby="chart-title chart-desc"
          data-testid="overview-chart"
          preserveAspectRatio="none"
        >
          <title id="chart-title">Attempts over time</title>
          <desc id="chart-desc">
            Stacked bars per time slot: {series.map((s) => name(s)).join(', ') || 'no attempts'}.
            The table below the chart has the same numbers.
          </desc>
          <line x1={left} x2={W} y1={y(0)} y2={y(0)} stroke="#555" />
          {[0, max / 2, max].map((v) => (
            <text key={v} x={left - 6} y={y(v) + 4} textAnchor="end" fontSize="12" fill="#333">
              {Math.round(v)}
            </text>
          ))}
          {buckets.map((b, i) => {
            let base = 0
            return (
              <g key={b}>
                {series.map((s, k) => {
                  const v = value(b, s)
                  if (v === 0) return null
                  const top = y(base + v)
                  const h = y(base) - top
                  base += v
                  return (
                    <rect
                      key={s}
                      data-series={s}
                      data-count={v}
                      x={left + i * slot + (slot - bar) / 2}
                      y={top}
                      width={bar}
                      height={Math.max(h, 1)}
                      fill={colour(s, k)}
                    >
                      <title>{`${name(s)}: ${v} (${new Date(b).toLocaleString()})`}</title>
                    </rect>
                  )
                })}
              </g>
            )
          })}
          {labels.map((i) => (
            <text
              key={i}
              x={left + i * slot + slot / 2}
              y={H - 6}
              textAnchor={i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle'}
              fontSize="12"
              fill="#333"
            >
              {time(buckets[i]!)}
            </text>
          ))}
        </svg>
      </div>
      <figcaption>
        <ul className="legend">
          {series.map((s, k) => (
            <li key={s}>
              <span className="swatch" style={{ background: colour(s, k) }} aria-hidden="true" />
              {name(s)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  )
}

function TopReasons({ day, titles }: { day: Stats; titles: Record<string, string> }) {
  const byReason = new Map<string, number>()
  let refused = 0
  for (const r of day.rows) {
    if (r.outcome === 'accepted' || !r.reason) continue
    byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + r.count)
    refused += r.count
  }
  const top = [...byReason].sort((x, y) => y[1] - x[1]).slice(0, 10)
  return (
    <>
      <h2>Top reasons, last 24 hours</h2>
      {top.length === 0 ? (
        <p>No refusals in the last 24 hours.</p>
      ) : (
        <ol className="top-reasons" data-testid="top-reasons">
          {top.map(([code, n]) => (
            <li key={code}>
              <a href={`/attempts?reason=${encodeURIComponent(code)}`}>
                {reasonWords(code, titles)}
              </a>{' '}
              — {n} ({Math.round((100 * n) / refused)} % of refusals)
            </li>
          ))}
        </ol>
      )}
    </>
  )
}

/**
 * Endpoints whose refusal share in the last hour is well above the 23 hours before; and, apart,
 * endpoints with no attempts in those 23 hours whose new traffic is refused (no share to rise
 * from: "0 % before" would read as a change).
 */
function Rising({ day }: { day: Stats }) {
  const now = Date.now()
  const rising = risingEndpoints(day, now)
  const fresh = newTrafficRefused(day, now)
  const pct = (x: number) => `${Math.round(100 * x)} %`
  return (
    <>
      <h2>Endpoints whose refusals rose</h2>
      <p className="help">
        Refused share of the last hour at least {RISE_POINTS * 100} points above the 23 hours
        before, with {RISE_MIN_REFUSED} refusals or more. An endpoint with no attempts in those 23
        hours is listed apart, as new traffic.
      </p>
      {rising.length === 0 ? (
        <p data-testid="rising-none">None.</p>
      ) : (
        <ul data-testid="rising">
          {rising.map((e) => (
            <li key={e.endpoint}>
              <strong>{e.endpoint}</strong>: {pct(refusedShare(e.before))} refused before →{' '}
              {pct(refusedShare(e.now))} in the last hour ({e.now[1]} of {e.now[0]})
            </li>
          ))}
        </ul>
      )}
      {fresh.length > 0 && (
        <>
          <h3>New traffic, refused</h3>
          <ul data-testid="new-traffic">
            {fresh.map((e) => (
              <li key={e.endpoint}>
                <strong>{e.endpoint}</strong>: new traffic, no attempts in the 23 hours before;{' '}
                {pct(refusedShare(e.now))} refused in the last hour ({e.now[1]} of {e.now[0]})
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  )
}

const LEVEL_WORDS = { error: 'act now', warn: 'warning', info: 'note' } as const

/**
 * Rotation readiness (GET /api/rotations): the warnings to act on before an overlap ends, and a
 * table per endpoint with more than one credential. Nothing at all when there is nothing to say.
 */
function RotationsPanel({ rotations, error }: { rotations: Rotations | null; error: string }) {
  if (error)
    return (
      <section data-testid="rotations">
        <h2>Rotations</h2>
        <ErrorLine message={error} />
      </section>
    )
  if (!rotations || !rotationsToShow(rotations)) return null
  const when = (ms: number) =>
    new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <section data-testid="rotations">
      <h2>Rotations</h2>
      {rotations.warnings.length > 0 && (
        <ul className="rotation-warnings" data-testid="rotation-warnings">
          {rotations.warnings.map((w) => (
            <li key={`${w.code} ${w.endpoint} ${w.credential}`} data-level={w.level}>
              <span className="marker">{LEVEL_WORDS[w.level]}</span> {w.message}
            </li>
          ))}
        </ul>
      )}
      {rotatingEndpoints(rotations).map((e) => (
        <RotationTable key={e.name} endpoint={e} when={when} />
      ))}
      <p className="help">
        Accepted attempts per credential since {when(rotations.day_since)} (24 h) and since{' '}
        {when(rotations.counted_since)} (7 d), counted at {when(rotations.read_at)}; the counts
        are read again at most every 30 seconds.
      </p>
    </section>
  )
}

function RotationTable({
  endpoint: e,
  when,
}: {
  endpoint: RotationEndpoint
  when: (ms: number) => string
}) {
  const unknown = (
    <abbr title="hookwarden cannot tell: several credentials have no id in the config">?</abbr>
  )
  const count = (n: number | null) => (n === null ? unknown : n)
  return (
    <>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard */}
      <div
        className="table-scroll"
        tabIndex={0}
        role="region"
        aria-label={`Credentials of ${e.name} (scrolls sideways on narrow screens)`}
      >
        <table className="stats-table" data-testid={`rotation-table-${e.name}`}>
          <caption>
            {e.name} <span className="help">({e.scheme})</span>
          </caption>
          <thead>
            <tr>
              <th scope="col">Credential</th>
              <th scope="col">Valid</th>
              <th scope="col">Accepted, 24 h</th>
              <th scope="col">Accepted, 7 d</th>
              <th scope="col">Last matched</th>
              <th scope="col">Sent retired or expired, 24 h</th>
            </tr>
          </thead>
          <tbody>
            {e.credentials.map((c) => (
              <tr key={c.label}>
                <th scope="row">
                  {c.label} <span className="fingerprint">{c.fingerprint}</span>
                </th>
                <td>{validityWords(c)}</td>
                <td>{count(c.accepted_24h)}</td>
                <td>{count(c.accepted_7d)}</td>
                <td>{c.last_matched_at === null ? '—' : when(c.last_matched_at)}</td>
                <td>{c.retired || c.expired ? count(c.refused_24h) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(e.revoked_refusals_24h > 0 || e.accepted_unattributed_24h > 0) && (
        <p className="help">
          {e.revoked_refusals_24h > 0 &&
            `${e.revoked_refusals_24h} refused in the last 24 h for a retired or expired credential. `}
          {e.accepted_unattributed_24h > 0 &&
            `${e.accepted_unattributed_24h} of ${e.accepted_24h} accepted in the last 24 h matched a credential hookwarden cannot name (no id, or one no longer in the config).`}
        </p>
      )}
    </>
  )
}
