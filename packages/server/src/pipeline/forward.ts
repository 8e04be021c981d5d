/**
 * Forwarding with undici: the raw body bytes and the headers as received (hop-by-hop ones
 * dropped, X-Request-Id set), to the endpoint's configured URL only, with a deadline, never
 * following a redirect, and reading at most `maxResponseBytes` of the answer.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Endpoint, Header, HttpRequest } from '@hookwarden/core'
import { Agent } from 'undici'
import { isCredentialHeader } from '../redact.js'
import { traceIdOf } from '../request-id.js'

export interface ForwardOptions {
  /** Whole exchange deadline in ms (default 10 000). */
  timeoutMs: number
  /** Largest upstream answer relayed (default 1 MiB); a larger one is a 502. */
  maxResponseBytes: number
}

export const DEFAULT_FORWARD: ForwardOptions = { timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 }

export type ForwardResult =
  | { ok: true; status: number; headers: Header[]; body: Uint8Array; latencyMs: number }
  | { ok: false; status: 502 | 504; error: string; latencyMs: number }

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

  constructor(options: Partial<ForwardOptions> = {}) {
    this.options = { ...DEFAULT_FORWARD, ...options }
    this.#agent = new Agent({
      connect: { timeout: this.options.timeoutMs },
      keepAliveTimeout: 10_000,
    })
  }

  async forward(input: ForwardInput): Promise<ForwardResult> {
    const { request: req, endpoint } = input
    const started = performance.now()
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10
    if (!endpoint.forward)
      return { ok: false, status: 502, error: 'no upstream configured', latencyMs: 0 }
    let url: URL
    try {
      url = this.#target(endpoint.forward, req.url)
    } catch {
      return { ok: false, status: 502, error: 'upstream URL is not valid', latencyMs: 0 }
    }
    const flat: string[] = []
    for (const [n, v] of endToEndHeaders(req.headers)) {
      const lower = n.toLowerCase()
      if (lower === 'x-request-id' || lower.startsWith('x-forwarded-')) continue
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
    for (const [n, v] of input.extraHeaders ?? []) flat.push(n, v)

    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, this.options.timeoutMs)
    try {
      const hasBody = req.body.length > 0 || !['GET', 'HEAD'].includes(req.method)
      // The agent's own request(): undici's top-level request() parses the URL again and
      // copies the options on every call.
      const res = await this.#agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method as 'POST',
        headers: flat,
        body: hasBody ? req.body : null,
        signal: controller.signal,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      })
      const body = await readLimited(res.body, this.options.maxResponseBytes)
      if (body === null)
        return {
          ok: false,
          status: 502,
          error: `upstream answer larger than ${this.options.maxResponseBytes} bytes`,
          latencyMs: elapsed(),
        }
      const headers: Header[] = []
      for (const [n, v] of Object.entries(res.headers)) {
        if (v === undefined) continue
        for (const one of Array.isArray(v) ? v : [v]) headers.push([n, one])
      }
      return {
        ok: true,
        status: res.statusCode,
        headers: endToEndHeaders(headers),
        body,
        latencyMs: elapsed(),
      }
    } catch (e) {
      if (timedOut)
        return {
          ok: false,
          status: 504,
          error: `upstream did not answer within ${this.options.timeoutMs} ms`,
          latencyMs: elapsed(),
        }
      return { ok: false, ...classify(e), latencyMs: elapsed() }
    } finally {
      clearTimeout(timer)
    }
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

/**
 * The whole answer body, or null past `max` bytes (the rest is not read). Events rather than
 * `for await`: the async iterator costs a promise and a generator step per chunk.
 */
function readLimited(
  body: NodeJS.ReadableStream & { destroy(): void },
  max: number,
): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    body.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > max) {
        body.destroy()
        resolve(null)
        return
      }
      chunks.push(chunk)
    })
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
    body.on('error', reject)
  })
}

/** A short, input-free description of a transport error (never the URL: it may hold userinfo). */
function classify(e: unknown): { status: 502 | 504; error: string } {
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
      return { status: 504, error: 'upstream timed out' }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { status: 502, error: 'upstream host not found' }
    default:
      return { status: 502, error: `upstream error${code ? ` (${code})` : ''}` }
  }
}
