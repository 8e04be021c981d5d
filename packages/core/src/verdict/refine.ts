/**
 * A credential refused as unknown may be another endpoint's: a staging key sent to
 * production, tenant A's token to tenant B. Only the config as a whole knows; given the other
 * endpoints, the verdict names it (`credential_wrong_environment`, `credential_wrong_tenant`),
 * so that the record's reason, an `explain: full` answer and `verify --json` say what the
 * diagnosis says. Runs on refusals only, one verification per other endpoint of the scheme.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { otherEndpointStep, siblings, withCredentialsOf } from '../diagnose/transforms/secret.js'
import type { HttpRequest } from '../message/types.js'
import { getScheme } from '../schemes/index.js'
import type { Verdict } from './types.js'
import { verdictFromChecks, verify } from './verify.js'

/** Refusals that say "not one of ours" and could be "one of another endpoint's". */
const REFINABLE = new Set([
  'credential_unknown',
  'basic_wrong_credentials',
  'jwt_signature_invalid',
  'signature_mismatch',
])

/** At most this many other endpoints are tried for one refusal. */
const MAX_SIBLINGS = 16

export function refinable(verdict: Verdict): boolean {
  return !verdict.ok && verdict.reason !== null && REFINABLE.has(verdict.reason)
}

export async function refineVerdict(
  request: HttpRequest,
  endpoint: Endpoint,
  verdict: Verdict,
  endpoints: readonly Endpoint[] | undefined,
  now: number,
): Promise<Verdict> {
  if (!refinable(verdict)) return verdict
  const scheme = getScheme(endpoint.auth.scheme)
  if (!scheme) return verdict
  for (const other of siblings(endpoints, endpoint).slice(0, MAX_SIBLINGS)) {
    if (other.environment === endpoint.environment && other.tenant === endpoint.tenant) continue
    const swapped = withCredentialsOf(endpoint.auth, other.auth)
    if (!swapped) continue
    // No nonce store: trying another endpoint's credential must not burn the message id.
    const v = await verify(request, { ...endpoint, auth: swapped }, { now })
    if (!v.ok) continue
    const step = otherEndpointStep(endpoint, other, 'credential')
    if (step.code === 'credential_unknown') return verdict
    const checks = verdict.checks.map((c) =>
      !c.ok && c.reason === verdict.reason
        ? { ...c, reason: step.code, detail: step.evidence[0] ?? c.detail }
        : c,
    )
    return verdictFromChecks(checks, endpoint, scheme.challenge(endpoint.auth))
  }
  return verdict
}
