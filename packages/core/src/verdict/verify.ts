/**
 * verify(request, endpoint, ctx) → Verdict. Runs the endpoint's scheme, then replay
 * protection, and derives the answer (status, WWW-Authenticate, problem+json).
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { ConfigError } from '../errors.js'
import { lengthMismatchText } from '../message/framing.js'
import type { HttpRequest } from '../message/types.js'
import { getScheme } from '../schemes/index.js'
import type { Check, Scheme, VerifyContext } from '../schemes/types.js'
import { buildChallenge } from './challenge.js'
import { buildProblem } from './problem.js'
import { REASONS } from './reasons.js'
import { claimKey, legacyClaimKey } from './replay-claim-key.js'
import type { Verdict } from './types.js'

/**
 * Verifies one request against one endpoint. Returns a Verdict for every refusal; throws only
 * for a config that names an unknown scheme.
 * @example
 * const verdict = await verify(request, endpoint, { now: Date.now() / 1000 })
 * if (!verdict.ok) reply.code(verdict.status).header('www-authenticate', verdict.www_authenticate)
 */
export async function verify(
  request: HttpRequest,
  endpoint: Endpoint,
  ctx: Partial<VerifyContext> = {},
): Promise<Verdict> {
  return verifyEager(request, endpoint, ctx)
}

/**
 * verify() that answers without a Promise when it can: the Verdict itself when the scheme and
 * the nonce store are synchronous (bearer, api_key, basic, hmac, standard_webhooks;
 * MemoryNonceStore), a Promise of it otherwise (jwt, Redis). For hot paths that count
 * microseconds — an awaited Promise per request costs about as much as the checks around the
 * HMAC. Throws (synchronously) only for a config that names an unknown scheme.
 * @example
 * const v = verifyEager(request, endpoint, ctx)
 * const verdict = v instanceof Promise ? await v : v
 */
export function verifyEager(
  request: HttpRequest,
  endpoint: Endpoint,
  ctx: Partial<VerifyContext> = {},
): Verdict | Promise<Verdict> {
  const { scheme, context } = prepare(endpoint, ctx)
  const result = scheme.verify(request, endpoint.auth, context)
  if (isPromiseLike(result))
    return Promise.resolve(result).then((checks) =>
      afterScheme(request, endpoint, scheme, context, checks),
    )
  return afterScheme(request, endpoint, scheme, context, result)
}

/**
 * verify() for synchronous schemes and nonce stores only (see verifyEager): the Verdict, never a
 * Promise. Throws TypeError when the scheme or the store turns out to be asynchronous — after
 * calling it, so do not use it with jwt or a Redis store.
 */
export function verifySync(
  request: HttpRequest,
  endpoint: Endpoint,
  ctx: Partial<VerifyContext> = {},
): Verdict {
  const verdict = verifyEager(request, endpoint, ctx)
  if (verdict instanceof Promise) {
    verdict.catch(() => {})
    throw new TypeError(
      `verifySync: scheme "${endpoint.auth.scheme}" or the nonce store is asynchronous; use verify()`,
    )
  }
  return verdict
}

/**
 * The nonce-store key `verify` claims for this request at this endpoint, or null when its
 * scheme has no replay protection (or the request carries no id): what `release` takes.
 */
export function replayClaimKey(request: HttpRequest, endpoint: Endpoint): string | null {
  const replay = getScheme(endpoint.auth.scheme)?.replayKey?.(request, endpoint.auth)
  return replay ? claimKey(endpoint, replay.key) : null
}

/** Replay protection after the scheme's checks, then the Verdict. */
function afterScheme(
  request: HttpRequest,
  endpoint: Endpoint,
  scheme: Scheme<unknown>,
  context: VerifyContext,
  received: Check[],
): Verdict | Promise<Verdict> {
  const checks = request.lengthMismatch
    ? withLengthNote(received, request, endpoint, scheme, context)
    : received
  if (context.nonceStore && scheme.replayKey && checks.every((c) => c.ok)) {
    const replay = scheme.replayKey(request, endpoint.auth)
    if (replay) {
      const store = context.nonceStore
      const key = claimKey(endpoint, replay.key)
      // Only a store shared with older releases (Redis) asks for the legacy key: none in memory.
      const legacy = store.claimWithLegacyKey ? legacyClaimKey(request, endpoint, replay.key) : null
      const claimed =
        legacy !== null
          ? store.claimWithLegacyKey!(key, legacy, replay.ttlMs)
          : store.claim(key, replay.ttlMs)
      if (isPromiseLike(claimed)) {
        return Promise.resolve(claimed).then((fresh) =>
          finish([...checks, replayCheck(fresh)], endpoint, scheme),
        )
      }
      return finish([...checks, replayCheck(claimed)], endpoint, scheme)
    }
  }
  return finish(checks, endpoint, scheme)
}

/**
 * A capture whose Content-Length disagrees with its body: the body was read as a receiver
 * reads it, and the first check over it that failed says so (the cause is the framing, not
 * the secret), and whether the bytes held, read whole, pass.
 */
function withLengthNote(
  checks: Check[],
  request: HttpRequest,
  endpoint: Endpoint,
  scheme: Scheme<unknown>,
  context: VerifyContext,
): Check[] {
  const mismatch = request.lengthMismatch!
  const at = checks.findIndex(
    (c) => !c.ok && (c.reason?.startsWith('signature_') || c.reason === 'request_incomplete'),
  )
  if (at === -1) return checks
  let note = lengthMismatchText(mismatch)
  if (mismatch.whole) {
    const whole = scheme.verify(
      { ...request, body: mismatch.whole, lengthMismatch: undefined },
      endpoint.auth,
      context,
    )
    if (!isPromiseLike(whole) && whole.length > 0 && whole.every((c) => c.ok))
      note += `; the signature matches the ${mismatch.held} bytes held, so the sender signed the whole body and only its Content-Length is wrong`
  }
  const out = [...checks]
  out[at] = { ...out[at]!, detail: `${out[at]!.detail}; ${note}` }
  return out
}

function prepare(
  endpoint: Endpoint,
  ctx: Partial<VerifyContext>,
): { scheme: Scheme<unknown>; context: VerifyContext } {
  const scheme = getScheme(endpoint.auth.scheme)
  if (!scheme)
    throw new ConfigError(`unknown scheme "${endpoint.auth.scheme}"`, {
      field: `endpoints.${endpoint.name}.auth.scheme`,
    })
  return { scheme, context: { now: ctx.now ?? Date.now() / 1000, endpoint, ...ctx } }
}

function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function'
}

function replayCheck(fresh: boolean): Check {
  return fresh
    ? { name: 'replay', ok: true, reason: null, detail: 'first delivery of this signed message' }
    : {
        name: 'replay',
        ok: false,
        reason: 'replay_detected',
        detail:
          'this signed message (the same signature over the same id, timestamp and body) was already accepted inside the tolerance window',
      }
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
  if (!failed?.reason) {
    return {
      ok: true,
      status: 200,
      reason: null,
      www_authenticate: null,
      endpoint: endpoint.name,
      key_id: keyId,
      checks,
      problem: null,
    }
  }
  const reason = failed.reason
  const spec = REASONS[reason]
  const scope = endpoint.auth.scheme === 'jwt' ? endpoint.auth.scopes.join(' ') : undefined
  const www =
    spec.status === 401 ||
    spec.challenge === 'insufficient_scope' ||
    spec.challenge === 'invalid_request'
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
