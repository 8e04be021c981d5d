/**
 * The webhook hot path on node:http itself. A request whose path is an endpoint's goes
 * straight to handleAttempt(); everything else (API, dashboard, health, metrics, inspect, 404)
 * goes to Fastify. Measured (bench/gateway.bench.mjs): Fastify's request and reply objects,
 * hooks, router and content-type parser cost more per webhook than verifying it, and the
 * endpoint path needs none of them: it reads raw bytes and writes an Answer.
 *
 * What Fastify did on this path is kept here, the same way: the request id (X-Request-Id on
 * every answer), 503 while closing, the body limit (413, recorded), the source address under
 * `trustProxy` (the same @fastify/proxy-addr rules), and the Answer's headers as sendAnswer()
 * copies them.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import { type Endpoint, requestPath } from '@hookwarden/core'
import { headersFromRaw } from './capture.js'
import { bodyBytesInFlightFor, type GatewayContext } from './context.js'
import { newAttemptId } from './ids.js'
import { type Answer, gatewayProblem, problemAnswer } from './pipeline/answer.js'
import { type AttemptInput, handleAttempt } from './pipeline/handle-attempt.js'
import { requestIdFromRaw } from './request-id.js'

const EMPTY = new Uint8Array(0)

/**
 * Requests cut off mid-body that app.ts answered itself (408 at the timeout, else 400): the
 * request id and attempt id that answer gave (the record takes them), and the parser's words
 * when their framing broke (a bad chunk size), as opposed to a short body.
 */
export const clientErrorAnswers = new WeakMap<
  IncomingMessage,
  { status: number; requestId: string; attempt?: string; framing?: string }
>()

/** Returns a handler that takes endpoint requests (true) and leaves the rest to Fastify (false). */
export function endpointHandler(
  ctx: GatewayContext,
  endpointAt: (path: string) => Endpoint | undefined,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const sourceOf = sourceAddress(ctx.trustProxy)
  const answers = answerBatch(ctx)
  // Bounds on bodies still arriving (F5): each is held whole until its end, so without them
  // memory grew ~1 MB per held connection. Past either, the request is answered 503 with
  // Retry-After and recorded (within the source's limit on refusals); what it sent is dropped.
  const busy = bodiesInFlight(ctx)
  return (req, res) => {
    const url = req.url ?? '/'
    const endpoint = endpointAt(pathOfUrl(url))
    if (!endpoint) return false
    const requestId = requestIdFromRaw(req.rawHeaders)
    if (ctx.closing) {
      req.resume()
      writeAnswer(
        res,
        problemAnswer(gatewayProblem('shutting_down', { request_id: requestId }), [
          ['Retry-After', '5'],
          ['Connection', 'close'],
        ]),
        requestId,
        true,
      )
      return true
    }
    let settled = false
    const arrived = ctx.clock()
    const limit = ctx.limits.bodyLimit
    const declared = declaredLength(req.rawHeaders)
    const source = sourceOf(req)
    const chunks: Buffer[] = []
    let size = 0
    // This request's bytes in busy.bytes, given back when its reading ends.
    let held = 0
    busy.enter(source)
    const attempt = (
      body: Uint8Array,
      tooLarge?: { declaredSize: number | null },
      incomplete?: AttemptInput['incomplete'],
      // An answer written before the record (app.ts) gave its own request id: the record's.
      answeredAs = requestId,
      refusedBusy?: AttemptInput['busy'],
    ) => {
      settled = true
      busy.leave(source, held)
      held = 0
      const handled = handleAttempt(
        {
          kind: 'endpoint',
          endpoint,
          request: {
            method: (req.method ?? 'GET').toUpperCase(),
            url,
            headers: headersFromRaw(req.rawHeaders),
            body,
            httpVersion: `HTTP/${req.httpVersion}`,
          },
          requestId: answeredAs,
          source,
          ...(tooLarge ? { tooLarge } : {}),
          ...(refusedBusy ? { busy: refusedBusy } : {}),
          // It ended only now; it arrived when its headers did.
          ...(incomplete ? { incomplete, receivedAt: arrived } : {}),
        },
        ctx,
      )
      ctx.inFlight.leave(reading)
      handled.then(
        // An incomplete request's sender got its answer already (408, 400, 503 at shutdown), or
        // is gone: only the record stays.
        (answer) => incomplete || answers.add(res, answer, requestId),
        (error: unknown) => {
          ctx.logger.error({ err: error, request_id: requestId }, 'unhandled error')
          answers.add(
            res,
            problemAnswer(gatewayProblem('internal_error', { request_id: requestId })),
            requestId,
          )
        },
      )
    }
    // Shutdown, and this body is still arriving once the grace for it is over (gateway.ts):
    // answered 503 with Retry-After, so that the sender retries against a gateway that stays,
    // and recorded with the answer it really got (none, when its socket was already gone).
    const cutOff = () => {
      if (settled) return
      const id = newAttemptId(ctx.clock())
      let sent = false
      try {
        sent = writeAnswer(res, shutdownAnswer(requestId, id, size, declared), requestId, true)
      } catch (error) {
        ctx.logger.error({ err: error, request_id: requestId }, 'answer not written')
        res.destroy()
      }
      attempt(Buffer.concat(chunks, size), undefined, {
        received: size,
        declared: Number.isFinite(declared) ? declared : null,
        answered: sent ? 503 : null,
        attempt: id,
        shutdown: true,
      })
    }
    // Counted from now: a close() while the body is still arriving waits for its record.
    const reading = ctx.inFlight.enter(cutOff)
    // Declared too large: answered and recorded without reading a byte of it.
    if (Number.isFinite(declared) && declared > limit) {
      attempt(EMPTY, { declaredSize: declared })
      return true
    }
    // Too many bodies arriving from this source, or this one's declared length would pass the
    // bytes held at once: refused before a byte of it is read.
    const full = busy.refuses(source, Number.isFinite(declared) ? declared : 0)
    if (full) {
      req.on('error', () => res.destroy())
      attempt(EMPTY, undefined, undefined, requestId, full)
      return true
    }
    req.on('data', (chunk: Buffer) => {
      // Settled: over the limit, or cut off at shutdown. The rest is read, not kept.
      if (settled) return
      size += chunk.length
      if (size > limit) {
        // Streamed past the limit (chunked, or a lying Content-Length): stop keeping it.
        chunks.length = 0
        // Without a declared length, the bytes read so far (already over the limit) stand for it.
        attempt(EMPTY, { declaredSize: Number.isFinite(declared) ? declared : size })
        return
      }
      held += chunk.length
      if (!busy.hold(chunk.length)) {
        // Bodies still arriving hold as many bytes as allowed: this one stops being kept.
        chunks.length = 0
        attempt(EMPTY, undefined, undefined, requestId, busy.bytesFull(size, declared))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (settled) return
      attempt(
        chunks.length === 1
          ? chunks[0]!
          : chunks.length === 0
            ? EMPTY
            : Buffer.concat(chunks, size),
      )
    })
    // A sender that went away mid-body, or too slow for the request timeout: nothing complete
    // arrived, so nothing is verified or answered, but the attempt is recorded with how far it got.
    req.on('error', () => res.destroy())
    req.on('close', () => {
      if (settled || req.complete) return
      // The bytes that did arrive: their size and SHA-256 go in the record (never the body).
      const answered = clientErrorAnswers.get(req)
      attempt(
        Buffer.concat(chunks, size),
        undefined,
        {
          received: size,
          declared: Number.isFinite(declared) ? declared : null,
          answered: answered?.status ?? null,
          ...(answered?.attempt ? { attempt: answered.attempt } : {}),
          ...(answered?.framing ? { framing: answered.framing } : {}),
        },
        answered?.requestId,
      )
    })
    return true
  }
}

/**
 * The bytes held for bodies still arriving, across requests, and those requests per source.
 * Each accepted request costs two counter updates and a Map entry for its source while its
 * body arrives.
 */
function bodiesInFlight(ctx: GatewayContext) {
  let bytes = 0
  const perSource = new Map<string, number>()
  const maxBytes = () => ctx.limits.bodyBytesInFlight ?? bodyBytesInFlightFor(ctx.limits.bodyLimit)
  const RETRY_AFTER = 5
  return {
    enter(source: string): void {
      perSource.set(source, (perSource.get(source) ?? 0) + 1)
    },
    leave(source: string, held: number): void {
      bytes -= held
      const n = (perSource.get(source) ?? 1) - 1
      if (n === 0) perSource.delete(source)
      else perSource.set(source, n)
    },
    /** Why a new request is refused before its body is read (undefined: it is not). */
    refuses(source: string, declared: number): AttemptInput['busy'] | undefined {
      const from = perSource.get(source) ?? 0
      if (from > ctx.limits.bodiesPerSource)
        return {
          retryAfter: RETRY_AFTER,
          detail: `${from - 1} bodies from this source were still arriving (at most ${ctx.limits.bodiesPerSource} at once): the request was refused before its body was read`,
        }
      if (declared > 0 && bytes + declared > maxBytes())
        return {
          retryAfter: RETRY_AFTER,
          detail: `bodies still arriving held ${bytes} bytes; this one's ${declared} declared would pass the ${maxBytes()} held at once: the request was refused before its body was read`,
        }
      return undefined
    },
    /** Counts a chunk held; false when that passes the bound (the caller drops the body). */
    hold(n: number): boolean {
      bytes += n
      return bytes <= maxBytes()
    },
    bytesFull(received: number, declared: number): AttemptInput['busy'] {
      const of = Number.isFinite(declared) ? ` of the ${declared} declared` : ''
      return {
        retryAfter: RETRY_AFTER,
        detail: `bodies still arriving held more than the ${maxBytes()} bytes allowed at once after ${received} bytes${of} of this one: it was dropped, not kept`,
      }
    },
  }
}

/**
 * The declared Content-Length (NaN when absent), read from rawHeaders: `req.headers` would
 * build Node's whole header object on first use, for this one value (measured ~1 µs). Node's
 * parser has already refused a request with two different lengths.
 */
export function declaredLength(raw: readonly string[]): number {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 14 && name.toLowerCase() === 'content-length') return Number(raw[i + 1])
  }
  return Number.NaN
}

/**
 * The 503 for a body still arriving when shutdown could wait no longer: the attempt is
 * recorded (as request_incomplete), not accepted; the sender is told to come back.
 */
function shutdownAnswer(
  requestId: string,
  attempt: string,
  received: number,
  declared: number,
): Answer {
  const of = Number.isFinite(declared) ? ` of the ${declared} declared` : ''
  return problemAnswer(
    gatewayProblem('shutting_down', {
      attempt,
      request_id: requestId,
      detail: `The gateway is shutting down and the body was still arriving (${received} bytes${of}): the attempt was recorded as incomplete and not accepted; send it again after the time given.`,
    }),
    [
      ['Retry-After', '5'],
      ['Connection', 'close'],
      ['X-Hookwarden-Attempt', attempt],
    ],
  )
}

/** The raw path as sent, exactly as the Fastify catch-all route looks it up. */
export function pathOfUrl(url: string): string {
  return requestPath({ method: 'GET', url, headers: [], body: EMPTY })
}

/** Fastify's `req.ip`: the peer, or under trustProxy the nearest untrusted X-Forwarded-For hop. */
function sourceAddress(trustProxy: GatewayContext['trustProxy']): (req: IncomingMessage) => string {
  if (!trustProxy) return (req) => req.socket.remoteAddress ?? ''
  const trust: (addr: string, i: number) => boolean =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? // A hop count alone cannot vouch for the peer: fail closed, as Fastify does.
          () => false
        : proxyAddr.compile(trustProxy.split(',').map((s) => s.trim()))
  return (req) => {
    const all = proxyAddr.all(req, trust)
    return all[all.length - 1] ?? ''
  }
}

/**
 * The answers that became ready during this turn of the event loop, written together at its
 * end (setImmediate runs once the poll phase has handed over every socket that was ready).
 * Why: a write(2) that finds the sender asleep pays for waking it, and under virtualisation
 * that cross-core wake is dear. Answered one by one, each between two verifications, almost
 * every write woke the load generator afresh: measured here ~60 µs per write, against ~20 µs
 * for writes that follow each other (bench/README.md, 2026-11-29). Written back to back, the
 * first write wakes the sender and the rest find it awake. The wait is the rest of the poll
 * phase: the attempts read in the same turn, nothing more; a lone request is answered at once.
 * Recorded answers already arrive in batches (one group commit); they go the same way.
 */
function answerBatch(ctx: GatewayContext) {
  let pending: { res: ServerResponse; answer: Answer; requestId: string }[] = []
  const flush = () => {
    const batch = pending
    pending = []
    for (const { res, answer, requestId } of batch) {
      try {
        if (!writeAnswer(res, answer, requestId, ctx.closing))
          // The record holds what the gateway (or the upstream) answered; the sender, gone
          // first, got nothing and will likely retry: say so where the operator looks.
          ctx.logger.warn(
            {
              request_id: requestId,
              attempt: headerOf(answer, 'x-hookwarden-attempt'),
              status: answer.status,
            },
            'answer not delivered: the sender closed the connection first',
          )
      } catch (error) {
        // One answer that cannot be written (its socket broke) must not cost the others theirs.
        ctx.logger.error({ err: error, request_id: requestId }, 'answer not written')
        res.destroy()
      }
    }
  }
  return {
    add(res: ServerResponse, answer: Answer, requestId: string): void {
      if (pending.push({ res, answer, requestId }) === 1) setImmediate(flush)
    },
  }
}

/** Writes an Answer as sendAnswer() puts it on a Fastify reply: same headers, same body bytes. */
export function writeAnswer(
  res: ServerResponse,
  answer: Answer,
  requestId: string,
  closing: boolean,
): boolean {
  // The sender hung up first: its socket is gone (res itself is not always marked destroyed).
  // A pipelined request's answer has no socket yet (Node hands it over once the answers
  // ahead have gone out, and queues what is written meanwhile): the request's socket tells.
  const socket = res.socket ?? res.req?.socket
  if (res.destroyed || !socket || socket.destroyed) return false
  // A JSON body goes as a string: Node then writes head and body in one write() rather than a
  // writev of two buffers (measured: the writev was the largest single cost of an answer).
  const body: Uint8Array | string =
    answer.body instanceof Uint8Array ? answer.body : JSON.stringify(answer.body)
  const flat: string[] = ['X-Request-Id', requestId]
  let contentType: string | undefined
  let connection: string | undefined
  // An upstream's answer to HEAD has no body but says how long the GET's would be: kept.
  let headLength: string | undefined
  for (const [n, v] of answer.headers) {
    const lower = n.toLowerCase()
    if (lower === 'content-length') {
      if (res.req?.method === 'HEAD' && /^\d+$/.test(v)) headLength = v
      continue
    }
    if (lower === 'x-request-id') continue
    // One Content-Type and one Connection (the last set wins, as on a Fastify reply); any
    // other header keeps every value, in order (Set-Cookie from an upstream).
    if (lower === 'content-type') contentType = v
    else if (lower === 'connection') connection = v
    else flat.push(n, v)
  }
  if (contentType !== undefined) flat.push('Content-Type', contentType)
  if (closing) connection = 'close'
  if (connection !== undefined) flat.push('Connection', connection)
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  flat.push('Content-Length', size === 0 && headLength !== undefined ? headLength : String(size))
  res.writeHead(answer.status, flat)
  // Head and body in one write(2): write() corks the socket and buffers them as one chunk;
  // uncorking at once sends it. end(body) would queue an empty chunk (its finish callback)
  // behind them and send both through writev: measured ~3 µs more per answer. end() then has
  // nothing left to write when the socket took it all (the usual case) and only finishes.
  res.write(body)
  res.socket?.uncork()
  res.end()
  return true
}

function headerOf(answer: Answer, name: string): string | null {
  for (const [n, v] of answer.headers) if (n.toLowerCase() === name) return v
  return null
}
