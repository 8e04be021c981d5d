/**
 * Sends one HttpRequest to one URL with undici, as close to byte for byte as HTTP/1.1 allows:
 * method, header names in their casing and order, duplicates, raw body. Never follows a
 * redirect, stops at a timeout, caps the answer, and describes what it sent with every
 * credential fingerprinted.
 * @module
 */

import type { Socket } from 'node:net'
import {
  credentialHeaders,
  type EarlierResponse,
  type Header,
  type HttpRequest,
  type HttpResponse,
  InputError,
  redactValue,
  scrubText,
} from '@hookwarden/core'
import { Agent, buildConnector, request as undiciRequest } from 'undici'
import { BlockedTargetError, checkLiteralHost, guardedLookup, type Resolver } from './guard.js'
import { dropUnaskedContinue } from './interim-heads.js'
import { wireValueOf } from './raw-head.js'

export interface SendOptions {
  /** Whole exchange, connect to last body byte (default 10 000 ms). */
  timeoutMs?: number
  /** Allow loopback / private / link-local targets (the CLI on the user's machine: yes). Default false. */
  allowPrivate?: boolean
  /** Response body bytes kept (default 1 MiB); the rest is not read. */
  maxResponseBytes?: number
  /** Name resolution (default: the system resolver); every answer is checked before connect. */
  resolver?: Resolver
}

/** What went on the wire, printable: credentials fingerprinted. */
export interface SentSummary {
  method: string
  url: string
  headers: [string, string][]
  body_bytes: number
  /** Headers of the capture that were not sent, and why. */
  dropped: string[]
  /** Headers the HTTP client sets itself. */
  notes: string[]
}

export interface SendError {
  code:
    | 'timeout'
    | 'blocked_address'
    | 'connect_failed'
    /** Connected, then closed or reset by the peer before any answer came. */
    | 'connection_reset'
    | 'dns_failed'
    | 'tls_failed'
    | 'request_failed'
  message: string
  /**
   * connection_reset: whether the request had been written when the connection closed (the
   * receiver may then have got it, and acted on it).
   */
  request_written?: boolean
}

export interface SendResult {
  sent: SentSummary
  response: HttpResponse | null
  /** True when the body was cut at maxResponseBytes. */
  truncated: boolean
  error: SendError | null
  elapsed_ms: number
}

// undici refuses these (or manages them): the connection is its own, not the capture's.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'proxy-connection',
  'expect',
  'http2-settings',
])

/** Parses a user-given target URL; anything but http(s) is unusable input. */
export function parseTarget(raw: string, field = '--to'): URL {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new InputError(
      'ERR_TARGET',
      `${field} must be an absolute http(s) URL, got ${scrubText(JSON.stringify(raw), [])}`,
      { field },
    )
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InputError('ERR_TARGET', `${field} must be an http or https URL, got ${u.protocol}`, {
      field,
    })
  if (u.username || u.password)
    throw new InputError(
      'ERR_TARGET',
      `${field} must not carry user:password@; send credentials in the request`,
      { field },
    )
  return u
}

/**
 * A header value as the bytes the capture held, in the Latin-1 string undici writes octet for
 * octet: the raw capture's own bytes when known (raw-head.ts: a value that was not UTF-8 is
 * sent as it came), else the text in UTF-8.
 */
function wireValue(header: Header): string {
  return wireValueOf(header) ?? Buffer.from(header[1], 'utf8').toString('latin1')
}

// undici writes a content-length for these even when the body is empty, and for no other
// method without a body (RFC 9110 §8.6).
const EXPECTS_BODY = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH'])

export function summarize(
  request: HttpRequest,
  target: URL,
  sentHeaders: Header[],
  dropped: string[],
  notes: string[],
): SentSummary {
  const secret = new Set(credentialHeaders(request).map((c) => c.name.toLowerCase()))
  return {
    method: request.method,
    url: target.href,
    headers: sentHeaders.map(([n, v]) => [n, secret.has(n.toLowerCase()) ? redactValue(n, v) : v]),
    body_bytes: request.body.length,
    dropped,
    notes,
  }
}

export async function send(
  request: HttpRequest,
  target: URL,
  options: SendOptions = {},
): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024
  const allowPrivate = options.allowPrivate ?? false
  const dropped: string[] = []
  const notes: string[] = [`Host: ${target.host} (the HTTP client writes it first)`]
  const sentHeaders: Header[] = []
  const flat: string[] = []
  for (const header of request.headers) {
    const [name, value] = header
    const lower = name.toLowerCase()
    if (lower === 'host') continue
    if (HOP_BY_HOP.has(lower)) {
      dropped.push(`${name} (hop-by-hop: the connection is the client's own)`)
      continue
    }
    if (lower === 'content-length') {
      if (value.trim() !== String(request.body.length))
        dropped.push(
          `${name}: ${value} (the body has ${request.body.length} bytes; the right length is sent)`,
        )
      continue
    }
    sentHeaders.push([name, value])
    flat.push(name, wireValue(header))
  }
  // What undici writes after Host; pipelining 0 below makes it `connection: close`.
  const length =
    request.body.length > 0 || EXPECTS_BODY.has(request.method)
      ? `content-length: ${request.body.length} and `
      : ''
  notes.push(`${length}connection: close (written by the HTTP client: one request, one connection)`)
  const sent = summarize(request, target, sentHeaders, dropped, notes)
  const started = performance.now()
  const done = (partial: Omit<SendResult, 'sent' | 'elapsed_ms'>): SendResult => ({
    sent,
    ...partial,
    elapsed_ms: Math.round(performance.now() - started),
  })

  const connector = buildConnector({
    timeout: timeoutMs,
    lookup: guardedLookup(allowPrivate, options.resolver) as never,
  })
  // The socket, once connected: a close after this is no failure to connect, and its
  // bytesWritten says whether the request went out.
  let socket: Socket | null = null
  // The 100 Continue heads the server sent first, unasked (taken off before undici reads them).
  const interim: EarlierResponse[] = []
  const agent = new Agent({
    connect: (opts, callback) =>
      connector(opts, (err, s) => {
        if (s) {
          socket = s
          dropUnaskedContinue(s, interim)
        }
        ;(callback as (e: Error | null, s: Socket | null) => void)(err, s)
      }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    pipelining: 0,
  })
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    checkLiteralHost(target, allowPrivate)
    const res = await undiciRequest(target, {
      method: request.method as never,
      headers: flat,
      body:
        request.body.length || !['GET', 'HEAD'].includes(request.method)
          ? Buffer.from(request.body)
          : null,
      dispatcher: agent,
      signal,
    })
    const chunks: Buffer[] = []
    let size = 0
    let truncated = false
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size))
        truncated = true
        break
      }
      chunks.push(chunk)
      size += chunk.length
    }
    if (truncated) res.body.destroy()
    const headers: Header[] = []
    for (const [n, v] of Object.entries(res.headers)) {
      if (v === undefined) continue
      for (const one of Array.isArray(v) ? v : [v])
        headers.push([n, Buffer.from(one, 'latin1').toString('utf8')])
    }
    const statusText = (res as { statusText?: string }).statusText
    const response: HttpResponse = {
      status: res.statusCode,
      headers,
      body: Buffer.concat(chunks),
      ...(statusText ? { statusText } : {}),
      ...(interim.length ? { earlier: interim } : {}),
    }
    return done({ response, truncated, error: null })
  } catch (e) {
    const s = socket as Socket | null
    const wire = s ? { bytesWritten: s.bytesWritten } : null
    return done({
      response: null,
      truncated: false,
      error: describeError(e, timeoutMs, target, wire, interim),
    })
  } finally {
    agent.destroy().catch(() => {})
  }
}

function describeError(
  e: unknown,
  timeoutMs: number,
  target: URL,
  wire: { bytesWritten: number } | null,
  interim: readonly EarlierResponse[] = [],
): SendError {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException }
  const root = err.cause ?? err
  if (e instanceof BlockedTargetError || root instanceof BlockedTargetError)
    return { code: 'blocked_address', message: (root as Error).message }
  const code = root?.code ?? err?.code ?? ''
  const name = root?.name ?? err?.name ?? ''
  if (name === 'TimeoutError' || name === 'AbortError' || /TIMEOUT/.test(code))
    return {
      code: 'timeout',
      message: `no complete answer from ${target.host} within ${timeoutMs} ms`,
    }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { code: 'dns_failed', message: `cannot resolve ${target.hostname} (${code})` }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'UND_ERR_SOCKET'
  ) {
    if (wire) {
      const written = Math.max(
        wire.bytesWritten,
        (err as { socket?: { bytesWritten?: number } }).socket?.bytesWritten ?? 0,
      )
      const continued = interim.length
        ? `, then the server answered ${interim.length > 1 ? `${interim.length} × ` : ''}100 Continue unasked and closed the connection before its final answer`
        : ', then the server closed the connection without an answer'
      return {
        code: 'connection_reset',
        message:
          written > 0
            ? `connected to ${target.host} and wrote the request (${written} bytes)${continued}: it may have received the request, and even acted on it (${code})`
            : `connected to ${target.host}, then the server closed the connection before the request was written (${code})`,
        request_written: written > 0,
      }
    }
    return { code: 'connect_failed', message: `connection to ${target.host} failed (${code})` }
  }
  if (/CERT|SSL|TLS/i.test(code))
    return { code: 'tls_failed', message: `TLS with ${target.host} failed (${code})` }
  return {
    code: 'request_failed',
    message: `${code || name || 'error'}: ${(root as Error)?.message ?? String(e)}`,
  }
}
