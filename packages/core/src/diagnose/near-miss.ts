/**
 * nearMissSearch: after verify refused a request, re-run the verification over transformed
 * inputs (transforms/*). A transformation that makes it pass is the cause, and its inverse is
 * the fix. The search is bounded by a budget of candidates and time, and ranked: the most
 * specific explanation wins over the generic `signature_mismatch` / `credential_unknown`.
 * @module
 */
import type { AuthPolicy, Credential, Endpoint, HmacPolicy } from '../config/types.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getAllHeaders, getHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { getScheme } from '../schemes/index.js'
import { standardWebhooksHmacPolicy } from '../schemes/standard-webhooks.js'
import type { Check } from '../schemes/types.js'
import { REASONS, type ReasonCode } from '../verdict/reasons.js'
import type { Verdict } from '../verdict/types.js'
import { issuerSlashStep, jwtSearchSteps } from './jwt-search.js'
import { publicKeyFindings } from './public-key-search.js'
import { signatureSearch } from './signature-search.js'
import { credentialCandidates, targetOf, unfilledStep } from './transforms/credential.js'
import { findJwt, inspectJwt } from './transforms/jwt.js'
import {
  otherEndpointStep,
  siblings,
  truncationStep,
  withCredentialsOf,
} from './transforms/secret.js'
import { Budget, type Finding, findings, type Step, step } from './transforms/types.js'
import { urlSignedFindings } from './url-signed.js'
import { plainFix } from './wording.js'

export interface NearMissOptions {
  now: number
  /** Every endpoint of the config (for another environment's or tenant's credential). */
  endpoints?: readonly Endpoint[]
  /** Candidates (default 5000) and milliseconds (default 250) the search may spend. */
  budget?: { candidates?: number; ms?: number }
}

export interface NearMissResult {
  findings: Finding[]
  tried: number
  exhausted: boolean
}

/** The HMAC policy a signature scheme stands for (reading Svix's header names when they are the ones sent). */
export function asHmacPolicy(policy: AuthPolicy, request: HttpRequest): HmacPolicy | null {
  if (policy.scheme === 'hmac') {
    // The signature under one of the provider's other names (Shopify Events): read it there.
    if (policy.header_aliases && getHeader(request.headers, policy.header) === undefined) {
      const alias = policy.header_aliases.find((h) => getHeader(request.headers, h) !== undefined)
      if (alias !== undefined) return { ...policy, header: alias }
    }
    return policy
  }
  if (policy.scheme === 'standard_webhooks') {
    const svix =
      getHeader(request.headers, 'webhook-signature') === undefined &&
      getHeader(request.headers, 'svix-signature') !== undefined
    return standardWebhooksHmacPolicy(policy, svix ? 'svix' : 'webhook')
  }
  return null
}

const VALUE_REASONS = new Set<ReasonCode>([
  'credential_unknown',
  'basic_wrong_credentials',
  'jwt_signature_invalid',
  'credential_revoked',
])

/** Verdicts a template placeholder sent as text explains (else it is named credential_unknown). */
const PLACEHOLDER_REASONS = new Set<ReasonCode>([
  ...VALUE_REASONS,
  'basic_not_base64',
  'basic_raw_credentials',
  'jwt_malformed',
])

async function run(
  req: HttpRequest,
  policy: AuthPolicy,
  endpoint: Endpoint,
  now: number,
): Promise<Check[]> {
  const scheme = getScheme(policy.scheme)
  if (!scheme)
    return [{ name: 'scheme', ok: false, reason: 'credential_unknown', detail: 'unknown scheme' }]
  return [...(await scheme.verify(req, policy, { now, endpoint }))]
}

const passed = (checks: Check[]) => checks.length > 0 && checks.every((c) => c.ok)
const firstFailure = (checks: Check[]) => checks.find((c) => !c.ok)

function credentialsOf(policy: AuthPolicy): Credential[] {
  switch (policy.scheme) {
    case 'bearer':
      return [...policy.tokens, ...policy.retired]
    case 'api_key':
      return [...policy.keys, ...policy.retired]
    default:
      return []
  }
}

/** A token, key, password or base64 blob: 8+ characters of the alphabets credentials use. */
const CREDENTIAL_LIKE = /^[\w.~+/=:@!$%*-]{8,}$/

async function credentialSearch(
  req: HttpRequest,
  endpoint: Endpoint,
  verdict: Verdict,
  opts: NearMissOptions,
  budget: Budget,
): Promise<Finding[]> {
  const policy = endpoint.auth
  const target = targetOf(policy)
  if (!target) return []
  const candidates = credentialCandidates(req, target)
  const results: { c: (typeof candidates)[number]; checks: Check[] }[] = []
  for (const c of candidates) {
    if (!budget.spend()) break
    const checks = await run(c.request, policy, endpoint, opts.now)
    if (passed(checks)) return c.steps.length > 0 ? findings(c.steps, 0.95) : []
    results.push({ c, checks })
  }
  // `Bearer` alone or `Bearer {{token}}`: no value was ever filled in, whatever else is off.
  const unfilled = unfilledStep(
    req,
    target,
    verdict.reason && PLACEHOLDER_REASONS.has(verdict.reason)
      ? verdict.reason
      : 'credential_unknown',
  )
  if (unfilled?.code === 'credentials_missing') return findings([unfilled], 0.95)
  const lead = unfilled ? findings([unfilled], 0.92) : []
  // Nothing verifies: is the credential itself another endpoint's, retired or cut short?
  const revoked = results.find(
    ({ checks }) => firstFailure(checks)?.reason === 'credential_revoked',
  )
  if (revoked) {
    const detail = firstFailure(revoked.checks)?.detail ?? 'it is retired'
    const retired = step(
      'credential_revoked',
      `The credential is a rotated-out one (${detail}): the sender still uses the old credential.`,
      plainFix('Update the sender to the current credential: this one was retired in a rotation.'),
      [detail],
    )
    return [...lead, ...findings([retired, ...revoked.c.steps], 0.95)]
  }
  const others = siblings(opts.endpoints, endpoint)
  for (const { c, checks } of results) {
    const reason = firstFailure(checks)?.reason
    if (!reason || !VALUE_REASONS.has(reason)) continue
    for (const other of others) {
      const swapped = withCredentialsOf(policy, other.auth)
      if (!swapped || !budget.spend()) continue
      if (passed(await run(c.request, swapped, endpoint, opts.now))) {
        return findings(
          [
            otherEndpointStep(
              endpoint,
              other,
              policy.scheme === 'basic'
                ? 'username and password'
                : policy.scheme === 'api_key'
                  ? 'API key'
                  : 'token',
            ),
            ...c.steps,
          ],
          0.93,
        )
      }
    }
    const cut = truncationStep(c.credential, credentialsOf(policy))
    if (cut) return findings([cut, ...c.steps], 0.9)
    if (policy.scheme === 'basic') {
      const colon = basicColonStep(c.credential, policy.users)
      if (colon) return findings([colon, ...c.steps], 0.9)
    }
  }
  // The construction is right but the value is not: say both. A value taken from elsewhere
  // (another header, the query) counts only when it could be a credential: any header moved
  // into Authorization fails on its value, and `X-Retry: 401,,html` is no misplaced key.
  const best = results.find(
    ({ c, checks }) =>
      VALUE_REASONS.has(firstFailure(checks)?.reason as ReasonCode) &&
      (c.inPlace || CREDENTIAL_LIKE.test(c.credential)),
  )
  if (best && best.c.steps.length > 0) {
    const f = firstFailure(best.checks)!
    return [...lead, ...findings(best.c.steps, 0.8), ...findings([fromCheck(f)], 0.6)]
  }
  return lead
}

/**
 * A password that holds a colon, mangled on its way into `user:password`: cut at the colon
 * (a tool that splits the pair on every colon) or sent as `%3A` (a URL's userinfo, where the
 * colon had to be percent-encoded).
 */
function basicColonStep(
  token68: string,
  users: readonly { username: string; password: string }[],
): Step | null {
  const decoded = Buffer.from(token68, 'base64').toString('utf8')
  const at = decoded.indexOf(':')
  if (at === -1) return null
  const [user, pass] = [decoded.slice(0, at), decoded.slice(at + 1)]
  for (const u of users) {
    if (!u.password.includes(':') || !safeEqual(u.username, user)) continue
    const evidence = [`sent password ${fingerprint(pass)}; configured ${fingerprint(u.password)}`]
    if (pass.length > 0 && safeEqual(u.password.slice(0, u.password.indexOf(':')), pass)) {
      return step(
        'basic_wrong_credentials',
        `The password holds a colon and was cut there: only what comes before its first colon was sent for user "${user}".`,
        plainFix(
          'Send the whole password after the first colon of "username:password" (RFC 7617 splits at the first colon only); do not split the pair on every colon.',
        ),
        evidence,
      )
    }
    if (/%3a/i.test(pass) && safeEqual(u.password, pass.replace(/%3a/gi, ':'))) {
      return step(
        'basic_wrong_credentials',
        `The colon in user "${user}"'s password was sent percent-encoded as %3A.`,
        plainFix(
          'Put the password in the Basic credentials as is, with its colon: percent-encoding belongs to URLs, not to base64("username:password").',
        ),
        evidence,
      )
    }
  }
  return null
}

function fromCheck(check: Check): Step {
  const code = check.reason ?? 'credential_unknown'
  const spec = REASONS[code]
  return step(
    code,
    `${spec.title}${check.detail ? ` (${check.detail})` : ''}.`,
    plainFix(spec.hint),
    check.detail ? [check.detail] : [],
  )
}

async function jwtFindings(
  req: HttpRequest,
  endpoint: Endpoint,
  verdict: Verdict,
  now: number,
): Promise<Finding[]> {
  if (endpoint.auth.scheme !== 'jwt') return []
  const token = getAllHeaders(req.headers, 'authorization')
    .map(findJwt)
    .find((t) => t !== null)
  if (!token) return []
  const report = inspectJwt(token, now, endpoint.auth)
  // What the key or secret being right yet refused comes down to (jwt-search.ts) leads; an
  // issuer off by a trailing slash is said as such.
  const policy = endpoint.auth
  const own = jwtSearchSteps(token, policy, verdict)
  const problems = report.problems.map((p) =>
    p.code === 'jwt_wrong_issuer' ? (issuerSlashStep(report.claims, policy) ?? p) : p,
  )
  const top = problems.filter((p) => p.code === verdict.reason)
  const rest = problems.filter((p) => p.code !== verdict.reason)
  // A token refused for who signed it (signature, key, algorithm): what its claims lack comes
  // after that (the rights of a token nobody vouches for are moot), and below the verdict's
  // own finding.
  const refusedForSigner =
    verdict.reason === 'jwt_signature_invalid' ||
    verdict.reason === 'jwt_unknown_kid' ||
    verdict.reason === 'jwt_alg_not_allowed'
  const claimLevel = (p: { code: string }) =>
    p.code === 'jwt_insufficient_scope' ||
    p.code === 'jwt_wrong_issuer' ||
    p.code === 'jwt_wrong_audience'
  const moot = refusedForSigner ? rest.filter(claimLevel) : []
  const out = [
    ...findings(own, 0.96),
    ...findings(top, 0.95),
    ...findings(
      rest.filter((p) => !moot.includes(p)),
      0.8,
    ),
    ...findings(moot, 0.5),
  ]
  // An expired token whose signature and claims are otherwise right: say so.
  const exp = report.claims?.exp
  if (verdict.reason === 'jwt_expired' && typeof exp === 'number') {
    const again = await run(req, endpoint.auth, endpoint, exp - 1)
    if (passed(again) && out[0])
      out[0].evidence.push(
        'at its expiry time the token verifies: signature, issuer and audience are right',
      )
  }
  return out
}

/** Runs the families that fit the endpoint's scheme and ranks what they find. */
export async function nearMissSearch(
  request: HttpRequest,
  endpoint: Endpoint,
  verdict: Verdict,
  options: NearMissOptions,
): Promise<NearMissResult> {
  const budget = new Budget(options.budget?.candidates ?? 5000, options.budget?.ms ?? 250)
  const out: Finding[] = []
  if (verdict.ok) return { findings: out, tried: 0, exhausted: false }
  const hp = asHmacPolicy(endpoint.auth, request)
  if (hp) {
    const others = siblings(options.endpoints, endpoint)
      .map((e) => ({ endpoint: e, policy: asHmacPolicy(e.auth, request) }))
      .filter((o): o is { endpoint: Endpoint; policy: HmacPolicy } => o.policy !== null)
    out.push(
      ...signatureSearch(request, hp, { now: options.now, endpoint, others, budget }).findings,
    )
  } else {
    if (verdict.reason === 'signature_mismatch') {
      out.push(...(await urlSignedFindings(request, endpoint, options.now, budget)))
      out.push(...(await publicKeyFindings(request, endpoint, options.now, budget)))
    }
    out.push(...(await credentialSearch(request, endpoint, verdict, options, budget)))
    if (
      endpoint.auth.scheme === 'jwt' &&
      !out.some((f) => f.code.startsWith('scheme_') || f.code === 'header_name_wrong')
    ) {
      const jf = await jwtFindings(request, endpoint, verdict, options.now)
      for (const f of jf) if (!out.some((o) => o.code === f.code)) out.push(f)
    }
  }
  // The verdict's own reason, when no transform explained it better.
  if (
    verdict.reason &&
    !out.some(
      (f) =>
        f.code === verdict.reason ||
        (f.confidence >= 0.9 && verdict.reason !== 'message_id_missing'),
    )
  ) {
    const failed = verdict.checks.find((c) => !c.ok)
    if (failed) {
      const base =
        failed.reason === 'signature_mismatch' || failed.reason === 'credential_unknown'
          ? 0.55
          : 0.75
      const f = fromCheck(failed)
      // Let the user compare what was sent with what is configured, by fingerprint.
      const configured = credentialsOf(endpoint.auth)
      if (failed.reason === 'credential_unknown' && configured.length > 0) {
        f.evidence.push(
          `configured: ${configured.map((c) => `${c.id ? `"${c.id}" ` : ''}${fingerprint(c.value)}`).join(', ')}`,
        )
      }
      out.push(...findings([f], base))
    }
  }
  return { findings: out, tried: budget.tried, exhausted: budget.exhausted }
}
