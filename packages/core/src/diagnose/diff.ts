/**
 * diffRequests(good, bad): what differs between a request that works and one that does not,
 * the authentication-relevant differences first — header names (and the `_` that nginx drops),
 * scheme prefixes, whitespace and invisible characters, lengths, encodings, timestamps, the
 * body bytes. Credentials are compared by structure and fingerprint, never printed.
 * @module
 */
import { requestPath, requestQuery } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { sameHeaderName } from './transforms/credential.js'
import { durationWords } from './wording.js'

export type DifferenceKind =
  | 'method'
  | 'path'
  | 'query'
  | 'header_missing'
  | 'header_added'
  | 'header_name'
  | 'header_count'
  | 'prefix'
  | 'whitespace'
  | 'invisible'
  | 'quotes'
  | 'encoding'
  | 'length'
  | 'value'
  | 'timestamp'
  | 'body'

export interface Difference {
  kind: DifferenceKind
  /** The header, parameter or part it is about: `Authorization`, `?api_key`, `body`. */
  field: string
  /** What the good request has (fingerprinted when it is a credential), or null. */
  good: string | null
  bad: string | null
  /** One sentence on what it means. */
  note: string
  /** Relevant to authentication (listed first). */
  auth: boolean
}

export interface RequestDiff {
  same: boolean
  differences: Difference[]
}

const CREDENTIAL =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|apikey|token|secret|signature|password|[-_]auth|^auth|^x-hub-|^webhook-signature$|^svix-signature$/i
const TIMESTAMP = /timestamp|(^|-)date$|(^|-)time$/i
const CREDENTIAL_PARAM =
  /^(access_token|token|api_?key|apikey|key|auth|secret|password|signature|sig|jwt|code)$/i
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0\u202F\u2007\u00AD]/g

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s)
const quote = (s: string) => JSON.stringify(clip(s))

/** The parts of a credential value: scheme word, padding, invisible characters, quotes, core. */
interface Shape {
  scheme: string | null
  lead: string
  trail: string
  invisible: number
  quoted: boolean
  percent: boolean
  core: string
}

function shape(name: string, value: string): Shape {
  let v = value
  const lead = /^\s*/.exec(v)![0]
  const trail = /\s*$/.exec(v)![0]
  v = v.trim()
  let scheme: string | null = null
  if (/^(proxy-)?authorization$/i.test(name)) {
    const m = /^([A-Za-z][\w.~+-]*)(?:[ \t]+|:[ \t]*)([\s\S]*)$/.exec(v)
    if (m && /^(bearer|basic|token|digest|apikey|api-key|jwt|hmac|key)$/i.test(m[1]!)) {
      scheme = m[1]!
      v = m[2]!
      const again = /^(bearer|basic)[ \t]+/i.exec(v)
      if (again) {
        scheme = `${scheme} ${again[1]}`
        v = v.slice(again[0].length)
      }
    } else {
      const glued = /^(bearer|basic)(?=\S)/i.exec(v)
      if (glued) {
        scheme = `${glued[1]}(no space)`
        v = v.slice(glued[0].length)
      }
    }
  }
  const invisible = (v.match(INVISIBLE) ?? []).length
  v = v.replace(INVISIBLE, '')
  const quoted = /^(["']).+\1$/s.test(v)
  if (quoted) v = v.slice(1, -1)
  let percent = false
  if (/%[0-9A-Fa-f]{2}/.test(v)) {
    try {
      v = decodeURIComponent(v)
      percent = true
    } catch {}
  }
  return { scheme, lead, trail, invisible, quoted, percent, core: v }
}

function describe(s: Shape): string {
  return `${s.scheme ? `${s.scheme} ` : ''}‹${fingerprint(s.core)}›`
}

function encodingOf(v: string): string {
  if (/^[0-9a-f]+$/.test(v) && v.length % 2 === 0) return 'hex'
  if (/^[0-9A-F]+$/.test(v) && v.length % 2 === 0) return 'upper-case hex'
  if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(v)) return 'JWT'
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && /[+/=]/.test(v)) return 'base64'
  if (/^[A-Za-z0-9_-]+$/.test(v) && /[_-]/.test(v)) return 'base64url'
  return 'text'
}

function whitespaceWords(s: string): string {
  if (s === '') return 'none'
  return s.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/ /g, '␠')
}

function credentialDiffs(field: string, good: string, bad: string): Difference[] {
  const g = shape(field, good)
  const b = shape(field, bad)
  const out: Difference[] = []
  const d = (kind: DifferenceKind, gv: string | null, bv: string | null, note: string) =>
    out.push({ kind, field, good: gv, bad: bv, note, auth: true })
  if ((g.scheme ?? '').toLowerCase() !== (b.scheme ?? '').toLowerCase()) {
    d(
      'prefix',
      g.scheme ?? '(none)',
      b.scheme ?? '(none)',
      b.scheme === null
        ? `the bad request has no "${g.scheme}" prefix`
        : g.scheme === null
          ? `the bad request adds a "${b.scheme}" prefix`
          : `the scheme prefix differs: "${g.scheme}" vs "${b.scheme}"`,
    )
  }
  if (g.lead !== b.lead || g.trail !== b.trail) {
    d(
      'whitespace',
      `before ${whitespaceWords(g.lead)}, after ${whitespaceWords(g.trail)}`,
      `before ${whitespaceWords(b.lead)}, after ${whitespaceWords(b.trail)}`,
      'whitespace around the credential differs (a newline from an env var or a file is the usual culprit)',
    )
  }
  if (g.invisible !== b.invisible)
    d(
      'invisible',
      `${g.invisible} invisible characters`,
      `${b.invisible} invisible characters`,
      'invisible characters (zero-width space, NBSP, BOM) differ: the value was pasted from a rich-text source',
    )
  if (g.quoted !== b.quoted)
    d(
      'quotes',
      g.quoted ? 'quoted' : 'not quoted',
      b.quoted ? 'quoted' : 'not quoted',
      'one value is wrapped in quotes, which are sent as part of it',
    )
  if (g.percent !== b.percent)
    d(
      'encoding',
      g.percent ? 'percent-encoded' : 'as is',
      b.percent ? 'percent-encoded' : 'as is',
      'one value is URL-encoded; headers are taken literally',
    )
  if (g.core !== b.core) {
    const gl = [...g.core].length
    const bl = [...b.core].length
    const ge = encodingOf(g.core)
    const be = encodingOf(b.core)
    if (ge !== be)
      d(
        'encoding',
        ge,
        be,
        `the credential is written as ${ge} in the good request and ${be} in the bad one`,
      )
    if (gl !== bl) {
      const note =
        bl < gl && g.core.startsWith(b.core)
          ? `the bad credential is the first ${bl} of ${gl} characters of the good one: cut short`
          : bl > gl && b.core.startsWith(g.core)
            ? 'the bad credential is the good one with characters appended'
            : `the credentials differ in length (${gl} vs ${bl})`
      d('length', fingerprint(g.core), fingerprint(b.core), note)
    } else if (ge === be) {
      d(
        'value',
        fingerprint(g.core),
        fingerprint(b.core),
        'the credentials differ (same length and encoding): another secret, token or signature',
      )
    }
  } else if (out.length > 0) {
    out.push({
      kind: 'value',
      field,
      good: describe(g),
      bad: describe(b),
      note: `the credential itself is the same (${fingerprint(g.core)}); only its construction differs`,
      auth: true,
    })
  }
  return out
}

function timestampDiff(field: string, good: string, bad: string): Difference {
  const gn = Number(good.trim())
  const bn = Number(bad.trim())
  let note = 'the timestamps differ'
  if (Number.isFinite(gn) && Number.isFinite(bn)) {
    const gs = gn > 1e11 ? gn / 1000 : gn
    const bs = bn > 1e11 ? bn / 1000 : bn
    if (gn > 1e11 !== bn > 1e11)
      note = `one timestamp is in milliseconds (${gn > 1e11 ? 'good' : 'bad'}), the other in seconds`
    else
      note = `the bad timestamp is ${durationWords(bs - gs)} ${bs < gs ? 'earlier' : 'later'} than the good one`
  } else if (Number.isFinite(gn) !== Number.isFinite(bn))
    note = 'one timestamp is a number, the other is not (a formatted date?)'
  return { kind: 'timestamp', field, good: clip(good), bad: clip(bad), note, auth: true }
}

const CREDENTIAL_FIELD = /pass|secret|token|key|sig|auth|credential|code|hmac/i

/** The JSON string member or form field whose value holds `offset`, when its name is a credential's. */
function credentialFieldAt(text: string, offset: number): { name: string; value: string } | null {
  const fields = [
    /"((?:[^"\\]|\\.){1,64})"\s*:\s*"((?:[^"\\]|\\.)*)"?/g,
    /(?:^|&)([^=&\s]{1,64})=([^&]*)/g,
  ]
  for (const re of fields) {
    for (const m of text.matchAll(re)) {
      const start = m.index + m[0].length - m[2]!.length - (m[0].endsWith('"') ? 1 : 0)
      if (offset < start - 1 || offset > start + m[2]!.length) continue
      if (CREDENTIAL_FIELD.test(m[1]!)) return { name: m[1]!, value: m[2]! }
    }
  }
  return null
}

function bodyDiff(good: Uint8Array, bad: Uint8Array): Difference | null {
  const g = Buffer.from(good.buffer, good.byteOffset, good.byteLength)
  const b = Buffer.from(bad.buffer, bad.byteOffset, bad.byteLength)
  if (g.equals(b)) return null
  let i = 0
  while (i < g.length && i < b.length && g[i] === b[i]) i++
  const notes: string[] = []
  const gt = g.toString('utf8')
  const bt = b.toString('utf8')
  try {
    if (JSON.stringify(JSON.parse(gt)) === JSON.stringify(JSON.parse(bt)))
      notes.push(
        'the same JSON serialized differently (whitespace, escaping): a signature over one does not verify the other',
      )
    else if (sortedJson(gt) === sortedJson(bt))
      notes.push('the same JSON with keys in another order')
  } catch {}
  if (gt.replace(/\r\n/g, '\n') === bt.replace(/\r\n/g, '\n'))
    notes.push('only the line ends differ (CRLF vs LF)')
  if (gt.replace(/\n$/, '') === bt.replace(/\n$/, ''))
    notes.push(`only a final newline differs (${gt.endsWith('\n') ? 'good' : 'bad'} has it)`)
  // Inside a credential field of the body (Figma's passcode, a password=): its values, fingerprinted.
  const field = credentialFieldAt(gt, g.subarray(0, i).toString('utf8').length)
  const fieldBad = field ? credentialFieldAt(bt, b.subarray(0, i).toString('utf8').length) : null
  if (notes.length === 0 && field)
    notes.push(
      `the bytes first differ at offset ${i}, in the body's ${field.name} field: good ${fingerprint(field.value)}, bad ${fieldBad ? fingerprint(fieldBad.value) : 'not that field'}`,
    )
  else if (notes.length === 0)
    notes.push(
      `the bytes first differ at offset ${i}: good ${quote(g.subarray(i, i + 24).toString('utf8'))}, bad ${quote(b.subarray(i, i + 24).toString('utf8'))}`,
    )
  return {
    kind: 'body',
    field: 'body',
    good: `${g.length} bytes`,
    bad: `${b.length} bytes`,
    note: notes.join('; '),
    auth: true,
  }
}

function sortedJson(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v
  return JSON.stringify(sort(JSON.parse(text)))
}

function groupHeaders(req: HttpRequest): Map<string, { names: string[]; values: string[] }> {
  const m = new Map<string, { names: string[]; values: string[] }>()
  for (const [n, v] of req.headers) {
    const k = n.toLowerCase()
    const e = m.get(k) ?? { names: [], values: [] }
    e.names.push(n)
    e.values.push(v)
    m.set(k, e)
  }
  return m
}

const isCred = (name: string) =>
  CREDENTIAL.test(name) && !/^(webhook|svix)-(id|timestamp)$/i.test(name)
const shown = (name: string, v: string) => (isCred(name) ? describe(shape(name, v)) : quote(v))

/** Headers the client adds itself: a capture that does not list them still sent them. */
const CLIENT_ADDED = /^(?:host|content-length)$/i
export function diffRequests(good: HttpRequest, bad: HttpRequest): RequestDiff {
  const out: Difference[] = []
  if (good.method !== bad.method)
    out.push({
      kind: 'method',
      field: 'method',
      good: good.method,
      bad: bad.method,
      note: 'the methods differ',
      auth: false,
    })
  if (requestPath(good) !== requestPath(bad))
    out.push({
      kind: 'path',
      field: 'path',
      good: requestPath(good),
      bad: requestPath(bad),
      note: 'the paths differ: another endpoint may answer (or a trailing slash triggers a redirect that drops Authorization)',
      auth: false,
    })

  const gq = new URLSearchParams(requestQuery(good))
  const bq = new URLSearchParams(requestQuery(bad))
  for (const name of new Set([...gq.keys(), ...bq.keys()])) {
    const gv = gq.get(name)
    const bv = bq.get(name)
    if (gv === bv) continue
    const cred = CREDENTIAL_PARAM.test(name)
    const show = (v: string | null) => (v === null ? null : cred ? fingerprint(v) : quote(v))
    out.push({
      kind: 'query',
      field: `?${name}`,
      good: show(gv),
      bad: show(bv),
      note:
        gv === null
          ? 'only the bad request has this parameter'
          : bv === null
            ? 'only the good request has this parameter'
            : 'the parameter values differ',
      auth: cred,
    })
  }

  const gh = groupHeaders(good)
  const bh = groupHeaders(bad)
  const matched = new Set<string>()
  for (const [key, g] of gh) {
    const b = bh.get(key)
    const name = g.names[0]!
    if (!b) {
      const near = [...bh.keys()].find((k) => !gh.has(k) && sameHeaderName(k, key))
      if (near) {
        matched.add(near)
        const sent = bh.get(near)!.names[0]!
        const underscore = sent.includes('_') && !name.includes('_')
        out.push({
          kind: 'header_name',
          field: name,
          good: name,
          bad: sent,
          note: `the header is named ${sent} in the bad request${underscore ? ': nginx (unless underscores_in_headers on) and Apache drop names with "_"' : ''}`,
          auth: isCred(name) || isCred(sent),
        })
        const bv = bh.get(near)!.values[0]!
        if (isCred(name))
          out.push(
            ...credentialDiffs(name, g.values[0]!, bv).filter(
              (d) => d.kind !== 'value' || d.note.startsWith('the credentials differ'),
            ),
          )
        continue
      }
      // Host and Content-Length are added by the client: a curl line or a JSON capture that
      // does not list them sent them all the same.
      if (CLIENT_ADDED.test(name)) continue
      out.push({
        kind: 'header_missing',
        field: name,
        good: shown(name, g.values[0]!),
        bad: null,
        note: `the bad request has no ${name} header`,
        auth: isCred(name) || TIMESTAMP.test(name),
      })
      continue
    }
    matched.add(key)
    if (g.values.length !== b.values.length) {
      out.push({
        kind: 'header_count',
        field: name,
        good: String(g.values.length),
        bad: String(b.values.length),
        note: `${name} is sent ${b.values.length} times in the bad request, ${g.values.length} in the good one`,
        auth: isCred(name),
      })
    }
    const gv = g.values[0]!
    const bv = b.values[0]!
    if (gv === bv) continue
    if (isCred(name)) out.push(...credentialDiffs(name, gv, bv))
    else if (TIMESTAMP.test(name)) out.push(timestampDiff(name, gv, bv))
    else
      out.push({
        kind: 'value',
        field: name,
        good: quote(gv),
        bad: quote(bv),
        note: `${name} differs`,
        auth: /^content-type$/i.test(name),
      })
  }
  for (const [key, b] of bh) {
    if (gh.has(key) || matched.has(key)) continue
    const name = b.names[0]!
    if (CLIENT_ADDED.test(name)) continue
    out.push({
      kind: 'header_added',
      field: name,
      good: null,
      bad: shown(name, b.values[0]!),
      note: `only the bad request has ${name}`,
      auth: isCred(name),
    })
  }
  const body = bodyDiff(good.body, bad.body)
  if (body) out.push(body)
  // Authentication first; inside each group keep the order found (headers before the body).
  const sorted = [...out.filter((d) => d.auth), ...out.filter((d) => !d.auth)]
  return { same: sorted.length === 0, differences: sorted }
}
