/**
 * Assembles the Fastify app from small plugins, each a plain function over (app, context):
 * raw body, metrics, health, inspect, admin API, diagnose, events, endpoints and dashboard.
 * No plugin knows another's internals; the pipeline knows the order of the stages.
 * @module
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { Duplex } from 'node:stream'
import { buildProblem } from '@hookwarden/core'
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify'
import { captureRequest } from './capture.js'
import { guardConnections } from './connection-guard.js'
import { type GatewayContext, sendAnswer } from './context.js'
import {
  clientErrorAnswers,
  declaredLength,
  endpointHandler,
  pathOfUrl,
} from './endpoint-server.js'
import { newAttemptId } from './ids.js'
import { gatewayProblem, problemAnswer, reasonAnswer } from './pipeline/answer.js'
import { handleAttempt } from './pipeline/handle-attempt.js'
import { apiPlugin } from './plugins/api.js'
import { dashboardPlugin } from './plugins/dashboard.js'
import { diagnosePlugin } from './plugins/diagnose.js'
import { endpointsPlugin, pathOf } from './plugins/endpoints.js'
import { eventsPlugin } from './plugins/events.js'
import { healthPlugin } from './plugins/health.js'
import { inspectPlugin } from './plugins/inspect.js'
import { metricsPlugin } from './plugins/metrics.js'
import { rawBodyPlugin } from './plugins/raw-body.js'
import { requestIdFromRaw } from './request-id.js'

/** From rawHeaders: `req.headers` is built lazily, and building it costs every request. */
function hasHost(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 4 && name.toLowerCase() === 'host') return raw[i + 1] !== ''
  }
  return false
}

/**
 * A request Node's parser refuses (no Host on HTTP/1.1, a malformed line, headers too large) is
 * answered as Node would, plus the X-Request-Id every answer carries. Fastify's
 * `clientErrorHandler`: a listener of our own beside Fastify's default would answer twice.
 * `recorded`: whether the request is one endpoint-server.ts records when it is cut off.
 */
function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Duplex,
  ctx: GatewayContext,
  recorded: (req: http.IncomingMessage) => boolean,
): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  // Bytes after a whole request (more than its Content-Length, after `Connection: close`)
  // while that request is still being answered: Node's default would write a 400 ahead
  // of the answer of an attempt already recorded. Its answer goes out; the rest is dropped.
  // Likewise a request already answered while its body was arriving (413 unread, 503 at
  // shutdown): its answer goes out, and is the only one.
  const pending = (socket as { _httpMessage?: http.ServerResponse })._httpMessage
  if (pending && !pending.writableFinished && (pending.req?.complete || pending.headersSent)) {
    pending.shouldKeepAlive = false
    pending.once('finish', () => socket.end())
    return
  }
  const [status, text] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request']
  // A request cut off mid-body (timed out, half-closed, broken framing): its endpoint records
  // it (endpoint-server.ts) with this status, this request id and this attempt id, which the
  // answer carries like every other refusal's (contract §5), though it is written first.
  const req = pending?.req
  if (req && !req.complete) {
    // HPE_INVALID_EOF_STATE: the sender half-closed mid-body. Any other parser error mid-body
    // is broken framing (a bad chunk size): said so, not "send the whole body".
    const framing =
      err.code?.startsWith('HPE_') && err.code !== 'HPE_INVALID_EOF_STATE'
        ? frameError(err)
        : undefined
    const requestId = requestIdFromRaw(req.rawHeaders)
    const attempt = recorded(req) ? newAttemptId(ctx.clock()) : undefined
    clientErrorAnswers.set(req, {
      status,
      requestId,
      ...(attempt ? { attempt } : {}),
      ...(framing ? { framing } : {}),
    })
    const problem = JSON.stringify({
      ...buildProblem('request_incomplete', 'full', {
        ...(attempt ? { attempt } : {}),
        request_id: requestId,
      }),
      ...(framing
        ? {
            detail: `The body's framing is broken (${framing}): the body could not be read.`,
            hint: "Send a well-formed body: a correct Content-Length, or valid Transfer-Encoding: chunked framing (hex chunk sizes, CRLF after each). The sender's HTTP client or a proxy on the way wrote it wrong.",
          }
        : {}),
      status,
    })
    const attemptHeader = attempt ? `X-Hookwarden-Attempt: ${attempt}\r\n` : ''
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nX-Request-Id: ${requestId}\r\n${attemptHeader}Content-Type: application/problem+json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(problem)}\r\n\r\n${problem}`,
    )
    return
  }
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nX-Request-Id: ${randomUUID()}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  )
}

/** Node's parser error as a phrase: "Parse Error: Invalid character in chunk size" → "invalid character in chunk size". */
function frameError(err: NodeJS.ErrnoException): string {
  const text = (err.message ?? '').replace(/^Parse Error:\s*/i, '').trim()
  return text ? text[0]!.toLowerCase() + text.slice(1) : (err.code ?? 'parse error')
}

export function buildApp(ctx: GatewayContext): FastifyInstance {
  // Set once the endpoints are known (below): the webhook hot path, before Fastify.
  let endpoints: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null = null
  // Asked only of a request cut off mid-body: did endpoint-server.ts take it (and so record it)?
  let endpointAt: ((path: string) => unknown) | null = null
  const recordedWhenCutOff = (req: http.IncomingMessage) =>
    endpointAt?.(pathOfUrl(req.url ?? '/')) !== undefined
  const app = Fastify({
    // One server: endpoint paths are answered by endpoint-server.ts on node:http, the rest by
    // Fastify. The server options are the ones Fastify would set on a server of its own.
    serverFactory: (fastifyHandler) => {
      const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (req.httpVersionMinor === 1 && req.httpVersionMajor === 1 && !hasHost(req.rawHeaders)) {
          res.writeHead(400, {
            'X-Request-Id': requestIdFromRaw(req.rawHeaders),
            Connection: 'close',
            'Content-Length': 0,
          })
          res.end()
          return
        }
        if (!endpoints?.(req, res)) fastifyHandler(req, res)
      }
      const server = http.createServer(
        {
          // Slow senders are cut off near their deadline: Node checks the timeouts every
          // connectionsCheckingInterval (default 30 s), so check every second (T-DOS-2).
          connectionsCheckingInterval: 1000,
          headersTimeout: ctx.limits.headersTimeoutMs,
          requestTimeout: ctx.limits.requestTimeoutMs,
          // Answered below, as Node would (RFC 9112 §3.2: 400), but with an X-Request-Id.
          requireHostHeader: false,
        },
        onRequest,
      )
      // Expect: 100-continue. Node would send 100 before any handler ran, inviting a body that
      // is then refused 413 unread; one declared over the limit gets its final answer alone
      // (RFC 9110 §10.1.1), the rest their 100 as before.
      server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (!(declaredLength(req.rawHeaders) > ctx.limits.bodyLimit)) res.writeContinue()
        onRequest(req, res)
      })
      // Any other expectation is one this server cannot meet (RFC 9110 §10.1.1): 417, as Node
      // answers, but with the request id and a problem body like every other refusal.
      server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
        const requestId = requestIdFromRaw(req.rawHeaders)
        const body = JSON.stringify({
          ...gatewayProblem('bad_request', {
            request_id: requestId,
            detail:
              'The Expect header asks for something this server does not do: only "100-continue" is understood.',
          }),
          status: 417,
        })
        req.resume()
        res.writeHead(417, {
          'X-Request-Id': requestId,
          'Content-Type': 'application/problem+json',
          'Content-Length': Buffer.byteLength(body),
        })
        res.end(body)
      })
      // Header count is bounded by their size (maxHeaderSize, 16 KiB): Node's default of 1000
      // or so dropped the rest silently, an Authorization sent after them included.
      server.maxHeadersCount = 0
      // Fastify's default, kept: longer than the usual 60 s idle timeout of client pools.
      server.keepAliveTimeout = 72_000
      // A sender that shuts its side down after the request (HTTP/1.0-style clients, `nc -N`)
      // still waits for the answer. Node's default ends the socket on that FIN, dropping the
      // answer of an attempt that is being recorded; half-open, the socket ends after it.
      // (A long-standing but untyped field of http.Server; an e2e test holds the behaviour.)
      ;(server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
      // HOOKWARDEN_MAX_CONNECTIONS and HOOKWARDEN_CONNECTIONS_PER_SOURCE: once per connection.
      guardConnections(server, ctx)
      return server
    },
    clientErrorHandler: (err, socket) => answerClientError(err, socket, ctx, recordedWhenCutOff),
    // A URL Fastify's router cannot decode (a malformed %-escape) or a parameter past its
    // length: Fastify's own answer quotes the whole URL, query credentials included, with no
    // request id. Ours is the usual problem+json, and never quotes the URL.
    frameworkErrors: (error, req, reply) => {
      reply.header('X-Request-Id', req.id)
      if (ctx.closing) reply.header('Connection', 'close')
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      sendAnswer(
        reply,
        problemAnswer({
          ...gatewayProblem('bad_request', {
            request_id: req.id,
            detail: tooLong
              ? 'A part of the URL path is too long.'
              : 'The URL holds a malformed percent-escape (a % not followed by two hex digits).',
          }),
          status: tooLong ? 414 : 400,
        }),
      )
    },
    loggerInstance: ctx.logger,
    // One line per attempt is written by the pipeline; Fastify's own lines would carry URLs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.limits.bodyLimit,
    requestIdHeader: false,
    genReqId: (raw) => requestIdFromRaw(raw.rawHeaders),
    // Our own onRequest answers 503 while closing, with X-Request-Id and Retry-After.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Long enough that a mistyped attempt id or endpoint name reaches its route and is told so.
    routerOptions: { maxParamLength: 1000 },
    // Fastify types trustProxy per kind (boolean | number | string); one value of the union is fine at run time.
    trustProxy: ctx.trustProxy as boolean,
    // The plugins take the base instance type; our pino Logger is a FastifyBaseLogger.
  }) as unknown as FastifyInstance

  // X-Request-Id on every answer, errors and 404s included. Callback-style hooks: they run on
  // every request, and an async hook costs a promise each time.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id)
    // A request that arrives on a kept-alive connection while closing: 503, so the sender retries.
    if (ctx.closing) {
      sendAnswer(
        reply,
        problemAnswer(gatewayProblem('shutting_down', { request_id: req.id }), [
          ['Retry-After', '5'],
          ['Connection', 'close'],
        ]),
      )
      return
    }
    done()
  })
  // While shutting down, each answer closes its connection, so that a keep-alive client that
  // was mid-request does not hold the close open once its answer is written.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (ctx.closing) reply.header('Connection', 'close')
    // The admin API's answers hold records and diagnoses: never cached, never sniffed.
    if (req.url.startsWith('/api/')) {
      reply.header('Cache-Control', 'no-store')
      reply.header('X-Content-Type-Options', 'nosniff')
    }
    done(null, payload)
  })
  rawBodyPlugin(app, ctx)
  metricsPlugin(app, ctx)
  healthPlugin(app, ctx)
  inspectPlugin(app, ctx)
  apiPlugin(app, ctx)
  diagnosePlugin(app, ctx)
  eventsPlugin(app, ctx)
  const dashboard = dashboardPlugin(app, ctx)
  const endpointOf = endpointsPlugin(app, ctx, dashboard)
  endpointAt = endpointOf
  endpoints = endpointHandler(ctx, endpointOf)

  app.setErrorHandler(async (error: FastifyError, req, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // An oversized attempt at an endpoint is still an attempt: recorded, answered 413.
      const route = req.routeOptions.url
      const name = (req.params as { endpoint?: string } | undefined)?.endpoint
      const endpoint =
        route === '/health/auth/:endpoint'
          ? ctx.config.endpoints.find((e) => e.name === name)
          : route === '/*' || route === '/'
            ? endpointOf(pathOf(req))
            : undefined
      const declared = Number(req.headers['content-length'])
      if (endpoint) {
        const kind = route === '/health/auth/:endpoint' ? 'health' : 'endpoint'
        const answer = await handleAttempt(
          {
            kind,
            endpoint,
            request: captureRequest(req),
            requestId: req.id,
            source: req.ip,
            tooLarge: { declaredSize: Number.isFinite(declared) ? declared : null },
          },
          ctx,
        )
        return sendAnswer(reply, answer)
      }
      return sendAnswer(
        reply,
        reasonAnswer('payload_too_large', { request_id: req.id }, [['Connection', 'close']]),
      )
    }
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds
    if (typeof retryAfter === 'number') {
      // The store is down or full while reading (the API): 503, try again later.
      ctx.logger.warn({ err: error, request_id: req.id }, 'store unavailable')
      return sendAnswer(
        reply,
        problemAnswer(gatewayProblem('store_unavailable', { request_id: req.id }), [
          ['Retry-After', String(Math.max(1, Math.ceil(retryAfter)))],
        ]),
      )
    }
    const status = error.statusCode ?? 500
    if (status < 500) {
      return sendAnswer(
        reply,
        problemAnswer({
          ...gatewayProblem('bad_request', {
            request_id: req.id,
            detail: error.code ?? 'bad request',
          }),
          status,
        }),
      )
    }
    ctx.logger.error({ err: error, request_id: req.id }, 'unhandled error')
    return sendAnswer(
      reply,
      problemAnswer(gatewayProblem('internal_error', { request_id: req.id })),
    )
  })
  app.setNotFoundHandler(async (req, reply) =>
    sendAnswer(reply, reasonAnswer('route_not_found', { request_id: req.id })),
  )
  return app
}
