/**
 * diffRequests(good, bad): what differs between a request that works and one that does not,
 * the authentication-relevant differences first — header names (and the `_` that nginx drops),
 * scheme prefixes, whitespace and invisible characters, lengths, encodings, timestamps, the
 * body bytes. Credentials are compared by structure and fingerprint, never printed; a body
 * excerpt fingerprints every secret span it touches (diff-secrets.ts). Signature headers are
 * read part by part (diff-signature.ts), and causes are listed before the signature difference
 * they cause. Each difference carries the contract §4 reason code it amounts to, when one does.
 * @module
 */
import { requestPath, requestQuery } from '../message/headers.js'
import { trimEndOf } from '../message/text.js'
import type { HttpRequest } from '../message/types.js'
import { FINGERPRINT_SHAPE, fingerprint } from '../redact/fingerprint.js'
import { credentialValues, scrubText } from '../redact/scrub.js'
import type { ReasonCode } from '../verdict/reasons.js'
import {
  fieldSpans,
  maskedExcerpt,
  maskSecretLooking,
  presetCredentialHeaders,
  presetTimestampHeaders,
  secretSpans,
  spanAt,
} from './diff-secrets.js'
import { SIGNATURE_HEADER, signatureEncoding, signatureParts } from './diff-signature.js'
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
  /** The contract §4 reason code this difference amounts to, or null when none does. */
  code: ReasonCode | null
}

export interface RequestDiff {
  same: boolean
  differences: Difference[]
}

const CREDENTIAL =
  /^(authorization|proxy-authorization|cookie)$|api[-_]?key|apikey|token|secret|signature|password|hmac|(^|[-_])sig($|[-_])|[-_]auth|^auth|^x-hub-|^webhook-signature$|^svix-signature$/i
const TIMESTAMP = /timestamp|(^|-)date$|(^|-)time$/i
const CREDENTIAL_PARAM =
  /^(access_token|token|api_?key|apikey|key|auth|secret|password|signature|sig|jwt|code)$/i
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0\u202F\u2007\u00AD]/g

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s)
const quote = (s: string) => JSON.stringify(clip(s))
/** A value of a header or parameter not known to carry a credential: quoted, but any token that looks generated fingerprinted. */
const quoteOther = (name: string, s: string) => quote(maskSecretLooking(name, s))

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
  // Only ASCII whitespace here: NBSP and its kin are counted with the invisible characters.
  const lead = /^[ \t\r\n]*/.exec(v)![0]
  // trimEndOf, not /[ \t\r\n]*$/: that retries an inner run of spaces from each space in it.
  const trail = v.slice(trimEndOf(v, ' \t\r\n').length)
  v = v.slice(lead.length, v.length - trail.length)
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

function prefixCode(good: string | null, bad: string | null): ReasonCode {
  if (bad === null || bad.endsWith('(no space)')) return 'scheme_prefix_missing'
  if (good !== null && bad.includes(' ')) return 'scheme_prefix_malformed'
  return 'scheme_mismatch'
}

/** Adds a difference of `field` that bears on authentication to `out`. */
const authDifference =
  (out: Difference[], field: string) =>
  (
    kind: DifferenceKind,
    good: string | null,
    bad: string | null,
    note: string,
    code: ReasonCode | null,
  ) =>
    out.push({ kind, field, good, bad, note, auth: true, code })

/** How each credential is built around its core: scheme word, whitespace, invisible characters, quotes, %-encoding. */
function constructionDiffs(field: string, g: Shape, b: Shape): Difference[] {
  const out: Difference[] = []
  const d = authDifference(out, field)
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
      prefixCode(g.scheme, b.scheme),
    )
  }
  if (g.lead !== b.lead || g.trail !== b.trail) {
    d(
      'whitespace',
      `before ${whitespaceWords(g.lead)}, after ${whitespaceWords(g.trail)}`,
      `before ${whitespaceWords(b.lead)}, after ${whitespaceWords(b.trail)}`,
      'whitespace around the credential differs (a newline from an env var or a file is the usual culprit)',
      'credential_whitespace',
    )
  }
  if (g.invisible !== b.invisible)
    d(
      'invisible',
      `${g.invisible} invisible characters`,
      `${b.invisible} invisible characters`,
      'invisible characters (zero-width space, NBSP, BOM) differ: the value was pasted from a rich-text source',
      'credential_invisible_chars',
    )
  if (g.quoted !== b.quoted)
    d(
      'quotes',
      g.quoted ? 'quoted' : 'not quoted',
      b.quoted ? 'quoted' : 'not quoted',
      'one value is wrapped in quotes, which are sent as part of it',
      'credential_quoted',
    )
  if (g.percent !== b.percent)
    d(
      'encoding',
      g.percent ? 'percent-encoded' : 'as is',
      b.percent ? 'percent-encoded' : 'as is',
      'one value is URL-encoded; headers are taken literally',
      'credential_url_encoded',
    )
  return out
}

/**
 * Two different credential cores, by structure: encoding, length, or value. A signature's
 * encoding is named (and its length difference, a consequence of it, left out); the values
 * themselves are only ever fingerprinted.
 */
function coreDiffs(field: string, good: string, bad: string, signature: boolean): Difference[] {
  const out: Difference[] = []
  const d = authDifference(out, field)
  // Two recorded attempts (Compare) hold fingerprints, not values: their lengths and digests
  // are all that can be told apart.
  const gf = FINGERPRINT_SHAPE.exec(good)
  const bf = FINGERPRINT_SHAPE.exec(bad)
  if (gf && bf) {
    const what = signature ? 'signatures' : 'credentials'
    if (gf[1] !== bf[1])
      d('length', good, bad, `the ${what} differ in length (${gf[1]} vs ${bf[1]})`, null)
    else d('value', good, bad, `the ${what} differ (same length): another value`, null)
    return out
  }
  const gl = [...good].length
  const bl = [...bad].length
  if (signature) {
    const ge = signatureEncoding(good)
    const be = signatureEncoding(bad)
    if (ge.name !== be.name) {
      const same = ge.bytes !== null && be.bytes !== null && ge.bytes.equals(be.bytes)
      const size = (e: typeof ge) => (e.bytes ? ` (${e.bytes.length} bytes)` : '')
      d(
        'encoding',
        ge.name,
        be.name,
        same
          ? `the same signature, written as ${ge.name} in the good request and ${be.name} in the bad one`
          : `the signature is written as ${ge.name}${size(ge)} in the good request and ${be.name}${size(be)} in the bad one`,
        'signature_wrong_encoding',
      )
      return out
    }
  } else {
    const ge = encodingOf(good)
    const be = encodingOf(bad)
    if (ge !== be)
      d(
        'encoding',
        ge,
        be,
        `the credential is written as ${ge} in the good request and ${be} in the bad one`,
        null,
      )
    else if (gl === bl)
      d(
        'value',
        fingerprint(good),
        fingerprint(bad),
        'the credentials differ (same length and encoding): another secret, token or signature',
        null,
      )
  }
  if (gl !== bl) {
    const cut = bl < gl && good.startsWith(bad)
    const note = cut
      ? `the bad credential is the first ${bl} of ${gl} characters of the good one: cut short`
      : bl > gl && bad.startsWith(good)
        ? 'the bad credential is the good one with characters appended'
        : `the credentials differ in length (${gl} vs ${bl})`
    d(
      'length',
      fingerprint(good),
      fingerprint(bad),
      note,
      cut ? 'credential_truncated' : signature ? 'signature_mismatch' : null,
    )
  } else if (signature)
    d(
      'value',
      fingerprint(good),
      fingerprint(bad),
      'the signatures differ (same length and encoding): another secret, or another signed payload',
      'signature_mismatch',
    )
  return out
}

function credentialDiffs(field: string, good: string, bad: string): Difference[] {
  const g = shape(field, good)
  const b = shape(field, bad)
  const out = constructionDiffs(field, g, b)
  if (g.core !== b.core) out.push(...coreDiffs(field, g.core, b.core, false))
  else if (out.length > 0) out.push(sameCore(field, g, b))
  return out
}

function sameCore(field: string, g: Shape, b: Shape): Difference {
  return {
    kind: 'value',
    field,
    good: describe(g),
    bad: describe(b),
    note: `the credential itself is the same (${fingerprint(g.core)}); only its construction differs`,
    auth: true,
    code: null,
  }
}

/**
 * A signature header, part by part: its label (`sha256=`, `v1,`), the timestamp it carries
 * (Stripe's `t=`, named on its own: it is not secret), then the signatures themselves.
 */
function signatureDiffs(field: string, good: string, bad: string): Difference[] {
  const g = shape(field, good)
  const b = shape(field, bad)
  const out = constructionDiffs(field, g, b)
  const gp = signatureParts(field, g.core)
  const bp = signatureParts(field, b.core)
  if (!gp || !bp) {
    if (g.core !== b.core) out.push(...coreDiffs(field, g.core, b.core, true))
    return out
  }
  if (gp.label !== bp.label)
    out.push({
      kind: 'prefix',
      field,
      good: clip(gp.label) || '(none)',
      bad: clip(bp.label) || '(none)',
      note: `the signature is labelled "${clip(gp.label)}" in the good request and "${clip(bp.label)}" in the bad one`,
      auth: true,
      code: 'signature_header_malformed',
    })
  const gt = gp.timestamp
  const bt = bp.timestamp
  if (gt?.value !== bt?.value) {
    const key = (gt ?? bt)!.key
    if (gt && bt) out.push(timestampDiff(`${field} ${key}=`, gt.value, bt.value))
    else
      out.push({
        kind: 'timestamp',
        field: `${field} ${key}=`,
        good: gt ? clip(gt.value) : null,
        bad: bt ? clip(bt.value) : null,
        note: `only the ${gt ? 'good' : 'bad'} ${field} carries a ${key}= timestamp`,
        auth: true,
        code: gt ? 'timestamp_missing' : null,
      })
  }
  const gs = gp.signatures.join(' ')
  const bs = bp.signatures.join(' ')
  if (gs !== bs) out.push(...coreDiffs(field, gs, bs, true))
  else if (out.length > 0)
    out.push({
      ...sameCore(field, g, b),
      note: `the signature itself is the same (${fingerprint(gs)}); only the header around it differs`,
    })
  return out
}

function timestampDiff(field: string, good: string, bad: string): Difference {
  const gn = Number(good.trim())
  const bn = Number(bad.trim())
  let note = 'the timestamps differ'
  let code: ReasonCode | null = null
  if (Number.isFinite(gn) && Number.isFinite(bn)) {
    const gs = gn > 1e11 ? gn / 1000 : gn
    const bs = bn > 1e11 ? bn / 1000 : bn
    if (gn > 1e11 !== bn > 1e11) {
      note = `one timestamp is in milliseconds (${gn > 1e11 ? 'good' : 'bad'}), the other in seconds`
      code = 'timestamp_milliseconds'
    } else
      note = `the bad timestamp is ${durationWords(bs - gs)} ${bs < gs ? 'earlier' : 'later'} than the good one`
  } else if (Number.isFinite(gn) !== Number.isFinite(bn)) {
    note = 'one timestamp is a number, the other is not (a formatted date?)'
    code = 'timestamp_malformed'
  }
  return { kind: 'timestamp', field, good: clip(good), bad: clip(bad), note, auth: true, code }
}

/** How many characters of a body an excerpt shows from the first differing one. */
const EXCERPT = 24

/**
 * Where two bodies first differ. An excerpt never shows a secret: the secret spans of each
 * body (fields under secret names, preset body credentials, and wherever the other body's or
 * the headers' secrets recur) are found first, and any the excerpt touches is fingerprinted;
 * a difference inside one is told by field name and fingerprints alone.
 */
function bodyDiff(good: Uint8Array, bad: Uint8Array, known: readonly string[]): Difference | null {
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
  const reserialized = notes.length > 0
  if (!reserialized) {
    // Each body's secrets are secrets in the other too: the difference may rename their field.
    const values = (t: string) => fieldSpans(t).map((s) => t.slice(s.start, s.end))
    const at = g.subarray(0, i).toString('utf8').length
    // One character either side: spanAt counts the quote before a value and the byte after.
    const window = { start: at - 1, end: at + EXCERPT + 1 }
    const gs = secretSpans(gt, [...known, ...values(bt)], window)
    const bs = secretSpans(bt, [...known, ...values(gt)], window)
    const fg = spanAt(gs, at)
    const fb = spanAt(bs, at)
    const value = (t: string, s: typeof fg) =>
      s ? fingerprint(t.slice(s.start, s.end)) : '(not that field)'
    // The field's name as the scanner read it, with any piece of a secret in it fingerprinted:
    // in a body the difference made unparseable, a name may run into a value.
    const name = (s: { name: string }) =>
      scrubText(s.name, [...known, ...values(gt), ...values(bt)])
    if (fg || fb)
      notes.push(
        `the bytes first differ at offset ${i}, in the body's ${clip(name((fg ?? fb)!))} field: good ${value(gt, fg)}, bad ${value(bt, fb)}`,
      )
    else
      notes.push(
        `the bytes first differ at offset ${i}: good ${quote(maskedExcerpt(gt, at, at + EXCERPT, gs))}, bad ${quote(maskedExcerpt(bt, at, at + EXCERPT, bs))}`,
      )
  }
  return {
    kind: 'body',
    field: 'body',
    good: `${g.length} bytes`,
    bad: `${b.length} bytes`,
    note: notes.join('; '),
    auth: true,
    code: reserialized ? 'signature_body_modified' : null,
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

// Read at each call, not once: registerProvider may add presets at run time.
const isTimestamp = (name: string) =>
  TIMESTAMP.test(name) || presetTimestampHeaders().has(name.toLowerCase())
const isCred = (name: string) =>
  (CREDENTIAL.test(name) || presetCredentialHeaders().has(name.toLowerCase())) &&
  !/^(webhook|svix)-id$/i.test(name) &&
  !isTimestamp(name)
const isSignature = (name: string) =>
  isCred(name) &&
  (SIGNATURE_HEADER.test(name) || /^webhook-signature$/i.test(name)) &&
  !/^(proxy-)?authorization$|^cookie$/i.test(name)
const shown = (name: string, v: string) =>
  isCred(name) ? describe(shape(name, v)) : quoteOther(name, v)
const headerDiffs = (name: string, good: string, bad: string) =>
  isSignature(name) ? signatureDiffs(name, good, bad) : credentialDiffs(name, good, bad)

/**
 * Where a difference goes among the authentication ones: how the request is built and its
 * timestamps first (causes in themselves), then another token or key, then the body, and last
 * a signature that differs, since a signature covers the timestamp and the body and so differs
 * whenever they do.
 */
function rank(d: Difference): number {
  if (!d.auth) return 4
  if (d.kind === 'body') return 2
  if ((d.kind === 'value' || d.kind === 'length') && isSignature(d.field)) return 3
  if (d.kind === 'value' || d.kind === 'length' || d.kind === 'query') return 1
  return 0
}

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
      code: null,
    })
  if (requestPath(good) !== requestPath(bad))
    out.push({
      kind: 'path',
      field: 'path',
      good: requestPath(good),
      bad: requestPath(bad),
      note: 'the paths differ: another endpoint may answer (or a trailing slash triggers a redirect that drops Authorization)',
      auth: false,
      code: null,
    })

  const gq = new URLSearchParams(requestQuery(good))
  const bq = new URLSearchParams(requestQuery(bad))
  for (const name of new Set([...gq.keys(), ...bq.keys()])) {
    const gv = gq.get(name)
    const bv = bq.get(name)
    if (gv === bv) continue
    const cred = CREDENTIAL_PARAM.test(name)
    const show = (v: string | null) =>
      v === null ? null : cred ? fingerprint(v) : quoteOther(name, v)
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
      code: null,
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
        const auth = isCred(name) || isCred(sent)
        out.push({
          kind: 'header_name',
          field: name,
          good: name,
          bad: sent,
          note: `the header is named ${sent} in the bad request${underscore ? ': nginx (unless underscores_in_headers on) and Apache drop names with "_"' : ''}`,
          auth,
          code: auth ? 'header_name_wrong' : null,
        })
        const bv = bh.get(near)!.values[0]!
        if (isCred(name))
          out.push(
            ...headerDiffs(name, g.values[0]!, bv).filter(
              (d) => d.kind !== 'value' || !d.note.includes('itself is the same'),
            ),
          )
        continue
      }
      // Host and Content-Length are added by the client: a curl line or a JSON capture that
      // does not list them sent them all the same.
      if (CLIENT_ADDED.test(name)) continue
      const code: ReasonCode | null = isSignature(name)
        ? 'signature_missing'
        : isCred(name)
          ? 'credentials_missing'
          : isTimestamp(name)
            ? 'timestamp_missing'
            : null
      out.push({
        kind: 'header_missing',
        field: name,
        good: shown(name, g.values[0]!),
        bad: null,
        note: `the bad request has no ${name} header`,
        auth: isCred(name) || isTimestamp(name),
        code,
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
        code: isCred(name) && b.values.length > g.values.length ? 'duplicate_auth_header' : null,
      })
    }
    const gv = g.values[0]!
    const bv = b.values[0]!
    if (gv === bv) continue
    if (isCred(name)) out.push(...headerDiffs(name, gv, bv))
    else if (isTimestamp(name)) out.push(timestampDiff(name, gv, bv))
    else
      out.push({
        kind: 'value',
        field: name,
        good: quoteOther(name, gv),
        bad: quoteOther(name, bv),
        note: `${name} differs`,
        auth: /^content-type$/i.test(name),
        code: null,
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
      code: null,
    })
  }
  const known = [...new Set([...credentialValues(good), ...credentialValues(bad)])]
  const body = bodyDiff(good.body, bad.body, known)
  // Re-serializing the body only matters where a signature covers it.
  const hasSignature = [...good.headers, ...bad.headers].some(([n]) => isSignature(n))
  if (body && !hasSignature) body.code = null
  if (body) out.push(body)
  // A signature differs whenever what it signs does: say so where the cause is listed above it.
  const signed = out.filter((d) => d.kind === 'timestamp' || d.kind === 'body').map((d) => d.field)
  if (signed.length > 0)
    for (const d of out)
      if (rank(d) === 3)
        d.note += `; expected, since the signed ${signed.join(' and ')} differ${signed.length === 1 ? 's' : ''} (listed first)`
  // Causes before consequences (see rank); inside each rank keep the order found.
  const sorted = out
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map((x) => x.d)
  return { same: sorted.length === 0, differences: sorted }
}
