/**
 * Two attempts side by side — typically one the gateway accepted and one it refused — with
 * the authentication-relevant differences first (GET /api/compare). `/compare?a=<good>&b=<bad>`;
 * with only `b`, the latest accepted attempt of b's endpoint is taken as `a`. Every captured
 * value is rendered as text.
 * @module
 */
import { type FormEvent, useEffect, useState } from 'react'
import { type Attempt, when, words } from '../api/attempt.js'
import { api } from '../api/client.js'
import { useReasons } from '../api/reasons.js'
import { ErrorLine, NameOptions } from '../components/Form.js'
import { Visible } from '../components/Visible.js'

interface Difference {
  kind: string
  field: string
  good: string | null
  bad: string | null
  note: string
  auth: boolean
}
interface CheckComparison {
  name: string
  a: boolean | null
  b: boolean | null
  detail: string | null
}
interface Comparison {
  a: Attempt
  b: Attempt
  same: boolean
  differences: Difference[]
  checks: CheckComparison[]
}
type List = { attempts: Attempt[] }

const mark = (v: boolean | null) => (v === null ? '–' : v ? '✓' : '✗')
const shown = (v: string | null) => (v === null ? '(none)' : <Visible text={v} />)

async function latest(endpoint: string, outcome: 'accepted' | 'rejected'): Promise<Attempt | null> {
  const q = new URLSearchParams({ endpoint, outcome, limit: '1' })
  return (await api<List>(`/api/attempts?${q}`)).attempts[0] ?? null
}

export function Compare() {
  const params = new URLSearchParams(location.search)
  const [a, setA] = useState(params.get('a') ?? '')
  const [b, setB] = useState(params.get('b') ?? '')
  const [endpoint, setEndpoint] = useState('')
  const [endpoints, setEndpoints] = useState<string[]>([])
  const [result, setResult] = useState<Comparison | null>(null)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const { titles } = useReasons()

  async function compare(good: string, bad: string) {
    setBusy(true)
    setError('')
    try {
      const q = new URLSearchParams({ a: good.trim(), b: bad.trim() })
      setResult(await api<Comparison>(`/api/compare?${q}`))
      history.replaceState(null, '', `/compare?${q}`)
    } catch (e) {
      setResult(null)
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  useEffect(() => {
    api<{ endpoints: { name: string }[] }>('/api/endpoints')
      .then((r) => {
        setEndpoints(r.endpoints.map((e) => e.name))
        setEndpoint((cur) => cur || (r.endpoints[0]?.name ?? ''))
      })
      .catch(() => {})
    const good = params.get('a')
    const bad = params.get('b')
    if (good && bad) void compare(good, bad)
    else if (bad) {
      // Only the bad one given (from an attempt's page): the latest good one of its endpoint.
      api<Attempt>(`/api/attempts/${encodeURIComponent(bad)}`)
        .then(async (x) => {
          const ok = x.endpoint ? await latest(x.endpoint, 'accepted') : null
          if (!ok) {
            setError(`No accepted attempt of ${x.endpoint ?? 'this endpoint'} to compare with yet.`)
            return
          }
          setA(ok.id)
          await compare(ok.id, bad)
        })
        .catch((e: Error) => setError(e.message))
    }
    // Read once per page load; a new query remounts the page.
  }, [])

  async function pickLatest() {
    setError('')
    try {
      const [good, bad] = await Promise.all([
        latest(endpoint, 'accepted'),
        latest(endpoint, 'rejected'),
      ])
      if (!good || !bad) {
        setError(`${endpoint} needs at least one accepted and one refused attempt to compare.`)
        return
      }
      setA(good.id)
      setB(bad.id)
      await compare(good.id, bad.id)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void compare(a, b)
  }

  const authDiffs = result?.differences.filter((d) => d.auth) ?? []
  const otherDiffs = result?.differences.filter((d) => !d.auth) ?? []
  return (
    <section>
      <h1>Compare two attempts</h1>
      <p className="help">
        Put one that worked beside one that was refused: what differs for authentication comes
        first. Credentials show as fingerprints (<code>len=… fp:…</code>): equal secrets have equal
        fingerprints.
      </p>
      <form onSubmit={submit} aria-label="Attempts to compare">
        <div className="row">
          <div>
            <label htmlFor="cmp-a">Good attempt (id)</label>
            <input id="cmp-a" value={a} onChange={(e) => setA(e.target.value)} required />
          </div>
          <div>
            <label htmlFor="cmp-b">Bad attempt (id)</label>
            <input id="cmp-b" value={b} onChange={(e) => setB(e.target.value)} required />
          </div>
        </div>
        <button type="submit" disabled={busy}>
          Compare
        </button>
      </form>
      <div className="row">
        <div>
          <label htmlFor="cmp-endpoint">Or pick from endpoint</label>
          <select id="cmp-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)}>
            <NameOptions names={endpoints} />
          </select>
        </div>
        <div>
          <button
            type="button"
            className="secondary"
            disabled={!endpoint || busy}
            onClick={() => void pickLatest()}
          >
            Latest accepted vs latest refused
          </button>
        </div>
      </div>
      <ErrorLine message={error} />
      {result && (
        <div data-testid="comparison" aria-live="polite">
          <div className="row compare-heads">
            {([result.a, result.b] as const).map((x, i) => (
              <div key={x.id} className="compare-head">
                <h2>{i === 0 ? 'Good' : 'Bad'}</h2>
                <p>
                  <a href={`/attempts/${encodeURIComponent(x.id)}`}>{when(x.received_at)}</a> ·{' '}
                  {x.endpoint ?? 'no endpoint'} ·{' '}
                  <strong className={x.outcome === 'accepted' ? 'ok' : 'bad'}>{x.status}</strong>{' '}
                  {words(x, titles)}
                </p>
                <p className="help">
                  <Visible text={x.method} /> <Visible text={x.path} max={200} />
                </p>
              </div>
            ))}
          </div>
          {result.same ? (
            <p className="note">
              Nothing differs that the records show: the same request, the same answer.
            </p>
          ) : (
            <>
              <h2>What differs for authentication</h2>
              <DiffList diffs={authDiffs} testid="auth-differences" />
              {otherDiffs.length > 0 && (
                <>
                  <h2>Other differences</h2>
                  <DiffList diffs={otherDiffs} testid="other-differences" />
                </>
              )}
            </>
          )}
          {result.checks.length > 0 && (
            <>
              <h2>Checks</h2>
              <table className="checks-table" data-testid="check-comparison">
                <thead>
                  <tr>
                    <th scope="col">Check</th>
                    <th scope="col">Good</th>
                    <th scope="col">Bad</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {result.checks.map((c) => (
                    <tr key={c.name} className={c.a === c.b ? '' : 'differs'}>
                      <th scope="row">{c.name}</th>
                      <td className={c.a ? 'ok' : 'bad'}>{mark(c.a)}</td>
                      <td className={c.b ? 'ok' : 'bad'}>{mark(c.b)}</td>
                      <td>{c.detail ? <Visible text={c.detail} /> : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
    </section>
  )
}

function DiffList({ diffs, testid }: { diffs: Difference[]; testid: string }) {
  return (
    <ul className="diffs" data-testid={testid}>
      {diffs.map((d, i) => (
        <li key={`${d.field}-${i}`}>
          <strong>
            <Visible text={d.field} />
          </strong>
          : <Visible text={d.note} />
          <div className="diff-values">
            <span>
              good: <code>{shown(d.good)}</code>
            </span>
            <span>
              bad: <code>{shown(d.bad)}</code>
            </span>
          </div>
        </li>
      ))}
    </ul>
  )
}
