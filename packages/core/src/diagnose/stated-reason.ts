/**
 * The receiver's own stated reason: an RFC 6750 `error_description`, or the words of a known
 * token verifier in the body (ASP.NET Core JwtBearer, express-oauth2-jwt-bearer / jose,
 * PostgREST, Hasura), mapped to the reason code it amounts to. A receiver that says why it
 * refused is surer than anything read from the request alone.
 * @module
 */
import type { ReasonCode } from '../verdict/reasons.js'
import { graphqlError } from './products/data-apis.js'
import { challenges, jsonField, type Signals } from './products/types.js'
import { findJwt } from './transforms/jwt.js'
import { type Finding, findings, step } from './transforms/types.js'
import { durationWords, isoTime, plainFix } from './wording.js'

interface Meaning {
  code: ReasonCode
  re: RegExp
  means: string
  fix: string
}

/**
 * Most specific first: "The signature key was not found" before "signature … invalid". Every
 * gap between two literals is bounded and stops at a line end (`'[^'\n]{0,300}'`, never
 * `'.*'`): these run over statements of the answer's choosing, up to 64 KiB, and `.*` between
 * literals rescans the rest of the line from each occurrence of the first.
 */
const MEANINGS: readonly Meaning[] = [
  {
    code: 'jwt_unknown_kid',
    re: /signature key was not found|IDX10501|IDX10503[^\n]{0,200}kid|no applicable key found in the JSON Web Key Set|JWKSNoMatchingKey|NoUsableKeys|KeyMismatch|unable to find a signing key|no (matching|suitable) key|kid .{0,40}(not found|unknown)|unknown kid/i,
    means: 'the token names a signing key (kid) the receiver does not have',
    fix: "Sign with a key the receiver knows (one in its JWKS), or have the receiver refresh its keys after the issuer's rotation; the token's kid must name a key it holds.",
  },
  {
    code: 'jwt_wrong_audience',
    re: /audience '[^'\n]{0,300}' is invalid|IDX10214|Unexpected 'aud' value|JWTNotInAudience|not in audience|invalid audience|"aud" claim|audiences? .{0,20}(not allowed|mismatch|invalid)/i,
    means: "the token's audience (aud) is not the receiver's",
    fix: "Request the token for the receiver's audience (its API identifier or Application ID URI), not another API's; or have the receiver accept this audience.",
  },
  {
    code: 'jwt_wrong_issuer',
    re: /issuer '[^'\n]{0,300}' is invalid|IDX10205|Unexpected 'iss' value|JWTNotInIssuer|invalid issuer|"iss" claim|Issuer '[^'\n]{0,300}' is not allowed/i,
    means: "the token's issuer (iss) is not one the receiver trusts",
    fix: 'Get the token from the issuer the receiver trusts: its iss must match the configured authority exactly (a trailing slash, v1 vs v2 endpoints and tenant ids count).',
  },
  {
    code: 'jwt_expired',
    re: /token expired at|IDX10223|JWTExpired|\bJWT (has )?expired|token (has )?expired|"exp" claim timestamp check failed|token is expired/i,
    means: 'the token has expired',
    fix: "Get a fresh token before each delivery (or let the sender refresh it when it expires), and check the sender's clock.",
  },
  {
    code: 'jwt_not_yet_valid',
    re: /token is not valid before|IDX10222|JWTNotYetValid|JWTIssuedAtFuture|issued at future|"nbf" claim timestamp check failed|not yet valid/i,
    means: 'the token is not valid yet (its nbf or iat lies ahead of the receiver’s clock)',
    fix: 'Check the clocks of the token issuer and the receiver (NTP), or give the receiver a little clock-skew leeway.',
  },
  {
    code: 'jwt_alg_not_allowed',
    re: /algorithm '[^'\n]{0,100}' is not (allowed|supported)|IDX10696|Unexpected 'alg' value|Unsupported JWT algorithm|alg(orithm)? not allowed/i,
    means: 'the token is signed with an algorithm the receiver does not allow',
    fix: 'Sign with an algorithm the receiver accepts (e.g. RS256 where it expects RS256, not HS256).',
  },
  {
    code: 'jwt_signature_invalid',
    re: /signature is invalid|IDX10511|IDX10504|JWSInvalidSignature|signature verification failed|invalid signature|Bad token; invalid signature|Jwt verification fails/i,
    means: "the token's signature does not verify with the receiver's key",
    fix: "Sign the token with the key the receiver verifies with: the same JWT secret (HS*), or a private key whose public half is in the receiver's JWKS; a token of another environment or project fails this way.",
  },
  {
    code: 'jwt_malformed',
    re: /Invalid Compact JWS|Expected 3 parts in JWT|IDX12741|IDX12709|IDX14100|IDX14101|JWSError JSONDecodeError|CompactDecodeError|malformed (jwt|token)|jwt malformed|Invalid Token or Protected Header formatting/i,
    means: 'the token is not a well-formed JWT',
    fix: 'Send the whole JWT (header.payload.signature, base64url) after "Bearer ", with nothing added or cut.',
  },
  {
    code: 'credentials_missing',
    re: /Anonymous access is disabled|PGRST302|Missing 'Authorization' or 'Cookie' header/i,
    means: 'no token reached it',
    fix: 'Send the token as "Authorization: Bearer <JWT>".',
  },
]

/** The texts in which a receiver states its reason, each with where it came from. */
function statements(s: Signals): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = []
  // Every challenge's (RFC 9110 §11.6.1: a 401 may offer several).
  for (const c of challenges(s))
    if (c.params.error_description)
      out.push({ where: 'error_description', text: c.params.error_description })
  const gql = graphqlError(s)
  if (gql) out.push({ where: 'errors[0].message', text: gql.message })
  for (const key of ['error_description', 'message', 'detail', 'error', 'hint', 'details']) {
    const v = jsonField(s, key)
    if (typeof v === 'string' && v.length > 0) out.push({ where: key, text: v })
  }
  if (out.length === 0 && s.json === undefined && s.body.length < 400 && s.body.trim())
    out.push({ where: 'body', text: s.body.trim() })
  return out
}

/**
 * A JWT in the request's Authorization (or any header): three base64url parts, `eyJ…`, taken
 * only where a run of base64url starts (`\b` also stands at each `-` inside one, and every
 * `eyJ` of `eyJa-eyJa-…` would rescan the rest of the run).
 */
function carriesJwt(s: Signals): boolean {
  return !!s.request?.headers.some(([, v]) => /(?<![\w-])eyJ[\w-]+\.[\w-]+\./.test(v))
}

/** JWT times above this are milliseconds (as verify and inspectJwt read them). */
const MILLISECONDS_FROM = 1e11

/** The exp claim (seconds) of the JWT the request carries, when it has a plain one. */
function sentExp(s: Signals): number | null {
  for (const [, v] of s.request?.headers ?? []) {
    const token = findJwt(v)
    if (!token) continue
    try {
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
      const exp = claims?.exp
      return typeof exp === 'number' && Number.isFinite(exp) && exp < MILLISECONDS_FROM ? exp : null
    } catch {
      return null
    }
  }
  return null
}

/**
 * "Expired", said of a token that is valid by the clock here: the receiver's clock is then
 * the likelier culprit (it runs ahead), not the sender's, and a fresh token would fail alike.
 */
function expiredOnlyThere(s: Signals, now: number | undefined): Omit<Meaning, 're'> | null {
  if (now === undefined) return null
  const exp = sentExp(s)
  if (exp === null || now >= exp) return null
  const ahead = durationWords(exp - now)
  return {
    code: 'jwt_expired',
    means: `the token has expired by the receiver's clock, yet by the clock here (${isoTime(now)}) it is valid for another ${ahead}, until ${isoTime(exp)}: the receiver's clock, running at least ${ahead} ahead, is the likelier cause, not the sender's`,
    fix: `Have the receiver's owner check its clock (NTP) or give its JWT check some clock-skew leeway: by this clock the token is valid for another ${ahead}, so a fresh token would be refused the same way. Only if the token was sent long before it was checked (a queue, a retry) is a token fetched per delivery the fix.`,
  }
}

/**
 * What the receiver said, as findings at 0.85 (the first statement that means something).
 * Words such as "invalid signature" mean a JWT's only when the request carried a JWT or the
 * words come from a Bearer challenge or say JWT themselves: a webhook receiver says them of
 * an HMAC signature too. `now` (unix seconds, the diagnosis's clock) weighs a receiver's
 * "expired" against the token's exp.
 */
export function statedReasonFindings(
  s: Signals,
  by: string,
  ev: string[],
  now?: number,
): Finding[] {
  const scope = insufficientScope(s, by, ev)
  if (scope.length) return scope
  const jwt = carriesJwt(s)
  for (const { where, text } of statements(s)) {
    if (!jwt && where !== 'error_description' && !/\bJWT|JWS|IDX\d{5}|PGRST/i.test(text)) continue
    const found = MEANINGS.find((m) => m.re.test(text))
    if (!found) continue
    const hit = (found.code === 'jwt_expired' && expiredOnlyThere(s, now)) || found
    const quote = text.length > 100 ? `${text.slice(0, 97)}…` : text
    return findings(
      [
        step(
          hit.code,
          `${by[0]!.toUpperCase()}${by.slice(1)} says why it refused (${where}: "${quote}"): ${hit.means}.`,
          plainFix(hit.fix),
          [`${where}: "${quote}"`, ...ev],
        ),
      ],
      0.85,
    )
  }
  return []
}

/**
 * A Bearer challenge with `error="insufficient_scope"` (RFC 6750 §3.1): the token was read and
 * is good, but lacks a scope. The most specific thing a 401 or 403 can say, whatever other
 * challenges come with it.
 */
function insufficientScope(s: Signals, by: string, ev: string[]): Finding[] {
  const c = challenges(s).find(
    (x) => /^bearer$/i.test(x.scheme) && x.params.error?.toLowerCase() === 'insufficient_scope',
  )
  if (!c) return []
  // A scope is a list of words; anything else is not quoted back.
  const scope = /^[\w.:/ -]{1,120}$/.test(c.params.scope ?? '') ? c.params.scope! : null
  const said = `error="insufficient_scope"${scope ? `, scope="${scope}"` : ''}`
  return findings(
    [
      step(
        'insufficient_scope',
        `${by[0]!.toUpperCase()}${by.slice(1)} says why it refused (its Bearer challenge: ${said}): the token arrived and was read, but it lacks the scope this resource requires.`,
        plainFix(
          `Get a token granted ${scope ? `the scope ${scope}` : 'the scope this resource requires'} (from the issuer, for this client), and send it instead; the same token sent again is refused the same way.`,
        ),
        [`WWW-Authenticate: Bearer ${said}`, ...ev],
      ),
    ],
    0.85,
  )
}
