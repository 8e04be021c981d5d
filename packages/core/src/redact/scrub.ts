/**
 * What a server outside repeats back (an error_description that quotes the token it refused, a
 * Location with a password or a `?token=`) is shown with those credentials fingerprinted: for
 * every output that prints a far server's words (diagnose --response, replay, probe).
 * @module
 */
import type { Header } from '../message/types.js'
import { fingerprint } from './fingerprint.js'
import { isOwnWord, isReasonTableText, REASON_CODE_TERMS } from './own-words.js'

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
/** …unless it is a word of the text under this many letters that is not ours (see ownWord). */
const WORD_MAX = 10
/** Prefixes that name a kind of secret, not one secret: Standard Webhooks', Stripe's, GitHub's, Slack's. */
const PUBLIC_PREFIX =
  /^(?:whsec_|(?:sk|rk|pk)_(?:live|test)_|gh[opsu]_|github_pat_|xox[abpr]-|shp(?:ss|at|ca)_|key-)/
/** What a word of a sentence looks like: lower case, or capitalised. */
const WORD_SHAPE = /^[A-Z]?[a-z]+$/

function alnum(text: string, at: number): boolean {
  if (at < 0 || at >= text.length) return false
  const c = text.charCodeAt(at)
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

const TOKEN_CHAR = /[A-Za-z0-9_-]/

/**
 * Whether the run text[from, to) of `secret` is (part of) one word of the text rather than a
 * quote of the secret: the run is letters only, the word around it (letters and digits up to
 * a space, `_`, `-` or other punctuation) is one of the reason table's words or a short
 * ordinary word, and the `_`/`-`-joined token around it is not made of pieces of the secret
 * only (`acme_signature_timestamp_2025` for `acme-signature-timestamp-2025` is the secret
 * with its separators changed, not a sentence). A run that crosses a separator, or a word
 * that holds digits or looks random (`KqPwZm`), is a piece. `_` and `-` end a word, as in
 * `signature_secret_whitespace`; where the secret has the same separator there, the run
 * already spans it and is no single word.
 */
function ownWord(text: string, from: number, to: number, secret: string): boolean {
  if (!/^[A-Za-z]+$/.test(text.slice(from, to))) return false
  let start = from
  let end = to
  while (alnum(text, start - 1)) start--
  while (alnum(text, end)) end++
  const word = text.slice(start, end)
  if (!/^[A-Za-z]+$/.test(word)) return false
  if (!isOwnWord(word) && !(WORD_SHAPE.test(word) && word.length < WORD_MAX)) return false
  while (start > 0 && TOKEN_CHAR.test(text[start - 1]!)) start--
  while (end < text.length && TOKEN_CHAR.test(text[end]!)) end++
  const parts = text
    .slice(start, end)
    .split(/[-_]+/)
    .filter((p) => p !== '')
  return parts.length < 2 || !parts.every((p) => secret.includes(p))
}

/**
 * Where each kept term begins in `text`: the longest term at that position and its end. Terms
 * are found before pieces, so that a piece never starts inside one.
 */
function keptTerms(text: string, terms: readonly string[]): Map<number, number> {
  const at = new Map<number, number>()
  for (const term of terms) {
    for (let i = text.indexOf(term); i !== -1; i = text.indexOf(term, i + 1)) {
      const end = i + term.length
      if ((at.get(i) ?? -1) < end) at.set(i, end)
    }
  }
  return at
}

/**
 * Pieces of `secrets` cut short by whoever shortened the text before it got here (an excerpt
 * of a challenge, a clipped header): each maximal run of PIECE or more characters that lies
 * inside one secret, replaced by that secret's fingerprint. Values holding a space (a header
 * value with its scheme word) are left to the whole-value pass: their pieces are words. The
 * reason codes, `keep` and the text's own words are never a piece (see ownWord).
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
  // every mention of that name into "part of" a secret. A reason code is ours, whatever a
  // secret holds.
  const kept = keptTerms(text, [...REASON_CODE_TERMS, ...keep.filter((k) => k.length > 0)])
  let out = ''
  let i = 0
  while (i < text.length) {
    const keptEnd = kept.get(i)
    if (keptEnd !== undefined) {
      out += text.slice(i, keptEnd)
      i = keptEnd
      continue
    }
    const secret = pieces.get(text.slice(i, i + PIECE))
    if (secret === undefined) {
      out += text[i]
      i++
      continue
    }
    let end = i + PIECE
    while (end < text.length && secret.includes(text.slice(i, end + 1))) end++
    if (ownWord(text, i, end, secret)) {
      // One character on: a longer piece may still begin inside this word and run past it.
      out += text[i]
      i++
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

/**
 * Fields that hold the product's own names, never a request's words: reason codes (`code`,
 * `reason`), check and variant names, response classes, origin layers and products, finding
 * levels (identifiers), and the problem body's `type`, `title` and `hint` (the reason
 * table's). Scrubbing them could only break them: a stable code turned into
 * "signature_⟨part of …⟩_whitespace". Anything else under these names is scrubbed as text.
 */
const ENUM_FIELDS: ReadonlySet<string> = new Set([
  'code',
  'reason',
  'name',
  'class',
  'layer',
  'product',
  'level',
])
const IDENTIFIER = /^[A-Za-z][\w.:-]*$/
const TABLE_FIELDS: ReadonlySet<string> = new Set(['type', 'title', 'hint'])

function ownField(key: string, value: string): boolean {
  return (
    (ENUM_FIELDS.has(key) && IDENTIFIER.test(value)) ||
    (TABLE_FIELDS.has(key) && isReasonTableText(value))
  )
}

/**
 * Every string in `value`, deeply, through scrubText, except the product's own fields
 * (ownField): the free text (summaries, fixes, evidence, notes, details) is where a
 * request's or an answer's words are quoted.
 */
export function scrubShown<T>(value: T, secrets: readonly string[], keep?: readonly string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v, secrets, keep)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          typeof x === 'string' && ownField(k, x) ? x : walk(x),
        ]),
      )
    return v
  }
  return walk(value) as T
}
