/** The attempts list: filters, older pages, and new attempts live via /api/events. @module */
import { useEffect, useState } from 'react'
import { type Attempt, when, words } from '../api/attempt.js'
import { api } from '../api/client.js'

export function Attempts() {
  const [rows, setRows] = useState<Attempt[]>([])
  const [endpoint, setEndpoint] = useState('')
  const [outcome, setOutcome] = useState('')
  const [reason, setReason] = useState('')
  const [error, setError] = useState('')
  const [live, setLive] = useState(false)
  const [next, setNext] = useState<string | null>(null)

  const query = (before?: string) => {
    const q = new URLSearchParams({ limit: '100' })
    if (endpoint) q.set('endpoint', endpoint)
    if (outcome) q.set('outcome', outcome)
    if (reason) q.set('reason', reason)
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
    api<{ attempts: Attempt[]; next_before: string | null }>(query())
      .then((r) => {
        setRows(r.attempts)
        setNext(r.next_before)
        setError('')
      })
      .catch((e: Error) => setError(e.message))
  }, [endpoint, outcome, reason])

  useEffect(() => {
    const es = new EventSource('/api/events')
    es.onopen = () => setLive(true)
    es.onerror = () => setLive(false)
    es.addEventListener('attempt', (ev) => {
      const a = JSON.parse((ev as MessageEvent<string>).data) as Attempt
      if (endpoint && a.endpoint !== endpoint) return
      if (outcome && a.outcome !== outcome) return
      if (reason && a.reason !== reason) return
      setRows((old) => (old.some((o) => o.id === a.id) ? old : [a, ...old].slice(0, 500)))
    })
    return () => es.close()
  }, [endpoint, outcome, reason])

  return (
    <section>
      <h1>Attempts</h1>
      <p aria-live="polite">{live ? 'Live: new attempts appear at the top.' : 'Not connected to live updates.'}</p>
      <div className="row">
        <div>
          <label htmlFor="flt-endpoint">Endpoint</label>
          <input id="flt-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} />
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
          <label htmlFor="flt-reason">Reason code</label>
          <input id="flt-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="attempts" data-testid="attempts">
        {rows.map((a) => (
          <li key={a.id}>
            <a href={`/attempts/${encodeURIComponent(a.id)}`}>
              <span>{when(a.received_at)}</span> <strong>{a.endpoint ?? a.path}</strong>{' '}
              <span className={a.outcome === 'accepted' ? 'ok' : 'bad'}>{a.status}</span> <span>{words(a)}</span>
            </a>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={older}>
          Older attempts
        </button>
      )}
    </section>
  )
}

