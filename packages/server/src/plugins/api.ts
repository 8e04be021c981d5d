/**
 * The dashboard's API, all behind the admin token: attempts (list, one, replay, compare), endpoints,
 * stats, and the session cookie for the browser.
 * @module
 */

import { REASONS, safeEqual } from '@hookwarden/core'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { apiAttempt, apiEndpoint } from '../api-shape.js'
import { compareAttempts } from '../compare.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { ATTEMPT_ID } from '../ids.js'
import { gatewayProblem, jsonAnswer, problemAnswer } from '../pipeline/answer.js'
import { replayAttempt, replayRefusal } from '../pipeline/replay.js'
import { rotationReadiness } from '../rotations/readiness.js'
import { credentialUseReader } from '../rotations/usage.js'
import type { AttemptQuery } from '../storage/types.js'
import {
  adminAuth,
  adminCookie,
  clearedAdminCookie,
  crossOrigin,
  presentsAdminCredential,
  refuseAdmin,
  refuseCrossOrigin,
  requireAdmin,
  retryAfterOf,
  revokeSession,
  unauthorized,
} from './admin-auth.js'

type Query = Record<string, string | undefined>

class BadQuery extends Error {}

/**
 * The query string of `route`, each parameter once and only those it takes (`known`). Fastify
 * gives a repeated key as an array, which the store would take for an SQL row value (and its
 * error for the store being down: 503). A name the route does not know (a typo, another case,
 * one it lacks) is refused, never ignored: answered as if applied, a filter would hand back
 * attempts the caller asked to leave out.
 */
function queryOf(req: FastifyRequest, route: string, known: readonly string[]): Query {
  const q = (req.query ?? {}) as Record<string, string | string[] | undefined>
  for (const [name, value] of Object.entries(q)) {
    if (!known.includes(name))
      throw new BadQuery(
        `unknown parameter ${name.slice(0, 64)}; ${route} takes ${known.join(', ')}`,
      )
    if (Array.isArray(value)) throw new BadQuery(`${name.slice(0, 64)} may be given only once`)
  }
  return q as Query
}

function intParam(q: Query, name: string, min: number, max: number): number | undefined {
  const v = q[name]
  if (v === undefined || v === '') return undefined
  if (!/^\d{1,16}$/.test(v)) throw new BadQuery(`${name} must be a whole number`)
  const n = Number(v)
  if (n < min || n > max) throw new BadQuery(`${name} must be between ${min} and ${max}`)
  return n
}

/** Every parameter GET /api/attempts takes; any other name is refused, never ignored. */
export const ATTEMPT_QUERY_PARAMS = [
  'endpoint',
  'outcome',
  'reason',
  'tenant',
  'environment',
  'since',
  'until',
  'limit',
  'before',
] as const

/** Parameters GET /api/compare takes: the good attempt's id and the bad one's. */
const COMPARE_QUERY_PARAMS = ['a', 'b'] as const
/** Parameters GET /api/stats takes. */
const STATS_QUERY_PARAMS = ['since', 'bucket'] as const
/** Parameters GET /api/rotations takes: one endpoint's name, to see it alone. */
const ROTATIONS_QUERY_PARAMS = ['endpoint'] as const

/** The list's filters from a query queryOf() read with ATTEMPT_QUERY_PARAMS. */
export function attemptQuery(q: Query): AttemptQuery {
  const out: AttemptQuery = {}
  if (q.endpoint) out.endpoint = q.endpoint
  if (q.tenant) out.tenant = q.tenant
  if (q.environment) out.environment = q.environment
  if (q.outcome) {
    if (q.outcome !== 'accepted' && q.outcome !== 'rejected')
      throw new BadQuery('outcome must be accepted or rejected')
    out.outcome = q.outcome
  }
  if (q.reason) {
    if (!/^[a-z_]{1,64}$/.test(q.reason) || !(q.reason in REASONS))
      throw new BadQuery(
        `reason must be a reason code (GET /api/reasons lists them), not ${q.reason.slice(0, 64)}`,
      )
    out.reason = q.reason
  }
  const limit = intParam(q, 'limit', 1, 1000)
  if (limit !== undefined) out.limit = limit
  const since = intParam(q, 'since', 0, 8.64e15)
  if (since !== undefined) out.since = since
  const until = intParam(q, 'until', 0, 8.64e15)
  if (until !== undefined) out.until = until
  if (q.before) {
    if (!ATTEMPT_ID.test(q.before)) throw new BadQuery('before must be an attempt id')
    out.before = q.before
  }
  return out
}

/** Reads a small JSON body from the raw Buffer (admin routes parse; endpoint routes never do). */
export function jsonBody(req: FastifyRequest): unknown {
  const body = req.body
  if (!(body instanceof Uint8Array) || body.length === 0) return undefined
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    throw new BadQuery('the body must be JSON')
  }
}

export function apiPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  const admin = requireAdmin(ctx)
  const bad = (reqId: string, e: unknown) => {
    if (e instanceof BadQuery)
      return problemAnswer(gatewayProblem('bad_request', { request_id: reqId, detail: e.message }))
    throw e
  }

  app.get('/api/attempts', { preHandler: admin }, async (req, reply) => {
    let query: AttemptQuery
    try {
      query = attemptQuery(queryOf(req, '/api/attempts', ATTEMPT_QUERY_PARAMS))
    } catch (e) {
      return sendAnswer(reply, bad(req.id, e))
    }
    const rows = await ctx.store.list(query)
    const limit = query.limit ?? 50
    return sendAnswer(
      reply,
      jsonAnswer(200, {
        attempts: rows.map((r) => apiAttempt(r, false)),
        next_before: rows.length === limit ? rows.at(-1)!.id : null,
      }),
    )
  })

  app.get<{ Params: { id: string } }>(
    '/api/attempts/:id',
    { preHandler: admin },
    async (req, reply) => {
      const record = ATTEMPT_ID.test(req.params.id) ? await ctx.store.get(req.params.id) : null
      if (!record) return sendAnswer(reply, noSuchAttempt(req.id))
      return sendAnswer(reply, jsonAnswer(200, apiAttempt(record, true)))
    },
  )

  // Two attempts side by side (a good and a bad one): ?a=<id>&b=<id>.
  app.get('/api/compare', { preHandler: admin }, async (req, reply) => {
    let q: Query
    try {
      q = queryOf(req, '/api/compare', COMPARE_QUERY_PARAMS)
    } catch (e) {
      return sendAnswer(reply, bad(req.id, e))
    }
    if (!q.a || !q.b || !ATTEMPT_ID.test(q.a) || !ATTEMPT_ID.test(q.b))
      return sendAnswer(
        reply,
        bad(req.id, new BadQuery('a and b must be attempt ids (a: the good one, b: the bad one)')),
      )
    const [a, b] = await Promise.all([ctx.store.get(q.a), ctx.store.get(q.b)])
    if (!a || !b)
      return sendAnswer(
        reply,
        problemAnswer(
          gatewayProblem('not_found', {
            request_id: req.id,
            detail: `no attempt with the id given as ${!a ? 'a' : 'b'}`,
          }),
        ),
      )
    return sendAnswer(
      reply,
      jsonAnswer(200, {
        a: apiAttempt(a, false),
        b: apiAttempt(b, false),
        ...compareAttempts(a, b),
      }),
    )
  })

  app.post<{ Params: { id: string } }>(
    '/api/attempts/:id/replay',
    { preHandler: admin },
    async (req, reply) => {
      const record = ATTEMPT_ID.test(req.params.id) ? await ctx.store.get(req.params.id) : null
      if (!record) return sendAnswer(reply, noSuchAttempt(req.id))
      const endpoint = ctx.config.endpoints.find((e) => e.name === record.endpoint)
      const refusal = replayRefusal(record, endpoint)
      if (refusal) {
        const detail = {
          not_accepted: record.would_have_refused
            ? 'the attempt failed its checks (the endpoint is report-only, so it was forwarded anyway); only accepted attempts are replayed'
            : `the gateway refused this attempt (${record.status}); a refused attempt is never sent to the upstream`,
          no_endpoint: 'the attempt was not made to a configured endpoint',
          no_upstream: 'the endpoint has no forward: upstream',
          no_body: 'the body was not stored (store_body: false), so the attempt cannot be re-sent',
        }[refusal]
        return sendAnswer(
          reply,
          problemAnswer(gatewayProblem('conflict', { request_id: req.id, detail })),
        )
      }
      const result = await replayAttempt(record, endpoint!, ctx.forwarder, req.id)
      ctx.logger.info(
        {
          request_id: req.id,
          attempt: record.id,
          endpoint: record.endpoint,
          status: result.status,
          ok: result.ok,
        },
        'replay',
      )
      return sendAnswer(
        reply,
        jsonAnswer(200, {
          attempt: record.id,
          endpoint: record.endpoint,
          ok: result.ok,
          status: result.status,
          latency_ms: result.latencyMs,
          error: result.ok ? null : result.error,
        }),
      )
    },
  )

  app.get('/api/endpoints', { preHandler: admin }, async (_req, reply) =>
    sendAnswer(
      reply,
      jsonAnswer(200, {
        endpoints: ctx.config.endpoints.map(apiEndpoint),
        public_diagnose: ctx.config.public_diagnose === true,
      }),
    ),
  )

  // The reason codes in words, for the dashboard's filter and for live rows (which carry the
  // code only); the same table the gateway answers from, so the words never drift.
  app.get('/api/reasons', { preHandler: admin }, async (_req, reply) =>
    sendAnswer(
      reply,
      jsonAnswer(200, {
        reasons: Object.entries(REASONS).map(([code, spec]) => ({
          code,
          title: spec.title,
          status: spec.status,
        })),
      }),
    ),
  )

  app.get('/api/stats', { preHandler: admin }, async (req, reply) => {
    let since: number
    let bucketMs: number
    try {
      const q = queryOf(req, '/api/stats', STATS_QUERY_PARAMS)
      since = intParam(q, 'since', 0, 8.64e15) ?? ctx.clock() - 24 * 3600_000
      bucketMs = intParam(q, 'bucket', 1000, 31 * 86_400_000) ?? 3600_000
      if ((ctx.clock() - since) / bucketMs > 10_000)
        throw new BadQuery('at most 10000 buckets: raise bucket or since')
    } catch (e) {
      return sendAnswer(reply, bad(req.id, e))
    }
    const rows = await ctx.store.stats({ since, bucketMs })
    return sendAnswer(reply, jsonAnswer(200, { since, bucket_ms: bucketMs, rows }))
  })

  // Rotation readiness: who still sends which credential, and what to do before an overlap
  // ends. The counts read a week of attempts; rotations/usage.ts keeps them (30 s, per slice).
  app.get('/api/rotations', { preHandler: admin }, async (req, reply) => {
    let only: string | undefined
    try {
      only = queryOf(req, '/api/rotations', ROTATIONS_QUERY_PARAMS).endpoint || undefined
      if (only !== undefined && !ctx.config.endpoints.some((e) => e.name === only))
        throw new BadQuery(`no endpoint is named ${only.slice(0, 64)}`)
    } catch (e) {
      return sendAnswer(reply, bad(req.id, e))
    }
    const usage = await credentialUseReader(ctx).read()
    return sendAnswer(
      reply,
      jsonAnswer(200, rotationReadiness(ctx.config, usage, ctx.clock(), only)),
    )
  })

  // The browser's session: the token once, then an HttpOnly SameSite=Strict cookie.
  app.get('/api/session', async (req, reply) => {
    if (await adminAuth(req, ctx)) return sendAnswer(reply, jsonAnswer(200, { admin: true }))
    // Asking whether one is signed in is no guess; a token or cookie that does not open is.
    return presentsAdminCredential(req) ? refuseAdmin(ctx, req, reply) : unauthorized(reply, req.id)
  })
  app.post('/api/session', async (req, reply) => {
    let token: unknown
    try {
      token = (jsonBody(req) as { token?: unknown } | undefined)?.token
    } catch (e) {
      return sendAnswer(reply, bad(req.id, e))
    }
    if (typeof token !== 'string' || !safeEqual(token, ctx.adminToken))
      return refuseAdmin(ctx, req, reply)
    return sendAnswer(
      reply,
      jsonAnswer(200, { admin: true }, [['Set-Cookie', adminCookie(ctx.adminToken, req)]]),
    )
  })
  app.delete('/api/session', async (req, reply) => {
    // Another origin may not end the session (the browser would also drop the cookie).
    if (crossOrigin(req)) return refuseCrossOrigin(reply, req.id)
    const cleared: [string, string] = ['Set-Cookie', clearedAdminCookie()]
    try {
      await revokeSession(req, ctx)
    } catch (error) {
      // Not recorded, so other gateways would still take the cookie: say so (503), and have
      // this browser forget it all the same.
      ctx.logger.warn({ err: error, request_id: req.id }, 'logout not recorded: store unavailable')
      return sendAnswer(
        reply,
        problemAnswer(
          gatewayProblem('store_unavailable', {
            request_id: req.id,
            detail:
              'The logout could not be recorded: this browser forgot the session, but a copy of its cookie stays valid until it expires.',
          }),
          [['Retry-After', String(retryAfterOf(error))], cleared],
        ),
      )
    }
    return sendAnswer(reply, jsonAnswer(200, { admin: false }, [cleared]))
  })
}

function noSuchAttempt(requestId: string) {
  return problemAnswer(
    gatewayProblem('not_found', { request_id: requestId, detail: 'no attempt with this id' }),
  )
}
