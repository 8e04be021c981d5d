/**
 * One attempt: checks trace, diagnosis and fix, redacted request, the forward result, "copy as
 * curl" (credentials as shell variables) and "replay" to the endpoint's upstream (confirmed).
 * @module
 */
import { type ReactNode, useEffect, useRef, useState } from 'react'
import {
  type Attempt,
  bodyBytes,
  reasonWords,
  refusalsPastLimitWords,
  senderGot,
  when,
  words,
} from '../api/attempt.js'
import { api, type Cause } from '../api/client.js'
import { curlCommand } from '../api/curl.js'
import { useReasons } from '../api/reasons.js'
import { HEX_LIMIT, hexDump, utf8OrNull } from '../api/text.js'
import { Checks } from '../components/Checks.js'
import { Evidence, Visible } from '../components/Visible.js'

/** The heading shows this much of the path and query; the whole is one click away. */
const HEADING_MAX = 100

interface EndpointInfo {
  name: string
  forward: string | null
  store_body: boolean
  enforce: boolean
}

export function AttemptPage({ id }: { id: string }) {
  const [a, setA] = useState<Attempt | null>(null)
  // undefined while /api/endpoints is read; null when the attempt's endpoint is not configured
  const [endpoint, setEndpoint] = useState<EndpointInfo | null | undefined>(undefined)
  const [error, setError] = useState('')
  const { titles } = useReasons()
  useEffect(() => {
    api<Attempt>(`/api/attempts/${encodeURIComponent(id)}`)
      .then(setA)
      .catch((e: Error) => setError(e.message))
  }, [id])
  useEffect(() => {
    if (!a?.endpoint) return
    api<{ endpoints: EndpointInfo[] }>('/api/endpoints')
      .then((r) => setEndpoint(r.endpoints.find((e) => e.name === a.endpoint) ?? null))
      .catch(() => setEndpoint(null))
  }, [a?.endpoint])
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    )
  // Wait for the endpoint too: "Answered by" and the replay button depend on its forward URL,
  // and a page drawn without it would first say the endpoint is gone.
  if (!a || (a.endpoint && endpoint === undefined)) return <p>Loading…</p>
  const causes: Cause[] = a.diagnosis?.causes ?? []
  const { path } = a
  const got = senderGot(a)
  return (
    <section data-testid="attempt">
      <h1>
        <Visible text={a.method} /> <Visible text={path} max={HEADING_MAX} />
      </h1>
      {[...path].length > HEADING_MAX && (
        <details data-testid="full-path">
          <summary>Full path and query ({[...path].length} characters)</summary>
          <pre>
            <Visible text={path} />
          </pre>
        </details>
      )}
      <p>
        {when(a.received_at)} · endpoint <strong>{a.endpoint ?? 'none'}</strong> · answered{' '}
        <strong className={got < 400 ? 'ok' : 'bad'}>{got}</strong> {words(a, titles)}
      </p>
      <AnsweredBy a={a} got={got} forward={endpoint?.forward ?? null} />
      {a.outcome !== 'accepted' && a.endpoint && (
        <p>
          <a href={`/compare?b=${encodeURIComponent(a.id)}`}>
            Compare with the latest accepted attempt of {a.endpoint}
          </a>
        </p>
      )}
      {a.would_have_refused && (
        <p className="note" data-testid="would-have-refused">
          <strong>Would have refused:</strong>{' '}
          {a.reason ? reasonWords(a.reason, titles) : 'the checks failed'}. The endpoint is
          report-only (<code>enforce: false</code>), so the request was forwarded anyway.
        </p>
      )}
      <PastLimit a={a} />
      <Forward a={a} />
      <h2>Checks</h2>
      <Checks checks={a.checks ?? []} />
      {causes.length > 0 && (
        <>
          <h2>Diagnosis</h2>
          {causes.map((c, i) => (
            <div key={`${c.code}-${i}`}>
              <p>
                <strong>Cause:</strong> <Visible text={c.summary} /> <code>{c.code}</code>
              </p>
              <p>
                <strong>Fix:</strong> <Visible text={c.fix} />
              </p>
              <Evidence lines={c.evidence} />
            </div>
          ))}
        </>
      )}
      {a.diagnosis_skipped && <p>Not diagnosed: {a.diagnosis_skipped}.</p>}
      <h2>Request headers (redacted)</h2>
      <pre data-testid="headers">
        {(a.headers ?? []).map(([n, v], i) => (
          <span key={i}>
            {i > 0 ? '\n' : ''}
            <Visible text={n} />: <Visible text={v} />
          </span>
        ))}
      </pre>
      <h2>Body</h2>
      {a.body_base64 ? (
        <Body b64={a.body_base64} />
      ) : (a.body_size ?? 0) === 0 ? (
        <p>Empty.</p>
      ) : (
        <p>Not stored for this endpoint ({a.body_size} bytes).</p>
      )}
      <CopyAsCurl a={a} />
      <Replay a={a} endpoint={endpoint} />
    </section>
  )
}

/**
 * The stored body: as text when it is UTF-8 (invisible characters marked), else a note with
 * its size, a hex view and the lossy text.
 */
function Body({ b64 }: { b64: string }) {
  const bytes = bodyBytes(b64)
  const text = utf8OrNull(bytes)
  if (text !== null)
    return (
      <pre data-testid="body">
        <Visible text={text} multiline />
      </pre>
    )
  const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes)
  return (
    <>
      <p className="note" data-testid="body-not-utf8">
        Not valid UTF-8: {bytes.length} bytes, shown in hex
        {bytes.length > HEX_LIMIT ? ` (the first ${HEX_LIMIT})` : ''}. A signature is computed over
        these exact bytes.
      </p>
      <pre className="hex" data-testid="body-hex">
        {hexDump(bytes)}
      </pre>
      <details>
        <summary>As text (each byte that is not UTF-8 shows as ⟨U+FFFD⟩)</summary>
        <pre data-testid="body">
          <Visible text={lossy} multiline />
        </pre>
      </details>
    </>
  )
}

const isHookwarden = (o: { layer: string; product: string | null }) => o.product === 'hookwarden'

/**
 * Which hop answered the sender: the diagnosis's origin when it names one; else hookwarden
 * itself when it answered (refused, accepted without an upstream, or the upstream was
 * unreachable); else the endpoint's upstream, whose answer hookwarden relayed.
 */
function AnsweredBy({ a, got, forward }: { a: Attempt; got: number; forward: string | null }) {
  const origin = a.diagnosis?.origin
  const known = origin && origin.layer !== 'unknown' && !isHookwarden(origin) ? origin : null
  const forwarded = a.forward_status != null
  const status = <strong className={got < 400 ? 'ok' : 'bad'}>{got}</strong>
  let what: ReactNode
  if (known)
    what = (
      <>
        <strong>
          <Visible text={known.layer} />
          {known.product ? (
            <>
              {' '}
              (<Visible text={known.product} />)
            </>
          ) : null}
        </strong>
        {forwarded ? ', behind this gateway: hookwarden relayed its answer' : ''}. The sender got{' '}
        {status}.
      </>
    )
  else if (forwarded)
    what = (
      <>
        <strong>the upstream</strong>
        {forward ? (
          <>
            {' '}
            (<code>{forward}</code>)
          </>
        ) : null}
        , behind this gateway: hookwarden verified the request, forwarded it and relayed the answer.
        The sender got {status}.
      </>
    )
  else {
    const why = a.forward_error
      ? 'the upstream could not be reached, so it answered itself'
      : a.outcome !== 'accepted'
        ? 'it refused the request itself; nothing was forwarded'
        : a.kind === 'inspect'
          ? 'the request inspector recorded the request and echoed it back'
          : a.kind === 'health'
            ? 'the contract check verified the credentials (never forwarded)'
            : 'it verified the request and answered itself (no upstream)'
    what = (
      <>
        <strong>hookwarden</strong> (the gateway, this hop): {why}. The sender got {status}.
      </>
    )
  }
  return (
    <>
      <p data-testid="answered-by">
        <strong>Answered by:</strong> {what}
      </p>
      <Evidence lines={origin?.evidence} />
    </>
  )
}

/**
 * Past a source's limit of refusals: the window's full record counts the later refusals,
 * recorded as compact rows; a compact row links to that full record.
 */
function PastLimit({ a }: { a: Attempt }) {
  const counted = refusalsPastLimitWords(a)
  if (counted)
    return (
      <p className="note" data-testid="refusals-past-limit">
        <strong>Refusals past the limit:</strong> {counted}.
      </p>
    )
  if (!a.counted_into) return null
  return (
    <p className="note" data-testid="compact-row">
      <strong>Past this source's limit:</strong> recorded as a compact row, without its headers or
      body, and not diagnosed. The window's first refusal is recorded in full:{' '}
      <a href={`/attempts/${encodeURIComponent(a.counted_into)}`}>{a.counted_into}</a>.
    </p>
  )
}

/** What the upstream answered when the gateway forwarded the attempt. */
function Forward({ a }: { a: Attempt }) {
  if (a.forward_status == null && !a.forward_error) return null
  return (
    <>
      <h2>Forwarded upstream</h2>
      <p data-testid="forward">
        {a.forward_status != null && (
          <>
            Upstream answered{' '}
            <strong className={a.forward_status < 400 ? 'ok' : 'bad'}>{a.forward_status}</strong>
          </>
        )}
        {a.forward_latency_ms != null && ` in ${a.forward_latency_ms} ms`}
        {a.forward_error && (
          <>
            {a.forward_status != null ? ' · ' : ''}
            <span className="bad">Upstream error: {a.forward_error}</span>
          </>
        )}
      </p>
    </>
  )
}

function CopyAsCurl({ a }: { a: Attempt }) {
  const [shown, setShown] = useState<string | null>(null)
  const [status, setStatus] = useState('')
  async function copy() {
    const { text, variables } = curlCommand(a, location.origin)
    setShown(text)
    const vars = variables.length > 0 ? ` Set ${variables.join(', ')} before running it.` : ''
    try {
      await navigator.clipboard.writeText(text)
      setStatus(`Copied to the clipboard.${vars}`)
    } catch {
      setStatus(`The clipboard is not available here: select the command below and copy it.${vars}`)
    }
  }
  return (
    <>
      <h2>Copy as curl</h2>
      <p>Credentials are not recorded: the command names them as shell variables.</p>
      <button type="button" onClick={copy}>
        Copy as curl
      </button>
      <p aria-live="polite" data-testid="curl-status">
        {status}
      </p>
      {shown !== null && (
        <>
          <label htmlFor="curl-command">curl command</label>
          <textarea id="curl-command" data-testid="curl" readOnly value={shown} rows={8} />
        </>
      )}
    </>
  )
}

interface ReplayResult {
  ok: boolean
  status: number | null
  latency_ms: number | null
  error: string | null
}

/**
 * Why this attempt cannot be re-sent, in words, or null when it can. As the gateway decides
 * (packages/server/src/pipeline/replay.ts): only an accepted attempt is ever sent upstream.
 */
function replayImpossible(a: Attempt, endpoint: EndpointInfo | null | undefined): string | null {
  if (a.would_have_refused)
    return 'It failed its checks: the endpoint is report-only, so it was forwarded anyway, but only accepted attempts are replayed.'
  if (a.outcome !== 'accepted')
    return 'The gateway refused it, and a refused attempt is never sent to the upstream.'
  if (!a.endpoint || (a.kind && a.kind !== 'endpoint'))
    return 'It was not made to a configured endpoint.'
  if (!endpoint) return `The endpoint ${a.endpoint} is no longer in the config.`
  if (!endpoint.forward) return `The endpoint ${a.endpoint} has no forward: URL to send it to.`
  if (!a.has_body && (a.body_size ?? 0) > 0)
    return 'The body was not stored (store_body: false), so the same bytes cannot be sent again.'
  return null
}

/** What the upstream has seen of this attempt, from the record's forward result. */
function replayConsequence(a: Attempt): string {
  if (a.forward_status != null)
    return `The upstream already received it once (it answered ${a.forward_status}): it will receive it a second time.`
  if (a.forward_error)
    return `The earlier forward failed (${a.forward_error}), so the upstream may not have received it; if it did, it will receive it a second time.`
  return 'The gateway did not forward it when it arrived: the upstream has not received it from the gateway before.'
}

function Replay({ a, endpoint }: { a: Attempt; endpoint: EndpointInfo | null | undefined }) {
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<ReplayResult | null>(null)
  const [error, setError] = useState('')
  const impossible = replayImpossible(a, endpoint)
  // Keyboard users land on the confirm button, and back on Replay after Cancel.
  const confirmButton = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (confirming) confirmButton.current?.focus()
  }, [confirming])
  async function replay() {
    setBusy(true)
    setError('')
    setResult(null)
    try {
      // Same-origin POST: the browser sends Origin, which the gateway checks (CSRF).
      const res = await fetch(`/api/attempts/${encodeURIComponent(a.id)}/replay`, {
        method: 'POST',
        credentials: 'same-origin',
      })
      const data = (await res.json().catch(() => null)) as
        | (ReplayResult & { detail?: string; title?: string })
        | null
      if (!res.ok) throw new Error(data?.detail ?? data?.title ?? `HTTP ${res.status}`)
      setResult(data)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
      setConfirming(false)
    }
  }
  return (
    <>
      <h2>Replay</h2>
      {endpoint === undefined && a.endpoint ? (
        <p>Reading the endpoint's config…</p>
      ) : impossible ? (
        <p data-testid="replay-impossible">Replay is not possible: {impossible}</p>
      ) : (
        <>
          <p>
            Re-sends the stored body and headers (credentials left out) to{' '}
            <code>{endpoint?.forward}</code>, the endpoint's upstream, never anywhere else.
          </p>
          {!confirming ? (
            <button type="button" onClick={() => setConfirming(true)} disabled={busy}>
              Replay to upstream…
            </button>
          ) : (
            <fieldset className="confirm">
              <legend>
                {a.forward_status != null
                  ? 'Send this attempt to the upstream again?'
                  : 'Send this attempt to the upstream?'}
              </legend>
              <p data-testid="replay-confirm-note">{replayConsequence(a)}</p>
              <button type="button" ref={confirmButton} onClick={replay} disabled={busy}>
                {busy ? 'Replaying…' : 'Yes, replay now'}
              </button>{' '}
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </fieldset>
          )}
        </>
      )}
      {error && (
        <p className="error" role="alert">
          Replay failed: {error}
        </p>
      )}
      {result && (
        <p data-testid="replay-result" aria-live="polite">
          {result.ok || result.status != null ? (
            <>
              Replayed: upstream answered{' '}
              <strong className={(result.status ?? 500) < 400 ? 'ok' : 'bad'}>
                {result.status}
              </strong>
              {result.latency_ms != null ? ` in ${result.latency_ms} ms` : ''}.
            </>
          ) : (
            <span className="bad">Replay reached no answer: {result.error}</span>
          )}
        </p>
      )}
    </>
  )
}
