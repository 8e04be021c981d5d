/**
 * The admin token guards `/api/*` and the dashboard: `Authorization: Bearer <token>` or the
 * `hookwarden_admin` session cookie (HttpOnly, SameSite=Strict) set by the login page. The
 * cookie never holds the token: it is an expiry, a nonce and an HMAC of both under the token,
 * so every gateway sharing the token accepts it, and a new token ends every session. A logout
 * is recorded in the attempt store (table `revoked_sessions`), which every cookie is checked
 * against: it ends the session on every gateway sharing the store, and after a restart. A store
 * that cannot answer lets no cookie in (503). Compared in constant time. A cookie-authenticated
 * write from another origin is refused (CSRF). Wrong tokens, wherever one is tried, count
 * against the source's limit.
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto'

import { getAllHeaders, safeEqual } from '@hookwarden/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { headersFromRaw } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, problemAnswer, reasonAnswer } from '../pipeline/answer.js'
import type { RateLimitState } from '../pipeline/rate-limit.js'
import type { AttemptStore } from '../storage/types.js'

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

/** How long a dashboard session lasts. */
export const SESSION_SECONDS = 12 * 3600

interface Session {
  /** Unix seconds. */
  expires: number
  nonce: string
}

function sessionMac(token: string, expires: number, nonce: string): string {
  return createHmac('sha256', token)
    .update(`hookwarden-session:v1:${expires}:${nonce}`)
    .digest('base64url')
}

/** The request's session cookie when this token signed it and it has not expired, else null. */
function signedSession(req: FastifyRequest, token: string): Session | null {
  const value = cookieValue(req, ADMIN_COOKIE)
  if (value === null) return null
  const m = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value)
  if (!m) return null
  const s = { expires: Number(m[1]), nonce: m[2]! }
  if (s.expires <= Math.floor(Date.now() / 1000)) return null
  return safeEqual(m[3]!, sessionMac(token, s.expires, s.nonce)) ? s : null
}

/**
 * Sessions this process knows to be logged out, per store (nonce -> expiry, unix seconds).
 * Only ever "revoked": a cached "not revoked" would let a cookie logged out on another
 * gateway in until the entry aged, so every other cookie is looked up in the store.
 */
const knownRevoked = new WeakMap<AttemptStore, Map<string, number>>()
const KNOWN_REVOKED_MAX = 10_000

function rememberRevoked(store: AttemptStore, s: Session): void {
  let known = knownRevoked.get(store)
  if (!known) {
    known = new Map()
    knownRevoked.set(store, known)
  }
  if (known.size >= KNOWN_REVOKED_MAX) {
    const now = Math.floor(Date.now() / 1000)
    for (const [nonce, expires] of known) if (expires <= now) known.delete(nonce)
  }
  // Beyond the bound the store alone answers; it holds every logout anyway.
  if (known.size < KNOWN_REVOKED_MAX) known.set(s.nonce, s.expires)
}

/** One answer per request: a route and its preHandler ask once between them. */
const authOf = new WeakMap<FastifyRequest, Promise<AdminAuth>>()

/**
 * How the request proved it holds the admin token, or null. A cookie is looked up among the
 * logged-out sessions: when the store cannot answer, this rejects with its
 * StoreUnavailableError (the admin routes answer it 503 + Retry-After), never "signed in".
 */
export function adminAuth(req: FastifyRequest, ctx: GatewayContext): Promise<AdminAuth> {
  let auth = authOf.get(req)
  if (!auth) {
    auth = checkAdmin(req, ctx)
    authOf.set(req, auth)
  }
  return auth
}

async function checkAdmin(req: FastifyRequest, ctx: GatewayContext): Promise<AdminAuth> {
  const auth = getAllHeaders(headersFromRaw(req.raw.rawHeaders), 'authorization')
  if (auth.length === 1) {
    const m = /^Bearer +(\S+)\s*$/i.exec(auth[0]!)
    if (m && safeEqual(m[1]!, ctx.adminToken)) return 'bearer'
  }
  const s = signedSession(req, ctx.adminToken)
  if (s === null) return null
  const store = ctx.store
  if (knownRevoked.get(store)?.has(s.nonce)) return null
  if (await store.sessionRevoked(s.nonce, Date.now())) {
    rememberRevoked(store, s)
    return null
  }
  return 'cookie'
}

/** An admin credential, asked again for as long as an answer to it stays open. */
export interface AdminGrant {
  /** What this process knows: the token in force, the cookie's expiry, logouts made here. */
  holds(): boolean
  /** The same, and the store's logouts (made on any gateway); false when it cannot say. */
  recheck(): Promise<boolean>
}

/**
 * The credential a request was let in with, for a long-lived answer (the events stream): a
 * session logged out elsewhere, expired, or signed with a token since replaced must not keep
 * it open. Call after requireAdmin() let the request in.
 */
export async function adminGrant(req: FastifyRequest, ctx: GatewayContext): Promise<AdminGrant> {
  const how = await adminAuth(req, ctx).catch(() => null)
  const token = ctx.adminToken
  const session = how === 'cookie' ? signedSession(req, token) : null
  const holds = () => {
    if (how === null || ctx.adminToken !== token) return false
    if (session === null) return how === 'bearer'
    if (session.expires <= Math.floor(Date.now() / 1000)) return false
    return !knownRevoked.get(ctx.store)?.has(session.nonce)
  }
  return {
    holds,
    async recheck() {
      if (!holds()) return false
      if (session === null) return true
      try {
        if (!(await ctx.store.sessionRevoked(session.nonce, Date.now()))) return true
        rememberRevoked(ctx.store, session)
        return false
      } catch {
        // As at the door: a store that cannot answer lets no cookie in.
        return false
      }
    },
  }
}

/** The Retry-After seconds of a store's error (5 when it names none). */
export function retryAfterOf(error: unknown): number {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds
  return typeof seconds === 'number' ? Math.max(1, Math.ceil(seconds)) : 5
}

/** true for the admin; false for anyone else, and when the store cannot say (fail closed). */
export async function isAdmin(req: FastifyRequest, ctx: GatewayContext): Promise<boolean> {
  return (await adminAuth(req, ctx).catch(() => null)) !== null
}

/** Did the request present an admin credential at all (right or wrong)? */
export function presentsAdminCredential(req: FastifyRequest): boolean {
  return req.headers.authorization !== undefined || cookieValue(req, ADMIN_COOKIE) !== null
}

/**
 * Ends the session the request's cookie holds, on every gateway sharing the store. Only a
 * cookie this gateway could have issued is recorded (a forged one opens nothing anyway, and
 * must not fill the table). Rejects with the store's error when it could not be recorded;
 * this gateway refuses the cookie from now on all the same.
 */
export async function revokeSession(req: FastifyRequest, ctx: GatewayContext): Promise<void> {
  const s = signedSession(req, ctx.adminToken)
  if (!s) return
  rememberRevoked(ctx.store, s)
  await ctx.store.revokeSession(s.nonce, s.expires * 1000, Date.now())
}

/**
 * A write carried by the cookie alone must come from this origin: Origin when the browser
 * sends it, else Sec-Fetch-Site. Neither (curl, a script) is not a browser being abused.
 */
export function crossOrigin(req: FastifyRequest): boolean {
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
 * Counts one wrong admin token against the source, like rejected webhooks (their own key);
 * over the limit, the answer says so and for how long. Counted and judged in one step, so a
 * burst of guesses cannot pass the limit whole. Call it only once the token was found wrong,
 * so that the right one still opens while limited.
 */
export async function countWrongAdminToken(
  ctx: GatewayContext,
  req: FastifyRequest,
): Promise<RateLimitState> {
  const key = `${req.ip}|admin`
  try {
    return await ctx.rateLimiter.hit(key)
  } catch {
    return { limited: false, retryAfter: 0 }
  }
}

/** A wrong or missing admin token on the API: 401, or 429 + Retry-After once over the limit. */
export async function refuseAdmin(
  ctx: GatewayContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const state = await countWrongAdminToken(ctx, req)
  if (state.limited)
    return sendAnswer(
      reply,
      reasonAnswer(
        'rate_limited',
        { request_id: req.id, detail: 'too many wrong admin tokens from this address' },
        [['Retry-After', String(state.retryAfter)]],
      ),
    )
  return unauthorized(reply, req.id)
}

/** 403 for a cookie-carried write from another origin. */
export function refuseCrossOrigin(reply: FastifyReply, requestId: string): FastifyReply {
  return sendAnswer(
    reply,
    problemAnswer({
      ...gatewayProblem('unauthorized', { request_id: requestId }),
      status: 403,
      title: 'Cross-origin request refused',
    }),
  )
}

/** preHandler for admin routes. */
export function requireAdmin(ctx: GatewayContext) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const how = await adminAuth(req, ctx)
    if (how === null) return refuseAdmin(ctx, req, reply)
    if (how === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD' && crossOrigin(req))
      return refuseCrossOrigin(reply, req.id)
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
