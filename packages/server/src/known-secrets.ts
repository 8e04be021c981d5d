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
  bytes: Buffer[]
  shortest: number
}

const owners = new Map<object, string[]>()
const labelOwners = new Map<object, string[]>()
let scanner: Scanner = { values: [], bytes: [], shortest: Number.POSITIVE_INFINITY }

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
  scanner = {
    values,
    bytes: values.map((v) => Buffer.from(v, 'utf8')),
    shortest: values.length ? values[values.length - 1]!.length : Number.POSITIVE_INFINITY,
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

/** `text` with every known credential in it replaced by its fingerprint. */
export function scrubKnown(text: string): string {
  if (text.length < scanner.shortest) return text
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  let out = text
  for (const v of scanner.values) if (out.includes(v)) out = out.split(v).join(fingerprint(v))
  if (cache.size >= CACHE_SIZE) cache.clear()
  cache.set(text, out)
  return out
}

/**
 * A body to store with every known credential in it replaced by its fingerprint, and whether
 * anything was replaced (the record's SHA-256 stays that of the bytes received).
 */
export function scrubKnownBytes(body: Uint8Array): { body: Uint8Array; scrubbed: boolean } {
  if (body.length < scanner.shortest) return { body, scrubbed: false }
  let buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  let scrubbed = false
  for (let i = 0; i < scanner.bytes.length; i++) {
    const needle = scanner.bytes[i]!
    let at = buf.indexOf(needle)
    if (at === -1) continue
    const replacement = Buffer.from(fingerprint(scanner.values[i]!), 'utf8')
    const parts: Buffer[] = []
    let from = 0
    while (at !== -1) {
      parts.push(buf.subarray(from, at), replacement)
      from = at + needle.length
      at = buf.indexOf(needle, from)
    }
    parts.push(buf.subarray(from))
    buf = Buffer.concat(parts)
    scrubbed = true
  }
  return { body: scrubbed ? new Uint8Array(buf) : body, scrubbed }
}
