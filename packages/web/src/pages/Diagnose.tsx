/** The Diagnose page: paste a request (and a response), get the verdict, the cause and the fix. @module */
import { type DragEvent, type FormEvent, useEffect, useState } from 'react'
import { api, type Diagnosis } from '../api/client.js'
import { Checks } from '../components/Checks.js'
import { ErrorLine, NameOptions } from '../components/Form.js'
import { Evidence, Visible } from '../components/Visible.js'

const SENDERS = ['', 'make', 'zapier', 'n8n', 'curl', 'code'] as const
type SchemeKind = 'none' | 'bearer' | 'api_key' | 'basic' | 'hmac' | 'standard_webhooks' | 'jwt'

/** Comma-separated values, one or several. */
const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

/** The inline auth block the server's config schema reads, from the small form. */
function authBlock(
  kind: SchemeKind,
  f: Record<string, string>,
): Record<string, unknown> | undefined {
  switch (kind) {
    case 'bearer':
      return { scheme: 'bearer', tokens: [f.secret ?? ''] }
    case 'api_key':
      return { scheme: 'api_key', header: f.header || 'X-API-Key', keys: [f.secret ?? ''] }
    case 'basic':
      return { scheme: 'basic', users: [{ username: f.username ?? '', password: f.secret ?? '' }] }
    case 'hmac': {
      const payload = f.payload || '{body}'
      const block: Record<string, unknown> = {
        scheme: 'hmac',
        header: f.header || 'X-Signature',
        algorithm: f.algorithm || 'sha256',
        encoding: f.encoding || 'hex',
        payload,
        secrets: [f.secret ?? ''],
      }
      if (f.prefix) block.prefix = f.prefix
      if (f.timestamp_header || payload.includes('{timestamp}'))
        block.timestamp = {
          header: f.timestamp_header || 'X-Timestamp',
          unit: f.timestamp_unit || 'seconds',
        }
      return block
    }
    case 'standard_webhooks':
      return { scheme: 'standard_webhooks', secrets: [f.secret ?? ''] }
    case 'jwt': {
      const block: Record<string, unknown> = {
        scheme: 'jwt',
        algorithms: list(f.algorithms).length > 0 ? list(f.algorithms) : ['RS256'],
      }
      const issuers = list(f.issuer)
      if (issuers.length > 0) block.issuer = issuers.length === 1 ? issuers[0] : issuers
      const audiences = list(f.audience)
      if (audiences.length > 0) block.audience = audiences.length === 1 ? audiences[0] : audiences
      if (f.jwks?.trim()) {
        let jwks: unknown
        try {
          jwks = JSON.parse(f.jwks)
        } catch {
          throw new Error('The JWKS must be JSON: {"keys": [ … ]}')
        }
        block.jwks = jwks
      }
      if (f.secret) block.secrets = [f.secret]
      return block
    }
    default:
      return undefined
  }
}

/** The status of the first entry's response when `text` is a HAR file that has one, else 0. */
function harResponseStatus(text: string): number {
  if (!/^\s*\{/.test(text) || !text.includes('"log"')) return 0
  try {
    const status = (
      JSON.parse(text) as { log?: { entries?: { response?: { status?: unknown } }[] } }
    ).log?.entries?.[0]?.response?.status
    return typeof status === 'number' && status > 0 ? status : 0
  } catch {
    return 0
  }
}

export function Diagnose() {
  const [request, setRequest] = useState('')
  const [response, setResponse] = useState('')
  const [sender, setSender] = useState('')
  const [endpoints, setEndpoints] = useState<string[]>([])
  const [endpoint, setEndpoint] = useState('')
  const [kind, setKind] = useState<SchemeKind>('none')
  const [form, setForm] = useState<Record<string, string>>({})
  const [result, setResult] = useState<Diagnosis | null>(null)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [dragging, setDragging] = useState(false)
  const [fileNote, setFileNote] = useState('')

  /** A capture file (HAR, raw HTTP, JSON, curl) becomes the pasted request. */
  async function readFile(file: File | undefined) {
    if (!file) return
    if (file.size > 512 * 1024) {
      setFileNote(`${file.name} is larger than 512 KiB; paste the one request instead.`)
      return
    }
    setRequest(await file.text())
    setFileNote(`Read ${file.name} (${file.size} bytes).`)
  }
  function onDrop(e: DragEvent<HTMLTextAreaElement>) {
    setDragging(false)
    if (e.dataTransfer.files.length === 0) return // dropped text: the textarea takes it
    e.preventDefault()
    void readFile(e.dataTransfer.files[0])
  }

  useEffect(() => {
    // Only the admin may name a configured endpoint; anyone else gets 401 and the scheme form.
    api<{ endpoints: { name: string }[] }>('/api/endpoints')
      .then((r) => setEndpoints(r.endpoints.map((e) => e.name)))
      .catch(() => setEndpoints([]))
  }, [])

  const field = (name: string) => ({
    id: `f-${name}`,
    value: form[name] ?? '',
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  })

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError('')
    setResult(null)
    const body: Record<string, unknown> = { request }
    if (response.trim()) body.response = response
    // A HAR holds the answer too: it tells which hop refused (WAF, CDN, proxy or the app).
    else if (harResponseStatus(request) > 0) body.response = request
    if (sender) body.sender = sender
    if (endpoint) body.endpoint = endpoint
    try {
      if (!endpoint) {
        const auth = authBlock(kind, form)
        if (auth) body.auth = auth
      }
      setResult(await api<Diagnosis>('/api/diagnose', body))
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="diagnose-title">
      <h1 id="diagnose-title">Why is my webhook refused?</h1>
      <p className="note">
        Pasted requests and secrets are used in memory for this one diagnosis and are never stored
        or logged.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="request">Request (curl, raw HTTP, HAR or JSON)</label>
        <textarea
          id="request"
          value={request}
          onChange={(e) => setRequest(e.target.value)}
          onDragOver={(e) => {
            if (e.dataTransfer.types.includes('Files')) {
              e.preventDefault()
              setDragging(true)
            }
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          className={dragging ? 'dropping' : undefined}
          aria-describedby="request-help"
          required
        />
        <p id="request-help" className="help">
          Paste it, or drop a HAR or capture file here.
        </p>
        <label htmlFor="request-file">Or open a capture file (HAR, raw HTTP, JSON, curl)</label>
        <input
          id="request-file"
          type="file"
          accept=".har,.json,.http,.txt,.curl,.sh,application/json,text/plain"
          onChange={(e) => void readFile(e.target.files?.[0])}
        />
        <p aria-live="polite" data-testid="file-note">
          {fileNote}
        </p>
        <label htmlFor="response">Response the sender got (optional)</label>
        <textarea id="response" value={response} onChange={(e) => setResponse(e.target.value)} />
        {!response.trim() && harResponseStatus(request) > 0 && (
          <p className="help" id="har-response" data-testid="har-response">
            The HAR's own response ({harResponseStatus(request)}) is used unless you paste one here.
          </p>
        )}
        <div className="row">
          <div>
            <label htmlFor="sender">Sender</label>
            <select id="sender" value={sender} onChange={(e) => setSender(e.target.value)}>
              {SENDERS.map((s) => (
                <option key={s} value={s}>
                  {s || 'guess from the request'}
                </option>
              ))}
            </select>
          </div>
          {endpoints.length > 0 && (
            <div>
              <label htmlFor="endpoint">Configured endpoint</label>
              <select id="endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)}>
                <option value="">none: use the scheme below</option>
                <NameOptions names={endpoints} />
              </select>
            </div>
          )}
        </div>
        {!endpoint && (
          <fieldset>
            <legend>What the receiver expects</legend>
            <label htmlFor="scheme">Scheme</label>
            <select
              id="scheme"
              value={kind}
              onChange={(e) => setKind(e.target.value as SchemeKind)}
            >
              <option value="none">none / I don't know</option>
              <option value="bearer">Bearer token</option>
              <option value="api_key">API key header</option>
              <option value="basic">Basic</option>
              <option value="hmac">HMAC signature header</option>
              <option value="standard_webhooks">Standard Webhooks secret</option>
              <option value="jwt">JWT (Bearer)</option>
            </select>
            {(kind === 'api_key' || kind === 'hmac') && (
              <>
                <label htmlFor="f-header">Header name</label>
                <input
                  {...field('header')}
                  placeholder={kind === 'hmac' ? 'X-Signature' : 'X-API-Key'}
                />
              </>
            )}
            {kind === 'hmac' && (
              <div className="row">
                <div>
                  <label htmlFor="f-algorithm">Algorithm</label>
                  <select {...field('algorithm')}>
                    <option value="sha256">sha256</option>
                    <option value="sha1">sha1</option>
                    <option value="sha512">sha512</option>
                  </select>
                </div>
                <div>
                  <label htmlFor="f-encoding">Encoding</label>
                  <select {...field('encoding')}>
                    <option value="hex">hex</option>
                    <option value="base64">base64</option>
                    <option value="base64url">base64url</option>
                  </select>
                </div>
                <div>
                  <label htmlFor="f-prefix">Prefix before the signature (optional)</label>
                  <input {...field('prefix')} placeholder="sha256=" />
                </div>
                <div>
                  <label htmlFor="f-payload">Signed payload</label>
                  <input
                    {...field('payload')}
                    placeholder="{body}"
                    aria-describedby="payload-help"
                  />
                  <p id="payload-help" className="help">
                    A template: {'{body}'}, {'{timestamp}.{body}'}, {'{id}.{timestamp}.{body}'}…
                  </p>
                </div>
                <div>
                  <label htmlFor="f-timestamp_header">Timestamp header (optional)</label>
                  <input {...field('timestamp_header')} placeholder="X-Timestamp" />
                </div>
                <div>
                  <label htmlFor="f-timestamp_unit">Timestamp unit</label>
                  <select {...field('timestamp_unit')}>
                    <option value="seconds">seconds</option>
                    <option value="milliseconds">milliseconds</option>
                  </select>
                </div>
              </div>
            )}
            {kind === 'jwt' && (
              <>
                <div className="row">
                  <div>
                    <label htmlFor="f-algorithms">Algorithms (comma-separated)</label>
                    <input {...field('algorithms')} placeholder="RS256" />
                  </div>
                  <div>
                    <label htmlFor="f-issuer">Issuer (optional)</label>
                    <input {...field('issuer')} placeholder="https://issuer.example" />
                  </div>
                  <div>
                    <label htmlFor="f-audience">Audience (optional)</label>
                    <input {...field('audience')} placeholder="webhooks" />
                  </div>
                </div>
                <label htmlFor="f-jwks">Public keys: JWKS JSON (for RS*, ES*, EdDSA)</label>
                <textarea {...field('jwks')} placeholder='{"keys": [ … ]}' />
              </>
            )}
            {kind === 'basic' && (
              <>
                <label htmlFor="f-username">Username</label>
                <input {...field('username')} autoComplete="off" />
              </>
            )}
            {kind !== 'none' && (
              <>
                <label htmlFor="f-secret">
                  {kind === 'basic'
                    ? 'Password'
                    : kind === 'bearer'
                      ? 'Expected token'
                      : kind === 'jwt'
                        ? 'Shared secret (HS256/384/512 only)'
                        : 'Secret'}
                </label>
                <input {...field('secret')} type="password" autoComplete="off" />
              </>
            )}
          </fieldset>
        )}
        <button type="submit" disabled={busy || !request.trim()}>
          {busy ? 'Diagnosing…' : 'Diagnose'}
        </button>
      </form>
      <ErrorLine message={error} />
      {result && <Result d={result} />}
    </section>
  )
}

/** Every string here came from a pasted capture: rendered as text, never as HTML. */
function Result({ d }: { d: Diagnosis }) {
  const top = d.causes[0]
  const v = d.verdict
  return (
    <section aria-live="polite" data-testid="diagnosis">
      <h2>Result</h2>
      <p>
        Verdict:{' '}
        {v ? (
          <strong className={v.ok ? 'ok' : 'bad'}>
            {v.ok ? 'accepted' : `refused (${v.status} ${v.reason ?? ''})`}
          </strong>
        ) : (
          <strong>no verdict (no expected scheme given)</strong>
        )}
      </p>
      {d.notes?.map((n) => (
        <p key={n} data-testid="note">
          <strong>Note:</strong> <Visible text={n} />
        </p>
      ))}
      {top ? (
        <>
          <p data-testid="cause">
            <strong>Cause:</strong> <Visible text={top.summary} /> <code>{top.code}</code>
          </p>
          <p data-testid="fix">
            <strong>Fix:</strong> <Visible text={top.fix} />
          </p>
          <Evidence lines={top.evidence} />
        </>
      ) : (
        <p>No cause found.</p>
      )}
      <p>
        <strong>Who answered:</strong> {d.origin.layer}
        {d.origin.product ? ` (${d.origin.product})` : ''}
      </p>
      <Evidence lines={d.origin.evidence} />
      {d.response && (
        <p>
          <strong>Response:</strong> {d.response.status} {d.response.class}
          {d.response.meaning ? (
            <>
              {' — '}
              <Visible text={d.response.meaning} />
            </>
          ) : (
            ''
          )}
        </p>
      )}
      {v && v.checks.length > 0 && (
        <>
          <h3>Checks</h3>
          <Checks checks={v.checks} />
        </>
      )}
      {d.causes.length > 1 && (
        <>
          <h3>Other possible causes</h3>
          <ul>
            {d.causes.slice(1).map((c, i) => (
              <li key={`${c.code}-${i}`}>
                <Visible text={c.summary} /> <code>{c.code}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
