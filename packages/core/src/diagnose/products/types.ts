/**
 * The face every product fingerprint shares: does this product's own answer show in the
 * response (it answered), or only its marks on a response it passed through (it is on the path)?
 * @module
 */
import type { HttpRequest, HttpResponse } from '../../message/types.js'
import type { OriginLayer } from '../types.js'

/** A response read once, lower-cased where lookups need it, body capped for matching. */
export interface Signals {
  status: number
  /** Header values by lower-case name, in order (duplicates kept). */
  headers: Map<string, string[]>
  /** The body as text (first 64 KiB), for matching only. */
  body: string
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown
  contentType: string
  /** Lower-case host the request was sent to, when known. */
  host: string | null
  request: HttpRequest | undefined
  response: HttpResponse
}

/** This product wrote the answer. `strength` ranks competing claims (100 = its own page). */
export interface Answered {
  strength: number
  evidence: string[]
}

export interface Fingerprint {
  product: string
  layer: OriginLayer
  /** Evidence that this product produced the response, or null. */
  answered(s: Signals): Answered | null
  /** Marks that the response passed through this product (it did not necessarily answer). */
  onPath?(s: Signals): string[] | null
  /**
   * This hop checks credentials itself and answers refusals in JSON of its own: with its marks
   * on an answer no fingerprint claims, the JSON may be its or the application's.
   */
  gatekeeper?: true
}

/** First value of a header (lower-case name). */
export function h(s: Signals, name: string): string | undefined {
  return s.headers.get(name)?.[0]
}

/** `name: value` for evidence, value shortened. */
export function ev(name: string, value: string | undefined): string {
  const v = value ?? ''
  return `${name}: ${v.length > 80 ? `${v.slice(0, 77)}…` : v}`
}

/** A body excerpt for evidence: the matched text in quotes. */
export function bodyEv(s: Signals, re: RegExp): string | null {
  const m = re.exec(s.body)
  if (!m) return null
  const t = m[0].replace(/\s+/g, ' ').trim()
  return `body: "${t.length > 90 ? `${t.slice(0, 87)}…` : t}"`
}

/** The object's own string field, when the JSON body is an object. */
export function jsonField(s: Signals, key: string): unknown {
  return s.json !== null && typeof s.json === 'object' && !Array.isArray(s.json)
    ? (s.json as Record<string, unknown>)[key]
    : undefined
}

export function jsonKeys(s: Signals): string[] | null {
  return s.json !== null && typeof s.json === 'object' && !Array.isArray(s.json)
    ? Object.keys(s.json as object)
    : null
}

export function answered(strength: number, ...evidence: (string | null | undefined)[]): Answered {
  return { strength, evidence: evidence.filter((e): e is string => !!e) }
}

/** The realm of the first challenge that names one, if any. */
export function realm(s: Signals): string | null {
  for (const c of challenges(s)) if (c.params.realm !== undefined) return c.params.realm.trim()
  return null
}

/** One challenge of a WWW-Authenticate field (RFC 9110 §11.6.1). */
export interface Challenge {
  /** The auth-scheme as sent (`Bearer`). */
  scheme: string
  /** Its auth-params by lower-case name, unquoted (the first of a repeated name). */
  params: Record<string, string>
  /** The challenge's own text, scheme and parameters (for challengeGist). */
  text: string
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y
const TOKEN68 = /[0-9A-Za-z._~+/-]+=*/y
const SPACES = /[ \t]*/y

/** Challenges read from one answer, at most: real servers offer a handful. */
const MAX_CHALLENGES = 16
/** Parameters kept per challenge, at most (the rest are scanned over, not kept). */
const MAX_PARAMS = 32

/**
 * Every challenge of every WWW-Authenticate value, in order. A 401 may offer several, in one
 * field (`Basic realm="a", Bearer error="invalid_token"`) or in several (RFC 9110 §11.6.1):
 * after a comma, a token followed by `=` is a parameter of the challenge before it, any other
 * token starts the next challenge. Scanned by hand, once, in time linear in the value, and
 * with what it keeps bounded: the value is the answer's, of any length and shape.
 */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const out: Challenge[] = []
  for (const value of values) {
    let i = 0
    const take = (re: RegExp): string | null => {
      re.lastIndex = i
      const m = re.exec(value)
      if (!m || m[0] === '') return null
      i = re.lastIndex
      return m[0]
    }
    const spaces = () => take(SPACES)
    const quoted = (): string => {
      let text = ''
      let from = ++i
      for (; i < value.length && value[i] !== '"'; i++)
        if (value[i] === '\\') {
          text += value.slice(from, i)
          from = ++i
        }
      text += value.slice(from, i)
      i++
      return text
    }
    let current: { challenge: Challenge; start: number; end: number; params: number } | null = null
    const close = () => {
      if (current) current.challenge.text = value.slice(current.start, current.end).trim()
    }
    while (i < value.length) {
      spaces()
      if (value[i] === ',') {
        i++
        continue
      }
      const start = i
      const name = take(TOKEN)
      if (name === null) {
        // Neither a scheme nor a parameter: step over it (a quoted string whole).
        if (value[i] === '"') quoted()
        else i++
        continue
      }
      const afterName = i
      spaces()
      if (current && value[i] === '=') {
        i++
        spaces()
        const v = value[i] === '"' ? quoted() : (take(TOKEN) ?? '')
        const key = name.toLowerCase()
        if (current.params++ < MAX_PARAMS && !(key in current.challenge.params))
          current.challenge.params[key] = v
        current.end = i
        continue
      }
      // Any other token starts a challenge.
      close()
      if (out.length === MAX_CHALLENGES) return out
      // No prototype: a parameter named `constructor` or `__proto__` is a parameter like any.
      const challenge: Challenge = { scheme: name, params: Object.create(null), text: name }
      out.push(challenge)
      current = { challenge, start, end: afterName, params: 0 }
      i = afterName
      if (spaces() !== null) {
        // A token68 alone after the scheme (`Negotiate YII…==`); else the first parameter.
        const paramsAt = i
        if (take(TOKEN68) !== null) {
          const t68End = i
          spaces()
          if (i < value.length && value[i] !== ',') i = paramsAt
          else current.end = t68End
        }
      }
    }
    close()
    current = null
  }
  return out
}

/** The challenges of the answer `s` reads, parsed once per Signals. */
const parsed = new WeakMap<Signals, Challenge[]>()

export function challenges(s: Signals): Challenge[] {
  let list = parsed.get(s)
  if (!list) {
    list = parseChallenges(s.headers.get('www-authenticate') ?? [])
    parsed.set(s, list)
  }
  return list
}
