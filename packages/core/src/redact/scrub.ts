/**
 * What a server outside repeats back (an error_description that quotes the token it refused, a
 * Location with a password or a `?token=`) is shown with those credentials fingerprinted: for
 * every output that prints a far server's words (diagnose --response, replay, probe).
 * @module
 */
import type { Header } from '../message/types.js'
import { fingerprint } from './fingerprint.js'

/** Header names that carry a credential. */
export const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|apikey|token|secret|signature|password|[-_]auth|^auth|x-hub-|webhook-/i
/** …except these, which only look like it. */
export const NOT_CREDENTIAL =
  /^(content-|accept|x-request-id|x-correlation-id|traceparent|tracestate|idempotency-key|webhook-id|webhook-timestamp)/i

/** Query parameter names that carry a credential. */
export const CREDENTIAL_QUERY =
  /^(?:api[-_]?key|apikey|key|token|access[-_]?token|auth|secret|sig|signature|password|pass|code)$|token|secret|password|api[-_]?key/i

const SCHEME_WORD = /^\s*[A-Za-z][\w.~+-]*\s+(\S[\s\S]*)$/

/**
 * The credentials a request carries, as the exact strings a far server may echo back: credential
 * header values (without a scheme word) and credential-like query values, longest first.
 */
export function credentialValues(request: { url: string; headers: readonly Header[] }): string[] {
  const out = new Set<string>()
  for (const [name, value] of request.headers) {
    if (!CREDENTIAL_HEADER.test(name) || NOT_CREDENTIAL.test(name)) continue
    out.add(value.trim())
    const m = SCHEME_WORD.exec(value)
    if (m) out.add(m[1]!.trim())
  }
  const q = request.url.indexOf('?')
  if (q !== -1) {
    for (const [name, value] of new URLSearchParams(request.url.slice(q + 1)))
      if (CREDENTIAL_QUERY.test(name)) out.add(value)
  }
  // Short values (a "1", a "yes") would scrub ordinary words; credentials are longer.
  return [...out].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length)
}

/** A run this long that is part of a credential is a piece of it, however the text was cut. */
const PIECE = 6
/** …unless it is a word of the text under this many letters (see scrubPieces). */
const WORD_MAX = 10
/** Prefixes that name a kind of secret, not one secret: Standard Webhooks', Stripe's, GitHub's, Slack's. */
const PUBLIC_PREFIX =
  /^(?:whsec_|(?:sk|rk|pk)_(?:live|test)_|gh[opsu]_|github_pat_|xox[abpr]-|shp(?:ss|at|ca)_|key-)/

function wordChar(text: string, at: number): boolean {
  return at >= 0 && at < text.length && /[A-Za-z0-9_]/.test(text[at]!)
}

/**
 * Pieces of `secrets` cut short by whoever shortened the text before it got here (an excerpt
 * of a challenge, a clipped header): each maximal run of PIECE or more characters that lies
 * inside one secret, replaced by that secret's fingerprint. Values holding a space (a header
 * value with its scheme word) are left to the whole-value pass: their pieces are words.
 */
function scrubPieces(text: string, secrets: readonly string[], keep: readonly string[]): string {
  const pieces = new Map<string, string>()
  for (const secret of secrets) {
    if (/\s/.test(secret) || secret.length < PIECE) continue
    // A public prefix (whsec_, sk_live_) is the same in every such secret: text that names it
    // ("what follows whsec_") is not quoting this one.
    const prefix = PUBLIC_PREFIX.exec(secret)?.[0].length ?? 0
    for (let i = 0; i + PIECE <= secret.length; i++)
      if (i + PIECE > prefix) pieces.set(secret.slice(i, i + PIECE), secret)
  }
  if (pieces.size === 0 || text.length < PIECE) return text
  // Names the config gives (an endpoint, an environment) are public and are how a diagnosis
  // says which endpoint it means: a token that begins with its endpoint's name must not turn
  // every mention of that name into "part of" a secret.
  const labels = keep.filter((k) => k.length > 0).sort((a, b) => b.length - a.length)
  let out = ''
  let i = 0
  next: while (i < text.length) {
    for (const label of labels)
      if (text.startsWith(label, i)) {
        out += label
        i += label.length
        continue next
      }
    const secret = pieces.get(text.slice(i, i + PIECE))
    if (secret === undefined) {
      out += text[i]
      i++
      continue
    }
    let end = i + PIECE
    while (end < text.length && secret.includes(text.slice(i, end + 1))) end++
    // A short run of letters that stands as a word ("secret", "password" inside a configured
    // "my-secret-password-1") is the text's own word, not a quote of the secret.
    const run = text.slice(i, end)
    if (
      end - i < WORD_MAX &&
      /^[A-Za-z]+$/.test(run) &&
      !wordChar(text, i - 1) &&
      !wordChar(text, end)
    ) {
      out += run
      i = end
      continue
    }
    out += `⟨part of ${fingerprint(secret)}⟩`
    i = end
  }
  return out
}

/**
 * One text as it may be shown: `secrets` (whole or any piece of them), user-info passwords and
 * credential query values fingerprinted. `keep`: public names (endpoint names, environments)
 * never taken for a piece of a secret; a whole secret is fingerprinted all the same.
 */
export function scrubText(
  text: string,
  secrets: readonly string[],
  keep: readonly string[] = [],
): string {
  let s = text
  for (const secret of secrets)
    if (s.includes(secret)) s = s.split(secret).join(fingerprint(secret))
  s = scrubPieces(s, secrets, keep)
  s = s.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@'"<>:]*):([^\s/?#@'"<>]+)@/gi,
    (_, scheme: string, user: string, password: string) =>
      `${scheme}${user}:${fingerprint(password)}@`,
  )
  return s.replace(
    /([?&])([^=&\s#'"<>?`]+)=([^&\s#'"<>`]+)/g,
    (m, sep: string, name: string, raw: string) => {
      // Punctuation that ends the sentence around a URL (`?token=abc.` `?key=abc),`) is not
      // part of the value.
      const v = raw.replace(/[.,;:!?)\]}]+$/, '')
      if (v === '' || !CREDENTIAL_QUERY.test(name) || v.startsWith('len=') || v.startsWith('⟨'))
        return m
      return `${sep}${name}=${fingerprint(v)}${raw.slice(v.length)}`
    },
  )
}

/** Every string in `value`, deeply, through scrubText. */
export function scrubShown<T>(value: T, secrets: readonly string[], keep?: readonly string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v, secrets, keep)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value) as T
}
