/**
 * `hookwarden jwt TOKEN_OR_FILE [--now UNIX] [--json]`: the header and claims decoded (not
 * verified), exp/nbf/iat in words against --now, problems flagged. With a capture, the token
 * is read where the request carries its credential, and the header is checked as `verify`
 * checks it. The signature is never printed, nor any private-key member or secret-named
 * value inside the token: fingerprints stand in. Exit 0 no problem, 1 problems found, 2 no JWT
 * to read.
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import {
  CaptureParseError,
  type Check,
  credentialHeaders,
  findJwt,
  fingerprint,
  getAllHeaders,
  type HttpRequest,
  InputError,
  inspectJwt,
  type JwtPolicy,
  type JwtReport,
  jwt as jwtScheme,
  parseRequest,
  reasonSpec,
  requestQuery,
} from '@hookwarden/core'
import type { Command } from 'commander'
import { captureOptions, parseNow, readInput } from '../io.js'
import { bold, dim, FAIL, OK, yellow } from '../output/style.js'

/** A path, not a token: base64url has no slash, and a JWT ends in its signature, not `.txt`. */
const LOOKS_LIKE_PATH = /[/\\]|\.(txt|jwt|http|har|json|log|token|curl)$/i

/**
 * Headers that carry a JWT other than Authorization, most specific first: identity-aware
 * proxies (Google IAP, Cloudflare Access, AWS ALB, Azure App Service, oauth2-proxy, WSO2) and
 * the names senders invent.
 */
const JWT_HEADERS = [
  'x-goog-iap-jwt-assertion',
  'cf-access-jwt-assertion',
  'x-amzn-oidc-data',
  'x-amzn-oidc-accesstoken',
  'x-ms-token-aad-id-token',
  'x-ms-token-aad-access-token',
  'x-forwarded-access-token',
  'x-auth-request-access-token',
  'x-jwt-assertion',
  'x-authorization',
  'x-access-token',
  'x-auth-token',
  'x-id-token',
  'x-jwt',
  'x-token',
  'jwt',
  'token',
  'proxy-authorization',
]

/** Where the token was read, and the request a receiver would verify it in. */
interface TokenSource {
  token: string
  /** `the Authorization header`, `the X-Jwt-Assertion header`, `the cookie session`… */
  from?: string
  /**
   * The request whose header construction `verify` checks: the capture when the token is
   * where a credential goes, a request made of the token when it was given alone.
   */
  checked?: HttpRequest
  notes: string[]
}

/**
 * A JWT, or a JWT cut to its first one or two parts, inside `text`; also glued to its scheme
 * word (`Bearer{{token}}` rendered as `BearereyJ…`).
 */
function tokenIn(text: string): string | null {
  const spaced = text.replace(/^([ \t]*(?:bearer|jwt|token))(?=eyJ)/i, '$1 ')
  return (
    findJwt(spaced) ??
    /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/.exec(spaced)?.[0] ??
    null
  )
}

/** A token given alone (the argument, or a one-line file) as the Authorization value it would be. */
function fromValue(raw: string, file?: string): TokenSource {
  const value = raw.replace(/^authorization[ \t]*:[ \t]*/i, '')
  // `Bearer …`, `Bearer: …`, `JWT …`: the value as typed; a bare token: what a sender would send.
  const schemed = /^(?!eyJ)[A-Za-z][\w.~+-]*(?::|[ \t])/.test(value)
  const token =
    tokenIn(value) ?? (value.split('.').length >= 2 ? value.replace(/^bearer\s+/i, '') : null)
  if (!token)
    throw file !== undefined
      ? new InputError(
          'ERR_NO_JWT',
          'no JWT found (expected three base64url parts, e.g. in "Authorization: Bearer eyJ…")',
          { file },
        )
      : new InputError(
          'ERR_NO_JWT',
          `not a JWT and not a file: expected header.payload.signature (got ${raw.length} characters)`,
          { field: 'TOKEN_OR_FILE' },
        )
  return {
    token,
    checked: {
      method: 'POST',
      url: '/',
      headers: [['Authorization', schemed ? value : `Bearer ${value}`]],
      body: new Uint8Array(0),
    },
    notes: [],
  }
}

/**
 * The token of a captured request, read where it carries a credential: Authorization first,
 * then the headers JWTs are known to travel in, other headers, the query, cookies last; the
 * body only when none of those holds one.
 */
function fromCapture(request: HttpRequest): TokenSource | null {
  const found: { token: string; from: string; credentialPlace: boolean }[] = []
  const authorization = getAllHeaders(request.headers, 'authorization')
  for (const value of authorization.slice(0, 1)) {
    const token = tokenIn(value)
    if (token) found.push({ token, from: 'the Authorization header', credentialPlace: true })
  }
  const seen = new Set(['authorization', 'cookie'])
  const fromHeader = (name: string) => {
    for (const [n, v] of request.headers) {
      if (n.toLowerCase() !== name) continue
      const token = findJwt(v)
      if (token) found.push({ token, from: `the ${n} header`, credentialPlace: true })
    }
    seen.add(name)
  }
  for (const name of JWT_HEADERS) fromHeader(name)
  for (const { name } of credentialHeaders(request))
    if (!seen.has(name.toLowerCase())) fromHeader(name.toLowerCase())
  for (const [n] of request.headers) if (!seen.has(n.toLowerCase())) fromHeader(n.toLowerCase())
  if (request.url.includes('?')) {
    for (const [name, value] of new URLSearchParams(requestQuery(request))) {
      const token = findJwt(value)
      if (token) found.push({ token, from: `the query parameter ${name}`, credentialPlace: true })
    }
  }
  for (const cookie of getAllHeaders(request.headers, 'cookie')) {
    for (const pair of cookie.split(';')) {
      const eq = pair.indexOf('=')
      const token = eq === -1 ? null : findJwt(pair.slice(eq + 1))
      if (token)
        found.push({ token, from: `the cookie ${pair.slice(0, eq).trim()}`, credentialPlace: true })
    }
  }
  const body = Buffer.from(request.body).toString('utf8')
  const inBody = found.length === 0 ? findJwt(body) : null
  if (inBody) found.push({ token: inBody, from: 'the body', credentialPlace: false })
  const first = found[0]
  if (!first) return null
  const notes: string[] = []
  const others = [...new Set(found.filter((f) => f.token !== first.token).map((f) => f.from))]
  if (others.length > 0)
    notes.push(
      `Read the token in ${first.from}, where the request carries its credential; ${others.join(', ')} hold${others.length === 1 ? 's' : ''} another JWT, not read.`,
    )
  // verify reads Authorization: what it says of the request matters when the token is there,
  // or when no Authorization was sent at all (it then names where the token went instead).
  const checked =
    first.from === 'the Authorization header' ||
    (authorization.length === 0 && first.credentialPlace)
  if (!checked)
    notes.push(
      authorization.length > 0
        ? `The Authorization header holds no JWT; the token read is in ${first.from}, where a receiver of "Authorization: Bearer" does not look.`
        : `The request carries no JWT where a credential goes; the token read is the one in ${first.from}.`,
    )
  return { token: first.token, from: first.from, ...(checked ? { checked: request } : {}), notes }
}

function tokenFrom(arg: string): TokenSource {
  if (arg === '-' || (existsSync(arg) && statSync(arg).isFile()) || LOOKS_LIKE_PATH.test(arg)) {
    const bytes = readInput(arg, 'token')
    let request: HttpRequest | null = null
    try {
      request = parseRequest(bytes, captureOptions(arg))
    } catch (e) {
      if (!(e instanceof CaptureParseError)) throw e
    }
    if (request) {
      const source = fromCapture(request)
      if (source) return source
      throw new InputError(
        'ERR_NO_JWT',
        'no JWT found in the captured request (not in Authorization, another header, the query, a cookie or the body)',
        { file: arg },
      )
    }
    const text = bytes.toString('utf8').replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')
    // One line: the token (or its Authorization value) as the file holds it.
    if (text !== '' && !/[\r\n]/.test(text)) return fromValue(text, arg)
    const token = findJwt(text)
    if (!token)
      throw new InputError(
        'ERR_NO_JWT',
        'no JWT found (expected three base64url parts, e.g. in "Authorization: Bearer eyJ…")',
        { file: arg },
      )
    return {
      token,
      from: 'the first JWT in the file (it is no capture hookwarden reads)',
      notes: [],
    }
  }
  // Spaces and line ends around an argument are the shell's; a non-breaking space is the token's.
  return fromValue(arg.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''))
}

interface Problem {
  code: string
  summary: string
  fix: string
}

/**
 * What `verify` refuses in how the token was sent, before any key is needed: the
 * Authorization header's construction (a prefix written twice, quotes, invisible characters),
 * the token's format (a fourth part) and an HS/ES/EdDSA signature cut short. The jwt scheme's
 * own verify runs with no key at all; its key-dependent refusals are left out.
 */
async function constructionProblems(
  source: TokenSource,
  alg: unknown,
  now: number,
): Promise<Problem[]> {
  if (!source.checked) return []
  const usable = typeof alg === 'string' && alg !== '' && alg.toLowerCase() !== 'none'
  const policy: JwtPolicy = {
    scheme: 'jwt',
    algorithms: [usable ? alg : 'RS256'],
    secrets: [],
    retired: [],
    // An empty key set: the public-key path reaches its length check, then finds no key.
    jwks: { keys: [] },
    leeway: 0,
    scopes: [],
  }
  const checks: Check[] = await jwtScheme.verify(source.checked, policy, { now })
  const elsewhere =
    source.from && source.from !== 'the Authorization header'
      ? ` (the token read here is in ${source.from})`
      : ''
  return checks
    .filter(
      (c) =>
        !c.ok &&
        c.reason !== null &&
        (c.name === 'authorization_header' ||
          c.name === 'jwt_format' ||
          c.reason === 'credential_truncated'),
    )
    .map((c) => {
      const spec = reasonSpec(c.reason!)
      return {
        code: c.reason!,
        summary: `${spec.title}: ${c.detail ?? ''}${c.reason === 'credentials_missing' ? elsewhere : ''}.`,
        fix: spec.hint,
      }
    })
}

/**
 * An RS/PS signature shorter than any key the algorithm allows: RFC 7518 §3.3 and §3.5 require
 * RSA keys of 2048 bits or more, whose signatures are 256 bytes (342 base64url characters) or
 * longer. verify measures against the key itself; without a key, this is the floor.
 */
function rsaSignatureCut(token: string, alg: unknown): Problem | null {
  if (typeof alg !== 'string' || !/^(RS|PS)(256|384|512)$/.test(alg)) return null
  const parts = token.split('.')
  const chars = parts.length === 3 ? parts[2]!.length : 0
  if (chars === 0 || chars >= 342) return null
  const spec = reasonSpec('credential_truncated')
  return {
    code: 'credential_truncated',
    summary: `${spec.title}: the signature has ${chars} characters; ${alg} needs an RSA key of 2048 bits or more, whose signatures have 342 or more: the token was cut short.`,
    fix: spec.hint,
  }
}

/** JWK members that hold the private key (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])
/** Claim and header names whose values are credentials (camelCase and kebab-case alike). */
const SECRET_NAME =
  /(?:^|_)(?:password|passwd|passphrase|pass|pwd|secret|secrets|client_secret|api_key|apikey|private_key|privatekey|privkey|priv|access_key|secret_key|credential|credentials|session|session_id|sessionid|pin|otp|cookie|token|tokens|jwt|bearer|authorization|signature|key)(?:_|$)/
const NOT_SECRET_NAME = /^(?:token_type|token_use|key_ops|auth_time|at_hash|c_hash|s_hash)$/
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/
const WHOLE_JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/

function secretName(name: string): boolean {
  const n = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
  return !NOT_SECRET_NAME.test(n) && SECRET_NAME.test(n)
}

interface Hidden {
  /** Paths of private-key material (`header.jwk.d`). */
  privateKey: string[]
  /** Paths of other values fingerprinted (`claims.client_secret`). */
  secrets: string[]
}

const shown = (v: unknown) => fingerprint(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))

/**
 * `value` with every private-key member of a JWK (any object with `kty`, at any depth), every
 * secret-named value, a PEM private key and a whole JWT inside it replaced by fingerprints.
 */
function hideSecrets(value: unknown, path: string, hidden: Hidden): unknown {
  if (typeof value === 'string') {
    if (PEM_PRIVATE.test(value)) {
      hidden.privateKey.push(path)
      return fingerprint(value)
    }
    if (WHOLE_JWT.test(value)) {
      hidden.secrets.push(path)
      return fingerprint(value)
    }
    return value
  }
  if (Array.isArray(value)) return value.map((v, i) => hideSecrets(v, `${path}[${i}]`, hidden))
  if (value === null || typeof value !== 'object') return value
  const jwk = typeof (value as { kty?: unknown }).kty === 'string'
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}.${k}`
    if (jwk && PRIVATE_JWK_MEMBERS.has(k)) {
      hidden.privateKey.push(at)
      out[k] = shown(v)
    } else if (secretName(k) && v !== null && typeof v !== 'boolean' && v !== '') {
      hidden.secrets.push(at)
      out[k] = shown(v)
    } else out[k] = hideSecrets(v, at, hidden)
  }
  return out
}

function privateKeyLine(paths: string[]): string {
  return `The token carries a private key (${paths.join(', ')}): it has been sent to every receiver of the token, so the sender must rotate it (make a new key pair, stop signing with this one) and put only public members in a token (kty, crv, x, y; or n, e).`
}

interface Shown {
  report: JwtReport
  header: unknown
  claims: unknown
  hidden: Hidden
  problems: Problem[]
  notes: string[]
  from?: string
}

async function examine(arg: string, now: number): Promise<Shown> {
  const source = tokenFrom(arg)
  const report = inspectJwt(source.token, now)
  const construction = await constructionProblems(source, report.header?.alg, now)
  const cut = construction.some((p) => p.code === 'credential_truncated')
    ? null
    : rsaSignatureCut(source.token, report.header?.alg)
  if (cut) construction.push(cut)
  const own = report.problems.map((p) => ({ code: p.code, summary: p.summary, fix: p.fix.code }))
  // One word per cause: where verify's reading of the format and inspectJwt's agree on the
  // code (a JWE's five parts), inspectJwt's sentence says it.
  const problems = [...construction.filter((c) => !own.some((p) => p.code === c.code)), ...own]
  const hidden: Hidden = { privateKey: [], secrets: [] }
  const header = report.header ? hideSecrets(report.header, 'header', hidden) : null
  const claims = report.claims ? hideSecrets(report.claims, 'claims', hidden) : null
  return {
    report,
    header,
    claims,
    hidden,
    problems,
    notes: [...source.notes, ...report.notes],
    ...(source.from ? { from: source.from } : {}),
  }
}

function human(s: Shown): string {
  const r = s.report
  const lines: string[] = []
  lines.push(`${bold('JWT')} ${dim(`(not verified; signature ${r.signature}, never shown)`)}`)
  if (s.from) lines.push(`${bold('Read from:')} ${s.from}`)
  if (s.header) lines.push(`${bold('Header:')} ${JSON.stringify(s.header)}`)
  if (s.claims && typeof s.claims === 'object') {
    lines.push(bold('Claims:'))
    for (const [k, v] of Object.entries(s.claims)) {
      const t = r.times.find((x) => x.claim === k)
      lines.push(
        `  ${k.padEnd(6)} ${JSON.stringify(v)}${t ? dim(`  ${t.iso} (${t.relative})`) : ''}`,
      )
    }
    if (r.claims?.exp === undefined) lines.push(dim('  (no exp: the token never expires)'))
  }
  if (s.hidden.secrets.length > 0)
    lines.push(dim(`  (${s.hidden.secrets.join(', ')}: fingerprinted, the values are never shown)`))
  lines.push('')
  for (const n of s.notes) lines.push(`${yellow('!')} ${n}`)
  if (s.hidden.privateKey.length > 0) lines.push(`${FAIL()} ${privateKeyLine(s.hidden.privateKey)}`)
  if (s.problems.length === 0 && s.hidden.privateKey.length === 0)
    lines.push(`${OK()} no problem found in the header and claims`)
  for (const p of s.problems)
    lines.push(`${FAIL()} ${p.code}: ${p.summary}`, dim(`    fix: ${p.fix}`))
  return `${lines.join('\n')}\n`
}

function json(s: Shown): string {
  const out = {
    ...(s.from ? { read_from: s.from } : {}),
    header: s.header,
    claims: s.claims,
    times: s.report.times,
    problems: s.problems,
    notes: s.notes,
    private_key:
      s.hidden.privateKey.length > 0
        ? { members: s.hidden.privateKey, summary: privateKeyLine(s.hidden.privateKey) }
        : null,
    fingerprinted: s.hidden.secrets,
    signature: s.report.signature,
  }
  return `${JSON.stringify(out, null, 2)}\n`
}

export function registerJwt(program: Command): void {
  program
    .command('jwt')
    .description(
      'decode a JWT (without verifying it) and explain its times and problems; exit 0 fine, 1 problems',
    )
    .argument(
      '<token-or-file>',
      'the token, or a file holding it (a capture: read from Authorization: Bearer …, else where it carries a JWT)',
    )
    .option('--now <unix>', 'fix the clock, seconds since the epoch')
    .option('--json', 'print the report as JSON')
    .action(async (arg: string, o: { now?: string; json?: boolean }) => {
      const now = parseNow(o.now)
      const shown = await examine(arg, now)
      process.stdout.write(o.json ? json(shown) : human(shown))
      process.exitCode = shown.problems.length > 0 || shown.hidden.privateKey.length > 0 ? 1 : 0
    })
}
