/**
 * JWTs read without verifying: the header and claims decoded, exp/nbf/iat said in words
 * against `now` and the leeway ("expired 2 h 14 min ago"), issuer and audience set against the
 * expected values, missing scopes (403, not 401), an unknown kid, an algorithm not allowed.
 * The signature is never shown: only its fingerprint.
 * @module
 */
import type { JwtPolicy } from '../../config/types.js'
import { fingerprint } from '../../redact/fingerprint.js'
import { durationWords, isoTime, plainFix, relativeWords } from '../wording.js'
import { type Step, step } from './types.js'

export interface JwtTime {
  claim: 'exp' | 'nbf' | 'iat'
  value: number
  iso: string
  /** `2 h 14 min ago`, `in 5 min`. */
  relative: string
}

export interface JwtReport {
  header: Record<string, unknown> | null
  claims: Record<string, unknown> | null
  times: JwtTime[]
  problems: Step[]
  /**
   * What is worth knowing but is no refusal of the verifier this report follows (an iat in the
   * future where no max_age is set: verify, like jose, does not check iat then).
   */
  notes: string[]
  /** Fingerprint of the signature part (the signature itself is never shown). */
  signature: string
}

const B64URL = /^[A-Za-z0-9_-]*$/

function part(text: string, which: string): { value: Record<string, unknown> } | { error: string } {
  if (!B64URL.test(text)) return { error: `the ${which} is not base64url` }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return { error: `the ${which} is not JSON once base64url-decoded` }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return { error: `the ${which} is not a JSON object` }
  return { value: json as Record<string, unknown> }
}

/**
 * A JWT-looking string (three base64url parts) inside `text`, or null. A JWE's five parts are
 * taken whole, so that it is named as an encrypted token rather than read as its first three.
 */
export function findJwt(text: string): string | null {
  const m =
    // From where a run of base64url starts only (not `\b`, which also stands inside one at a
    // `-`): else each `eyJ` of `eyJa-eyJa-…` rescans the run, quadratic in a long header.
    /(?<![\w-])eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2}(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?![.\w-]))?/.exec(
      text,
    )
  return m ? m[0] : null
}

/**
 * A JWT cut short (a field length limit, a copy that stopped at a dot or a line end): its
 * header part, which decodes to a JSON object naming `alg`, and at most its payload part.
 * Returns how many parts survived, or null when `text` is not such a fragment.
 */
export function jwtFragment(text: string): 1 | 2 | null {
  const m = /^(eyJ[A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]*))?\.?$/.exec(text.trim())
  if (!m) return null
  const h = part(m[1]!, 'header')
  if ('error' in h || typeof h.value.alg !== 'string') return null
  return m[2] ? 2 : 1
}

/** The step for a JWT cut after its header (1) or its payload (2), or sent with an empty signature. */
export function truncatedJwtStep(kept: 1 | 2, token: string): Step {
  const what =
    kept === 1
      ? 'a JWT cut off after its first part (the header): the payload and the signature are missing'
      : 'a JWT cut off after its second part (the payload): the signature is missing'
  return step(
    'credential_truncated',
    `The token is ${what}.`,
    plainFix(
      'Copy the whole token: a JWT has three parts separated by dots (header.payload.signature). Check the field, variable or column that holds it does not cut it (a length limit, a line break).',
    ),
    [`token ${fingerprint(token)} has ${kept} of the 3 parts of a JWT`],
  )
}

/**
 * JWT times are seconds since the epoch. Above 1e11 (the year 5138 in seconds) a value is
 * read as milliseconds, up to the year 9999 in milliseconds; beyond that it is no date at all
 * (`1e300`), and calling it milliseconds would mislead.
 */
const MILLISECONDS_FROM = 1e11
const MAX_MILLISECONDS = 253402300799999

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 120 ? `${s.slice(0, 117)}…` : s
}

const malformed = (why: string): Step =>
  step(
    'jwt_malformed',
    `The token is not a well-formed JWT: ${why}.`,
    plainFix(
      'Send the JWT itself: three base64url parts separated by dots (header.payload.signature), nothing around it.',
    ),
    [why],
  )

export function inspectJwt(token: string, now: number, policy?: JwtPolicy): JwtReport {
  const parts = token.trim().split('.')
  const report: JwtReport = {
    header: null,
    claims: null,
    times: [],
    problems: [],
    notes: [],
    signature: fingerprint(parts[2] ?? ''),
  }
  if (parts.length === 5) {
    report.problems.push(malformed('it has five parts: an encrypted JWE, not a signed JWT'))
    return report
  }
  if (parts.length !== 3) {
    report.problems.push(
      malformed(`it has ${parts.length} part${parts.length === 1 ? '' : 's'}, not three`),
    )
    return report
  }
  const h = part(parts[0]!, 'header')
  const c = part(parts[1]!, 'payload')
  if ('error' in h) report.problems.push(malformed(h.error))
  else report.header = h.value
  if ('error' in c) report.problems.push(malformed(c.error))
  else report.claims = c.value
  if (!report.header || !report.claims) return report
  const header = report.header
  const claims = report.claims
  const leeway = policy?.leeway ?? 0
  const leewayWords = leeway ? ` (leeway ${durationWords(leeway)})` : ''

  const alg = typeof header.alg === 'string' ? header.alg : undefined
  if (alg === undefined || alg.toLowerCase() === 'none') {
    report.problems.push(
      step(
        'jwt_alg_not_allowed',
        `The token is unsigned (alg ${show(header.alg ?? null)}): such a token is never accepted.`,
        plainFix('Sign the token with a real algorithm (e.g. RS256 or HS256).'),
        [`header alg ${show(header.alg ?? null)}`],
      ),
    )
  } else if (policy && !policy.algorithms.includes(alg)) {
    report.problems.push(
      step(
        'jwt_alg_not_allowed',
        `The token is signed with ${alg}, but this endpoint allows only ${policy.algorithms.join(', ')}.`,
        plainFix(
          `Sign with ${policy.algorithms.join(' or ')} (the issuer's key settings), not ${alg}.`,
        ),
        [`header alg ${alg}; allowed ${policy.algorithms.join(', ')}`],
      ),
    )
  }
  if (policy?.jwks && alg && !alg.startsWith('HS')) {
    const kids = policy.jwks.keys
      .map((k) => k.kid)
      .filter((k): k is string => typeof k === 'string')
    const kid = header.kid
    if (typeof kid === 'string' && kids.length > 0 && !kids.includes(kid)) {
      report.problems.push(
        step(
          'jwt_unknown_kid',
          `The token names key id ${show(kid)}, which is not in the configured JWKS (${kids.map((k) => show(k)).join(', ')}).`,
          plainFix(
            'Sign with a key whose kid is in the JWKS, or add the new key to the JWKS (the issuer has rotated its keys).',
          ),
          [`header kid ${show(kid)}; JWKS kids ${kids.map((k) => show(k)).join(', ')}`],
        ),
      )
    }
  }

  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const v = claims[claim]
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      report.problems.push(
        malformed(`${claim} is ${show(v)}, not a number of seconds since the epoch`),
      )
      continue
    }
    if (Math.abs(v) > MAX_MILLISECONDS) {
      report.problems.push(
        step(
          'jwt_malformed',
          `${claim} is ${v}: no date at all, neither in seconds nor in milliseconds.`,
          plainFix(
            'Write exp, nbf and iat as seconds since the epoch (Math.floor(Date.now() / 1000) plus the lifetime, for exp).',
          ),
          [`${claim} ${v}`],
        ),
      )
      continue
    }
    report.times.push({ claim, value: v, iso: isoTime(v), relative: relativeWords(v, now) })
  }
  // A time that is no date was named above; the checks below would only say it in odd words.
  const dated = (v: unknown) =>
    typeof v === 'number' && Math.abs(v) <= MAX_MILLISECONDS ? v : undefined
  const exp = dated(claims.exp)
  const nbf = dated(claims.nbf)
  const iat = dated(claims.iat)
  if (parts[2] === '' && alg !== undefined && alg.toLowerCase() !== 'none')
    report.problems.push(truncatedJwtStep(2, token))
  // The boundaries are verify's (schemes/jwt.ts checkClaims, jose's): a time above 1e11 is
  // milliseconds; expired once now >= exp - leeway (RFC 7519 §4.1.4: "on or after");
  // not yet valid while now < nbf - leeway; iat is checked only with max_age.
  const inMs = (['exp', 'nbf', 'iat'] as const).filter((k) => {
    const v = dated(claims[k])
    return v !== undefined && v > MILLISECONDS_FROM
  })
  for (const claim of inMs) {
    const v = claims[claim] as number
    const asSeconds =
      claim === 'exp'
        ? 'the token would never expire'
        : claim === 'nbf'
          ? 'the token would never become valid'
          : 'it would be issued millennia from now'
    report.problems.push(
      step(
        'timestamp_milliseconds',
        `${claim} is ${v}: milliseconds, where JWT times are seconds since the epoch (read as seconds, ${asSeconds}).`,
        plainFix(
          'Write exp, nbf and iat in seconds (Math.floor(Date.now() / 1000)), not milliseconds.',
        ),
        [`${claim} ${v}`],
      ),
    )
  }
  if (exp !== undefined && !inMs.includes('exp') && now >= exp + leeway) {
    const life =
      iat !== undefined ? `; it was valid for ${durationWords(exp - iat)} after issue` : ''
    const when =
      now === exp + leeway
        ? `The token expires at this very second (exp ${isoTime(exp)}${leewayWords}): a JWT is not accepted on or after its exp`
        : `The token expired ${durationWords(now - exp)} ago, at ${isoTime(exp)}${leewayWords}`
    report.problems.push(
      step(
        'jwt_expired',
        `${when}${life}.`,
        plainFix(
          'Fetch a new token before each call (or refresh it when it expires); do not store one token in the scenario.',
        ),
        [`exp ${exp} = ${isoTime(exp)}; now ${isoTime(now)}`],
      ),
    )
  }
  if (nbf !== undefined && !inMs.includes('nbf') && now < nbf - leeway) {
    report.problems.push(
      step(
        'jwt_not_yet_valid',
        `The token is not valid yet: its nbf lies ${durationWords(nbf - now)} in the future (${isoTime(nbf)})${leewayWords}; the issuer's clock runs ahead.`,
        plainFix("Check the issuer's clock (NTP), or allow a leeway of a few seconds."),
        [`nbf ${nbf} = ${isoTime(nbf)}; now ${isoTime(now)}`],
      ),
    )
  } else if (iat !== undefined && !inMs.includes('iat') && now < iat - leeway) {
    const ahead = `The token was issued ${durationWords(iat - now)} in the future (iat ${isoTime(iat)}): the issuer's clock runs ahead`
    if (policy?.max_age !== undefined)
      report.problems.push(
        step(
          'jwt_not_yet_valid',
          `${ahead}${leewayWords}.`,
          plainFix("Sync the issuer's clock (NTP)."),
          [`iat ${iat} = ${isoTime(iat)}; now ${isoTime(now)}`],
        ),
      )
    // A few seconds of skew is every clock's; a minute or more is worth a word.
    else if (now < iat - 60)
      report.notes.push(
        `${ahead}. Not a refusal here: without max_age, iat is not checked (hookwarden verify, jose, jsonwebtoken), though some verifiers (PyJWT) refuse an iat in the future.`,
      )
  }
  if (policy?.issuer !== undefined) {
    const expected = list(policy.issuer)
    if (typeof claims.iss !== 'string' || !expected.includes(claims.iss)) {
      report.problems.push(
        step(
          'jwt_wrong_issuer',
          `The token was issued by ${claims.iss === undefined ? 'no one (no iss claim)' : show(claims.iss)}, but this endpoint expects ${expected.map(show).join(' or ')}.`,
          plainFix(
            `Use a token from ${expected.join(' or ')} (check the environment: staging and production issuers differ), or fix the issuer in the config.`,
          ),
          [`iss ${show(claims.iss ?? null)}; expected ${expected.map(show).join(', ')}`],
        ),
      )
    }
  }
  if (policy?.audience !== undefined) {
    const expected = list(policy.audience)
    const aud =
      typeof claims.aud === 'string'
        ? [claims.aud]
        : Array.isArray(claims.aud)
          ? claims.aud.filter((a): a is string => typeof a === 'string')
          : []
    if (!aud.some((a) => expected.includes(a))) {
      report.problems.push(
        step(
          'jwt_wrong_audience',
          `The token is meant for ${aud.length ? aud.map(show).join(', ') : 'no audience (no aud claim)'}, but this endpoint is ${expected.map(show).join(' or ')}.`,
          plainFix(`Request the token with audience ${expected.join(' or ')}.`),
          [`aud ${show(claims.aud ?? null)}; expected ${expected.map(show).join(', ')}`],
        ),
      )
    }
  }
  if (policy && policy.scopes.length > 0) {
    const granted = new Set<string>()
    for (const key of ['scope', 'scp', 'permissions'] as const) {
      const v = claims[key]
      if (typeof v === 'string') for (const s of v.split(/\s+/)) if (s) granted.add(s)
      if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') granted.add(s)
    }
    const missing = policy.scopes.filter((s) => !granted.has(s))
    if (missing.length > 0) {
      report.problems.push(
        step(
          'jwt_insufficient_scope',
          `The token does not grant the scope ${missing.join(', ')}: once it verifies, the answer is 403 (authenticated, not allowed), not 401.`,
          plainFix(
            `Request the token with the scope ${missing.join(' ')} (it has ${granted.size ? [...granted].join(' ') : 'none'}).`,
          ),
          [
            `scopes granted: ${granted.size ? [...granted].join(' ') : 'none'}; required: ${policy.scopes.join(' ')}`,
          ],
        ),
      )
    }
  }
  return report
}
