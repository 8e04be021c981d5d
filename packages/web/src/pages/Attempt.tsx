/** One attempt: checks trace, diagnosis and fix, redacted headers, the stored body as text. @module */
import { useEffect, useState } from 'react'
import { type Attempt, bodyText, when, words } from '../api/attempt.js'
import { api, type Cause } from '../api/client.js'
import { Checks } from '../components/Checks.js'

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
      <Checks checks={a.checks ?? []} />
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
