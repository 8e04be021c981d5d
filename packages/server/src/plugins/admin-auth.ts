/**
 * The admin token guards `/api/*` and the dashboard: `Authorization: Bearer <token>` or the
 * `hookwarden_admin` session cookie (HttpOnly, SameSite=Strict) set by the login page. The
 * cookie never holds the token: it is an expiry, a nonce and an HMAC of both under the token,
 * so every gateway sharing the token accepts it, a logout revokes it, and a new token ends
 * every session. Compared in constant time. A cookie-authenticated write from another origin
 * is refused (CSRF).
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto'

import { getAllHeaders, safeEqual } from '@hookwarden/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { headersFromRaw } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, problemAnswer, reasonAnswer } from '../pipeline/answer.js'

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
  if (cookie !== null && sessionValid(cookie, token)) return 'cookie'
  return null
}

/** How long a dashboard session lasts. */
export const SESSION_SECONDS = 12 * 3600

/** Sessions logged out before their expiry (nonce -> expiry, unix seconds), in this process. */
const revoked = new Map<string, number>()

function sessionMac(token: string, expires: number, nonce: string): string {
  return createHmac('sha256', token)
    .update(`hookwarden-session:v1:${expires}:${nonce}`)
    .digest('base64url')
}

function parseSession(value: string): { expires: number; nonce: string; mac: string } | null {
  const m = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value)
  return m ? { expires: Number(m[1]), nonce: m[2]!, mac: m[3]! } : null
}

function sessionValid(value: string, token: string): boolean {
  const s = parseSession(value)
  if (!s) return false
  const now = Math.floor(Date.now() / 1000)
  if (s.expires <= now || revoked.has(s.nonce)) return false
  return safeEqual(s.mac, sessionMac(token, s.expires, s.nonce))
}

/** Ends the session the request's cookie holds, if any. */
export function revokeSession(req: FastifyRequest): void {
  const s = parseSession(cookieValue(req, ADMIN_COOKIE) ?? '')
  if (!s) return
  const now = Math.floor(Date.now() / 1000)
  for (const [nonce, expires] of revoked) if (expires <= now) revoked.delete(nonce)
  if (revoked.size < 100_000) revoked.set(s.nonce, s.expires)
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

/**
 * Wrong admin tokens count against the source like rejected webhooks (their own key), so
 * that guessing meets 429 + Retry-After; the right token still opens while limited.
 */
async function refuseAdmin(
  ctx: GatewayContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const key = `${req.ip}|admin`
  const state = await Promise.resolve(ctx.rateLimiter.check(key)).catch(() => ({
    limited: false,
    retryAfter: 0,
  }))
  if (state.limited)
    return sendAnswer(
      reply,
      reasonAnswer(
        'rate_limited',
        { request_id: req.id, detail: 'too many wrong admin tokens from this address' },
        [['Retry-After', String(state.retryAfter)]],
      ),
    )
  await ctx.rateLimiter.hit(key).catch(() => {})
  return unauthorized(reply, req.id)
}

/** preHandler for admin routes. */
export function requireAdmin(ctx: GatewayContext) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const how = adminAuth(req, ctx.adminToken)
    if (how === null) return refuseAdmin(ctx, req, reply)
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

/** A new session cookie; `Secure` when the dashboard was reached over HTTPS. */
export function adminCookie(token: string, req: FastifyRequest): string {
  const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS
  const nonce = randomBytes(18).toString('base64url')
  const value = `v1.${expires}.${nonce}.${sessionMac(token, expires, nonce)}`
  const secure = req.protocol === 'https' ? '; Secure' : ''
  return `${ADMIN_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_SECONDS}${secure}`
}

/** Clears the session cookie. */
export function clearedAdminCookie(): string {
  return `${ADMIN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`
}
