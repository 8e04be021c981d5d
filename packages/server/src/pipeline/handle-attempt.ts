/**
 * THE order of the stages, and the only file that knows it:
 *   limits (413, 429) → provider handshake → verify → record → answer / forward,
 *   and the near-miss diagnosis of a refusal off the answer's path (bounded queue, shed under load).
 * Nothing is acknowledged that was not recorded first: a store that cannot record turns the
 * answer into 503 + Retry-After, and nothing is forwarded.
 * @module
 */

import {
  type Check,
  type Config,
  type Endpoint,
  type HandshakeAnswer,
  type Header,
  type HttpRequest,
  type HttpResponse,
  handshake,
  type NonceStore,
  refinable,
  refineVerdict,
  replayClaimKey,
  type Verdict,
  verifyEager,
} from '@hookwarden/core'
import type { Logger } from 'pino'
import type { AttemptEvents } from '../events.js'
import { newAttemptId } from '../ids.js'
import { type AttemptTimings, logAttempt } from '../logging.js'
import type { GatewayMetrics } from '../metrics.js'
import { PAST_LIMIT_CHECK } from '../storage/compact-row.js'
import type { AttemptRecord, AttemptStore } from '../storage/types.js'
import {
  type Answer,
  gatewayProblem,
  jsonAnswer,
  problemAnswer,
  reasonAnswer,
  refusalAnswer,
} from './answer.js'
import { explainUpstreamRefusal, runDiagnosis } from './diagnose.js'
import type { DiagnosisQueue } from './diagnosis-queue.js'
import { type Forwarder, type ForwardResult, publicLocation } from './forward.js'
import type { AttemptsInFlight, PendingUpdates } from './in-flight.js'
import type { OverLimitTally } from './over-limit.js'
import type { RateLimiter, RateLimitState } from './rate-limit.js'
import { buildRecord, recordAttempt } from './record.js'

export interface PipelineDeps {
  config: Config
  store: AttemptStore
  nonceStore: NonceStore
  rateLimiter: RateLimiter
  forwarder: Forwarder
  diagnosis: DiagnosisQueue
  metrics: GatewayMetrics
  logger: Logger
  events: AttemptEvents
  /** Unix milliseconds. */
  clock: () => number
  /** Attempts still being handled (shutdown waits for them); absent in unit tests. */
  inFlight?: AttemptsInFlight
  /**
   * Writes a record's later updates (forward result, diagnosis), holding those the store
   * refuses to write them again; absent in unit tests (then a refusal is only logged).
   */
  updates?: PendingUpdates
  /**
   * Counts a source's refusals past its limit into one record per window instead of one row
   * each (over-limit.ts); absent in unit tests (then each is recorded).
   */
  overLimit?: OverLimitTally
}

export interface AttemptInput {
  /** `endpoint`: the endpoint's own path; `health`: /health/auth/{endpoint} (never forwards). */
  kind: 'endpoint' | 'health'
  endpoint: Endpoint
  request: HttpRequest
  requestId: string
  /** The peer address, for the rejected-attempt rate limit. */
  source: string
  /** Set when the body was over the limit and was not read. */
  tooLarge?: { declaredSize: number | null }
  /**
   * Set when the path was no endpoint's but a near miss of this one's (a trailing slash, a
   * proxy's prefix…): recorded against it and answered 404, nothing verified or forwarded.
   */
  misrouted?: { detail: string }
  /**
   * Set when the connection ended (or timed out) before the whole body arrived: recorded, never
   * verified or forwarded. `answered`: the status the gateway answered it (408 at the request
   * timeout, 400 for a half-close or broken framing, 503 when shutdown cut it off); null: the
   * sender was gone.
   */
  incomplete?: {
    received: number
    declared: number | null
    answered: number | null
    /** The attempt id the answer already gave (it is written before the record). */
    attempt?: string
    /** The parser's words when the body's framing broke (not a short body). */
    framing?: string
    /** Cut off by a shutdown, the body still arriving after the grace given to it. */
    shutdown?: boolean
  }
  /**
   * Set when the gateway refused the request for its capacity before reading the body (too
   * many bytes of bodies in flight, or too many connections from this source): answered 503
   * with Retry-After, recorded within the source's limit.
   */
  busy?: { detail: string; retryAfter: number }
  /** Unix ms when the request arrived, when it is not now (an incomplete one ends later). */
  receivedAt?: number
}

type AttemptIds = { attempt: string; request_id: string }

/** What a limiter that failed says: not limited. */
const NOT_LIMITED: RateLimitState = Object.freeze({ limited: false, retryAfter: 0 })

const ms = (from: number) => Math.round((performance.now() - from) * 100) / 100

function retryAfterOf(e: unknown): number {
  const s = (e as { retryAfterSeconds?: unknown })?.retryAfterSeconds
  return typeof s === 'number' && s > 0 ? Math.ceil(s) : 5
}

export function handleAttempt(input: AttemptInput, deps: PipelineDeps): Promise<Answer> {
  const attempt = runAttempt(input, deps)
  return deps.inFlight ? deps.inFlight.track(attempt) : attempt
}

async function runAttempt(input: AttemptInput, deps: PipelineDeps): Promise<Answer> {
  const { endpoint, request, requestId, kind } = input
  const receivedAt = input.receivedAt ?? deps.clock()
  const id = input.incomplete?.attempt ?? newAttemptId(receivedAt)
  const ids = { attempt: id, request_id: requestId }
  const timings: AttemptTimings = {}

  // Per source and endpoint: one sender's broken endpoint never throttles its other ones, nor
  // another integration behind the same egress address.
  const limitKey = `${input.source}|${endpoint.name}`
  let limit: RateLimitState = NOT_LIMITED

  // 1. Limits, decided before any verification work. A cut-off body, a body over the size
  // limit and a request refused for the gateway's capacity count against the source like
  // any refusal: past its limit they are answered the same but only counted (F2).
  if (input.incomplete || input.tooLarge || input.busy) {
    const counted = countRefusal(limitKey, deps, requestId)
    limit = counted instanceof Promise ? await counted : counted
  }
  if (input.incomplete) {
    const { received, declared, answered, framing, shutdown } = input.incomplete
    const status = answered ?? 400
    const of = declared === null ? '' : ` of the ${declared} declared`
    const detail = framing
      ? `the body's framing broke after ${received} bytes (${framing}): the sender's HTTP client or a proxy wrote malformed chunked framing; the gateway answered ${status}`
      : shutdown
        ? `${received} bytes${of} had arrived when the gateway shut down (bodies still arriving get a short grace); ${answered === null ? 'no answer could be sent' : `the gateway answered ${answered} with Retry-After`}`
        : answered === 408
          ? `${received} bytes${of} arrived before the request timeout; the gateway answered 408`
          : answered !== null
            ? `the request ended after ${received} bytes${of} (the sender half-closed, or its framing broke); the gateway answered ${answered}`
            : `the connection closed after ${received} bytes${of}; no answer could be sent`
    const build = () => {
      const record = refusedEarly(input, id, receivedAt, status, 'request_incomplete')
      record.checks = [{ name: 'body', ok: false, reason: 'request_incomplete', detail }]
      return record
    }
    const answerFor = (to: AttemptIds): Answer => ({
      ...reasonAnswer('request_incomplete', { ...to, detail }),
      status,
    })
    if (limit.limited) return pastLimit(limitKey, limit, build, answerFor, input, deps, timings)
    return finish(build(), answerFor(ids), deps, timings)
  }
  if (input.tooLarge) {
    const build = () => refusedEarly(input, id, receivedAt, 413, 'payload_too_large')
    // Connection: close — the rest of an oversized body is never read.
    const answerFor = (to: AttemptIds) =>
      reasonAnswer('payload_too_large', to, [['Connection', 'close']])
    if (limit.limited) return pastLimit(limitKey, limit, build, answerFor, input, deps, timings)
    return finish(build(), answerFor(ids), deps, timings)
  }
  if (input.busy) {
    const { detail, retryAfter } = input.busy
    const build = () => {
      const record = refusedEarly(input, id, receivedAt, 503, 'gateway_busy')
      record.checks = [{ name: 'capacity', ok: false, reason: 'gateway_busy', detail }]
      return record
    }
    const answerFor = (to: AttemptIds) =>
      problemAnswer(gatewayProblem('gateway_busy', { ...to, detail }), [
        ['Retry-After', String(retryAfter)],
        ['Connection', 'close'],
      ])
    if (limit.limited) return pastLimit(limitKey, limit, build, answerFor, input, deps, timings)
    return finish(build(), answerFor(ids), deps, timings)
  }
  // The limit is on rejected attempts: a source over it still gets a valid request through
  // (Make and Zapier send many customers' calls from shared addresses, and one customer's
  // broken scenario must not block another's), but nothing more is recorded or diagnosed
  // for its failures. Verifying is one HMAC; the record and the diagnosis are what it saves.
  // A valid request never asks the limiter anything, so a stalled Redis delays no accepted
  // webhook (and a refusal's count fails open).
  const rateLimited = () => {
    deps.metrics.rateLimited.inc({ endpoint: endpoint.name })
    return pastLimit(
      limitKey,
      limit,
      () => refusedEarly(input, id, receivedAt, 429, 'rate_limited'),
      (to) => reasonAnswer('rate_limited', to, [['Retry-After', String(limit.retryAfter)]]),
      input,
      deps,
      timings,
    )
  }
  // The operator sees the sender's URL mistake in the attempts, under the endpoint it meant;
  // it counts against the source's rejected attempts like any refusal.
  if (input.misrouted) {
    const counted = countRefusal(limitKey, deps, requestId)
    limit = counted instanceof Promise ? await counted : counted
    if (limit.limited) return rateLimited()
    const { detail } = input.misrouted
    const record = refusedEarly(input, id, receivedAt, 404, 'route_not_found')
    record.checks = [{ name: 'route', ok: false, reason: 'route_not_found', detail }]
    const down = await commitRecord(record, deps, timings)
    if (down) return down
    return done(record, reasonAnswer('route_not_found', { ...ids, detail }), deps, timings)
  }

  // A provider's handshake (Slack url_verification, Zoom, Graph, Dropbox, SNS…) is answered in
  // the receiver's place: unsigned ones at once, signed ones once they verify. Never forwarded.
  const hs =
    kind === 'endpoint' && endpoint.provider
      ? handshake(request, endpoint, { now: receivedAt / 1000 })
      : null
  if (hs && !hs.requiresVerification)
    return answerHandshake(hs, null, input, id, receivedAt, deps, timings)

  // 2. Verify. A health check never claims a nonce: it must not burn the real delivery's id.
  let verdict: Verdict
  const verifyStarted = performance.now()
  try {
    const eager = verifyEager(request, endpoint, {
      now: receivedAt / 1000,
      ...(kind === 'endpoint' ? { nonceStore: deps.nonceStore } : {}),
    })
    verdict = eager instanceof Promise ? await eager : eager
  } catch (e) {
    if ((e as { retryAfterSeconds?: unknown })?.retryAfterSeconds !== undefined) {
      // The nonce store is down: fail closed (T-RPL-5), never accept without a replay check.
      deps.logger.error(
        { err: e, request_id: requestId, endpoint: endpoint.name },
        'nonce store unavailable',
      )
      deps.metrics.refusedUnavailable.inc({
        endpoint: endpoint.name,
        reason: 'nonce_store_unavailable',
      })
      // Not recorded, so no attempt id is given.
      return problemAnswer(gatewayProblem('nonce_store_unavailable', { request_id: requestId }), [
        ['Retry-After', String(retryAfterOf(e))],
      ])
    }
    throw e
  }
  timings.verify_ms = ms(verifyStarted)
  deps.metrics.verifySeconds.observe({ endpoint: endpoint.name }, timings.verify_ms / 1000)

  if (hs && verdict.ok) return answerHandshake(hs, verdict, input, id, receivedAt, deps, timings)
  // Refusals only: another endpoint's credential (environment, tenant) is named in the record
  // and under explain: full; safe still answers invalid_credentials.
  if (refinable(verdict) && deps.config.endpoints.length > 1)
    verdict = await refineVerdict(
      request,
      endpoint,
      verdict,
      deps.config.endpoints,
      receivedAt / 1000,
    )
  if (!verdict.ok) {
    // Counted now, before the record, not once it commits: every refusal of a burst that
    // arrives within one group commit would otherwise find the count of before it (F4).
    // Only failures that could be guesses count: a replay carries a valid signature (a
    // sender's retry), and throttling it would hide the real answer from the sender; but a
    // source already over its limit is answered 429 for it too.
    const counted =
      verdict.reason === 'replay_detected'
        ? peekRateLimit(limitKey, deps, requestId)
        : countRefusal(limitKey, deps, requestId)
    limit = counted instanceof Promise ? await counted : counted
    if (limit.limited) return rateLimited()
  }

  const failed = !verdict.ok
  const refused = failed && (kind === 'health' || endpoint.enforce)
  const forwarding = kind === 'endpoint' && !refused && endpoint.forward !== undefined
  // Decided before the insert, so that a shed diagnosis is in the record from the start.
  const diagnose = failed && deps.diagnosis.hasRoom(request.body.length)
  if (failed && !diagnose) deps.metrics.diagnosisShed.inc({ endpoint: endpoint.name })

  // 3. Record, before anything is answered or forwarded.
  const record = buildRecord({
    id,
    receivedAt,
    kind,
    endpoint,
    request,
    requestId,
    status: refused ? verdict.status : 200,
    outcome: failed ? 'rejected' : 'accepted',
    reason: verdict.reason,
    verdict,
    wouldHaveRefused: failed && !refused,
    storeBody: endpoint.store_body,
    diagnosisSkipped: failed && !diagnose ? 'load' : null,
  })
  if (forwarding) {
    // Until the upstream's answer is recorded, the row says so: a gateway killed mid-forward
    // leaves this, not a 200 the sender never got.
    record.status = 502
    record.forward_error = FORWARD_NOT_FINISHED
  }
  // A forwarded attempt is announced once its forward result is in (below). Not recorded: the
  // replay claim this attempt took is given back, or the sender's retry would be refused.
  const down = await commitRecord(
    record,
    deps,
    timings,
    !forwarding,
    verdict.ok && kind === 'endpoint' ? input : null,
  )
  if (down) return down
  if (diagnose) queueDiagnosis(record, request, endpoint, verdict, deps, refused)

  // 4. Answer or forward.
  if (refused) return done(record, refusalAnswer(verdict, endpoint.explain, ids), deps, timings)
  if (forwarding) {
    const result = await deps.forwarder.forward({
      request,
      endpoint,
      requestId,
      source: input.source,
      strip: endpoint.strip_credentials,
    })
    timings.forward_ms = result.latencyMs
    deps.metrics.forwardSeconds.observe(
      { endpoint: endpoint.name, result: result.ok ? `${String(result.status)[0]}xx` : 'error' },
      result.latencyMs / 1000,
    )
    const answer = relay(result, ids, endpoint, request.url)
    // An answer the upstream began but that could not be relayed keeps the upstream's status.
    const upstreamStatus = result.ok ? result.status : (result.upstreamStatus ?? null)
    // Not taken by the upstream (down, slow, failing, or refusing with any other non-2xx): the
    // same message sent again — a sender's retry, GitHub's Redeliver after the upstream was
    // fixed — must reach the upstream, not be refused as a replay of something it never took.
    if (!result.ok || result.status < 200 || result.status >= 300)
      await releaseClaim(request, endpoint, deps, requestId)
    // The record says what the sender got: the upstream's status, or 502/504.
    record.status = answer.status
    record.forward_status = upstreamStatus
    record.forward_latency_ms = result.latencyMs
    record.forward_error = result.ok ? null : result.error
    await updateRecord(
      deps,
      id,
      {
        status: record.status,
        forward_status: record.forward_status,
        forward_latency_ms: record.forward_latency_ms,
        forward_error: record.forward_error,
      },
      'forward result',
    )
    // The upstream refused what this gateway accepted: say which hop answered and why, off the
    // answer's path like every diagnosis.
    if (result.ok && (result.status === 401 || result.status === 403) && verdict.ok)
      queueDiagnosis(record, request, endpoint, verdict, deps, false, {
        status: result.status,
        headers: result.headers,
        body: result.body,
      })
    deps.events.emit(record)
    return done(record, answer, deps, timings)
  }
  if (kind === 'health')
    return done(
      record,
      jsonAnswer(200, { ok: true, endpoint: endpoint.name, attempt: id }),
      deps,
      timings,
    )
  const body: Record<string, unknown> = { ok: true, attempt: id }
  if (failed) body.would_have_refused = true
  return done(record, jsonAnswer(200, body), deps, timings)
}

/**
 * A refusal from a source past its limit (a 429, or a 413, cut-off body or 503 that came past
 * it). The window's first is recorded in full, with a check that names the window; every later
 * one is answered the same way, naming that record, but only counted into it (OverLimitTally):
 * no record is built or written for it, so a flood costs no row per request (F2). The metrics
 * count every answer.
 */
function pastLimit(
  key: string,
  limit: RateLimitState,
  build: () => AttemptRecord,
  answerFor: (ids: AttemptIds) => Answer,
  input: { kind: AttemptRecord['kind']; requestId: string; endpoint: Endpoint | null },
  deps: PipelineDeps,
  timings: AttemptTimings,
): Answer | Promise<Answer> {
  const status = answerFor({ attempt: '', request_id: input.requestId }).status
  const into = deps.overLimit?.countInto(key, status) ?? null
  if (into !== null) {
    // Every answered request is in the store (kill -9 loses no answered attempt, and an
    // operator can find each request id), but past its limit a source's refusal is a compact
    // row: no headers, no body, no diagnosis, naming the window's full record. About 200
    // bytes, where a full row holds up to 16 KiB of the sender's headers.
    const record = build()
    record.headers = []
    record.body = null
    // Retention by count drops these rows first: compact-row.ts tells them apart by this check.
    record.checks = [
      {
        name: PAST_LIMIT_CHECK.name,
        ok: PAST_LIMIT_CHECK.ok,
        reason: PAST_LIMIT_CHECK.reason,
        detail: `${PAST_LIMIT_CHECK.detailStart}${input.endpoint ? ' to this endpoint' : ''}: recorded without its headers; ${PAST_LIMIT_CHECK.fullRecordIs}${into}`,
      },
    ]
    return commitRecord(record, deps, timings).then(
      (down) =>
        down ??
        done(record, answerFor({ attempt: record.id, request_id: input.requestId }), deps, timings),
    )
  }
  const record = build()
  const until = new Date(deps.clock() + limit.retryAfter * 1000).toISOString()
  record.checks = [
    ...record.checks,
    {
      name: 'rate_limit',
      ok: false,
      reason: 'rate_limited',
      detail: `this source is over its limit of refused attempts${input.endpoint ? ' to this endpoint' : ''} until ${until}: its further refusals of that time are answered the same way, recorded without their headers or body, and counted into this record`,
    },
  ]
  deps.overLimit?.open(key, record.id, limit.retryAfter)
  return commitRecord(record, deps, timings).then((down) => {
    if (!down)
      return done(
        record,
        answerFor({ attempt: record.id, request_id: input.requestId }),
        deps,
        timings,
      )
    deps.overLimit?.forget(key, record.id)
    return down
  })
}

/** The record of an attempt refused before any verification (413, 429, 404): no verdict, no body. */
function refusedEarly(
  input: AttemptInput,
  id: string,
  receivedAt: number,
  status: number,
  reason:
    | 'payload_too_large'
    | 'rate_limited'
    | 'route_not_found'
    | 'request_incomplete'
    | 'gateway_busy',
): AttemptRecord {
  return buildRecord({
    id,
    receivedAt,
    kind: input.kind,
    endpoint: input.endpoint,
    request: input.request,
    requestId: input.requestId,
    status,
    outcome: 'rejected',
    reason,
    verdict: null,
    storeBody: false,
    // A body over the limit was not read: its declared size stands for it.
    ...(input.tooLarge ? { bodySize: input.tooLarge.declaredSize ?? 0 } : {}),
  })
}

/** Records a handshake and answers it; SNS's subscription is then confirmed off the answer's path. */
async function answerHandshake(
  hs: HandshakeAnswer,
  verdict: Verdict | null,
  input: AttemptInput,
  id: string,
  receivedAt: number,
  deps: PipelineDeps,
  timings: AttemptTimings,
): Promise<Answer> {
  const { endpoint, request, requestId, kind } = input
  const record = buildRecord({
    id,
    receivedAt,
    kind,
    endpoint,
    request,
    requestId,
    status: hs.status,
    outcome: 'accepted',
    reason: null,
    verdict,
    storeBody: false,
  })
  const check: Check = {
    name: 'handshake',
    ok: hs.status < 400,
    reason: null,
    detail: `${hs.kind} answered by the gateway (${hs.status})`,
  }
  record.checks = [...(verdict?.checks ?? []), check]
  const down = await commitRecord(
    record,
    deps,
    timings,
    true,
    verdict?.ok && kind === 'endpoint' ? input : null,
  )
  if (down) return down
  if (hs.followUrl) {
    const url = hs.followUrl
    setImmediate(() => void confirmSubscription(url, record, deps))
  }
  return done(
    record,
    { status: hs.status, headers: [...hs.headers], body: Buffer.from(hs.body, 'utf8') },
    deps,
    timings,
  )
}

/** Amazon SNS: a GET of the SubscribeURL (core checked it is an sns.<region>.amazonaws.com URL). */
async function confirmSubscription(
  url: string,
  record: AttemptRecord,
  deps: PipelineDeps,
): Promise<void> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) })
    await res.arrayBuffer().catch(() => undefined)
    deps.logger.info(
      {
        attempt: record.id,
        request_id: record.request_id,
        endpoint: record.endpoint,
        status: res.status,
      },
      'SNS subscription confirmation sent',
    )
  } catch (e) {
    deps.logger.warn(
      { err: e, attempt: record.id, request_id: record.request_id, endpoint: record.endpoint },
      'SNS subscription confirmation failed',
    )
  }
}

/**
 * The upstream's answer as it came (hop-by-hop headers already dropped; a Location at the
 * upstream's own address mapped to this gateway's, see publicLocation), or 502/504.
 */
function relay(
  result: ForwardResult,
  ids: { attempt: string; request_id: string },
  endpoint: Endpoint,
  target: string,
): Answer {
  if (!result.ok) {
    const name =
      result.upstreamStatus !== undefined
        ? 'upstream_answer_unusable'
        : result.status === 504
          ? 'upstream_timeout'
          : 'upstream_unavailable'
    return problemAnswer(gatewayProblem(name, { ...ids, detail: result.error }))
  }
  const headers: Header[] = []
  for (const h of result.headers) {
    const lower = h[0].toLowerCase()
    if (lower === 'x-request-id') continue
    if ((lower === 'location' || lower === 'content-location') && endpoint.forward)
      headers.push([
        h[0],
        publicLocation(h[1], endpoint.forward, endpoint.path ?? target.replace(/[?#].*$/s, '')),
      ])
    else headers.push(h)
  }
  return { status: result.status, headers, body: result.body }
}

function queueDiagnosis(
  record: AttemptRecord,
  request: HttpRequest,
  endpoint: Endpoint,
  verdict: Verdict,
  deps: PipelineDeps,
  answeredHere: boolean,
  upstreamAnswer?: HttpResponse,
): void {
  const pushed = deps.diagnosis.push(async () => {
    let patch: Parameters<AttemptStore['update']>[1]
    try {
      let diagnosis = await runDiagnosis({
        request,
        endpoint,
        config: deps.config,
        now: record.received_at / 1000,
        verdict,
        ...(upstreamAnswer ? { response: upstreamAnswer } : {}),
        // A job holds the event loop while it searches: a small budget bounds the stall.
        budgetMs: 25,
      })
      if (upstreamAnswer)
        diagnosis = explainUpstreamRefusal(diagnosis, endpoint, upstreamAnswer.status)
      // The answer was this gateway's own: that is the hop that answered, as the sender saw.
      if (answeredHere)
        diagnosis.origin = {
          layer: 'gateway',
          product: 'hookwarden',
          evidence: [
            `answered ${record.status} by this hookwarden gateway (endpoint ${endpoint.name}); nothing was forwarded`,
          ],
        }
      patch = { diagnosis }
    } catch (e) {
      deps.logger.warn(
        { err: e, attempt: record.id, request_id: record.request_id },
        'diagnosis failed',
      )
      patch = { diagnosis_skipped: 'error' }
    }
    await updateRecord(deps, record.id, patch, 'diagnosis')
  }, request.body.length)
  if (!pushed) {
    deps.metrics.diagnosisShed.inc({ endpoint: endpoint.name })
    void updateRecord(deps, record.id, { diagnosis_skipped: 'load' }, 'diagnosis')
  }
}

/**
 * Writes a record's update after its answer; one the store refuses is held and written again
 * (PendingUpdates), so the record ends complete once the store is back.
 */
function updateRecord(
  deps: PipelineDeps,
  id: string,
  patch: Parameters<AttemptStore['update']>[1],
  what: string,
): Promise<void> {
  if (deps.updates) return deps.updates.write(id, patch)
  return deps.store
    .update(id, patch)
    .catch((e) => deps.logger.warn({ err: e, attempt: id }, `could not record the ${what}`))
}

async function releaseClaim(
  request: HttpRequest,
  endpoint: Endpoint,
  deps: PipelineDeps,
  requestId: string,
): Promise<void> {
  const key = deps.nonceStore.release ? replayClaimKey(request, endpoint) : null
  if (key === null) return
  try {
    await deps.nonceStore.release!(key)
  } catch (e) {
    // The retry will be refused as a replay until the claim expires: said, not hidden.
    deps.logger.warn({ err: e, request_id: requestId }, 'could not release the replay claim')
  }
}

/**
 * Counts a refusal against its source and says whether it is over the limit (one atomic step,
 * RateLimiter.hit). A limiter that fails is logged and limits nothing: the refusal is answered
 * and recorded as if under the limit.
 */
function countRefusal(
  key: string,
  deps: PipelineDeps,
  requestId: string,
): RateLimitState | Promise<RateLimitState> {
  return failOpen(() => deps.rateLimiter.hit(key), deps, requestId)
}

/** Whether the source is over its limit, counting nothing (a replay is no guess). */
function peekRateLimit(
  key: string,
  deps: PipelineDeps,
  requestId: string,
): RateLimitState | Promise<RateLimitState> {
  return failOpen(() => deps.rateLimiter.check(key), deps, requestId)
}

function failOpen(
  ask: () => RateLimitState | Promise<RateLimitState>,
  deps: PipelineDeps,
  requestId: string,
): RateLimitState | Promise<RateLimitState> {
  const unavailable = (e: unknown) => {
    deps.logger.warn({ err: e, request_id: requestId }, 'rate limiter unavailable; not limiting')
    return NOT_LIMITED
  }
  try {
    const state = ask()
    return state instanceof Promise ? state.catch(unavailable) : state
  } catch (e) {
    return unavailable(e)
  }
}

/** Records an attempt the gateway refused before verifying (413, 429), then answers. */
async function finish(
  record: AttemptRecord,
  answer: Answer,
  deps: PipelineDeps,
  timings: AttemptTimings,
): Promise<Answer> {
  const down = await commitRecord(record, deps, timings)
  if (down) return down
  return done(record, answer, deps, timings)
}

/**
 * Records the attempt durably before anything is answered; the store down or full is the
 * 503 answer (never an answer for an attempt that was not recorded). Null when recorded.
 */
async function commitRecord(
  record: AttemptRecord,
  deps: PipelineDeps,
  timings: AttemptTimings,
  announce = true,
  /** The attempt whose replay claim to give back when it is not recorded. */
  claimed: AttemptInput | null = null,
): Promise<Answer | null> {
  const started = performance.now()
  try {
    await recordAttempt(deps.store, record, deps.metrics)
  } catch (e) {
    if (claimed) await releaseClaim(claimed.request, claimed.endpoint, deps, record.request_id)
    return storeDown(e, record, deps, timings)
  }
  timings.record_ms = ms(started)
  if (announce) deps.events.emit(record)
  return null
}

function storeDown(
  e: unknown,
  record: AttemptRecord,
  deps: PipelineDeps,
  timings: AttemptTimings,
): Answer {
  const retryAfter = retryAfterOf(e)
  const answer = problemAnswer(
    gatewayProblem('store_unavailable', { request_id: record.request_id }),
    [['Retry-After', String(retryAfter)]],
  )
  deps.logger.error(
    { err: e, request_id: record.request_id, endpoint: record.endpoint },
    'store unavailable: attempt not recorded, answered 503',
  )
  deps.metrics.refusedUnavailable.inc({
    endpoint: record.endpoint ?? '',
    reason: 'store_unavailable',
  })
  logAttempt(deps.logger, record, answer.status, timings, false)
  return answer
}

/** What a forwarded attempt's row says until the upstream's answer is recorded. */
export const FORWARD_NOT_FINISHED =
  'forward not finished: no upstream answer recorded (still waiting, or the gateway stopped first)'

/** Reasons that mean "a sender still uses a credential that was rotated out". */
const RETIRED = new Set(['credential_revoked', 'signature_previous_secret'])

function done(
  record: AttemptRecord,
  answer: Answer,
  deps: PipelineDeps,
  timings: AttemptTimings,
): Answer {
  deps.metrics.attempts.inc({
    endpoint: record.endpoint ?? '',
    kind: record.kind,
    outcome: record.outcome,
    reason: record.reason ?? '',
  })
  if (record.reason && RETIRED.has(record.reason) && record.endpoint) {
    deps.metrics.retiredCredentialUsed.inc({ endpoint: record.endpoint })
  }
  // The sender got the upstream's answer: the operator reads a shadow run's refusals here.
  if (record.would_have_refused && record.endpoint)
    deps.metrics.wouldHaveRefused.inc({ endpoint: record.endpoint })
  logAttempt(deps.logger, record, answer.status, timings, true)
  answer.headers.push(['X-Hookwarden-Attempt', record.id])
  return answer
}

export interface InspectInput {
  bin: string
  request: HttpRequest
  requestId: string
  /** The peer address (under trustProxy, the client's), for the per-source limit. */
  source: string
}

/**
 * The inspector: record the request as it came (credentials fingerprinted), answer it echoed.
 * It stores whole bodies and needs no token (contract §5), so every request counts against the
 * source's limit, not only refusals: past it, 429 with Retry-After, counted like other refusals
 * past the limit (one record per window).
 */
export async function handleInspection(input: InspectInput, deps: PipelineDeps): Promise<Answer> {
  const receivedAt = deps.clock()
  const id = newAttemptId(receivedAt)
  const scope = deps.config.endpoints
  // An endpoint's key begins with the source address, never with this word.
  const limitKey = `inspect|${input.source}`
  const counted = countRefusal(limitKey, deps, input.requestId)
  const limit = counted instanceof Promise ? await counted : counted
  if (limit.limited) {
    const who = { kind: 'inspect' as const, requestId: input.requestId, endpoint: null }
    return pastLimit(
      limitKey,
      limit,
      () =>
        buildRecord({
          id,
          receivedAt,
          kind: 'inspect',
          endpoint: null,
          redactFor: scope,
          request: input.request,
          requestId: input.requestId,
          status: 429,
          outcome: 'rejected',
          reason: 'rate_limited',
          verdict: null,
          storeBody: false,
        }),
      (to) => reasonAnswer('rate_limited', to, [['Retry-After', String(limit.retryAfter)]]),
      who,
      deps,
      {},
    )
  }
  const record = buildRecord({
    id,
    receivedAt,
    kind: 'inspect',
    endpoint: null,
    redactFor: scope,
    request: input.request,
    requestId: input.requestId,
    status: 200,
    outcome: 'accepted',
    reason: null,
    verdict: null,
    storeBody: true,
  })
  const timings: AttemptTimings = {}
  const down = await commitRecord(record, deps, timings)
  if (down) return down
  // Echoed as recorded: a credential the installation knows is fingerprinted in the body too.
  const body = record.body ?? input.request.body
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body)
  const isUtf8 = Buffer.from(text, 'utf8').equals(Buffer.from(body))
  return done(
    record,
    jsonAnswer(200, {
      bin: input.bin,
      attempt: id,
      request_id: input.requestId,
      method: input.request.method,
      // As recorded: the same redaction, once.
      url: record.path,
      http_version: input.request.httpVersion,
      headers: record.headers,
      body_size: record.body_size,
      body_sha256: record.body_sha256,
      body_encoding: isUtf8 ? 'utf8' : 'base64',
      body: isUtf8 ? text : Buffer.from(body).toString('base64'),
    }),
    deps,
    timings,
  )
}
