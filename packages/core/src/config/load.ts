/**
 * Loads `hookwarden.yaml`: YAML with line numbers, `env:`/`file:` secret references, provider
 * presets, and the zod schema. Every error names the file, the line and the field:
 * `hookwarden.yaml:7: endpoints[0].auth.encoding must be hex, base64 or base64url`.
 * @module
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { z } from 'zod'
import { decodeStrict } from '../crypto/encoding.js'
import { secretProblem } from '../crypto/hmac-key.js'
import { ConfigError } from '../errors.js'
import { getProvider } from '../providers/registry.js'
import { payloadTemplateProblem } from '../schemes/payload.js'
import { authSchemas, endpointFields, topLevel } from './schema.js'
import type { AuthPolicy, Config, Endpoint } from './types.js'

export interface LoadOptions {
  /** Environment for `env:` references (default: process.env). */
  env?: Record<string, string | undefined>
  /** Base directory for `file:` references (default: the config's directory). */
  baseDir?: string
}

type Path = (string | number)[]

export function formatPath(path: Path): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p
  return out
}

/** Reads and loads a config file. */
export function loadConfigFile(file: string, options: LoadOptions = {}): Config {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new ConfigError(
      `cannot read config: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file },
    )
  }
  return loadConfig(text, { ...options, file, baseDir: options.baseDir ?? dirname(resolve(file)) })
}

/**
 * Where a field of a config file is (`['endpoints', 1, 'path']`), for checks made after
 * loading (the gateway's routes), so that their errors name the line too.
 */
export function configFieldPosition(
  file: string | undefined,
  path: Path,
): { file?: string; line?: number; field: string } {
  const field = formatPath(path)
  if (file === undefined) return { field }
  try {
    const lc = new LineCounter()
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lc, prettyErrors: false })
    const line = lineOf(doc, lc, path)
    return { file, ...(line ? { line } : {}), field }
  } catch {
    return { file, field }
  }
}

/** Loads a config from YAML text. */
export function loadConfig(text: string, options: LoadOptions & { file?: string } = {}): Config {
  const file = options.file ?? 'hookwarden.yaml'
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!
    const pos = lc.linePos(err.pos[0])
    throw new ConfigError(err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), {
      file,
      line: pos.line,
      column: pos.col,
    })
  }
  const at = (path: Path, message: string, linePath: Path = path): ConfigError => {
    const line = lineOf(doc, lc, linePath)
    return new ConfigError(path.length ? `${formatPath(path)} ${message}` : message, {
      file,
      ...(line ? { line } : {}),
      field: formatPath(path),
    })
  }
  let raw: unknown
  try {
    raw = doc.toJS({ maxAliasCount: 100 })
  } catch (e) {
    // An alias with no anchor, or an alias bomb: the yaml library throws instead of reporting.
    throw new ConfigError(`cannot be read: ${String((e as Error).message).split('\n')[0]}`, {
      file,
    })
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw at([], 'the config must be a mapping with endpoints: or auth:')
  const env = options.env ?? process.env
  const baseDir = options.baseDir ?? process.cwd()
  const sources: Sources = new Map()

  const top = parseOr(topLevel, raw, [], at)
  checkTopLevelKeys(raw, top.endpoints !== undefined, at)
  const rawEndpoints: { value: unknown; path: Path }[] = top.endpoints
    ? top.endpoints.map((value, i) => ({ value, path: ['endpoints', i] }))
    : top.auth !== undefined
      ? [{ value: { name: 'default', ...endpointKeysOf(raw), auth: top.auth }, path: [] }]
      : []
  if (rawEndpoints.length === 0)
    throw at([], 'the config needs endpoints: (a list) or a single auth: block')

  const names = new Set<string>()
  const endpoints: Endpoint[] = rawEndpoints.map(({ value, path }, i) => {
    const fields = parseOr(endpointFields, value, path, at)
    const name = fields.name ?? (rawEndpoints.length === 1 ? 'default' : `endpoint-${i + 1}`)
    if (names.has(name)) throw at([...path, 'name'], `"${name}" is used by two endpoints`)
    names.add(name)
    const authPath = [...path, 'auth']
    const resolved = resolveSecrets(fields.auth, authPath, env, baseDir, at, sources) as Record<
      string,
      unknown
    >
    const { auth, provider } = expandProvider(resolved, authPath, at, sources)
    const endpoint: Endpoint = { ...fields, name, auth }
    if (provider) endpoint.provider = provider
    return endpoint
  })

  const config: Config = { endpoints, file }
  if (top.admin) {
    const token =
      top.admin.token !== undefined
        ? (resolveSecrets(top.admin.token, ['admin', 'token'], env, baseDir, at, sources) as string)
        : undefined
    if (token !== undefined) {
      // The schema saw `env:NAME`, not what it names.
      if (token.length < 16) throw at(['admin', 'token'], 'must be at least 16 characters')
      const problem = credentialTextProblem(token, 'admin', sources.get('admin.token'))
      if (problem) throw at(['admin', 'token'], problem)
    }
    config.admin = token !== undefined ? { token } : {}
  }
  if (top.public_diagnose !== undefined) config.public_diagnose = top.public_diagnose
  if (top.retention) config.retention = top.retention
  return config
}

function expandProvider(
  auth: Record<string, unknown>,
  path: Path,
  at: (p: Path, m: string, linePath?: Path) => ConfigError,
  sources: Sources,
): { auth: AuthPolicy; provider?: string } {
  let merged = auth
  let provider: string | undefined
  let preset: ReturnType<typeof getProvider>
  if (auth.provider !== undefined) {
    if (typeof auth.provider !== 'string')
      throw at([...path, 'provider'], 'must be a provider name')
    preset = getProvider(auth.provider)
    if (!preset)
      throw at(
        [...path, 'provider'],
        `"${auth.provider}" is not a known provider (hookwarden providers lists them)`,
      )
    // A written scheme would replace the preset's while the preset's secret checks still ran:
    // a bearer token "must start with whsec_" under provider: stripe.
    if (auth.scheme !== undefined)
      throw at(
        path,
        `gives both scheme: and provider:; give scheme or provider, not both (provider: ${preset.name} sets scheme: ${String(preset.auth.scheme)} itself)`,
        [...path, 'scheme'],
      )
    provider = preset.name
    const { provider: _omit, ...own } = auth
    merged = { ...preset.auth, ...own }
  }
  if (typeof merged.scheme === 'string') checkCredentialTexts(merged, path, at, sources)
  if (preset) {
    for (const list of ['secrets', 'tokens', 'keys'] as const) {
      const items = merged[list]
      if (!preset.checkSecret || !Array.isArray(items)) continue
      items.forEach((item, i) => {
        const v = typeof item === 'string' ? item : (item as { value?: unknown })?.value
        const problem = typeof v === 'string' ? preset.checkSecret!(v) : null
        if (problem) throw at([...path, list, i], problem)
      })
    }
  }
  if (typeof merged.scheme !== 'string') throw at([...path, 'scheme'], 'is required (or provider:)')
  const schema = authSchemas.get(merged.scheme)
  if (!schema) throw at([...path, 'scheme'], `must be one of ${[...authSchemas.keys()].join(', ')}`)
  const policy = parseOr(schema, merged, path, at) as AuthPolicy
  checkPolicy(policy, path, at)
  return provider ? { auth: policy, provider } : { auth: policy }
}

const JWS_ALGORITHMS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])

// DER OIDs of rsaEncryption, id-ecPublicKey and Ed25519/Ed448, as found in SPKI and PKCS#8.
const KEY_OIDS = ['2a864886f70d010101', '2a8648ce3d0201', '2b6570', '2b6571']

/**
 * Whether a would-be HMAC secret is really key material: a PEM block of any kind (leading
 * whitespace included, CVE-2023-48223), an OpenSSH public key (CVE-2022-29217), a JWK, or
 * base64 DER. Used as an HMAC secret, a public key lets anyone forge tokens (CVE-2016-10555).
 */
export function looksLikeKeyMaterial(value: string): boolean {
  const v = value.trim()
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(v)) return true
  if (/^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+) AAAA/.test(v)) return true
  if (v.startsWith('{')) {
    try {
      const j: unknown = JSON.parse(v)
      if (j !== null && typeof j === 'object' && ('kty' in j || 'keys' in j)) return true
    } catch {
      // not JSON: an ordinary secret that starts with a brace
    }
  }
  const compact = v.replace(/\s+/g, '')
  if (
    compact.length >= 60 &&
    /^MI|^MF|^MC|^MH/.test(compact) &&
    /^[A-Za-z0-9+/]+=*$/.test(compact)
  ) {
    const der = Buffer.from(compact, 'base64').toString('hex')
    if (der.startsWith('30') && KEY_OIDS.some((oid) => der.includes(oid))) return true
  }
  return false
}

function checkPolicy(
  policy: AuthPolicy,
  path: Path,
  at: (p: Path, m: string, linePath?: Path) => ConfigError,
): void {
  if (policy.scheme === 'jwt') {
    if (policy.algorithms.some((a) => a.toLowerCase() === 'none'))
      throw at([...path, 'algorithms'], 'must not allow "none"')
    policy.algorithms.forEach((a, i) => {
      if (!JWS_ALGORITHMS.has(a))
        throw at(
          [...path, 'algorithms', i],
          `"${a}" is not a JWS algorithm (${[...JWS_ALGORITHMS].join(', ')})`,
        )
    })
    for (const list of ['secrets', 'retired'] as const) {
      policy[list].forEach((s, i) => {
        const enc = policy.secret_encoding ?? 'utf8'
        if (enc !== 'utf8' && !decodeStrict(s.value, enc))
          throw at(
            [...path, list === 'secrets' ? 'secret' : list],
            `[${i}] is not strict ${enc} (secret_encoding: ${enc})`,
          )
        // jose would accept a forged HS256 token signed with the public key as the HMAC secret.
        if (looksLikeKeyMaterial(s.value))
          throw at(
            [...path, list === 'secrets' ? 'secret' : list],
            `[${i}] looks like a public key or other key material (PEM, JWK, SSH or DER); put public keys in jwks: and never in secret:`,
          )
      })
    }
    const hs = policy.algorithms.filter((a) => a.startsWith('HS'))
    if (hs.length > 0 && policy.algorithms.length > hs.length)
      throw at(
        [...path, 'algorithms'],
        'must not mix HS* with public-key algorithms (algorithm confusion)',
      )
    if (hs.length > 0 && policy.secrets.length === 0)
      throw at([...path, 'secret'], `is required for ${hs.join(', ')}`)
    if (hs.length === 0 && !policy.jwks && !policy.jwks_url)
      throw at([...path, 'jwks'], 'or jwks_url is required for public-key algorithms')
    policy.jwks?.keys.forEach((k, i) => {
      if (typeof k.kty !== 'string')
        throw at([...path, 'jwks', 'keys', i], 'must be a JWK with a "kty"')
      // A key that cannot be imported would fail every token as a bad signature or unknown kid.
      if (k.kty !== 'oct') {
        try {
          // node:crypto reads base64url leniently ("!!!" is an empty number): check it first.
          for (const m of ['n', 'e', 'x', 'y'])
            if (m in k && !(typeof k[m] === 'string' && /^[A-Za-z0-9_-]+$/.test(k[m])))
              throw new Error(m)
          const key = createPublicKey({ key: k as JsonWebKey, format: 'jwk' })
          // jose refuses RS*/PS* keys under 2048 bits: such a key fails every token.
          const bits = key.asymmetricKeyDetails?.modulusLength
          if (k.kty === 'RSA' && bits !== undefined && bits < 2048) throw new Error('short')
        } catch {
          throw at(
            [...path, 'jwks', 'keys', i],
            `is not a usable ${k.kty} public key (check its ${k.kty === 'RSA' ? 'n and e; an RSA modulus needs 2048 bits or more' : k.kty === 'EC' ? 'crv, x and y' : 'crv and x'})`,
          )
        }
      }
    })
    // The JWKS is fetched from the config's URL only; file:, data: and the like are not key servers.
    if (policy.jwks_url !== undefined && !/^https?:\/\//i.test(policy.jwks_url))
      throw at([...path, 'jwks_url'], 'must be an http(s) URL')
  }
  if (policy.scheme === 'basic') {
    for (const list of ['users', 'retired'] as const) {
      policy[list].forEach((u, i) => {
        // RFC 7617 §2: the first colon splits user-id and password, so a user-id with one never matches.
        if (u.username.includes(':'))
          throw at(
            [...path, list, i, 'username'],
            'must not contain ":" (RFC 7617: the first colon ends the user-id)',
          )
        // biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 7617 forbids CTLs
        if (/[\x00-\x1f\x7f]/.test(u.username + u.password))
          throw at(
            [...path, list, i],
            'username and password must not contain control characters (RFC 7617 §2)',
          )
      })
    }
  }
  if (
    policy.scheme === 'hmac' &&
    policy.timestamp === undefined &&
    /\{timestamp\}/.test(policy.payload) &&
    policy.format.kind !== 'pairs'
  ) {
    throw at([...path, 'payload'], 'uses {timestamp} but no timestamp: { header } is configured')
  }
  if (policy.scheme === 'hmac' && /\{id\}/.test(policy.payload) && !policy.id) {
    throw at([...path, 'payload'], 'uses {id} but no id: { header } is configured')
  }
  if (policy.scheme === 'hmac' || policy.scheme === 'standard_webhooks') {
    // A whsec_ secret that only decodes leniently would sign with other key bytes than the sender's.
    const encoding = policy.scheme === 'hmac' ? policy.secret_encoding : 'whsec'
    for (const list of ['secrets', 'retired'] as const) {
      policy[list].forEach((s, i) => {
        const problem = secretProblem(s.value, encoding)
        if (problem) throw at([...path, list, i], problem)
      })
    }
  }
  if (policy.scheme === 'hmac') {
    const problem = payloadTemplateProblem(policy.payload)
    if (problem) throw at([...path, 'payload'], problem)
  }
}

/**
 * Schemes whose credential travels as text in an HTTP header or the query: HTTP trims a header
 * value, so a configured credential with whitespace around it (or a line break in it) could
 * never match what arrives (every request `credential_unknown`).
 */
const SENT_AS_TEXT: Record<string, string> = {
  bearer: 'a token in an Authorization header',
  api_key: 'an API key in a header or query',
  basic: 'a Basic user name or password',
  admin: 'the admin token (an Authorization header or the login form)',
}
/**
 * Schemes whose secret is key material that never travels. Its bytes are the key, but
 * whitespace around it (or a second line in its file) is almost always a paste or editor slip
 * that breaks every signature: refused, with the way to give such bytes on purpose.
 */
const SIGNING_SECRETS = new Set([
  'hmac',
  'standard_webhooks',
  'jwt',
  'twilio',
  'secret_hash',
  'mailgun',
  'adyen',
  'body_secret',
  'contentful',
])

/**
 * What is wrong with a credential's text, in words for a config error (never the value), or
 * null. `scheme`: the auth scheme, or 'admin' for admin.token; `source`: where it came from.
 */
function credentialTextProblem(
  value: string,
  scheme: string,
  source: { kind: 'env' | 'file'; name: string } | undefined,
  secretEncoding?: string,
): string | null {
  const from =
    source === undefined
      ? ''
      : source.kind === 'file'
        ? `refers to file ${source.name}, whose content `
        : `refers to environment variable ${source.name}, whose value `
  const sent = SENT_AS_TEXT[scheme]
  const lines = value.split(/\r?\n/).filter((l) => l.trim() !== '').length
  if (source?.kind === 'file' && lines > 1)
    return `refers to file ${source.name}, which holds ${lines} lines: a credential file holds one credential alone on one line (for several, give each its own file: entry)`
  if (sent !== undefined && /[\r\n]/.test(value.trim()))
    return `${from}contains a line break, which ${sent} cannot carry: keep the credential on one line`
  if (value === value.trim()) return null
  const what = `${from}begins or ends with whitespace (a space, tab, line break or byte-order mark)`
  if (sent !== undefined)
    return `${what}: ${sent} never carries it (senders and HTTP trim it), so it could never match; remove it${source?.kind === 'file' ? ' from the file' : ''}`
  if (!SIGNING_SECRETS.has(scheme)) return null
  const onPurpose =
    (scheme === 'hmac' || scheme === 'jwt') && (secretEncoding ?? 'utf8') === 'utf8'
      ? '; if it truly belongs to the secret, give the bytes with secret_encoding: base64'
      : ''
  return `${what}: almost always a copy-paste or editor slip, and every signature made with the secret the sender holds would fail; remove it${source?.kind === 'file' ? ' from the file' : ''}${onPurpose}`
}

/**
 * Runs credentialTextProblem over an auth block's credentials as written (before the schema,
 * so that the message is about the whitespace, not a decoding error it causes): tokens, keys,
 * secrets, secret, retired, and users' username and password.
 */
function checkCredentialTexts(
  auth: Record<string, unknown>,
  path: Path,
  at: (p: Path, m: string, linePath?: Path) => ConfigError,
  sources: Sources,
): void {
  const scheme = String(auth.scheme)
  if (SENT_AS_TEXT[scheme] === undefined && !SIGNING_SECRETS.has(scheme)) return
  const encoding = typeof auth.secret_encoding === 'string' ? auth.secret_encoding : undefined
  const check = (value: unknown, where: Path) => {
    if (typeof value !== 'string') return
    // A public key given as a JWT secret has its own, more useful error (checkPolicy).
    if (scheme === 'jwt' && looksLikeKeyMaterial(value)) return
    const problem = credentialTextProblem(value, scheme, sources.get(formatPath(where)), encoding)
    if (problem) throw at(where, problem)
  }
  const entry = (item: unknown, where: Path): void => {
    if (typeof item === 'string') check(item, where)
    else if (item !== null && typeof item === 'object')
      for (const field of ['value', 'username', 'password'])
        check((item as Record<string, unknown>)[field], [...where, field])
  }
  for (const list of ['tokens', 'keys', 'secrets', 'retired', 'users']) {
    const items = auth[list]
    if (Array.isArray(items))
      for (const [i, item] of items.entries()) entry(item, [...path, list, i])
  }
  if (scheme === 'jwt') entry(auth.secret, [...path, 'secret'])
}

const SECRET_REF = /^(env|file):(.+)$/

/** Where a resolved value came from, by field (`endpoints[0].auth.tokens[0]`). */
type Sources = Map<string, { kind: 'env' | 'file'; name: string }>

function resolveSecrets(
  value: unknown,
  path: Path,
  env: Record<string, string | undefined>,
  baseDir: string,
  at: (p: Path, m: string, linePath?: Path) => ConfigError,
  sources: Sources,
): unknown {
  if (typeof value === 'string') {
    const m = SECRET_REF.exec(value)
    if (!m) return value
    if (m[1] === 'env') {
      const v = env[m[2]!]
      if (v === undefined)
        throw at(path, `refers to environment variable ${m[2]}, which is not set`)
      // An empty secret would let an empty credential through (Basic "make:").
      if (v === '') throw at(path, `refers to environment variable ${m[2]}, which is empty`)
      sources.set(formatPath(path), { kind: 'env', name: m[2]! })
      return v
    }
    let content: string
    try {
      // The line ends after the secret (`echo secret > file`, an editor's final newline, a
      // Windows CRLF) are not part of it.
      content = readFileSync(resolve(baseDir, m[2]!), 'utf8').replace(/(?:\r?\n)+$/, '')
      sources.set(formatPath(path), { kind: 'file', name: m[2]! })
    } catch (e) {
      throw at(
        path,
        `refers to file ${m[2]}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      )
    }
    if (content === '') throw at(path, `refers to file ${m[2]}, which is empty`)
    return content
  }
  if (Array.isArray(value))
    return value.map((v, i) => resolveSecrets(v, [...path, i], env, baseDir, at, sources))
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    // JWKS documents are public keys, not secret references.
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'jwks' ? v : resolveSecrets(v, [...path, k], env, baseDir, at, sources),
      ]),
    )
  }
  return value
}

function parseOr<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  path: Path,
  at: (p: Path, m: string, linePath?: Path) => ConfigError,
): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  let issues = r.error.issues
  // In a union (a string, or { value: … }), the branch of the type that was written speaks.
  for (let u = issues[0]; u?.code === 'invalid_union'; u = issues[0]) {
    const depth = u.path.length
    const typed = u.unionErrors.find(
      (e) => !(e.issues[0]?.code === 'invalid_type' && e.issues[0].path.length === depth),
    )
    if (!typed) break
    issues = typed.issues
  }
  // A misspelt key (`tokenz:`) is the cause of the missing one (`tokens is required`): name it.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!
  const where = [...path, ...issue.path]
  if (issue.code !== 'unrecognized_keys') throw at(where, describeIssue(issue))
  const missing = issues
    .filter((i) => i.code === 'invalid_type' && i.received === 'undefined')
    .map((i) => String(i.path.at(-1)))
  const near = issue.keys.length === 1 ? missing.find((m) => closeTo(m, issue.keys[0]!)) : undefined
  throw at(where, `${describeIssue(issue)}${near ? ` (did you mean ${near}?)` : ''}`, [
    ...where,
    issue.keys[0]!,
  ])
}

/** Whether two keys are one typo apart: one letter added, dropped, changed or swapped. */
function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  const tail = (x: string, y: string) => x.slice(i + 1) === y.slice(i + 1)
  if (a.length === b.length)
    return (
      tail(a, b) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2))
    )
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1)
}

/** Whether zod wrote the message itself ("Invalid url", "Number must be greater than 0"). */
function isStockMessage(issue: z.ZodIssue): boolean {
  return (
    issue.message ===
    z.defaultErrorMap(issue, { defaultError: issue.message, data: undefined }).message
  )
}

/**
 * An issue in plain words after the field's name: the schema's own message when it has one,
 * else what zod's stock message ("Invalid url", "Expected integer, received float", "Number
 * must be greater than 0") means, said as this config's other errors say it.
 */
function describeIssue(issue: z.ZodIssue): string {
  const list = (xs: readonly unknown[]) => {
    const s = xs.map(String)
    return s.length > 1 ? `${s.slice(0, -1).join(', ')} or ${s.at(-1)}` : (s[0] ?? '')
  }
  const stock = isStockMessage(issue)
  // A type mismatch is worded from what was expected and found, as everywhere else.
  if (!stock && issue.code !== 'invalid_union' && issue.code !== 'invalid_type')
    return issue.message
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum)
      const small = issue.code === 'too_small'
      if (issue.type === 'string') {
        if (small && bound === 1) return 'is empty'
        return `must be ${small ? 'at least' : 'at most'} ${bound} characters long`
      }
      if (issue.type === 'array' || issue.type === 'set')
        return small
          ? `needs at least ${bound} ${bound === 1 ? 'entry' : 'entries'}`
          : `may hold at most ${bound} ${bound === 1 ? 'entry' : 'entries'}`
      if (issue.exact) return `must be exactly ${bound}`
      if (small)
        return issue.inclusive ? `must be ${bound} or more` : `must be greater than ${bound}`
      return issue.inclusive ? `must be ${bound} or less` : `must be less than ${bound}`
    }
    case 'invalid_string':
      if (issue.validation === 'url') return 'must be a URL such as https://example.com/path'
      if (issue.validation === 'email') return 'must be an email address'
      if (typeof issue.validation === 'object' && 'startsWith' in issue.validation)
        return `must start with ${issue.validation.startsWith}`
      if (typeof issue.validation === 'object' && 'endsWith' in issue.validation)
        return `must end with ${issue.validation.endsWith}`
      if (issue.validation === 'datetime')
        return 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z'
      return 'is not in the expected form'
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.multipleOf)}`
    case 'not_finite':
      return 'must be a finite number'
    case 'invalid_date':
      return 'must be a date'
    case 'custom':
      return 'is not valid'
    case 'invalid_enum_value':
      return `must be ${list(issue.options)}`
    case 'invalid_literal':
      return `must be ${JSON.stringify(issue.expected)}`
    case 'invalid_type':
      if (issue.received === 'undefined') return 'is required'
      if (issue.expected === 'integer') return 'must be a whole number'
      return `must be ${yamlKind(issue.expected)}, not ${yamlKind(issue.received, false)}`
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    case 'invalid_union_discriminator':
      return `must be ${list(issue.options)}`
    case 'invalid_union': {
      // Every branch wants another type (a string, or { value: … }): name them all.
      const firsts = issue.unionErrors.map((e) => e.issues[0])
      if (firsts.every((i) => i?.code === 'invalid_type' && i.path.length === issue.path.length)) {
        const types = firsts as z.ZodInvalidTypeIssue[]
        return `must be ${list(types.map((i) => yamlKind(i.expected)))}, not ${yamlKind(types[0]!.received, false)}`
      }
      const last = issue.unionErrors.at(-1)?.issues[0]
      return last ? describeIssue(last) : 'is not valid'
    }
    default:
      return stock ? 'is not valid' : issue.message
  }
}

function lineOf(doc: Document, lc: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | undefined
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      // Point at the key line for a mapping value where we can.
      if (n > 0) {
        const parent = (n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true)) as
          | Node
          | undefined
        if (parent && isMap(parent)) {
          const pair = parent.items.find(
            (p) => (p.key as { value?: unknown })?.value === path[n - 1],
          )
          const key = pair?.key as Node | undefined
          if (key?.range) return lc.linePos(key.range[0]).line
        }
        if (parent && isSeq(parent)) return lc.linePos(node.range[0]).line
      }
      return lc.linePos(node.range[0]).line
    }
  }
  return undefined
}

/**
 * The top level takes its own keys, and an endpoint's fields only beside a single `auth:`
 * block. Anything else was silently ignored: a `path:` beside `endpoints:` never routed and a
 * misspelt `retension:` kept every row.
 */
function checkTopLevelKeys(
  raw: object,
  hasEndpointList: boolean,
  at: (p: Path, m: string, linePath?: Path) => ConfigError,
): void {
  const own = Object.keys(topLevel.shape)
  const endpointKeys = Object.keys(endpointFields.shape)
  for (const key of Object.keys(raw)) {
    if (own.includes(key)) continue
    if (!endpointKeys.includes(key)) throw at([key], 'is not a known field')
    if (hasEndpointList)
      throw at(
        [key],
        'is an endpoint field: beside endpoints: it belongs inside one of them (endpoints[i].' +
          `${key})`,
      )
  }
}

/**
 * A single top-level `auth:` block is one endpoint, and the endpoint fields beside it
 * (`path:`, `name:`, `explain:`, `forward:`…) are that endpoint's: they were silently dropped.
 */
function endpointKeysOf(raw: object): Record<string, unknown> {
  const keys = Object.keys(endpointFields.shape).filter((k) => k !== 'auth')
  return Object.fromEntries(Object.entries(raw).filter(([k]) => keys.includes(k)))
}

/** A zod type name in YAML's words: a mapping, a list, a string. */
function yamlKind(type: string, article = true): string {
  const word = type === 'object' ? 'mapping' : type === 'array' ? 'list' : type
  if (!article || word === 'undefined' || word === 'null') return word
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`
}
