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

/** The challenge's realm, if any. */
export function realm(s: Signals): string | null {
  for (const v of s.headers.get('www-authenticate') ?? []) {
    const m = /realm\s*=\s*"([^"]*)"|realm\s*=\s*([^\s,]+)/i.exec(v)
    if (m) return (m[1] ?? m[2] ?? '').trim()
  }
  return null
}
