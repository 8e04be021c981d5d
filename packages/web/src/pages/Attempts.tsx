/**
 * The attempts list: filters, older pages, and new attempts live via /api/events (this
 * gateway's) and a check of the store every few seconds (every gateway's that shares it).
 * @module
 */
import { useEffect, useRef, useState } from 'react'
import { type Attempt, senderGot, when, words } from '../api/attempt.js'
import {
  type AttemptList,
  CHECK_MS,
  CHECK_OVERLAP_MS,
  checkCap,
  fetchSince,
  type ListPage,
  withChecked,
  withLive,
  withOlder,
} from '../api/attempt-list.js'
import { api, apiAt } from '../api/client.js'
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
  tenant: string
  environment: string
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
    tenant: q.get('tenant') ?? '',
    environment: q.get('environment') ?? '',
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
  if (f.tenant) q.set('tenant', f.tenant)
  if (f.environment) q.set('environment', f.environment)
  if (f.time !== 'all') q.set('time', f.time)
  if (f.time === 'custom' && f.from) q.set('from', f.from)
  if (f.time === 'custom' && f.to) q.set('to', f.to)
  const s = q.toString()
  return s ? `/attempts?${s}` : '/attempts'
}

/**
 * What the list shows as it goes: the live stream brings this gateway's attempts at once, the
 * store checks bring every gateway's (and this one's while the stream is down).
 */
function liveWords(live: boolean, checked: boolean | null): string {
  const head = live ? 'Live: new attempts appear at the top.' : 'Not connected to live updates.'
  const seconds = CHECK_MS / 1000
  if (checked === false)
    return `${head} Reading the store failed: attempts recorded by other gateways may be missing until it answers again.`
  return live
    ? `${head} This gateway's at once, other gateways' (read from the store they share) within ${seconds} seconds.`
    : `${head} New attempts still appear within ${seconds} seconds, read from the store.`
}

/** A filter's choices: each value once, in order, without the empty ones. */
const distinct = (values: (string | null)[]) => [
  ...new Set(values.filter((v): v is string => !!v)),
]

export function Attempts() {
  const [list, setList] = useState<AttemptList>({ rows: [], next: null })
  const { rows, next } = list
  // For the store checks, which run outside render.
  const listNow = useRef(list)
  listNow.current = list
  // The filters live in the address: a reload or a shared link keeps them, and back/forward
  // step through them.
  const [filters, setFilters] = useState<Filters>(() => filtersOf(location.search))
  const { endpoint, outcome, reason, tenant, environment, time: range, from, to } = filters
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
  const setTenant = (v: string) => setFilter({ tenant: v }, tenant !== '' && v !== '')
  const setEnvironment = (v: string) =>
    setFilter({ environment: v }, environment !== '' && v !== '')
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
  /** Did the last check of the store answer? (null: none yet for these filters) */
  const [checked, setChecked] = useState<boolean | null>(null)
  const { reasons, titles } = useReasons()
  type ConfiguredEndpoint = { name: string; tenant: string | null; environment: string | null }
  const [configured, setConfigured] = useState<ConfiguredEndpoint[]>([])
  useEffect(() => {
    api<{ endpoints: ConfiguredEndpoint[] }>('/api/endpoints')
      .then((r) => setConfigured(r.endpoints))
      .catch(() => setConfigured([]))
  }, [])
  const endpointNames = configured.map((e) => e.name)

  /** The time bounds the filter means now: [since, until), Unix ms. */
  const bounds = (): { since?: number; until?: number } => {
    if (range === 'custom') return { since: localMs(from), until: localMs(to) }
    const ms = RANGES.find((r) => r.value === range)?.ms
    return ms ? { since: Date.now() - ms } : {}
  }
  /** The filters as query parameters (no limit, no cursor). */
  const filterParams = () => {
    const q = new URLSearchParams()
    if (endpoint) q.set('endpoint', endpoint)
    if (outcome) q.set('outcome', outcome)
    if (reason) q.set('reason', reason)
    if (tenant) q.set('tenant', tenant)
    if (environment) q.set('environment', environment)
    const { since, until } = bounds()
    if (since !== undefined && Number.isFinite(since)) q.set('since', String(Math.max(0, since)))
    if (until !== undefined && Number.isFinite(until)) q.set('until', String(Math.max(0, until)))
    return q
  }
  const query = (before?: string) => {
    const q = filterParams()
    q.set('limit', '100')
    if (before) q.set('before', before)
    return `/api/attempts?${q}`
  }
  async function older() {
    if (!next) return
    const cursor = next
    try {
      const r = await api<ListPage>(query(cursor))
      setList((l) => withOlder(l, cursor, r))
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  useEffect(() => {
    // Filters that change quickly (back, forward): only the latest answer is shown.
    let stale = false
    /** The gateway's clock when the store last answered; each check starts a little before it. */
    let checkedAt = Number.NaN
    let firstPage = false
    let checking = false
    let lastCheck = 0
    setChecked(null)
    apiAt<ListPage>(query())
      .then(({ data: r, at }) => {
        if (stale) return
        setList({ rows: r.attempts, next: r.next_before })
        checkedAt = at
        firstPage = true
        setError('')
      })
      .catch((e: Error) => {
        if (!stale) setError(e.message)
      })

    // The live stream carries this gateway's attempts only: the store has every gateway's.
    const check = async () => {
      if (!firstPage || checking) return
      checking = true
      lastCheck = Date.now()
      try {
        const { since } = bounds()
        const again = Number.isFinite(checkedAt) ? checkedAt - CHECK_OVERLAP_MS : undefined
        const start =
          again === undefined ? since : since === undefined ? again : Math.max(since, again)
        const got = await fetchSince(filterParams(), start, checkCap(listNow.current))
        if (stale) return
        setList((l) => withChecked(l, got.rows, got.complete))
        if (Number.isFinite(got.at)) checkedAt = got.at
        setChecked(true)
      } catch {
        if (!stale) setChecked(false)
      } finally {
        checking = false
      }
    }
    const timer = setInterval(check, CHECK_MS)

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
      // A live attempt carries no tenant or environment: the store says whether it matches.
      if (tenant || environment) {
        if (Date.now() - lastCheck >= 1000) void check()
        return
      }
      setList((l) => withLive(l, a))
    })
    return () => {
      stale = true
      clearInterval(timer)
      es.close()
    }
  }, [endpoint, outcome, reason, tenant, environment, range, from, to])

  return (
    <section>
      <h1>Attempts</h1>
      <p aria-live="polite" data-testid="live-state">
        {liveWords(live, checked)}
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
        <SuggestedFilter
          id="flt-tenant"
          label="Tenant"
          value={tenant}
          onChange={setTenant}
          suggestions={distinct(configured.map((e) => e.tenant))}
        />
        <SuggestedFilter
          id="flt-environment"
          label="Environment"
          value={environment}
          onChange={setEnvironment}
          suggestions={distinct(configured.map((e) => e.environment))}
        />
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

/** A free-text filter that suggests the values the configured endpoints use. */
function SuggestedFilter(props: {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
  suggestions: string[]
}) {
  const { id, label, value, onChange, suggestions } = props
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        list={`${id}-names`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id={`${id}-names`}>
        {suggestions.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
    </div>
  )
}
