/**
 * The admin token guards `/api/*` and the dashboard: `Authorization: Bearer <token>` or the
 * `hookwarden_admin` cookie (HttpOnly, SameSite=Strict) set by the login page. Compared in
 * constant time. A cookie-authenticated write from another origin is refused (CSRF).
 * @module
 */

import { getAllHeaders, safeEqual } from '@hookwarden/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { headersFromRaw } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, problemAnswer } from '../pipeline/answer.js'

export const ADMIN_COOKIE = 'hookwarden_admin'

export type AdminAuth = 'bearer' | 'cookie' | null

function cookieValue(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie
  if (typeof header !== 'string') return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

/** How the request proved it holds the admin token, or null. */
export function adminAuth(req: FastifyRequest, token: string): AdminAuth {
  const auth = getAllHeaders(headersFromRaw(req.raw.rawHeaders), 'authorization')
  if (auth.length === 1) {
    const m = /^Bearer +(\S+)\s*$/i.exec(auth[0]!)
    if (m && safeEqual(m[1]!, token)) return 'bearer'
  }
  const cookie = cookieValue(req, ADMIN_COOKIE)
  if (cookie !== null && safeEqual(decodeURIComponent(cookie), token)) return 'cookie'
  return null
}

/** A write carried by the cookie alone must come from this origin. */
function crossOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin
  if (typeof origin !== 'string') return req.headers['sec-fetch-site'] === 'cross-site'
  try {
    return new URL(origin).host !== req.headers.host
  } catch {
    return true
  }
}

export function unauthorized(reply: FastifyReply, requestId: string): FastifyReply {
  return sendAnswer(
    reply,
    problemAnswer(gatewayProblem('unauthorized', { request_id: requestId }), [
      ['WWW-Authenticate', 'Bearer realm="hookwarden admin"'],
    ]),
  )
}

/** preHandler for admin routes. */
export function requireAdmin(ctx: GatewayContext) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const how = adminAuth(req, ctx.adminToken)
    if (how === null) return unauthorized(reply, req.id)
    if (how === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD' && crossOrigin(req)) {
      return sendAnswer(
        reply,
        problemAnswer({
          ...gatewayProblem('unauthorized', { request_id: req.id }),
          status: 403,
          title: 'Cross-origin request refused',
        }),
      )
    }
  }
}

export function adminCookie(token: string): string {
  return `${ADMIN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`
}
