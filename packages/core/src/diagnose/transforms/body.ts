/**
 * The body the sender may have signed, given the body that arrived: the same JSON minified,
 * pretty-printed (2 or 4 spaces, tabs), with keys sorted, unicode or `/` escaped or not, a
 * trailing newline added or removed, CRLF for LF, form fields turned into JSON or re-ordered
 * (JSON sent URL-encoded or as form fields: form-body.ts), UTF-8 read as latin-1. Each variant is bytes; the HMAC is computed over them directly.
 * Variants are produced lazily, the likeliest first, so a search that finds the minified body
 * never builds the others. Each costs O(n) (a pretty-printed form too large for the body is
 * not built: json-shape.ts), and none is built once the search's budget is spent, so that a
 * refused request cannot hold the event loop past its budget by more than one variant.
 * @module
 */
import { utf8SequenceAt } from '../../message/text.js'
import { type FormContext, formBodyVariants, isFormBody } from './form-body.js'
import { jsonShape, MAX_JSON_DEPTH, MAX_SORTED_MEMBERS, prettyWorthBuilding } from './json-shape.js'
import { type Budget, type Step, type StepKind, step } from './types.js'

export interface BodyVariant {
  bytes: Uint8Array
  step: Step
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true })

const HEX = '0123456789abcdef'

/**
 * JSON with every non-ASCII character as \uXXXX (PHP's and Python's default). One pass into a
 * buffer sized first: a regex replace with a callback per character cost ~0.15 s per MB.
 */
function escapeUnicode(json: string): string {
  let wide = 0
  for (let i = 0; i < json.length; i++) if (json.charCodeAt(i) >= 0x7f) wide++
  if (wide === 0) return json
  const out = Buffer.allocUnsafe(json.length + 5 * wide)
  let o = 0
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (c < 0x7f) out[o++] = c
    else {
      out[o++] = 0x5c
      out[o++] = 0x75
      for (let shift = 12; shift >= 0; shift -= 4) out[o++] = HEX.charCodeAt((c >> shift) & 0xf)
    }
  }
  return out.toString('latin1')
}

/**
 * Minified JSON written with `, ` and `: ` between tokens, as Python's json.dumps writes it.
 * One pass over its UTF-8 bytes, strings skipped (a `,` or `:` inside a string stays as it is).
 */
function pythonSeparators(json: string): string {
  const src = Buffer.from(json, 'utf8')
  // At most one space per byte.
  const out = Buffer.allocUnsafe(src.length * 2)
  let o = 0
  let inString = false
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    out[o++] = c
    if (inString) {
      if (c === 0x5c) out[o++] = src[++i]!
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x2c || c === 0x3a) out[o++] = 0x20
  }
  return out.toString('utf8', 0, o)
}

function sortKeys(v: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) throw new RangeError('too deep')
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, depth + 1))
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort())
      out[k] = sortKeys((v as Record<string, unknown>)[k], depth + 1)
    return out
  }
  return v
}

/** A kept number literal as JSON.stringify writes its placeholder: `"\u0000<index>"`. */
const NUMBER_PLACEHOLDER = /"\\u0000(\d+)"/g
const NUMBER_LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * More number literals than this that JavaScript would write otherwise are not kept: each costs
 * a placeholder string and a replacement in every re-serialization, and 1 MB of `1.0,` made
 * each variant cost ~0.4 s. A body with that many is re-serialized with JavaScript's numbers.
 */
const MAX_KEPT_LITERALS = 10_000

/**
 * JSON.parse with every number literal kept as written: outside strings, each literal that
 * JavaScript would write otherwise (`1.0`, `1e3`, `-0`, an integer above 2^53) becomes a
 * placeholder string (NUL + its index) that re-serializes as `"\u0000<index>"`, for the caller
 * to put the literal back; one that it writes the same stays a number. JSON.parse alone rounds
 * integers above 2^53 (Shopify's and X's ids), so a re-serialization of such a body would never
 * match. Null when the text already holds `\u0000` (the placeholders would be ambiguous) or
 * holds more than MAX_KEPT_LITERALS such literals. Throws what JSON.parse throws.
 */
export function parseKeepingNumbers(text: string): { value: unknown; literals: string[] } | null {
  if (text.includes('\\u0000')) return null
  const literals: string[] = []
  let out = ''
  let last = 0
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      // A string: skip to its closing quote, escapes included.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 92) i++
        else if (d === 34) break
      }
      i++
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER_LITERAL.lastIndex = i
      const m = NUMBER_LITERAL.exec(text)
      if (!m) return null
      const literal = m[0]
      i += literal.length
      if (String(Number(literal)) === literal) continue
      if (literals.length === MAX_KEPT_LITERALS) return null
      out += `${text.slice(last, i - literal.length)}"\\u0000${literals.length}"`
      literals.push(literal)
      last = i
    } else i++
  }
  return { value: JSON.parse(out + text.slice(last)), literals }
}

/** Python's json.dumps default: `, ` and `: ` separators, ASCII only. */
function pythonStyle(v: unknown): string {
  return escapeUnicode(pythonSeparators(JSON.stringify(v)))
}

/** Each byte that is not part of a valid UTF-8 sequence, read as Latin-1 and written as UTF-8. */
export function latin1BytesAsUtf8(raw: Buffer): Buffer {
  // Each byte becomes at most 2.
  const out = Buffer.allocUnsafe(raw.length * 2)
  let o = 0
  for (let i = 0; i < raw.length; ) {
    const len = utf8SequenceAt(raw, i)
    if (len > 0) {
      raw.copy(out, o, i, i + len)
      o += len
      i += len
    } else {
      const b = raw[i++]!
      out[o++] = 0xc0 | (b >> 6)
      out[o++] = 0x80 | (b & 0x3f)
    }
  }
  return out.subarray(0, o)
}

/** Each CRLF written as LF. One pass over the bytes (a regex replace over a latin-1 string of
 * 1 MB of line ends cost ~0.1 s). */
function crlfAsLf(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length)
  let o = 0
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!
    if (b !== 0x0d || raw[i + 1] !== 0x0a) out[o++] = b
  }
  return out.subarray(0, o)
}

/** Each LF written as CRLF (for bytes that hold no CRLF). */
function lfAsCrlf(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length * 2)
  let o = 0
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!
    if (b === 0x0a) out[o++] = 0x0d
    out[o++] = b
  }
  return out.subarray(0, o)
}

function modified(what: string, detail: string, fix = '', kind: StepKind = 'json'): Step {
  const s = step(
    'signature_body_modified',
    `The signature was made over the body ${what}, not over the bytes that arrived: something between signing and verifying re-serialized it.`,
    {
      code:
        fix ||
        'Sign and send the same bytes: compute the signature over the exact raw body you send, after any JSON serialization, and verify over the raw request body (not a parsed and re-serialized object).',
      make: 'In the HTTP module, set Body type to Raw and compute the signature over exactly the text in Request content (sign the same string you send; do not let a JSON field re-format it).',
      zapier:
        'Send the body as raw text (Data Pass-Through off, a single raw Data field) and sign that exact text.',
      n8n: 'In the HTTP Request node, send the body as Raw/JSON text you build once, and sign that same string (not the object).',
      curl: 'Sign the file you send and pass it with --data-binary @file (not -d, which strips newlines).',
    },
    [detail],
  )
  s.kind = kind
  return s
}

/**
 * Lazily yields the body variants, likeliest first, each distinct from the received body.
 * With a budget, stops (before building the next variant) once the budget is spent.
 */
export function* bodyVariants(
  received: Uint8Array,
  context: FormContext = {},
  budget?: Budget,
): Generator<BodyVariant> {
  const late = () => budget?.overBudget() === true
  if (late()) return
  const seen: Uint8Array[] = [received]
  const fresh = (b: Uint8Array) => {
    for (const s of seen)
      if (s.length === b.length && Buffer.from(s.buffer, s.byteOffset, s.byteLength).equals(b))
        return false
    seen.push(b)
    return true
  }
  const enc = (s: string) => Buffer.from(s, 'utf8')
  let text: string | null = null
  try {
    text = utf8Fatal.decode(received)
  } catch {
    text = null
  }
  const raw = Buffer.from(received.buffer, received.byteOffset, received.byteLength)
  const n = received.length
  const endsLf = n > 0 && received[n - 1] === 0x0a

  let parsed: unknown
  let isJson = false
  // Number literals are kept as written (an id above 2^53 would be rounded by JSON.parse).
  let restore = (s: string) => s
  let literals: string[] = []
  // Nested past any sender's JSON library: not re-serialized (JSON.stringify would overflow).
  const shape = text !== null && /^\s*[[{]/.test(text) ? jsonShape(text) : null
  if (text !== null && shape !== null && shape.depth <= MAX_JSON_DEPTH) {
    try {
      const kept = parseKeepingNumbers(text)
      parsed = kept ? kept.value : JSON.parse(text)
      if (kept && kept.literals.length > 0) {
        literals = kept.literals
        restore = (s) => s.replace(NUMBER_PLACEHOLDER, (_, k: string) => literals[Number(k)]!)
      }
      isJson = true
    } catch {
      isJson = false
    }
  }
  const pretty = isJson && /\n\s/.test(text!)
  // Pretty-printing writes each line's indentation again: its output grows with size × depth.
  // A form many times the body's size was never what the sender signed and sent (json-shape.ts).
  const worthPretty = (width: number) => shape !== null && prettyWorthBuilding(shape, width, n)
  /** A JSON field's value as form text: a kept number literal as written. */
  const fieldText = (v: unknown): string =>
    typeof v === 'string' && v.charCodeAt(0) === 0 && literals.length > 0
      ? (literals[Number(v.slice(1))] ?? v)
      : String(v ?? '')

  // Serializing can throw for absurd depth (JSON.stringify overflows the stack): stop quietly.
  function* safe(make: () => [string, Step] | null): Generator<BodyVariant> {
    if (late()) return
    let r: [string, Step] | null = null
    try {
      r = make()
    } catch {
      return
    }
    if (!r) return
    const b = enc(restore(r[0]))
    if (fresh(b)) yield { bytes: b, step: r[1] }
  }

  // Trailing newline and line endings, byte-level. Named before a JSON re-serialization that
  // gives the same bytes (for a body that arrived minified, the byte-level story is the truer one).
  function* byteLevel(): Generator<BodyVariant> {
    if (late()) return
    if (endsLf) {
      const cut = received[n - 2] === 0x0d ? 2 : 1
      const b = received.subarray(0, n - cut)
      if (fresh(b))
        yield {
          bytes: b,
          step: modified(
            'without its final newline',
            'the body without the trailing newline verifies: a newline was added after signing (or an editor added it)',
            '',
            'bytes',
          ),
        }
    } else {
      const b = Buffer.concat([raw, Buffer.from('\n')])
      if (fresh(b))
        yield {
          bytes: b,
          step: modified(
            'with a final newline',
            'the body plus a trailing newline verifies: the newline was removed after signing (curl -d strips newlines; use --data-binary)',
            '',
            'bytes',
          ),
        }
      // SendGrid's event batches end with CRLF: a framework that trims or re-serializes drops it.
      if (late()) return
      const crlf = Buffer.concat([raw, Buffer.from('\r\n')])
      if (fresh(crlf))
        yield {
          bytes: crlf,
          step: modified(
            'with a final CRLF',
            'the body plus a trailing CRLF verifies: the line end was removed after signing (trimmed, or the body re-serialized)',
            '',
            'bytes',
          ),
        }
    }
    if (!late() && raw.includes(0x0a)) {
      const hasCr = raw.includes(Buffer.from('\r\n'))
      const b = hasCr ? crlfAsLf(raw) : lfAsCrlf(raw)
      if (fresh(b))
        yield {
          bytes: b,
          step: modified(
            hasCr ? 'with LF line ends' : 'with CRLF line ends',
            `the body with ${hasCr ? 'LF' : 'CRLF'} line ends verifies: line ends were converted in transit`,
            '',
            'bytes',
          ),
        }
    }
  }
  if (!pretty) yield* byteLevel()
  if (isJson) {
    const min = () => JSON.stringify(parsed)
    if (pretty)
      yield* safe(() => [
        min(),
        modified(
          'minified (no whitespace)',
          'the received body is pretty-printed JSON; its minified form verifies',
        ),
      ])
    for (const [indent, name] of [
      [2, '2 spaces'],
      [4, '4 spaces'],
      ['\t', 'tabs'],
    ] as const) {
      if (!worthPretty(indent === '\t' ? 1 : indent)) continue
      yield* safe(() => [
        JSON.stringify(parsed, null, indent),
        modified(`pretty-printed with ${name}`, `the same JSON indented with ${name} verifies`),
      ])
      yield* safe(() => [
        `${JSON.stringify(parsed, null, indent)}\n`,
        modified(
          `pretty-printed with ${name} and a trailing newline`,
          `the same JSON indented with ${name} plus a final newline verifies`,
        ),
      ])
    }
    if (!pretty)
      yield* safe(() => [
        min(),
        modified('minified (no whitespace)', 'the minified form of the JSON verifies'),
      ])
    yield* safe(() => [
      `${min()}\n`,
      modified(
        'minified with a trailing newline',
        'the minified JSON plus a final newline verifies',
      ),
    ])
    // Numbers as JavaScript writes them (1.0 → 1, 1e3 → 1000, ids above 2^53 rounded).
    yield* safe(() =>
      literals.length > 0
        ? [
            JSON.stringify(JSON.parse(text!)),
            modified(
              'minified, its numbers as JavaScript writes them',
              'the minified JSON with its numbers re-written by JSON.parse/JSON.stringify verifies',
            ),
          ]
        : null,
    )
  }
  if (pretty) yield* byteLevel()
  if (isJson) {
    // Sorting re-builds every object: past a webhook's size (json-shape.ts) it costs ~0.1 s/MB.
    if (shape!.members <= MAX_SORTED_MEMBERS)
      yield* safe(() => [
        JSON.stringify(sortKeys(parsed)),
        modified(
          'with its keys sorted',
          'the JSON with keys in sorted order verifies: a serializer re-ordered the keys',
        ),
      ])
    yield* safe(() =>
      worthPretty(2) && shape!.members <= MAX_SORTED_MEMBERS
        ? [
            JSON.stringify(sortKeys(parsed), null, 2),
            modified(
              'with its keys sorted and pretty-printed',
              'the JSON with sorted keys, indented, verifies',
            ),
          ]
        : null,
    )
    yield* safe(() => [
      escapeUnicode(JSON.stringify(parsed)),
      modified(
        'with non-ASCII characters escaped as \\uXXXX',
        'the minified JSON with \\u escapes verifies (PHP json_encode and Python json.dumps escape by default)',
      ),
    ])
    yield* safe(() => [
      escapeUnicode(text!),
      modified(
        'with non-ASCII characters escaped as \\uXXXX',
        'the body with \\u escapes verifies',
      ),
    ])
    yield* safe(() =>
      /\\u[0-9a-fA-F]{4}/.test(text!)
        ? [
            JSON.stringify(parsed),
            modified(
              'with \\uXXXX escapes written as characters',
              'the JSON with its \\u escapes unescaped verifies',
            ),
          ]
        : null,
    )
    yield* safe(() => [
      JSON.stringify(parsed).replace(/\//g, '\\/'),
      modified(
        'with "/" escaped as "\\/" (as PHP json_encode does)',
        'the minified JSON with escaped slashes verifies',
      ),
    ])
    yield* safe(() =>
      text!.includes('\\/')
        ? [
            text!.replace(/\\\//g, '/'),
            modified(
              'with "\\/" written as "/"',
              'the body with unescaped slashes verifies: the sender (PHP) escaped "/" and something unescaped it',
            ),
          ]
        : null,
    )
    yield* safe(() => [
      pythonStyle(parsed),
      modified(
        'in Python json.dumps style (", " and ": " separators)',
        'the JSON re-serialized the way Python json.dumps writes it verifies',
      ),
    ])
    // A form post turned into JSON by a forwarder: the sender signed the form encoding.
    yield* safe(() => {
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null
      const entries = Object.entries(parsed as Record<string, unknown>)
      if (!entries.every(([, v]) => v === null || typeof v !== 'object')) return null
      return [
        new URLSearchParams(
          entries.map(([k, v]): [string, string] => [k, fieldText(v)]),
        ).toString(),
        modified(
          'form-encoded (key=value&…), the JSON being a conversion of it',
          'the form encoding of the JSON fields verifies: a forwarder turned the form post into JSON',
          '',
          'form',
        ),
      ]
    })
  }
  // The JSON signed, sent URL-encoded or as form fields (curl --data-urlencode, Zapier's form).
  if (text !== null && !isJson) {
    for (const [s, st] of formBodyVariants(text, context)) {
      if (late()) return
      const b = enc(s)
      if (fresh(b)) yield { bytes: b, step: st }
    }
  }
  if (late()) return
  if (text !== null && !isJson && isFormBody(text)) {
    const params = new URLSearchParams(text.trim())
    yield* safe(() => {
      const sorted = new URLSearchParams(
        [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      )
      return [
        sorted.toString(),
        modified(
          'with its form fields in another order',
          'the form fields in sorted order verify: the fields were re-ordered',
          '',
          'form',
        ),
      ]
    })
    // Parsed and encoded again: spaces as "+" (HTML forms, Slack) or as "%20"
    // (encodeURIComponent, querystring.stringify), or not encoded at all.
    yield* safe(() => [
      params.toString(),
      modified(
        'form-encoded with "+" for spaces (the received body was decoded and re-encoded)',
        'the same fields encoded the way an HTML form encodes them verify: the form body was parsed and re-encoded on the way',
        '',
        'form',
      ),
    ])
    yield* safe(() => [
      [...params].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
      modified(
        'form-encoded with "%20" for spaces (the received body was decoded and re-encoded)',
        'the same fields encoded with encodeURIComponent verify: the form body was parsed and re-encoded on the way',
        '',
        'form',
      ),
    ])
    yield* safe(() => [
      [...params].map(([k, v]) => `${k}=${v}`).join('&'),
      modified(
        'with its form fields not percent-encoded',
        'the same fields written without percent-encoding verify: something decoded the form body',
        '',
        'form',
      ),
    ])
  }
  // Mojibake: UTF-8 read as latin-1 somewhere (or the reverse).
  if (late()) return
  if (text !== null && /[^\x00-\x7f]/.test(text)) {
    if (/^[\x00-\xff]*$/.test(text)) {
      const b = Buffer.from(text, 'latin1')
      if (fresh(b))
        yield {
          bytes: b,
          step: modified(
            'encoded as latin-1, not UTF-8',
            'the body re-encoded from UTF-8 to latin-1 verifies: one side used latin-1',
            '',
            'bytes',
          ),
        }
    }
    if (late()) return
    const b = latin1BytesAsUtf8(raw)
    if (fresh(b))
      yield {
        bytes: b,
        step: modified(
          'with its bytes read as latin-1 and written as UTF-8 (double-encoded)',
          'the double-encoded body verifies',
          '',
          'bytes',
        ),
      }
  } else if (text === null) {
    // Bytes that are no UTF-8 but read as Latin-1 text: a capture that wrote é as the one byte
    // \xe9 (Firefox's Copy as cURL does, in $'…'), where the sender signed UTF-8.
    const b = latin1BytesAsUtf8(raw)
    if (fresh(b))
      yield {
        bytes: b,
        step: modified(
          'with its non-ASCII characters in UTF-8',
          "the body's Latin-1 bytes written as UTF-8 verify: the capture holds a character such as é as one Latin-1 byte (Firefox's Copy as cURL writes it as \\xe9), while the sender signed UTF-8",
          "Capture the request another way (Chrome's Copy as cURL, a HAR, or the raw request): this capture changed the body's encoding, and the request as sent is most likely fine.",
          'bytes',
        ),
      }
  }
  if (late()) return
  if (n >= 3 && received[0] === 0xef && received[1] === 0xbb && received[2] === 0xbf) {
    const b = received.subarray(3)
    if (fresh(b))
      yield {
        bytes: b,
        step: modified(
          'without its byte-order mark',
          'the body without the leading BOM verifies',
          '',
          'bytes',
        ),
      }
  }
}

/** Why a failing signature may still be about the body (for evidence when nothing verified). */
export function bodyHints(received: Uint8Array, contentType: string | undefined): string[] {
  const hints: string[] = []
  const n = received.length
  if (n === 0) hints.push('the body is empty: a proxy or a framework may have consumed it')
  else if (received[n - 1] === 0x0a) hints.push('the body ends with a newline')
  if (contentType && /form-urlencoded/i.test(contentType) && received[0] === 0x7b)
    hints.push('Content-Type says form-urlencoded but the body is JSON')
  return hints
}
