/** The attempts list: filters, older pages, and new attempts live via /api/events. @module */
import { useEffect, useState } from 'react'
import { type Attempt, senderGot, when, words } from '../api/attempt.js'
import { api } from '../api/client.js'
import { useReasons } from '../api/reasons.js'
import { ErrorLine } from '../components/Form.js'
import { Visible } from '../components/Visible.js'

/** A row shows this much of a path (the whole is its title and the attempt's page). */
const PATH_MAX = 80

const HOUR = 3_600_000
/** The time filter's choices: a window back from now, everything, or a from–to range. */
const RANGES: { value: string; label: string; ms?: number }[] = [
  { value: '1h', label: 'last hour', ms: HOUR },
  { value: '24h', label: 'last 24 hours', ms: 24 * HOUR },
  { value: '7d', label: 'last 7 days', ms: 7 * 24 * HOUR },
  { value: 'all', label: 'all time' },
  { value: 'custom', label: 'from – to' },
]

/** A datetime-local value (the browser's local time) as Unix ms, or undefined when empty. */
const localMs = (v: string) => (v ? new Date(v).getTime() : undefined)

/** The list's filters, as they stand in the address (`/attempts?outcome=rejected&…`). */
interface Filters {
  endpoint: string
  outcome: string
  reason: string
  /** One of RANGES' values; `all` is left out of the address. */
  time: string
  from: string
  to: string
}

/** The filters an address holds (the Overview's top reasons link to ?reason=…). */
function filtersOf(search: string): Filters {
  const q = new URLSearchParams(search)
  const time = q.get('time') ?? 'all'
  return {
    endpoint: q.get('endpoint') ?? '',
    outcome: q.get('outcome') ?? '',
    reason: q.get('reason') ?? '',
    time: RANGES.some((r) => r.value === time) ? time : 'all',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  }
}

/** The address for these filters: only what is set, in a stable order. */
function addressOf(f: Filters): string {
  const q = new URLSearchParams()
  if (f.outcome) q.set('outcome', f.outcome)
  if (f.endpoint) q.set('endpoint', f.endpoint)
  if (f.reason) q.set('reason', f.reason)
  if (f.time !== 'all') q.set('time', f.time)
  if (f.time === 'custom' && f.from) q.set('from', f.from)
  if (f.time === 'custom' && f.to) q.set('to', f.to)
  const s = q.toString()
  return s ? `/attempts?${s}` : '/attempts'
}

export function Attempts() {
  const [rows, setRows] = useState<Attempt[]>([])
  // The filters live in the address: a reload or a shared link keeps them, and back/forward
  // step through them.
  const [filters, setFilters] = useState<Filters>(() => filtersOf(location.search))
  const { endpoint, outcome, reason, time: range, from, to } = filters
  /** Changes filters and the address: a new history entry, or in place when `replace`. */
  const setFilter = (patch: Partial<Filters>, replace = false) => {
    const f = { ...filters, ...patch }
    setFilters(f)
    const address = addressOf(f)
    if (address === location.pathname + location.search) return
    if (replace) history.replaceState(null, '', address)
    else history.pushState(null, '', address)
  }
  // Typing in a field replaces the entry (one per edit, not one per keystroke).
  const setEndpoint = (v: string) => setFilter({ endpoint: v }, endpoint !== '' && v !== '')
  const setOutcome = (v: string) => setFilter({ outcome: v })
  const setReason = (v: string) => setFilter({ reason: v })
  const setRange = (v: string) => setFilter({ time: v })
  const setFrom = (v: string) => setFilter({ from: v }, true)
  const setTo = (v: string) => setFilter({ to: v }, true)
  useEffect(() => {
    // Back and forward: the address changed under the page; read the filters from it again.
    const onPop = () => {
      if (location.pathname === '/attempts') setFilters(filtersOf(location.search))
    }
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  const [error, setError] = useState('')
  const [live, setLive] = useState(false)
  const [next, setNext] = useState<string | null>(null)
  const { reasons, titles } = useReasons()
  const [endpointNames, setEndpointNames] = useState<string[]>([])
  useEffect(() => {
    api<{ endpoints: { name: string }[] }>('/api/endpoints')
      .then((r) => setEndpointNames(r.endpoints.map((e) => e.name)))
      .catch(() => setEndpointNames([]))
  }, [])

  /** The time bounds the filter means now: [since, until), Unix ms. */
  const bounds = (): { since?: number; until?: number } => {
    if (range === 'custom') return { since: localMs(from), until: localMs(to) }
    const ms = RANGES.find((r) => r.value === range)?.ms
    return ms ? { since: Date.now() - ms } : {}
  }
  const query = (before?: string) => {
    const q = new URLSearchParams({ limit: '100' })
    if (endpoint) q.set('endpoint', endpoint)
    if (outcome) q.set('outcome', outcome)
    if (reason) q.set('reason', reason)
    const { since, until } = bounds()
    if (since !== undefined && Number.isFinite(since)) q.set('since', String(Math.max(0, since)))
    if (until !== undefined && Number.isFinite(until)) q.set('until', String(Math.max(0, until)))
    if (before) q.set('before', before)
    return `/api/attempts?${q}`
  }
  async function older() {
    if (!next) return
    try {
      const r = await api<{ attempts: Attempt[]; next_before: string | null }>(query(next))
      setRows((old) => [...old, ...r.attempts.filter((a) => !old.some((o) => o.id === a.id))])
      setNext(r.next_before)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  useEffect(() => {
    // Filters that change quickly (back, forward): only the latest answer is shown.
    let stale = false
    api<{ attempts: Attempt[]; next_before: string | null }>(query())
      .then((r) => {
        if (stale) return
        setRows(r.attempts)
        setNext(r.next_before)
        setError('')
      })
      .catch((e: Error) => {
        if (!stale) setError(e.message)
      })
    return () => {
      stale = true
    }
  }, [endpoint, outcome, reason, range, from, to])

  useEffect(() => {
    setLive(false) // until this subscription (with these filters) is open
    const es = new EventSource('/api/events')
    es.onopen = () => setLive(true)
    es.onerror = () => setLive(false)
    es.addEventListener('attempt', (ev) => {
      const a = JSON.parse((ev as MessageEvent<string>).data) as Attempt
      if (endpoint && a.endpoint !== endpoint) return
      if (outcome && a.outcome !== outcome) return
      if (reason && a.reason !== reason) return
      const { until } = bounds()
      if (until !== undefined && a.received_at >= until) return
      setRows((old) => (old.some((o) => o.id === a.id) ? old : [a, ...old].slice(0, 500)))
    })
    return () => es.close()
  }, [endpoint, outcome, reason, range, from, to])

  return (
    <section>
      <h1>Attempts</h1>
      <p aria-live="polite">
        {live ? 'Live: new attempts appear at the top.' : 'Not connected to live updates.'}
      </p>
      <div className="row">
        <div>
          <label htmlFor="flt-endpoint">Endpoint</label>
          <input
            id="flt-endpoint"
            list="flt-endpoint-names"
            value={endpoint}
            onChange={(e) => setEndpoint(e.target.value)}
          />
          <datalist id="flt-endpoint-names">
            {endpointNames.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="flt-outcome">Outcome</label>
          <select id="flt-outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">any</option>
            <option value="accepted">accepted</option>
            <option value="rejected">rejected</option>
          </select>
        </div>
        <div>
          <label htmlFor="flt-reason">Reason</label>
          <select id="flt-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
            <option value="">any</option>
            {reasons.map((r) => (
              <option key={r.code} value={r.code}>
                {r.title} ({r.status})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="flt-time">Time</label>
          <select id="flt-time" value={range} onChange={(e) => setRange(e.target.value)}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        {range === 'custom' && (
          <>
            <div>
              <label htmlFor="flt-from">From</label>
              <input
                id="flt-from"
                type="datetime-local"
                value={from}
                onChange={(e) => setFrom(e.target.value)}
              />
            </div>
            <div>
              <label htmlFor="flt-to">To</label>
              <input
                id="flt-to"
                type="datetime-local"
                value={to}
                onChange={(e) => setTo(e.target.value)}
              />
            </div>
          </>
        )}
      </div>
      <ErrorLine message={error} />
      <ul className="attempts" data-testid="attempts">
        {rows.map((a) => (
          <li key={a.id}>
            <a href={`/attempts/${encodeURIComponent(a.id)}`}>
              <span>{when(a.received_at)}</span>{' '}
              <strong>{a.endpoint ?? <Visible text={a.path} max={PATH_MAX} />}</strong>{' '}
              {/* The inspector verifies nothing: its 200 is neither good nor bad news. */}
              <span
                className={
                  a.kind === 'inspect' ? undefined : a.outcome === 'accepted' ? 'ok' : 'bad'
                }
              >
                {senderGot(a)}
              </span>{' '}
              <Visible text={words(a, titles)} />
              {a.would_have_refused && (
                <>
                  {' '}
                  <span className="marker" data-testid="would-have-refused">
                    would have refused
                  </span>
                </>
              )}
            </a>
          </li>
        ))}
      </ul>
      {rows.length === 0 && !error && <p>No attempts match.</p>}
      {next && (
        <button type="button" onClick={older}>
          Older attempts
        </button>
      )}
    </section>
  )
}
