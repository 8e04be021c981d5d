/**
 * The JWT near misses whose key or secret is right: an HS* token signed with the secret
 * base64-decoded (or not) or with a newline after it, an ECDSA signature in DER, a signature
 * cut short, a JWKS key that is there but marked for encryption or another algorithm, a
 * jwks_url that answers an error page or a redirect, an issuer that differs by a trailing
 * slash. Each is named with the fix in the sender's terms, above the generic refusal.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { JwtPolicy } from '../config/types.js'
import { decodeStrict } from '../crypto/encoding.js'
import { fingerprint } from '../redact/fingerprint.js'
import {
  type JwksFailure,
  jwksKeys,
  lastJwksFailure,
  slashTwin,
  type UnmatchedKey,
  unmatchedKey,
} from '../schemes/jwt.js'
import type { ReasonCode } from '../verdict/reasons.js'
import type { Verdict } from '../verdict/types.js'
import { type Step, step } from './transforms/types.js'
import { type Fix, plainFix } from './wording.js'

const HS_HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }
/** r||s bytes of a JWS ECDSA signature (RFC 7518 §3.4). */
const P1363_BYTES: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 }

function headerOf(token: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(
      Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'),
    )
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/** The steps that name what the verdict's refusal of `token` really is, most specific first. */
export function jwtSearchSteps(token: string, policy: JwtPolicy, verdict: Verdict): Step[] {
  const header = headerOf(token)
  const alg = typeof header?.alg === 'string' ? header.alg : null
  if (!alg) return []
  const failed = verdict.checks.find((c) => !c.ok)
  if (failed?.name !== 'jwt_signature') return []
  const detail = failed.detail ?? ''
  const evidence = detail ? [detail] : []
  switch (failed.reason) {
    case 'jwt_signature_invalid':
      return alg in HS_HASH ? hsSecretSteps(token, alg, policy) : []
    case 'signature_wrong_encoding':
      return P1363_BYTES[alg] ? [derStep(alg, evidence)] : []
    case 'credential_truncated':
      return [
        step(
          'credential_truncated',
          'The token was cut short (in a copy, or by a length-limited field): its signature is shorter than the key makes.',
          plainFix(
            'Send the whole token: copy it again, and check the field, variable or column that holds it does not cut it (a length limit, a line break).',
          ),
          evidence,
        ),
      ]
    case 'jwt_unknown_kid':
    case 'jwt_alg_not_allowed': {
      const keys = jwksKeys(policy)
      if (!keys) return []
      const kid = typeof header?.kid === 'string' ? header.kid : undefined
      const unfit = unmatchedKey(alg, kid, keys)
      // An unknown kid of an inline JWKS is named by inspectJwt in the same words.
      if (unfit.kind === 'kid' && policy.jwks) return []
      return [unmatchedKeyStep(unfit, alg, kid, evidence)]
    }
    case 'jwt_jwks_unavailable': {
      const failure = lastJwksFailure(policy)
      return failure ? [jwksFailureStep(failure)] : []
    }
    default:
      return []
  }
}

function derStep(alg: string, evidence: string[]): Step {
  const bytes = P1363_BYTES[alg]!
  return step(
    'signature_wrong_encoding',
    `The ${alg} signature is DER-encoded (ASN.1), where a JWS carries r and s as ${bytes} plain bytes (IEEE P1363): converted, it verifies, so the key is right and only the signature's encoding is wrong.`,
    plainFix(
      `Encode the ECDSA signature as JWS does, r || s in ${bytes} bytes: with node:crypto pass \`dsaEncoding: 'ieee-p1363'\` to crypto.sign (Java: the algorithm "SHA${alg.slice(2)}withECDSAinP1363Format"; Python: decode_dss_signature, then r and s as ${bytes / 2}-byte big-endian integers), or sign with a JOSE library (jose, jsonwebtoken), which does it for you.`,
    ),
    evidence,
  )
}

function unmatchedKeyStep(
  unfit: UnmatchedKey,
  alg: string,
  kid: string | undefined,
  evidence: string[],
): Step {
  const named = kid === undefined ? 'the key' : `the key with kid ${JSON.stringify(kid)}`
  const kids =
    unfit.kids.length > 0
      ? `kids in the JWKS: ${unfit.kids.map((k) => JSON.stringify(k)).join(', ')}`
      : 'the JWKS keys have no kid'
  const say = (summary: string, fix: string) => step(unfit.reason, summary, plainFix(fix), evidence)
  switch (unfit.kind) {
    case 'use':
      return say(
        `The JWKS has ${named}, but marks it for encryption ("use" is not "sig"), so it cannot verify the token's signature.`,
        `If ${named} is the issuer's signing key, publish it with "use": "sig" (or without "use") in the JWKS — this endpoint's jwks, or the issuer's; else sign with a key the JWKS marks for signatures.`,
      )
    case 'key_ops':
      return say(
        `The JWKS has ${named}, but its "key_ops" lack "verify", so it cannot verify the token's signature.`,
        `Add "verify" to the "key_ops" of ${named} in the JWKS (or drop "key_ops"), or sign with a key that allows it.`,
      )
    case 'alg':
      return say(
        `The JWKS has ${named}, but that key declares "alg": "${unfit.keyAlg}", and the token is signed with ${alg}: a key is used for its declared algorithm only.`,
        `Sign with ${unfit.keyAlg}, as ${named} declares, or correct that key's "alg" to ${alg} in the JWKS (or drop it).`,
      )
    case 'kty':
    case 'crv':
      return say(
        `The JWKS has ${named}, but it is not a key for ${alg} (${unfit.kind === 'kty' ? 'another key type' : 'another curve'}).`,
        `Sign with the algorithm ${named} is made for, or name the kid of the ${alg} key in the token header.`,
      )
    case 'kid':
      return say(
        `The token names kid ${JSON.stringify(kid)}, which the JWKS at jwks_url does not hold (${kids}).`,
        'Sign with a key whose kid is in the JWKS, or publish the new key at jwks_url (the issuer has rotated its keys).',
      )
    default:
      return say(
        `The token names no kid, and no key in the JWKS fits ${alg}.`,
        `Put the signing key's kid in the token header, or add the ${alg} signing key to the JWKS.`,
      )
  }
}

function jwksFailureStep(f: JwksFailure): Step {
  const fix = ((): string => {
    const discovery = "the jwks_uri listed in the issuer's /.well-known/openid-configuration"
    switch (f.kind) {
      case 'redirect':
        return `Set jwks_url to the address the keys are really served from${f.location ? ` (the redirect points to ${f.location}; check that is the issuer's own host)` : ''}: keys are fetched from the configured address only, and redirects are not followed, so that nobody can move them elsewhere.`
      case 'not_json':
        return `jwks_url serves ${f.contentType === 'text/html' ? 'a web page (a login, error or landing page)' : 'something other than JSON'}, not the key set: set it to ${discovery}.`
      case 'not_jwks':
        return `Set jwks_url to the key set itself, ${discovery} (not the openid-configuration document or another JSON).`
      case 'status':
        if (f.status === 404 || f.status === 410)
          return `Check the jwks_url path: set it to ${discovery}.`
        if (f.status === 401 || f.status === 403)
          return `The JWKS host refused the fetch: a JWKS is a public document, so use ${discovery}, or let this host through the rule that refused it.`
        if (f.status !== undefined && f.status >= 500)
          return "The issuer's JWKS endpoint failed: retry later and check the issuer's status; the token itself may be fine."
        return `Point jwks_url at ${discovery}, which answers 200 with the JSON key set.`
      default:
        return 'Check jwks_url, and that this host can reach it (DNS, firewall, outbound proxy); the token itself may be fine.'
    }
  })()
  return step(
    'jwt_jwks_unavailable',
    `The signing keys could not be fetched: ${f.detail}.`,
    plainFix(fix),
    [f.detail],
  )
}

const ENC_WORDS: Record<string, string> = {
  utf8: "its text (the characters' UTF-8 bytes)",
  base64: 'its base64-decoded bytes',
  base64url: 'its base64url-decoded bytes',
  hex: 'its hex-decoded bytes',
}

/**
 * HS*: the token signed with a near miss of a configured secret — decoded where the endpoint
 * takes the text, or the text where it decodes (the n8n passphrase case: n8n signs with the
 * text as typed), or with whitespace around it (a newline from a file or a paste).
 */
function hsSecretSteps(token: string, alg: string, policy: JwtPolicy): Step[] {
  const dot = token.lastIndexOf('.')
  const input = token.slice(0, dot)
  const sig = Buffer.from(token.slice(dot + 1), 'base64url')
  if (sig.length === 0) return []
  const hash = HS_HASH[alg]!
  const signs = (key: Buffer | null) => {
    if (!key || key.length === 0) return false
    const mac = createHmac(hash, key).update(input).digest()
    return mac.length === sig.length && timingSafeEqual(mac, sig)
  }
  const enc = policy.secret_encoding ?? 'utf8'
  for (const [i, c] of policy.secrets.entries()) {
    const v = c.value
    const name = c.id !== undefined ? `secret "${c.id}"` : `secret #${i + 1}`
    const ev = [`configured ${name} is ${fingerprint(v)}; this endpoint's key is ${ENC_WORDS[enc]}`]
    const tried: [Buffer | null, ReasonCode, string, Fix][] = []
    if (enc === 'utf8') {
      for (const [as, decoded] of [
        ['base64', decodeStrict(v, 'base64') ?? lenientBase64(v)],
        ['base64url', decodeStrict(v, 'base64url')],
        ['hex', decodeStrict(v, 'hex')],
      ] as const) {
        tried.push([
          decoded,
          'signature_secret_encoding',
          `The token was signed with the ${as}-decoded secret, but this endpoint takes the secret's text as the HMAC key.`,
          {
            code: `Sign with the secret's text as the key (jose: new TextEncoder().encode(secret); jsonwebtoken: jwt.sign(claims, secret)), not its ${as}-decoded bytes; or, if the issuer means the secret as ${as}, set secret_encoding: ${as} on this endpoint.`,
          },
        ])
      }
    } else {
      tried.push([
        Buffer.from(v, 'utf8'),
        'signature_secret_encoding',
        `The token was signed with the secret's text as the HMAC key, but this endpoint ${enc}-decodes the secret first (secret_encoding: ${enc}).`,
        {
          code: `Sign with the ${enc}-decoded secret as the key (jose and jsonwebtoken: Buffer.from(secret, '${enc}')), or, if the text is the key, remove secret_encoding from this endpoint.`,
          n8n: `n8n's JWT credential (Key Type: Passphrase) signs with the Secret's text as typed and cannot decode it: remove secret_encoding: ${enc} from this endpoint so both sides use the text, or have the token signed with the ${enc}-decoded bytes elsewhere (a Code node).`,
        },
      ])
    }
    if (enc === 'utf8') {
      const spaced: [string, string][] = [
        [`${v}\n`, 'a trailing newline'],
        [`${v}\r\n`, 'a trailing CRLF'],
        [`${v} `, 'a trailing space'],
        [` ${v}`, 'a leading space'],
      ]
      if (v !== v.trim())
        spaced.push([v.trim(), 'no whitespace, where the configured one has some'])
      for (const [text, what] of spaced) {
        tried.push([
          Buffer.from(text, 'utf8'),
          'signature_secret_whitespace',
          `The token was signed with the secret plus ${what}: the key differs from the configured one by whitespace.`,
          {
            code: 'Remove the newline or spaces from the secret the token is signed with (often a trailing newline from a file, or an env var set with echo): trim it before signing.',
            n8n: "Remove the trailing newline or spaces from the Secret in n8n's JWT credential (a pasted secret often carries one).",
            make: 'Remove the trailing newline or spaces from the secret in the scenario (a pasted secret often carries one).',
          },
        ])
      }
    }
    for (const [key, code, summary, fix] of tried)
      if (signs(key)) return [step(code, summary, fix, ev)]
  }
  return []
}

function lenientBase64(text: string): Buffer | null {
  return /^[A-Za-z0-9+/_-]+=*$/.test(text) ? Buffer.from(text, 'base64') : null
}

/** inspectJwt's wrong-issuer step, named more closely when only a trailing slash differs. */
export function issuerSlashStep(
  claims: Record<string, unknown> | null,
  policy: JwtPolicy,
): Step | null {
  const iss = claims?.iss
  if (typeof iss !== 'string' || policy.issuer === undefined) return null
  const want = ([] as string[]).concat(policy.issuer)
  const twin = slashTwin(iss, want)
  if (twin === null) return null
  const tokenHasIt = iss.endsWith('/')
  return step(
    'jwt_wrong_issuer',
    `The token's iss ${JSON.stringify(iss)} differs from the expected ${JSON.stringify(twin)} only by a trailing slash, and issuers are compared character for character.`,
    plainFix(
      tokenHasIt
        ? `Set issuer: "${iss}" in this endpoint's config, exactly as the token's iss (Auth0, for one, ends its issuer with a slash), or have the issuer drop the slash.`
        : `Set issuer: "${iss}" in this endpoint's config, without the trailing slash, exactly as the token's iss, or have the issuer add the slash.`,
    ),
    [`iss ${JSON.stringify(iss)}; expected ${want.map((w) => JSON.stringify(w)).join(', ')}`],
  )
}
