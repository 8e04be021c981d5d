/**
 * verify(request, endpoint, ctx) → Verdict. Runs the endpoint's scheme, then replay
 * protection, and derives the answer (status, WWW-Authenticate, problem+json).
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { ConfigError } from '../errors.js'
import type { HttpRequest } from '../message/types.js'
import { getScheme } from '../schemes/index.js'
import type { Check, Scheme, VerifyContext } from '../schemes/types.js'
import { buildChallenge } from './challenge.js'
import { buildProblem } from './problem.js'
import { REASONS } from './reasons.js'
import type { Verdict } from './types.js'

/**
 * Verifies one request against one endpoint. Returns a Verdict for every refusal; throws only
 * for a config that names an unknown scheme.
 * @example
 * const verdict = await verify(request, endpoint, { now: Date.now() / 1000 })
 * if (!verdict.ok) reply.code(verdict.status).header('www-authenticate', verdict.www_authenticate)
 */
export async function verify(request: HttpRequest, endpoint: Endpoint, ctx: Partial<VerifyContext> = {}): Promise<Verdict> {
  const { scheme, context } = prepare(endpoint, ctx)
  const result = scheme.verify(request, endpoint.auth, context)
  // A sync scheme (every HMAC scheme) is not awaited: no extra microtask on the hot path.
  let checks = isPromiseLike(result) ? await result : result
  if (context.nonceStore && scheme.replayKey && checks.every((c) => c.ok)) {
    const replay = scheme.replayKey(request, endpoint.auth)
    if (replay) {
      const claimed = context.nonceStore.claim(`${endpoint.name}\u0000${replay.key}`, replay.ttlMs)
      checks = [...checks, replayCheck(isPromiseLike(claimed) ? await claimed : claimed)]
    }
  }
  return finish(checks, endpoint, scheme)
}

/**
 * verify() for synchronous schemes and nonce stores (bearer, api_key, basic, hmac,
 * standard_webhooks with MemoryNonceStore): the same Verdict without a Promise, for hot paths
 * that count microseconds. Throws TypeError when the scheme or the store answers async (jwt,
 * Redis): use verify() there.
 */
export function verifySync(request: HttpRequest, endpoint: Endpoint, ctx: Partial<VerifyContext> = {}): Verdict {
  const { scheme, context } = prepare(endpoint, ctx)
  const result = scheme.verify(request, endpoint.auth, context)
  if (isPromiseLike(result)) throw new TypeError(`verifySync: scheme "${scheme.name}" is asynchronous; use verify()`)
  let checks = result
  if (context.nonceStore && scheme.replayKey && checks.every((c) => c.ok)) {
    const replay = scheme.replayKey(request, endpoint.auth)
    if (replay) {
      const claimed = context.nonceStore.claim(`${endpoint.name}\u0000${replay.key}`, replay.ttlMs)
      if (isPromiseLike(claimed)) throw new TypeError('verifySync: the nonce store is asynchronous; use verify()')
      checks = [...checks, replayCheck(claimed)]
    }
  }
  return finish(checks, endpoint, scheme)
}

function prepare(endpoint: Endpoint, ctx: Partial<VerifyContext>): { scheme: Scheme<unknown>; context: VerifyContext } {
  const scheme = getScheme(endpoint.auth.scheme)
  if (!scheme) throw new ConfigError(`unknown scheme "${endpoint.auth.scheme}"`, { field: `endpoints.${endpoint.name}.auth.scheme` })
  return { scheme, context: { now: ctx.now ?? Date.now() / 1000, endpoint, ...ctx } }
}

function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function'
}

function replayCheck(fresh: boolean): Check {
  return fresh
    ? { name: 'replay', ok: true, reason: null, detail: 'first delivery of this message id' }
    : { name: 'replay', ok: false, reason: 'replay_detected', detail: 'this message id was already accepted inside the tolerance window' }
}

const NO_CHALLENGE = { scheme: '', params: {} }

function finish(checks: Check[], endpoint: Endpoint, scheme: Scheme<unknown>): Verdict {
  // The challenge is only read for a refusal: an accepted request does not build one.
  const ok = checks.every((c) => c.ok)
  return verdictFromChecks(checks, endpoint, ok ? NO_CHALLENGE : scheme.challenge(endpoint.auth))
}

/** Derives the answer from a list of checks (shared with the diagnosis, which re-runs checks). */
export function verdictFromChecks(
  checks: Check[],
  endpoint: Endpoint,
  challenge: { scheme: string; params: Record<string, string> },
): Verdict {
  const failed = checks.find((c) => !c.ok)
  const keyId = checks.find((c) => c.ok && c.key_id)?.key_id ?? null
  if (!failed || !failed.reason) {
    return { ok: true, status: 200, reason: null, www_authenticate: null, endpoint: endpoint.name, key_id: keyId, checks, problem: null }
  }
  const reason = failed.reason
  const spec = REASONS[reason]
  const scope = endpoint.auth.scheme === 'jwt' ? endpoint.auth.scopes.join(' ') : undefined
  const www =
    spec.status === 401 || spec.challenge === 'insufficient_scope' || spec.challenge === 'invalid_request'
      ? buildChallenge(challenge, reason, scope ? { scope } : {})
      : null
  return {
    ok: false,
    status: spec.status,
    reason,
    www_authenticate: www,
    endpoint: endpoint.name,
    key_id: keyId,
    checks,
    problem: buildProblem(reason, endpoint.explain),
  }
}
