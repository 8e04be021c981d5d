/** Login, the attempts list (filters, live via /api/events) and one attempt's trace. @module */
import { type FormEvent, useEffect, useState } from 'react'
import { api, type Cause, type Check, type Diagnosis } from './api.js'

export interface Attempt {
  id: string
  received_at: number
  endpoint: string | null
  method: string
  path: string
  outcome: string
  status: number
  reason: string | null
  cause?: { summary: string; fix: string; code: string } | null
  headers?: [string, string][]
  checks?: Check[]
  diagnosis?: Diagnosis | null
  forward_status?: number | null
  forward_error?: string | null
  body_base64?: string | null
}

/** A stored body shown as text (lossy for binary; never interpreted as HTML). */
function bodyText(b64: string): string {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes)
}

const words = (a: Attempt) =>
  a.cause?.summary || (a.reason ? a.reason.replaceAll('_', ' ') : a.outcome === 'accepted' ? 'verified' : '')
const when = (ms: number) => new Date(ms).toLocaleString()

export function Login({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('')
  const [error, setError] = useState('')
  async function submit(e: FormEvent) {
    e.preventDefault()
    setError('')
    try {
      const r = await api<{ admin: boolean }>('/api/session', { token })
      if (!r.admin) throw new Error('the token was not accepted')
      setToken('')
      onDone()
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }
  return (
    <section>
      <h1>Log in</h1>
      <form onSubmit={submit}>
        <label htmlFor="admin-token">Admin token</label>
        <input id="admin-token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
        <button type="submit">Log in</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

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

export function AttemptPage({ id }: { id: string }) {
  const [a, setA] = useState<Attempt | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    api<Attempt>(`/api/attempts/${encodeURIComponent(id)}`)
      .then(setA)
      .catch((e: Error) => setError(e.message))
  }, [id])
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    )
  if (!a) return <p>Loading…</p>
  const causes: Cause[] = a.diagnosis?.causes ?? []
  return (
    <section data-testid="attempt">
      <h1>
        {a.method} {a.path}
      </h1>
      <p>
        {when(a.received_at)} · endpoint <strong>{a.endpoint ?? 'none'}</strong> · answered{' '}
        <strong className={a.outcome === 'accepted' ? 'ok' : 'bad'}>{a.status}</strong> {words(a)}
        {a.forward_status != null ? ` · upstream ${a.forward_status}` : ''}
        {a.forward_error ? ` · upstream error: ${a.forward_error}` : ''}
      </p>
      <h2>Checks</h2>
      <ul className="checks">
        {(a.checks ?? []).map((c, i) => (
          <li key={`${c.name}-${i}`} className={c.ok ? 'ok' : 'bad'}>
            {c.ok ? '✓' : '✗'} {c.name}
            {c.reason ? ` — ${c.reason}` : ''}
            {c.detail ? `: ${c.detail}` : ''}
          </li>
        ))}
      </ul>
      {causes.length > 0 && (
        <>
          <h2>Diagnosis</h2>
          {causes.map((c, i) => (
            <div key={`${c.code}-${i}`}>
              <p>
                <strong>Cause:</strong> {c.summary} <code>{c.code}</code>
              </p>
              <p>
                <strong>Fix:</strong> {c.fix}
              </p>
            </div>
          ))}
        </>
      )}
      <h2>Request headers (redacted)</h2>
      <pre>{(a.headers ?? []).map(([n, v]) => `${n}: ${v}`).join('\n')}</pre>
      <h2>Body</h2>
      {a.body_base64 ? <pre data-testid="body">{bodyText(a.body_base64)}</pre> : <p>Not stored for this endpoint.</p>}
    </section>
  )
}
