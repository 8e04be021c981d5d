/**
 * Where the secrets of a body are, so that `diff` can quote the bytes around a difference
 * without quoting a secret: the values of JSON members and form fields under secret-looking
 * names, the body fields the provider presets name (Figma's `passcode`, Microsoft Graph's
 * `clientState`), and every other place the same values (or the request's header credentials)
 * occur. The spans are found on the whole body first, so it does not matter where an excerpt
 * window starts or ends: any span it touches is shown as a fingerprint.
 * @module
 */
import { listProviders } from '../providers/registry.js'
import { fingerprint } from '../redact/fingerprint.js'

/** A secret value inside a text: `[start, end)` in UTF-16 units, under the field `name`. */
export interface SecretSpan {
  start: number
  end: number
  name: string
}

/**
 * Member and field names whose values are secrets. Broad on purpose: a false positive only
 * shows a fingerprint where a value could have been quoted.
 */
const SECRET_NAME =
  /pass|secret|token|credential|hmac|signature|api[-_.]?key|apikey|private[-_.]?key|signing[-_.]?key|client[-_.]?state|(?:^|[-_.])(?:key|sig|auth|authorization|code|otp|pin|pwd|jwt)$|^(?:key|sig|auth|code|otp|pin|pwd|jwt)(?:[-_.]|$)/i
/** camelCase names ending in a secret word: `signingKey`, `authCode`, `hmacSig`. */
const SECRET_CAMEL = /[a-z0-9](?:Key|Sig|Code|Pin|Auth)$/

/** The body fields the presets read a credential from (the last step of `auth.field`). */
function presetBodyFields(): Set<string> {
  const out = new Set<string>()
  for (const p of listProviders()) {
    const field = p.auth.field
    if (typeof field !== 'string') continue
    const last = field.split('.').at(-1)!.replace(/\[\]$/, '')
    if (last) out.add(last.toLowerCase())
  }
  return out
}

export function isSecretName(name: string, presetFields = presetBodyFields()): boolean {
  return SECRET_NAME.test(name) || SECRET_CAMEL.test(name) || presetFields.has(name.toLowerCase())
}

/** Short values (a `1`, a `yes`) would mask ordinary words wherever they recur. */
const MIN_RECURRING = 6

/** The part of a text an excerpt shows, `[start, end)`. */
export interface TextWindow {
  start: number
  end: number
}

/**
 * The secret spans of `text`. `known` are secret values found elsewhere (the other body, the
 * request's header credentials): every place they occur here is a span too, which covers a
 * secret whose field name the other body spells differently. With `window`, those places are
 * looked for only where they would touch it: a large body can hold thousands of secret
 * values, and searching all of it for each would take minutes.
 */
export function secretSpans(
  text: string,
  known: readonly string[] = [],
  window: TextWindow = { start: 0, end: text.length },
): SecretSpan[] {
  const spans = fieldSpans(text)
  const values = new Map<string, string>()
  for (const s of spans) values.set(text.slice(s.start, s.end), s.name)
  for (const k of known) if (!values.has(k)) values.set(k, 'credential')
  for (const [value, name] of values) {
    if (value.length < MIN_RECURRING) continue
    const from = Math.max(0, window.start - value.length)
    const near = text.slice(from, window.end + value.length)
    for (let i = near.indexOf(value); i !== -1; i = near.indexOf(value, i + 1))
      spans.push({ start: from + i, end: from + i + value.length, name })
  }
  return spans.sort((a, b) => a.start - b.start || b.end - a.end)
}

/** The values under secret names: JSON members, form fields, `name: value` lines, XML elements. */
export function fieldSpans(text: string): SecretSpan[] {
  const fields = presetBodyFields()
  return [...jsonSpans(text, fields), ...formSpans(text, fields), ...textSpans(text, fields)]
}

interface Container {
  array: boolean
  secret: boolean
}

/**
 * JSON string and scalar values under secret names, and everything inside an object or array
 * under one. A lenient scan, not a parser: a truncated or broken body still has its spans (an
 * unterminated string runs to the end).
 */
function jsonSpans(text: string, fields: Set<string>): SecretSpan[] {
  const out: SecretSpan[] = []
  const stack: Container[] = []
  let pendingKey: string | null = null
  const inSecret = () => stack.at(-1)?.secret === true
  const valueName = () => pendingKey ?? (inSecret() ? 'secret' : null)
  const valueIsSecret = () =>
    (pendingKey !== null && isSecretName(pendingKey, fields)) || inSecret()
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const end = Math.min(j, text.length)
      let k = end + 1
      while (k < text.length && /\s/.test(text[k]!)) k++
      if (text[k] === ':' && stack.at(-1)?.array !== true) {
        pendingKey = text.slice(i + 1, end)
        i = k + 1
        continue
      }
      if (valueIsSecret()) out.push({ start: i + 1, end, name: valueName()! })
      pendingKey = null
      i = end + 1
    } else if (c === '{' || c === '[') {
      stack.push({ array: c === '[', secret: valueIsSecret() })
      pendingKey = null
      i++
    } else if (c === '}' || c === ']') {
      stack.pop()
      pendingKey = null
      i++
    } else if (c === ',' || /\s/.test(c)) {
      i++
    } else {
      const m = /^[^\s,:{}[\]"]+/.exec(text.slice(i, i + 4096))
      const len = m ? m[0].length : 1
      if (m && valueIsSecret()) out.push({ start: i, end: i + len, name: valueName()! })
      pendingKey = null
      i += len
    }
  }
  return out
}

/** `name=value` fields of a form body (names URL-decoded), values to the next `&` or `;`. */
function formSpans(text: string, fields: Set<string>): SecretSpan[] {
  const out: SecretSpan[] = []
  // A field name holds no quote, brace or colon: JSON text is no form, whatever its `=`.
  for (const m of text.matchAll(/(?:^|[&;?\s])([^=&;\s"'{}<>:,]{1,64})=([^&;\r\n]*)/g)) {
    let name = m[1]!
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '))
    } catch {}
    if (!isSecretName(name, fields) || m[2]!.length === 0) continue
    const start = m.index + m[0].length - m[2]!.length
    out.push({ start, end: start + m[2]!.length, name })
  }
  return out
}

/** `name: value` lines (YAML, a header pasted into a body) and `<name>value</name>` elements. */
function textSpans(text: string, fields: Set<string>): SecretSpan[] {
  const out: SecretSpan[] = []
  for (const m of text.matchAll(
    /(?:^|[\s{,])([A-Za-z_][\w.-]{0,63})[ \t]*:[ \t]*([^\s,"'{}[\]]+)/gm,
  )) {
    if (!isSecretName(m[1]!, fields)) continue
    const start = m.index + m[0].length - m[2]!.length
    out.push({ start, end: start + m[2]!.length, name: m[1]! })
  }
  for (const e of elements(text)) {
    const local = e.name.split(':').at(-1)!
    if (!isSecretName(local, fields)) continue
    out.push({ start: e.start, end: e.end, name: local })
  }
  return out
}

const OPEN_TAG = /<([A-Za-z_][\w.:-]{0,63})(?=[>\s])/g

/**
 * The `<name attrs>value</name>` elements of `text` (value without `<`), as
 * `/<([A-Za-z_][\w.:-]{0,63})(?:\s[^>]*)?>([^<]+)<\/\1>/g` finds them, by a scan: that pattern
 * runs to the next `>` from every `<name ` before it, quadratic in `<a <a <a…`.
 */
function elements(text: string): { name: string; start: number; end: number }[] {
  const out: { name: string; start: number; end: number }[] = []
  const nextGt = forwardFinder(text, '>')
  const nextLt = forwardFinder(text, '<')
  OPEN_TAG.lastIndex = 0
  for (let m = OPEN_TAG.exec(text); m !== null; m = OPEN_TAG.exec(text)) {
    const gt = nextGt(OPEN_TAG.lastIndex)
    if (gt === -1) break
    const lt = nextLt(gt + 1)
    if (lt === -1) break
    const name = m[1]!
    if (lt > gt + 1 && text.startsWith(`</${name}>`, lt)) {
      out.push({ name, start: gt + 1, end: lt })
      OPEN_TAG.lastIndex = lt + name.length + 3
    }
  }
  return out
}

/** indexOf(char, from) for calls whose `from` never decreases: each character is read once. */
function forwardFinder(text: string, char: string): (from: number) => number {
  let found = -2
  return (from) => {
    if (found !== -1 && found < from) found = text.indexOf(char, from)
    return found
  }
}

/** The span that holds `offset`, counting the quote or `=` just before and the byte just after. */
export function spanAt(spans: readonly SecretSpan[], offset: number): SecretSpan | null {
  return spans.find((s) => offset >= s.start - 1 && offset <= s.end) ?? null
}

/**
 * `text[start, end)` with every secret span it touches replaced by `‹len=N fp:…›` of the whole
 * value, so neither a whole secret nor a piece of one is shown.
 */
export function maskedExcerpt(
  text: string,
  start: number,
  end: number,
  spans: readonly SecretSpan[],
): string {
  let out = ''
  let cursor = start
  for (const s of spans) {
    if (s.end <= cursor || s.start >= end) continue
    if (s.start > cursor) out += text.slice(cursor, s.start)
    out += `‹${fingerprint(text.slice(s.start, s.end))}›`
    cursor = s.end
  }
  if (cursor < end) out += text.slice(cursor, end)
  return out
}

/** Names of headers that carry a credential in some preset (its `auth.header`). */
export function presetCredentialHeaders(): Set<string> {
  const out = new Set<string>()
  for (const p of listProviders()) {
    const h = p.auth.header
    if (typeof h === 'string') out.add(h.toLowerCase())
  }
  return out
}

/** Names of headers that carry a preset's timestamp (its `auth.timestamp.header`). */
export function presetTimestampHeaders(): Set<string> {
  const out = new Set<string>()
  for (const p of listProviders()) {
    const t = p.auth.timestamp as { header?: unknown } | undefined
    if (typeof t?.header === 'string') out.add(t.header.toLowerCase())
  }
  return out
}

/** Headers whose values are identifiers, dates or trace context: long and random, not secret. */
const NOT_SECRET_HEADER =
  /^(?:traceparent|tracestate|baggage|date|etag|if-none-match|if-match|x-amzn-trace-id|content-type|accept)$|(?:^|-)(?:id|uuid|guid|delivery|event|topic|type|version|attempt)$/i
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Bits of information per character of `s` (Shannon entropy over its own character counts). */
function entropy(s: string): number {
  const counts = new Map<string, number>()
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length)
  return bits
}

/**
 * True for a token that looks generated rather than written: at least 24 characters of the
 * base64/hex alphabet, letters and digits mixed, and close to the entropy of random text
 * (hex runs at ~4 bits a character, base64 at ~5; English words and version strings far below).
 */
export function looksLikeSecret(token: string): boolean {
  if (token.length < 24 || !/^[A-Za-z0-9+/=_.~-]+$/.test(token)) return false
  if (!/[A-Za-z]/.test(token) || !/[0-9]/.test(token) || UUID.test(token)) return false
  return entropy(token) >= 3.5
}

/**
 * A header value that is not known to be a credential, with every token that `looksLikeSecret`
 * fingerprinted; the rest is left readable. Identifier and trace headers are left as they are.
 */
export function maskSecretLooking(name: string, value: string): string {
  if (NOT_SECRET_HEADER.test(name)) return value
  return value.replace(/[A-Za-z0-9+/=_.~-]{24,}/g, (t) =>
    looksLikeSecret(t) ? `‹${fingerprint(t)}›` : t,
  )
}
