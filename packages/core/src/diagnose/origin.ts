/**
 * Which hop answered: reads a response (and, when known, the request it answers) and names
 * the layer and product that wrote it, with the evidence. The producer of the body wins over
 * the hops whose headers ride on it: a 401 page from nginx behind Cloudflare carries `cf-ray`,
 * but nginx answered.
 * @module
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { getHeader, requestUrl } from '../message/headers.js'
import type { EarlierResponse, HttpRequest, HttpResponse } from '../message/types.js'
import { APPS } from './products/apps.js'
import { DATA_APIS } from './products/data-apis.js'
import { EDGE } from './products/edge.js'
import { GATEWAYS } from './products/gateways.js'
import { PLATFORMS } from './products/platforms.js'
import { PROXIES } from './products/proxies.js'
import { type Answered, challenges, type Fingerprint, type Signals } from './products/types.js'
import { WAFS } from './products/waf.js'
import type { Origin, OriginLayer } from './types.js'

const MAX_TEXT = 64 * 1024

/** Every fingerprint, most specific first (the order breaks no ties: strength and layer do). */
export const FINGERPRINTS: readonly Fingerprint[] = [
  ...GATEWAYS,
  ...PLATFORMS,
  ...EDGE,
  ...WAFS,
  ...PROXIES,
  ...DATA_APIS,
  ...APPS,
]

/** The product names detectOrigin can return. */
export const ORIGIN_PRODUCTS: readonly string[] = [...new Set(FINGERPRINTS.map((f) => f.product))]

const LAYER_DEPTH: Record<OriginLayer, number> = {
  application: 3,
  proxy: 2,
  gateway: 1,
  unknown: 0,
}

/**
 * The body's bytes, inflated when the capture is compressed (gzip, br, deflate), capped at
 * 256 KiB of output; the bytes as they are when they do not inflate (or are a bomb). The same
 * object as `res.body` when nothing was inflated.
 */
export function inflatedBody(res: HttpResponse): Uint8Array {
  const bytes: Uint8Array = res.body
  const enc = (getHeader(res.headers, 'content-encoding') ?? '').trim().toLowerCase()
  try {
    const opts = { maxOutputLength: MAX_TEXT * 4 }
    if (enc === 'gzip' || (bytes[0] === 0x1f && bytes[1] === 0x8b)) return gunzipSync(bytes, opts)
    if (enc === 'br') return brotliDecompressSync(bytes, opts)
    if (enc === 'deflate') return inflateSync(bytes, opts)
  } catch {
    // Not really compressed, or a bomb past the cap: match on the bytes as they are.
  }
  return bytes
}

/** Body bytes as text for matching; a compressed capture is inflated, capped both ways. */
function bodyText(res: HttpResponse): string {
  const slice = inflatedBody(res).subarray(0, MAX_TEXT)
  return Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('utf8')
}

export function readSignals(response: HttpResponse, request?: HttpRequest): Signals {
  const headers = new Map<string, string[]>()
  for (const [n, v] of response.headers) {
    const k = n.toLowerCase()
    const list = headers.get(k)
    if (list) list.push(v)
    else headers.set(k, [v])
  }
  const body = bodyText(response)
  const contentType = (headers.get('content-type')?.[0] ?? '').toLowerCase()
  let json: unknown
  const trimmed = body.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      json = JSON.parse(trimmed)
    } catch {
      json = undefined
    }
  }
  let host: string | null = null
  if (request) {
    const u = requestUrl(request)
    host = u.hostname && u.hostname !== 'hookwarden.invalid' ? u.hostname.toLowerCase() : null
  }
  return { status: response.status, headers, body, json, contentType, host, request, response }
}

interface Claim {
  fp: Fingerprint
  answered: Answered
}

/** Which hop answered `response`. Never throws; `unknown` when nothing tells. */
export function detectOrigin(response: HttpResponse, request?: HttpRequest): Origin {
  const s = readSignals(response, request)
  const claims: Claim[] = []
  for (const fp of FINGERPRINTS) {
    const a = fp.answered(s)
    if (a) claims.push({ fp, answered: a })
  }
  // Strongest claim first; on a tie the innermost layer wins (an outer hop that answered
  // would not carry the inner one's marks).
  claims.sort(
    (a, b) =>
      b.answered.strength - a.answered.strength ||
      LAYER_DEPTH[b.fp.layer] - LAYER_DEPTH[a.fp.layer],
  )
  const best = claims[0]
  const passed = passedThrough(s, best?.fp.product ?? null)

  let origin: Origin
  if (best) {
    const evidence = [...best.answered.evidence]
    for (const p of passed)
      evidence.push(
        `also on the path: ${p.product} (${p.marks.join(', ')}), which relayed the answer but did not write it`,
      )
    origin = { layer: best.fp.layer, product: best.fp.product, evidence }
  } else origin = fallback(s, passed)
  origin.evidence.push(...earlierEvidence(response, request))
  return origin
}

/** A redirect the client followed before the final answer (`curl -i -L`). */
export interface FollowedRedirect {
  status: number
  location: string
  /** `from http to https`, `to another host (h)`, … */
  kind: string
  /** Another scheme, host or port: clients drop Authorization when they follow it. */
  crossOrigin: boolean
}

/** The redirects in a capture's earlier blocks, in the order they were followed. */
export function followedRedirects(
  response: HttpResponse,
  request?: HttpRequest,
): FollowedRedirect[] {
  const out: FollowedRedirect[] = []
  let from: URL | null = request ? requestUrl(request) : null
  // A target in origin-form is read as https; a redirect to the same URL on https says it was http.
  const schemeKnown = !!request && /^[a-z][a-z0-9+.-]*:\/\//i.test(request.url)
  for (const e of response.earlier ?? []) {
    const location = headerOf(e, 'location')
    if (e.status < 300 || e.status >= 400 || !location) continue
    let to: URL | null = null
    try {
      to = from ? new URL(location, from) : new URL(location)
    } catch {
      to = null
    }
    let kind = 'to another URL'
    let crossOrigin = false
    if (to && from) {
      const samePlace = to.host === from.host && to.pathname === from.pathname
      if (to.protocol === 'https:' && (from.protocol === 'http:' || (!schemeKnown && samePlace))) {
        kind = 'from http to https'
        crossOrigin = true
      } else if (to.host !== from.host) {
        kind = `to another host (${to.host})`
        crossOrigin = true
      } else if (to.pathname === `${from.pathname}/` || `${to.pathname}/` === from.pathname)
        kind = 'to the same path with a trailing slash changed'
      else if (to.pathname !== from.pathname) kind = `to another path (${to.pathname})`
    }
    out.push({ status: e.status, location, kind, crossOrigin })
    from = to
  }
  return out
}

function headerOf(e: EarlierResponse, name: string): string | undefined {
  return e.headers.find(([n]) => n.toLowerCase() === name)?.[1]
}

/** What the blocks before the final answer say: skipped interim answers, redirects followed. */
function earlierEvidence(response: HttpResponse, request?: HttpRequest): string[] {
  const out: string[] = []
  const redirects = followedRedirects(response, request)
  for (const e of response.earlier ?? []) {
    const line = `${e.status}${e.statusText ? ` ${e.statusText}` : ''}`
    if (e.status < 200)
      out.push(`${line} came first: an interim answer (RFC 9110 §15.2), not the answer read here`)
    else if (e.status === 200 && /connection established/i.test(e.statusText ?? ''))
      out.push(`${line} came first: a forward proxy opened the tunnel (CONNECT); not the answer`)
  }
  for (const r of redirects)
    out.push(
      `the client followed a ${r.status} redirect ${r.kind} (Location: ${r.location.slice(0, 80)}) before this answer`,
    )
  return out
}

interface Passed {
  product: string
  marks: string[]
  gatekeeper: boolean
}

function passedThrough(s: Signals, winner: string | null): Passed[] {
  const out: Passed[] = []
  for (const fp of FINGERPRINTS) {
    if (fp.product === winner || !fp.onPath) continue
    const marks = fp.onPath(s)
    if (marks?.length)
      out.push({ product: fp.product, marks: marks.slice(0, 3), gatekeeper: !!fp.gatekeeper })
  }
  return out
}

/** Nothing claimed the answer: say what the shape of it still tells. */
function fallback(s: Signals, passed: Passed[]): Origin {
  const evidence: string[] = []
  for (const p of passed)
    evidence.push(
      `passed through ${p.product} (${p.marks.join(', ')}); its own answers look different, so the server behind it answered`,
    )
  if (s.status === 407) {
    const server = s.headers.get('server')?.[0] ?? null
    const product = server && /squid/i.test(server) ? 'squid' : null
    evidence.push(
      "407 Proxy Authentication Required: a forward proxy on the sender's side answered, not the receiver",
    )
    if (s.headers.get('proxy-authenticate'))
      evidence.push(`Proxy-Authenticate: ${s.headers.get('proxy-authenticate')![0]}`)
    return { layer: 'proxy', product, evidence }
  }
  // A hop that checks credentials itself is on the path: an answer no fingerprint claims may
  // be its (a message of a plugin or policy not known here) as much as the application's.
  const gate = passed.find((p) => p.gatekeeper)
  if (gate && (s.json !== undefined || s.headers.has('www-authenticate'))) {
    evidence.push(
      `${gate.product} checks credentials itself and is on the path: this answer may be its or the application's`,
    )
    return { layer: 'unknown', product: null, evidence }
  }
  // Any of its challenges (RFC 9110 §11.6.1: one field may hold several, or several fields).
  const erring = challenges(s).find((c) => /^bearer$/i.test(c.scheme) && c.params.error)
  if (erring) {
    evidence.push(
      `WWW-Authenticate: ${erring.text.slice(0, 100)} (an RFC 6750 error from the token verifier)`,
    )
    return { layer: 'application', product: null, evidence }
  }
  if (s.json !== undefined && typeof s.json === 'object' && s.json !== null) {
    evidence.push('a JSON body matching no gateway or proxy: the application wrote it')
    return { layer: 'application', product: null, evidence }
  }
  if (!evidence.length) evidence.push('no header or body matched a known product')
  return { layer: 'unknown', product: null, evidence }
}
