/**
 * The endpoints' own paths (any method): each attempt goes through handleAttempt(). One
 * catch-all route looks the raw path up exactly as sent (no decoding, no parameters), so a
 * path in the config means that path and nothing else. Anything else: the dashboard for a
 * GET, else 404 problem+json.
 * @module
 */

import {
  ConfigError,
  configFieldPosition,
  type Endpoint,
  nearRoute,
  requestPath,
} from '@hookwarden/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { captureRequest } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { reasonAnswer } from '../pipeline/answer.js'
import { type AttemptInput, handleAttempt } from '../pipeline/handle-attempt.js'
import type { Dashboard } from './dashboard.js'

const RESERVED_EXACT = new Set([
  '/',
  '/healthz',
  '/readyz',
  '/metrics',
  '/login',
  '/logout',
  '/attempts',
  '/compare',
  '/overview',
  '/favicon.ico',
  '/index.html',
  '/api',
  '/inspect',
  '/health',
])
const RESERVED_PREFIX = ['/api/', '/health/auth/', '/inspect/', '/assets/', '/attempts/']

/** The gateway's own routes and the methods each takes (the routes in plugins/*.ts). */
const OWN_ROUTE_METHODS: readonly [RegExp, string][] = [
  [/^\/api\/attempts\/[^/]+\/replay$/, 'POST'],
  [/^\/api\/session$/, 'GET, HEAD, POST, DELETE'],
  [/^\/api\/diagnose$/, 'POST'],
  [/^\/api\/(?:attempts(?:\/[^/]+)?|compare|endpoints|reasons|stats|events)$/, 'GET, HEAD'],
  [/^\/health\/auth\/[^/]+$/, 'GET, HEAD, POST'],
  [/^\/(?:healthz|readyz|metrics)$/, 'GET, HEAD'],
  [/^\/(?:login|logout)$/, 'POST'],
]

/** The dashboard's pages (packages/web/src/App.tsx routes), its files and its icon. */
const DASHBOARD_PATH =
  /^\/(?:|attempts(?:\/[^/]+)?|compare|overview|index\.html|favicon\.ico|assets\/[^/]+)$/

/** Endpoints by path; refuses a path the gateway's own routes would shadow. */
export function endpointsByPath(
  endpoints: readonly Endpoint[],
  file?: string,
): Map<string, Endpoint> {
  const byPath = new Map<string, Endpoint>()
  endpoints.forEach((e, i) => {
    if (e.path === undefined) return
    const field = `endpoints[${i}].path`
    // Checked after loading: the error still names the file and the line.
    const where = () => configFieldPosition(file, ['endpoints', i, 'path'])
    if (RESERVED_EXACT.has(e.path) || RESERVED_PREFIX.some((p) => e.path!.startsWith(p))) {
      throw new ConfigError(
        `${field} ${e.path} is one of the gateway's own routes (/, /healthz, /readyz, /metrics, /login, /logout, /api/…, /health/auth/…, /inspect/…, the dashboard's /attempts, /compare, /overview)`,
        where(),
      )
    }
    if (byPath.has(e.path))
      throw new ConfigError(
        `${field} ${e.path} is also the path of endpoint "${byPath.get(e.path)!.name}" (the gateway routes one path to one endpoint)`,
        where(),
      )
    byPath.set(e.path, e)
  })
  return byPath
}

export function pathOf(req: FastifyRequest): string {
  return requestPath({
    method: 'GET',
    url: req.raw.url ?? '/',
    headers: [],
    body: new Uint8Array(0),
  })
}

/**
 * The catch-all route. Returns the lookup of the current config's endpoints by path, which
 * follows a reload (a new `ctx.config` object) on the next request.
 */
export function endpointsPlugin(
  app: FastifyInstance,
  ctx: GatewayContext,
  dashboard: Dashboard,
): (path: string) => Endpoint | undefined {
  let routes = {
    config: ctx.config,
    byPath: endpointsByPath(ctx.config.endpoints, ctx.config.file),
  }
  const lookup = (path: string) => {
    // A reloaded config was validated (paths included) before it was swapped in.
    if (routes.config !== ctx.config)
      routes = {
        config: ctx.config,
        byPath: endpointsByPath(ctx.config.endpoints, ctx.config.file),
      }
    return routes.byPath.get(path)
  }
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(req)
    const endpoint = lookup(path)
    const attempt = (input: Pick<AttemptInput, 'kind' | 'endpoint' | 'misrouted'>) =>
      handleAttempt(
        { ...input, request: captureRequest(req), requestId: req.id, source: req.ip },
        ctx,
      ).then((answer) => sendAnswer(reply, answer))
    if (endpoint) return attempt({ kind: 'endpoint', endpoint })
    // The dashboard's own pages, and only those: any other GET (a verification GET at a
    // near-miss URL, a mistyped path) answered with the login page's 401 would be the very
    // puzzle this gateway exists to explain.
    if ((req.method === 'GET' || req.method === 'HEAD') && DASHBOARD_PATH.test(path))
      return dashboard.serve(req, reply)
    // One of the gateway's own routes, asked with a method it does not take: 405 with Allow.
    const allow = OWN_ROUTE_METHODS.find(([re]) => re.test(path))?.[1]
    if (allow && !allow.split(', ').includes(req.method))
      return sendAnswer(
        reply,
        reasonAnswer(
          'method_not_allowed',
          { request_id: req.id, detail: `${path} takes ${allow}, not ${req.method}` },
          [['Allow', allow]],
        ),
      )
    // Off the hot path (a 404): a near-miss URL is an attempt at the endpoint it meant,
    // recorded there and answered with what to change; any other path is a bare 404.
    const near = nearRoute(path, ctx.config.endpoints)
    if (near)
      return attempt({
        kind: near.kind,
        endpoint: near.endpoint,
        misrouted: { detail: near.detail },
      })
    return sendAnswer(reply, reasonAnswer('route_not_found', { request_id: req.id }))
  }
  app.all('/', handler)
  app.all('/*', handler)
  return lookup
}
