/**
 * `POST /api/diagnose` {request, response?, endpoint?, auth?}: the "why is my webhook 401?"
 * page's back end. Pasted secrets live in memory for this call only: nothing is recorded or
 * logged. Open without the admin token when the config says `public_diagnose: true`.
 * @module
 */

import {
  type Config,
  type Endpoint,
  type HttpRequest,
  type HttpResponse,
  InputError,
  loadConfig,
  parseRequest,
  parseResponse,
  SENDERS,
  selectEndpoint,
} from '@hookwarden/core'
import type { FastifyInstance } from 'fastify'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, jsonAnswer, problemAnswer, reasonAnswer } from '../pipeline/answer.js'
import { runDiagnosis } from '../pipeline/diagnose.js'
import { MemoryRateLimiter } from '../pipeline/rate-limit.js'
import { isAdmin, requireAdmin } from './admin-auth.js'
import { jsonBody } from './api.js'

const MAX_TEXT = 512 * 1024

/** An inline auth block may not read the gateway's environment or files. */
function refersOutside(value: unknown, depth = 0): boolean {
  if (depth > 20) return true
  if (typeof value === 'string') return /^(env|file):/i.test(value)
  if (Array.isArray(value)) return value.some((v) => refersOutside(v, depth + 1))
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k !== 'jwks' && refersOutside(v, depth + 1))
  return false
}

/** Does the block name a URL the gateway would fetch (`jwks_url`) anywhere in it? */
function namesFetchedUrl(value: unknown, depth = 0): boolean {
  if (depth > 20) return true
  if (Array.isArray(value)) return value.some((v) => namesFetchedUrl(v, depth + 1))
  if (value && typeof value === 'object')
    return Object.entries(value).some(
      ([k, v]) => k.toLowerCase() === 'jwks_url' || namesFetchedUrl(v, depth + 1),
    )
  return false
}

class Unusable extends Error {}

function oneLine(e: unknown): string {
  if (InputError.is(e)) return e.oneLine()
  return 'the input could not be read'
}

/** Each diagnosis searches near misses on the event loop: bounded in time and per source. */
const BUDGET_MS = 100
const PER_MINUTE = 60

export function diagnosePlugin(app: FastifyInstance, ctx: GatewayContext): void {
  const requireToken = requireAdmin(ctx)
  const limiter = new MemoryRateLimiter({ max: PER_MINUTE, windowMs: 60_000 })
  app.post(
    '/api/diagnose',
    {
      // Read per request: a reloaded config may open or close the page.
      preHandler: async (req, reply) =>
        ctx.config.public_diagnose === true ? undefined : requireToken(req, reply),
    },
    async (req, reply) => {
      const admin = await isAdmin(req, ctx)
      // Counted and judged in one step (hit), as the pipeline does: a check now and a count
      // after an await would let a burst's requests all see the same count (red team 6, F4).
      const limit = limiter.hit(req.ip)
      if (limit.limited) {
        return sendAnswer(
          reply,
          reasonAnswer('rate_limited', { request_id: req.id }, [
            ['Retry-After', String(limit.retryAfter)],
          ]),
        )
      }
      try {
        const input = jsonBody(req) as Record<string, unknown> | undefined
        if (!input || typeof input !== 'object' || Array.isArray(input))
          throw new Unusable('the body must be a JSON object with a request field')
        if (typeof input.request !== 'string' || input.request.length === 0)
          throw new Unusable('request must be the captured request as text')
        if (
          input.request.length > MAX_TEXT ||
          (typeof input.response === 'string' && input.response.length > MAX_TEXT)
        ) {
          throw new Unusable(`request and response are limited to ${MAX_TEXT} characters`)
        }
        let request: HttpRequest
        let response: HttpResponse | undefined
        try {
          request = parseRequest(input.request, { file: 'request' })
          if (typeof input.response === 'string' && input.response.trim() !== '')
            response = parseResponse(input.response, { file: 'response' })
        } catch (e) {
          throw new Unusable(oneLine(e))
        }
        let endpoint: Endpoint | undefined
        if (input.auth !== undefined) {
          if (!input.auth || typeof input.auth !== 'object' || Array.isArray(input.auth))
            throw new Unusable('auth must be an auth block (an object)')
          if (refersOutside(input.auth))
            throw new Unusable('auth may not use env: or file: references here; paste the value')
          // The gateway would fetch that URL from inside its network: an open request forger
          // (SSRF) for anyone who can reach the public page. The admin may; others paste keys.
          if (!admin && namesFetchedUrl(input.auth))
            throw new Unusable(
              'jwks_url is fetched by the gateway, so only the admin may use it here; paste the keys as jwks instead',
            )
          try {
            endpoint = loadConfig(
              JSON.stringify({ endpoints: [{ name: 'pasted', auth: input.auth }] }),
              { env: {}, baseDir: '/nonexistent', file: 'auth' },
            ).endpoints[0]
          } catch (e) {
            throw new Unusable(oneLine(e))
          }
        } else if (input.endpoint !== undefined) {
          // A configured endpoint's secrets answer only to the admin: for anyone else the full
          // reasons (other tenant, revoked, previous secret) would be an oracle (CWE-204).
          if (!admin)
            throw new Unusable(
              'naming a configured endpoint needs the admin token; paste an auth block instead',
            )
          endpoint = ctx.config.endpoints.find((e) => e.name === input.endpoint)
          if (!endpoint) throw new Unusable('endpoint names no configured endpoint')
        }
        // Neither named nor pasted: the endpoint whose path the request names, if any; else the
        // request is read alone (header construction, JWT claims, the response).
        let config: Config | undefined = admin ? ctx.config : undefined
        if (admin && !endpoint && input.auth === undefined) {
          try {
            endpoint = selectEndpoint(ctx.config, request)
          } catch {
            config = undefined
          }
        }
        const sender = input.sender
        if (
          sender !== undefined &&
          !(typeof sender === 'string' && (SENDERS as readonly string[]).includes(sender))
        ) {
          throw new Unusable(`sender must be one of ${SENDERS.join(', ')}`)
        }
        const now =
          typeof input.now === 'number' && Number.isFinite(input.now)
            ? input.now
            : ctx.clock() / 1000
        const diagnosis = await runDiagnosis({
          request,
          ...(response ? { response } : {}),
          ...(endpoint ? { endpoint } : {}),
          ...(config && endpoint ? { config } : {}),
          now,
          budgetMs: BUDGET_MS,
          ...(typeof sender === 'string' ? { sender } : {}),
        })
        return sendAnswer(reply, jsonAnswer(200, diagnosis))
      } catch (e) {
        if (e instanceof Unusable)
          return sendAnswer(
            reply,
            problemAnswer(gatewayProblem('bad_request', { request_id: req.id, detail: e.message })),
          )
        if ((e as Error)?.message === 'the body must be JSON') {
          return sendAnswer(
            reply,
            problemAnswer(
              gatewayProblem('bad_request', {
                request_id: req.id,
                detail: 'the body must be JSON',
              }),
            ),
          )
        }
        // Never log the pasted input or an error that may quote it.
        ctx.logger.error(
          { request_id: req.id, err: { type: (e as Error)?.name } },
          'diagnose failed',
        )
        return sendAnswer(
          reply,
          problemAnswer(gatewayProblem('internal_error', { request_id: req.id })),
        )
      }
    },
  )
}
