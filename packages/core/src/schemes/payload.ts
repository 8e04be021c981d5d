/**
 * The signed payload of an HMAC policy, from its template over {body} {timestamp} {id}
 * {method} {path} {url} {header:NAME}. The template is compiled once per policy; the payload
 * is fed to the HMAC as bytes — header values as UTF-8, the body exactly as received, never
 * decoded or re-serialized.
 * @module
 */
import type { Hmac } from 'node:crypto'
import { concatBytes, utf8 } from '../crypto/bytes.js'
import { getHeader, requestPath } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'body' | 'timestamp' | 'id' | 'method' | 'path' | 'url' }
  | { kind: 'header'; name: string }

/** The values located while parsing the request (raw, as sent). */
export interface PayloadValues {
  timestamp?: string | undefined
  id?: string | undefined
}

const PLACEHOLDER = /\{(body|timestamp|id|method|path|url|header:[^{}]+)\}|\{([A-Za-z_][\w:-]*)\}/g

/** What is wrong with a template (an unknown placeholder), or null. */
export function payloadTemplateProblem(template: string): string | null {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m[2] !== undefined) {
      return `has an unknown placeholder {${m[2]}}; use {body} {timestamp} {id} {method} {path} {url} {header:NAME}`
    }
  }
  return null
}

/** Splits a template into segments; unknown `{x}` stays literal text (the loader refuses it). */
export function compilePayload(template: string): Segment[] {
  const out: Segment[] = []
  let at = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m[1] === undefined) continue
    if (m.index > at) out.push({ kind: 'text', text: template.slice(at, m.index) })
    const name = m[1]
    out.push(
      name.startsWith('header:')
        ? { kind: 'header', name: name.slice(7).trim().toLowerCase() }
        : { kind: name as 'body' },
    )
    at = m.index + m[0].length
  }
  if (at < template.length) out.push({ kind: 'text', text: template.slice(at) })
  return out
}

export function usesPlaceholder(segments: readonly Segment[], kind: Segment['kind']): boolean {
  return segments.some((s) => s.kind === kind)
}

/**
 * The full request URL as the sender called it: an absolute target as is, else
 * `https://<Host><target>` (a TLS terminator in front of us is the common case).
 */
export function signedUrl(req: HttpRequest): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(req.url)) return req.url
  const host = getHeader(req.headers, 'host')
  return host ? `https://${host.trim()}${req.url}` : req.url
}

function segmentText(seg: Segment, req: HttpRequest, values: PayloadValues): string {
  switch (seg.kind) {
    case 'text':
      return seg.text
    case 'timestamp':
      return values.timestamp ?? ''
    case 'id':
      return values.id ?? ''
    case 'method':
      return req.method
    case 'path':
      return requestPath(req)
    case 'url':
      return signedUrl(req)
    case 'header':
      return getHeader(req.headers, seg.name) ?? ''
    case 'body':
      return ''
  }
}

/**
 * Feeds the payload into `hmac`. Adjacent text parts go in as one string (one update before
 * the body, as a hand-written verifier would do), the body as its own bytes.
 */
export function feedPayload(
  hmac: Hmac,
  segments: readonly Segment[],
  req: HttpRequest,
  values: PayloadValues,
): void {
  let text = ''
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!
    if (seg.kind === 'body') {
      if (text !== '') hmac.update(text)
      text = ''
      hmac.update(req.body)
    } else {
      text += segmentText(seg, req, values)
    }
  }
  if (text !== '') hmac.update(text)
}

/** Feeds one request's payload into an HMAC (see compileFeeder). */
export type PayloadFeeder = (hmac: Hmac, req: HttpRequest, values: PayloadValues) => void

/**
 * A feeder specialised for the template, for the hot path. Templates whose body comes last
 * after text, {timestamp} and {id} (GitHub, Stripe, Slack, Standard Webhooks…) get one string
 * concatenation and two updates, as a hand-written verifier does; others use feedPayload.
 */
export function compileFeeder(segments: readonly Segment[]): PayloadFeeder {
  const last = segments.at(-1)
  const prefix = segments.slice(0, -1)
  const simple =
    last?.kind === 'body' &&
    prefix.every((s) => s.kind === 'text' || s.kind === 'timestamp' || s.kind === 'id')
  if (!simple) return (hmac, req, values) => feedPayload(hmac, segments, req, values)
  // Text between the value slots: texts[0] slot[0] texts[1] slot[1] … texts[n].
  const texts: string[] = ['']
  const slots: ('timestamp' | 'id')[] = []
  for (const s of prefix) {
    if (s.kind === 'text') texts[texts.length - 1] += s.text
    else {
      slots.push(s.kind as 'timestamp' | 'id')
      texts.push('')
    }
  }
  const [t0 = '', t1 = '', t2 = ''] = texts
  const [k1, k2] = slots
  if (slots.length === 0) {
    return t0 === ''
      ? (hmac, req) => void hmac.update(req.body)
      : (hmac, req) => void hmac.update(t0).update(req.body)
  }
  if (slots.length === 1) {
    return (hmac, req, v) => void hmac.update(t0 + (v[k1!] ?? '') + t1).update(req.body)
  }
  if (slots.length === 2) {
    return (hmac, req, v) =>
      void hmac.update(t0 + (v[k1!] ?? '') + t1 + (v[k2!] ?? '') + t2).update(req.body)
  }
  return (hmac, req, values) => feedPayload(hmac, segments, req, values)
}

/** The payload as one byte array (for display, diagnosis and tests). */
export function payloadBytes(
  segments: readonly Segment[],
  req: HttpRequest,
  values: PayloadValues,
): Uint8Array {
  return concatBytes(
    segments.map((seg) => (seg.kind === 'body' ? req.body : utf8(segmentText(seg, req, values)))),
  )
}
