/**
 * Every credential this installation knows (each endpoint's tokens, keys, passwords and
 * secrets, retired ones too, and the admin token), so that a record never holds one in clear
 * wherever it was sent: under a header name no rule calls sensitive (`X-Foo`, `User-Agent`),
 * in the query, or inside a stored body. Name-based redaction (redact.ts) catches the usual
 * places; this catches the value itself.
 * @module
 */
import { type Endpoint, fingerprint } from '@hookwarden/core'

/** Shorter values would scrub ordinary words; the config refuses none this short anyway. */
const MIN_LENGTH = 6

interface Scanner {
  /** Longest first, so a secret that contains another is replaced whole. */
  values: string[]
  /** The same, as their UTF-8 bytes read as latin1 (how a body is searched). */
  latin1: string[]
  /** Windows of the long credentials, to find pieces of them (scrubPieces). */
  pieces: { secret: string; at: number; window: string }[]
  /** A shorter text can hold neither a credential nor a piece of one. */
  shortest: number
}

const owners = new Map<object, string[]>()
const labelOwners = new Map<object, string[]>()
let scanner: Scanner = {
  values: [],
  latin1: [],
  pieces: [],
  shortest: Number.POSITIVE_INFINITY,
}

/** The credential strings of one endpoint's auth block, in every form a sender may send them. */
export function endpointSecrets(endpoint: Endpoint): string[] {
  const out: string[] = []
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= MIN_LENGTH) out.push(v)
  }
  const walk = (node: unknown, key: string) => {
    if (key === 'jwks') return // public keys
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key)
      return
    }
    if (typeof node === 'string') {
      if (/^(tokens|keys|secrets|retired|secret|value|password)$/.test(key)) {
        add(node)
        // A Standard Webhooks secret is also sent without its prefix.
        if (node.startsWith('whsec_')) add(node.slice(6))
      }
      return
    }
    if (!node || typeof node !== 'object') return
    const o = node as Record<string, unknown>
    if (typeof o.username === 'string' && typeof o.password === 'string') {
      // What the Authorization header carries for this user.
      add(Buffer.from(`${o.username}:${o.password}`, 'utf8').toString('base64'))
    }
    for (const [k, v] of Object.entries(o)) walk(v, k)
  }
  walk(endpoint.auth, 'auth')
  return out
}

/**
 * Registers what one gateway knows (again at each reload). Several gateways in one process
 * (tests) are scrubbed for all of them: a union only ever hides more.
 */
export function registerKnownSecrets(
  owner: object,
  endpoints: readonly Endpoint[],
  adminToken?: string,
): void {
  const values = endpoints.flatMap(endpointSecrets)
  if (adminToken && adminToken.length >= MIN_LENGTH) values.push(adminToken)
  owners.set(owner, values)
  labelOwners.set(
    owner,
    endpoints.flatMap((e) =>
      [e.name, e.environment, e.tenant, e.path].filter((v): v is string => !!v),
    ),
  )
  rebuild()
}

/**
 * The config's public names (endpoint names, environments, tenants, paths): shown as they
 * are even where they share characters with a secret (scrubText's `keep`).
 */
export function knownLabels(): string[] {
  return [...new Set([...labelOwners.values()].flat())]
}

export function unregisterKnownSecrets(owner: object): void {
  labelOwners.delete(owner)
  if (owners.delete(owner)) rebuild()
}

function rebuild(): void {
  const all = new Set<string>()
  for (const list of owners.values()) for (const v of list) all.add(v)
  for (const v of [...all]) {
    // The percent-encoded form, as a query or a form body carries it.
    const encoded = encodeURIComponent(v)
    if (encoded !== v) all.add(encoded)
  }
  const values = [...all].sort((a, b) => b.length - a.length)
  const pieces: Scanner['pieces'] = []
  for (const secret of values) {
    if (secret.length < PIECE_MIN || /[^\x21-\x7e]/.test(secret)) continue
    for (let at = 0; at + PIECE_WINDOW <= secret.length; at += PIECE_WINDOW)
      pieces.push({ secret, at, window: secret.slice(at, at + PIECE_WINDOW) })
  }
  scanner = {
    values,
    latin1: values.map(toLatin1),
    pieces,
    shortest: Math.min(
      values.length ? values[values.length - 1]!.length : Number.POSITIVE_INFINITY,
      pieces.length ? PIECE_MIN : Number.POSITIVE_INFINITY,
    ),
  }
  cache.clear()
}

/** The known credentials (and their percent-encoded forms), longest first. */
export function knownSecretValues(): readonly string[] {
  return scanner.values
}

const CACHE_SIZE = 4096
/** Header values repeat across deliveries (User-Agent, Host): one scan per distinct value. */
const cache = new Map<string, string>()

/**
 * What looks like a JWT (JWS or JWE compact: a JSON header, then two to four more parts): a
 * bearer credential wherever it travels (Cf-Access-Jwt-Assertion, X-JWT-Assertion, a body's
 * "token"), whoever issued it. Each part is a run of base64url characters after a dot, so the
 * pattern cannot backtrack.
 */
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){2,4}/g

/** A run of a known credential this long is a piece of it (a near miss: one character cut, a typo). */
const PIECE_MIN = 20
/** Pieces are found from windows of the secret this long, one every WINDOW characters. */
const PIECE_WINDOW = 10

/**
 * `text` with every known credential in it, every run of PIECE_MIN or more characters of one,
 * every JWT, and each of `own` (the request's own credentials, which may recur under another
 * header or in the body) replaced by a fingerprint. Strings are latin1 views of bytes where
 * they stand for a body.
 */
function scrubCredentials(
  text: string,
  values: readonly string[],
  own: readonly string[],
  ownShown: readonly string[] = own,
): string {
  let out = text
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    // Fingerprinted as the credential's own text, whether searched as text or as body bytes.
    if (out.includes(v)) out = out.split(v).join(fingerprint(scanner.values[i]!))
  }
  for (let i = 0; i < own.length; i++) {
    const v = own[i]!
    if (out.includes(v)) out = out.split(v).join(fingerprint(ownShown[i]!))
  }
  if (out.includes('eyJ')) out = out.replace(JWT_SHAPE, (jwt) => fingerprint(jwt))
  return out.length >= PIECE_MIN && scanner.pieces.length > 0 ? scrubPieces(out) : out
}

/**
 * Runs of PIECE_MIN or more characters of a known credential, each replaced by "⟨part of …⟩":
 * a credential minus its last character, or with one changed, is still most of the secret. Any
 * such run holds one of the secret's windows, so only those are searched for.
 */
function scrubPieces(text: string): string {
  let ranges: { from: number; to: number; secret: string }[] | undefined
  for (const p of scanner.pieces) {
    let at = text.indexOf(p.window)
    while (at !== -1) {
      let from = at
      let to = at + PIECE_WINDOW
      let k = p.at
      let j = p.at + PIECE_WINDOW
      while (from > 0 && k > 0 && text.charCodeAt(from - 1) === p.secret.charCodeAt(k - 1)) {
        from--
        k--
      }
      while (
        to < text.length &&
        j < p.secret.length &&
        text.charCodeAt(to) === p.secret.charCodeAt(j)
      ) {
        to++
        j++
      }
      if (to - from >= PIECE_MIN) {
        ranges ??= []
        ranges.push({ from, to, secret: p.secret })
      }
      at = text.indexOf(p.window, to)
    }
  }
  if (ranges === undefined) return text
  ranges.sort((a, b) => a.from - b.from)
  let out = ''
  let i = 0
  for (const r of ranges) {
    if (r.from < i) continue // inside a run already replaced
    out += `${text.slice(i, r.from)}⟨part of ${fingerprint(r.secret)}⟩`
    i = r.to
  }
  return out + text.slice(i)
}

/**
 * `text` with every known credential in it (whole, or a long piece), every JWT, and each of
 * `own` (the request's own credentials) replaced by a fingerprint.
 */
export function scrubKnown(text: string, own: readonly string[] = []): string {
  let out: string | undefined
  if (text.length < scanner.shortest && !text.includes('eyJ')) out = text
  else {
    out = cache.get(text)
    if (out === undefined) {
      out = scrubCredentials(text, scanner.values, [])
      if (cache.size >= CACHE_SIZE) cache.clear()
      cache.set(text, out)
    }
  }
  // Not cached: the same values recur on every delivery; the request's own credentials do not.
  for (const v of own) if (out.includes(v)) out = out.split(v).join(fingerprint(v))
  return out
}

/** Whether `text` holds a known credential (whole, or a long piece) or a JWT. Not cached. */
export function holdsCredential(text: string): boolean {
  if (text.length < scanner.shortest && !text.includes('eyJ')) return false
  return scrubCredentials(text, scanner.values, []) !== text
}

/**
 * A body to store with every known credential in it (whole, or a long piece), every JWT and
 * each of `own` replaced by a fingerprint, and whether anything was replaced (the record's
 * SHA-256 stays that of the bytes received). Bytes are searched as latin1, which maps each
 * byte to one character and back, so nothing else of the body changes.
 */
export function scrubKnownBytes(
  body: Uint8Array,
  own: readonly string[] = [],
): { body: Uint8Array; scrubbed: boolean } {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const text = buf.toString('latin1')
  const out = scrubCredentials(text, scanner.latin1, own.map(toLatin1), own)
  if (out === text) return { body, scrubbed: false }
  return { body: new Uint8Array(Buffer.from(out, 'latin1')), scrubbed: true }
}

/** The latin1 view of a string's UTF-8 bytes (how it appears inside a body read as latin1). */
function toLatin1(v: string): string {
  return Buffer.from(v, 'utf8').toString('latin1')
}
