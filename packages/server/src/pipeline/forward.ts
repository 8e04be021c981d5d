/**
 * Forwarding with undici: the raw body bytes and the headers as received (hop-by-hop ones
 * dropped, X-Request-Id set, the sender's X-Forwarded-*, Forwarded and X-Real-IP replaced with
 * the gateway's view of where the request came from, and other client-address headers passed
 * only from a trusted proxy), to the endpoint's configured URL only, with a deadline, never
 * following a redirect, and reading at most `maxResponseBytes` of the answer.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import type { Endpoint, Header, HttpRequest } from '@hookwarden/core'
import { Agent, buildConnector, type Dispatcher } from 'undici'
import { valueAsSent } from '../capture.js'
import { dropUnaskedContinue } from '../outbound/interim-heads.js'
import { isCredentialHeader, stripCredentialQuery } from '../redact.js'
import { traceIdOf } from '../request-id.js'

export interface ForwardOptions {
  /** Whole exchange deadline in ms (default 10 000). */
  timeoutMs: number
  /** Largest upstream answer relayed (default 1 MiB); a larger one is a 502. */
  maxResponseBytes: number
  /**
   * A trusted proxy is in front (HOOKWARDEN_TRUST_PROXY): it set the CLIENT_ADDRESS headers,
   * which are then passed on; without one the sender made them up, and they are dropped.
   */
  behindTrustedProxy: boolean
}

export const DEFAULT_FORWARD: ForwardOptions = {
  timeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  behindTrustedProxy: false,
}

export type ForwardResult =
  | { ok: true; status: number; headers: Header[]; body: Uint8Array; latencyMs: number }
  | {
      ok: false
      status: 502 | 504
      error: string
      latencyMs: number
      /**
       * Set when the upstream began an answer (this status) that could not be relayed: a body
       * too large, cut off, or not ended in time. The upstream had the request.
       */
      upstreamStatus?: number
    }

/**
 * How long an idle connection to an upstream is kept when the upstream's answers give no
 * `Keep-Alive: timeout` hint: under the idle timeouts servers commonly use without one (2 s and
 * up), so that the gateway, not the upstream, closes an idle connection — a request written just
 * as the upstream closes it is lost with the connection.
 */
export const KEEP_ALIVE_MS = 1500

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
])

/**
 * Headers in which a client names its own address, scheme or host (RFC 7239 `Forwarded`, and
 * nginx's `X-Real-IP`), replaced with the gateway's view like X-Forwarded-*: an upstream that
 * reads them first must not read what the sender made up.
 */
const CLIENT_CLAIMS = new Set(['forwarded', 'x-real-ip'])

/**
 * Headers in which a CDN or proxy names the client's address (Akamai's and Cloudflare's
 * True-Client-IP, Cloudflare's CF-Connecting-IP, Fastly's Fastly-Client-IP, and the generic
 * X-Client-IP and X-Cluster-Client-IP). The gateway has no view of its own to put there: they
 * pass only from a trusted proxy in front, and are dropped when the sender itself sent them.
 */
const CLIENT_ADDRESS = new Set([
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
])

const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A `Forwarded` value (RFC 7239 §4): a token as it is, anything else a quoted-string. */
function forwardedValue(text: string): string {
  return HTTP_TOKEN.test(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`
}

/**
 * The gateway's `Forwarded` element (RFC 7239): `for=<source>;proto=<scheme>;host=<host>`.
 * An IPv6 source is bracketed and quoted (§6); an unknown one is `unknown`; a Host with a port
 * is quoted, `:` being no token character.
 */
export function forwardedElement(source: string, proto: string, host: string | undefined): string {
  const node =
    source === '' ? 'unknown' : source.includes(':') ? `"[${source}]"` : forwardedValue(source)
  return `for=${node};proto=${forwardedValue(proto)}${host ? `;host=${forwardedValue(host)}` : ''}`
}

/** Headers for the hop to the next server: hop-by-hop ones (and those Connection names) dropped. */
export function endToEndHeaders(headers: readonly Header[]): Header[] {
  const named = new Set<string>()
  for (const [n, v] of headers) {
    if (n.toLowerCase() === 'connection')
      for (const t of v.split(',')) named.add(t.trim().toLowerCase())
  }
  return headers.filter(([n]) => {
    const lower = n.toLowerCase()
    return !HOP_BY_HOP.has(lower) && !named.has(lower)
  })
}

/** The target URL: the configured one, with the request's query string appended. */
export function forwardUrl(forward: string, target: string): URL {
  const url = new URL(forward)
  const q = target.indexOf('?')
  if (q !== -1) {
    const extra = target.slice(q + 1).replace(/#.*$/, '')
    if (extra) url.search = url.search ? `${url.search}&${extra}` : `?${extra}`
  }
  return url
}

/**
 * The upstream's Location as the sender should see it. An absolute URL at the upstream's own
 * origin names an address only this gateway can reach (and shows the sender the internal
 * host): under the configured forward path it maps back to the endpoint's path, as nginx's
 * `proxy_redirect default` does; elsewhere at that origin it keeps only path and query.
 * Any other Location (relative, or another site) is the upstream's to give and passes as is.
 */
export function publicLocation(location: string, forward: string, endpointPath: string): string {
  let target: URL
  let upstream: URL
  try {
    upstream = new URL(forward)
    target = new URL(location, upstream)
  } catch {
    return location
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(location.trim()) && !location.trim().startsWith('//'))
    return location
  if (target.origin !== upstream.origin) return location
  const base = upstream.pathname.replace(/\/+$/, '')
  const rest = `${target.pathname}${target.search}${target.hash}`
  // A forward URL at the upstream's root puts all of the upstream under the endpoint.
  if (!base || target.pathname === base || target.pathname.startsWith(`${base}/`))
    return `${endpointPath.replace(/\/+$/, '')}${rest.slice(base.length)}` || '/'
  return rest
}

/**
 * Each upstream connection's re-arm of its interim-head filter (interim-heads.ts). An upstream
 * may answer `100 Continue` unasked before each final answer on a kept-alive connection, so the
 * filter looks at the front of every answer: undici announces each request just before writing
 * it (diagnostics channel `undici:client:sendHeaders`, with its socket), and with one request
 * at a time on a connection, what the socket reads after that is the answer to it.
 */
const rearmOf = new WeakMap<object, () => void>()
let watchingRequests = false
function watchRequests(): void {
  if (watchingRequests) return
  watchingRequests = true
  subscribe('undici:client:sendHeaders', (message) => {
    rearmOf.get((message as { socket: object }).socket)?.()
  })
}

export interface ForwardInput {
  request: HttpRequest
  endpoint: Endpoint
  requestId: string
  source: string
  /** Header names to drop besides hop-by-hop ones (strip_credentials). */
  strip?: boolean
  /** Extra headers (a replay marks itself). */
  extraHeaders?: Header[]
}

export class Forwarder {
  readonly #agent: Agent
  readonly options: ForwardOptions
  /** Connections opened so far: an exchange that saw none opened went on a reused one. */
  #connects = 0

  constructor(options: Partial<ForwardOptions> = {}) {
    this.options = { ...DEFAULT_FORWARD, ...options }
    watchRequests()
    const connector = buildConnector({ timeout: this.options.timeoutMs })
    this.#agent = new Agent({
      connect: (opts, callback) =>
        connector(opts, (error, socket) => {
          if (socket) rearmOf.set(socket, dropUnaskedContinue(socket as Socket))
          ;(callback as (e: Error | null, s: Socket | null) => void)(error, socket as Socket)
        }),
      keepAliveTimeout: KEEP_ALIVE_MS,
    })
    this.#agent.on('connect', () => {
      this.#connects++
    })
  }

  async forward(input: ForwardInput): Promise<ForwardResult> {
    const { request: req, endpoint } = input
    const started = performance.now()
    if (!endpoint.forward)
      return { ok: false, status: 502, error: 'no upstream configured', latencyMs: 0 }
    let url: URL
    try {
      const target = input.strip ? stripCredentialQuery(req.url, endpoint) : req.url
      url = this.#target(endpoint.forward, target)
    } catch {
      return { ok: false, status: 502, error: 'upstream URL is not valid', latencyMs: 0 }
    }
    const flat: string[] = []
    for (const header of endToEndHeaders(req.headers)) {
      // The bytes received, whatever text they were read as (capture.ts: headerText).
      const [n, v] = [header[0], valueAsSent(header)]
      const lower = n.toLowerCase()
      // Where the request came from is the gateway's to say: the sender's claims are dropped.
      if (lower === 'x-request-id' || lower.startsWith('x-forwarded-') || CLIENT_CLAIMS.has(lower))
        continue
      if (CLIENT_ADDRESS.has(lower) && !this.options.behindTrustedProxy) continue
      if (input.strip && isCredentialHeader(n, endpoint)) continue
      if (lower === 'traceparent') {
        // Same trace, new parent: this hop is a span of its own (W3C trace-context).
        if (traceIdOf(req.headers))
          flat.push(
            n,
            v
              .trim()
              .replace(/^(..-[0-9a-f]{32}-)[0-9a-f]{16}/, `$1${randomBytes(8).toString('hex')}`),
          )
        continue
      }
      flat.push(n, v)
    }
    const host = req.headers.find(([n]) => n.toLowerCase() === 'host')?.[1]
    flat.push(
      'X-Request-Id',
      input.requestId,
      'X-Forwarded-For',
      input.source,
      'X-Forwarded-Proto',
      'http',
    )
    if (host) flat.push('X-Forwarded-Host', host)
    flat.push('Forwarded', forwardedElement(input.source, 'http', host), 'X-Real-IP', input.source)
    for (const [n, v] of input.extraHeaders ?? []) flat.push(n, v)

    const hasBody = req.body.length > 0 || (req.method !== 'GET' && req.method !== 'HEAD')
    return this.#exchange(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method as 'POST',
        headers: flat,
        body: hasBody ? req.body : null,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      },
      started,
    )
  }

  /**
   * One exchange on undici's dispatch API: the answer's bytes are collected as they arrive.
   * undici's request() wraps every answer in a Readable stream and takes an AbortSignal
   * (measured: about 13 µs of a forwarded webhook went to them and to header copying); here
   * the deadline is one timer that aborts through the dispatch controller.
   */
  #exchange(options: Dispatcher.DispatchOptions, started: number): Promise<ForwardResult> {
    const { timeoutMs, maxResponseBytes } = this.options
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10
    return new Promise<ForwardResult>((resolve) => {
      let settled = false
      let controller: Dispatcher.DispatchController | null = null
      let status = 0
      let headers: Header[] = []
      const chunks: Buffer[] = []
      let size = 0
      let retried = false
      let connectsAtDispatch = 0
      const settle = (result: ForwardResult) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(result)
      }
      const fail = (failed: 502 | 504, error: string) =>
        settle({ ok: false, status: failed, error, latencyMs: elapsed() })
      // The upstream began its answer: it had the request. Its status is kept for the record.
      const unusable = (what: string) =>
        settle({
          ok: false,
          status: 502,
          error: `upstream answered ${status}${what}`,
          latencyMs: elapsed(),
          upstreamStatus: status,
        })
      const timer = setTimeout(() => {
        if (status !== 0) unusable(`, but its body did not end within ${timeoutMs} ms`)
        else fail(504, `upstream did not answer within ${timeoutMs} ms`)
        controller?.abort(new Error('deadline'))
      }, timeoutMs)
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c
          // The deadline passed while the request waited for a connection.
          if (settled) c.abort(new Error('deadline'))
        },
        onResponseStart(_c, statusCode, raw) {
          // 1xx answers are informational: the real one follows.
          if (statusCode < 200) return
          status = statusCode
          headers = []
          for (const name in raw) {
            const v = raw[name]
            if (v === undefined) continue
            if (Array.isArray(v)) for (const one of v) headers.push([name, one])
            else headers.push([name, v])
          }
        },
        onResponseData(c, chunk) {
          if (settled) return
          size += chunk.length
          if (size > maxResponseBytes) {
            unusable(
              ` with a body larger than ${maxResponseBytes} bytes (the most the gateway relays)`,
            )
            c.abort(new Error('answer too large'))
            return
          }
          chunks.push(chunk)
        },
        onResponseEnd() {
          const relayed = endToEndHeaders(headers)
          // The answer to HEAD has no body; its length is the GET's, for the sender to see.
          if (options.method === 'HEAD')
            for (const h of headers) if (h[0].toLowerCase() === 'content-length') relayed.push(h)
          settle({
            ok: true,
            status,
            headers: relayed,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
            latencyMs: elapsed(),
          })
        },
        onResponseError: (_c, error) => {
          if (settled) return
          if (status !== 0) {
            const c = classify(error)
            unusable(
              c.timeout
                ? `, but its body did not end within ${timeoutMs} ms`
                : `, but its body was cut off (${c.error})`,
            )
            return
          }
          // A reused connection the upstream closed as the request went out (it closes idle
          // ones on its own clock): nothing of an answer came, and no new connection was opened
          // meanwhile, so this exchange ran on the old one — the upstream never read it. Sent
          // again once, on a new connection. Never after any answer byte, never twice.
          if (!retried && isClosedConnection(error) && this.#connects === connectsAtDispatch) {
            retried = true
            controller = null
            dispatch()
            return
          }
          const c = classify(error)
          fail(
            c.status,
            c.status === 504 && c.timeout
              ? `upstream did not answer within ${timeoutMs} ms`
              : c.error,
          )
        },
      }
      const dispatch = () => {
        connectsAtDispatch = this.#connects
        try {
          this.#agent.dispatch(options, handler)
        } catch (error) {
          const c = classify(error)
          fail(c.status, c.error)
        }
      }
      dispatch()
    })
  }

  async close(): Promise<void> {
    await this.#agent.close()
  }

  /** The target URL; without a query string to add, the configured URL parsed once. */
  #target(forward: string, target: string): URL {
    if (target.includes('?')) return forwardUrl(forward, target)
    let url = this.#parsed.get(forward)
    if (!url) {
      url = new URL(forward)
      if (this.#parsed.size >= 1024) this.#parsed.clear()
      this.#parsed.set(forward, url)
    }
    return url
  }

  readonly #parsed = new Map<string, URL>()
}

/** The connection closed or reset under the request (no timeout, no refusal, no DNS). */
function isClosedConnection(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? (e as { cause?: { code?: string } })?.cause?.code
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET'
}

/** A short, input-free description of a transport error (never the URL: it may hold userinfo). */
function classify(e: unknown): { status: 502 | 504; error: string; timeout?: true } {
  const code = (e as { code?: string })?.code ?? (e as { cause?: { code?: string } })?.cause?.code
  switch (code) {
    case 'ECONNREFUSED':
      return { status: 502, error: 'upstream refused the connection' }
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { status: 502, error: 'upstream closed the connection' }
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { status: 504, error: 'upstream connect timed out' }
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { status: 504, error: 'upstream timed out', timeout: true }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { status: 502, error: 'upstream host not found' }
    default:
      return { status: 502, error: `upstream error${code ? ` (${code})` : ''}` }
  }
}
