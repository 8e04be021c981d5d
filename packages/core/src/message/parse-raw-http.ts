/**
 * Raw HTTP/1.1 text → HttpRequest / HttpResponse. `\r\n` or bare `\n` line ends; the body is
 * taken byte for byte from after the blank line, as its framing delimits it (framing.ts:
 * chunked framing removed, line ends an editor added after Content-Length cut).
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { fingerprint } from '../redact/fingerprint.js'
import { framedBody, markBodyNotCaptured, messageBody } from './framing.js'
import { binaryString, trimEndOf, utf8OrUndefined } from './text.js'
import type { EarlierResponse, Header, HttpRequest, HttpResponse } from './types.js'

// Spaces or tabs between the parts and at the end are tolerated: copied text keeps them.
const REQUEST_LINE =
  /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]+([^ \t\r\n]+)(?:[ \t]+(HTTP\/\d(?:\.\d)?))?[ \t]*$/
const STATUS_LINE = /^(HTTP\/\d(?:\.\d)?) (\d{3})(?: (.*))?$/

interface Head {
  startLine: string
  headers: Header[]
  body: Uint8Array
  /** Where the body starts in the bytes given. */
  bodyStart: number
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Chrome's DevTools copy of HTTP/2 request headers starts with pseudo-headers, not a request line. */
const PSEUDO_HEADER = /^:(?:authority|method|path|scheme|protocol): /

/** `lineBase`: lines before `bytes` in the file, for error positions. */
function splitHead(bytes: Uint8Array, file?: string, lineBase = 0): Head {
  // Find the end of the head: the first empty line (\r\n\r\n, \n\n, or a mix).
  // A UTF-8 byte-order mark that a Windows editor put before the start line is not part of it.
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
  // Blank lines and indentation before the start line are tolerated (copy-paste).
  while (i < bytes.length && (bytes[i] === 0x0a || bytes[i] === 0x0d)) i++
  let start = i
  while (start < bytes.length && (bytes[start] === 0x20 || bytes[start] === 0x09)) start++
  if (bytes[start] === 0x0a || bytes[start] === 0x0d) start = i
  // A capture pasted with indentation (from a doc or a chat) loses it on every head line.
  const indent = Buffer.from(bytes.subarray(i, start)).toString('latin1')
  i = start
  let headEnd = -1
  let bodyStart = bytes.length
  let lineStart = start
  for (; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue
    const lineEnd = i > lineStart && bytes[i - 1] === 0x0d ? i - 1 : i
    if (lineEnd === lineStart && lineStart !== start) {
      headEnd = lineStart
      bodyStart = i + 1
      break
    }
    lineStart = i + 1
  }
  if (headEnd === -1) headEnd = bytes.length
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + start, headEnd - start).toString(
    'latin1',
  )
  const lines = head.split(/\r?\n/).filter((l, idx, all) => !(idx === all.length - 1 && l === ''))
  const pseudo = PSEUDO_HEADER.test(lines[0] ?? '')
  const startLine = pseudo ? '' : (lines.shift() ?? '').replace(/\r$/, '')
  // A value as its pieces, joined once at the end: a value rebuilt whole at each folded line
  // costs its length again per line (quadratic in a head of folded lines).
  const raw: [string, string[]][] = []
  const lineOffset = lineBase + countLines(bytes.subarray(0, start))
  lines.forEach((text, idx) => {
    const unindented = indent !== '' && text.startsWith(indent) ? text.slice(indent.length) : text
    const line = unindented.replace(/\r$/, '')
    if (/^[ \t]/.test(line) && raw.length > 0) {
      // obs-fold (RFC 9112 §5.2): continuation of the previous header value.
      const pieces = raw[raw.length - 1]![1]
      // The value's trailing blanks go, in as many pieces as they take.
      for (;;) {
        const kept = trimEndOf(pieces.at(-1)!, ' \t')
        if (kept === '' && pieces.length > 1) pieces.pop()
        else {
          pieces[pieces.length - 1] = kept
          break
        }
      }
      pieces.push(' ', line.replace(/^[ \t]+/, ''))
      return
    }
    const colon = line.indexOf(':', pseudo && line.startsWith(':') ? 1 : 0)
    const name = line.slice(0, colon)
    // `Authorization : …`: whitespace before the colon is kept in the name, as a receiver that
    // reads it at all does (RFC 9112 §5.1 has a server refuse it), so the diagnosis names it.
    const bare = pseudo ? name.replace(/^:/, '') : trimEndOf(name, ' \t')
    if (colon <= 0 || !TOKEN.test(bare)) {
      throw new CaptureParseError(`header line ${shownLine(line)} is not "Name: value"`, {
        ...(file ? { file } : {}),
        line: lineOffset + idx + (pseudo ? 1 : 2),
        column: 1,
      })
    }
    raw.push([name, [line.slice(colon + 1)]])
  })
  const headers = raw.map(([n, v]): Header => [n, decodeHeaderValue(v.join(''))])
  // A view, not a copy: a response's blocks are split one after the other, and a copy of the
  // rest at each would be quadratic in their number. What is kept is copied by the caller.
  return { startLine, headers, body: bytes.subarray(bodyStart), bodyStart }
}

/**
 * A line that could not be read, as an error may show it: a line without its colon is often
 * `Authorization Bearer <token>`, or a bare token pasted on its own line. Its first word is
 * quoted when it reads as a header name or method; the rest only by length and fingerprint.
 */
function shownLine(line: string): string {
  const word = /^[A-Za-z]+(?:-[A-Za-z]+)*(?=[\s:]|$)/.exec(line)?.[0] ?? ''
  const known = word.length > 0 && word.length <= 40
  const rest = known ? line.slice(word.length) : line
  if (rest.trim() === '') return JSON.stringify(line)
  return `${known ? `"${word} …" (then ` : '('}${fingerprint(rest.trim())})`
}

function countLines(bytes: Uint8Array): number {
  return bytes.filter((b) => b === 0x0a).length
}

/** Header values are read as latin-1 bytes; re-read them as UTF-8 where that is valid. */
function decodeHeaderValue(v: string): string {
  // trimEndOf for the end: /[ \t]+$/ retries an inner run of spaces from each space in it.
  const trimmed = trimEndOf(v.replace(/^[ \t]+/, ''), ' \t')
  return utf8OrUndefined(Buffer.from(trimmed, 'latin1')) ?? trimmed
}

export function parseRawHttpRequest(bytes: Uint8Array, file?: string): HttpRequest {
  const head = splitHead(bytes, file)
  const { startLine, headers } = head
  const body = head.body.slice()
  if (startLine === '' && headers[0]?.[0].startsWith(':'))
    return fromPseudoHeaders(headers, body, file)
  const m = REQUEST_LINE.exec(startLine)
  if (!m)
    throw new CaptureParseError(
      `the first line ${shownLine(startLine)} is not "METHOD /path HTTP/1.1"`,
      { ...(file ? { file } : {}), line: 1, column: 1 },
    )
  // The head was read as latin-1; a target typed in UTF-8 is read back as UTF-8.
  const url = utf8OrUndefined(Buffer.from(m[2]!, 'latin1')) ?? m[2]!
  const framed = framedBody(headers, body)
  const req: HttpRequest = {
    method: m[1]!.toUpperCase(),
    url,
    headers,
    body: framed.body,
  }
  if (framed.mismatch) req.lengthMismatch = framed.mismatch
  if (m[3]) req.httpVersion = m[3]
  // A head copied without its body (a log line, a proxy's dump).
  markBodyNotCaptured(req)
  return req
}

/**
 * The final answer of a capture. `curl -i` prints every status block it got, one after the
 * other: a `100 Continue`, a proxy's `200 Connection established`, each redirect `-L` followed,
 * a 401 that `--digest` answered. Only the last one is the answer (RFC 9110 §15.2: 1xx is
 * interim); the heads before it are kept in `earlier`.
 */
export function parseRawHttpResponse(bytes: Uint8Array, file?: string): HttpResponse {
  const earlier: EarlierResponse[] = []
  let at = 0
  // Counted block by block: counting from the start for each block is quadratic in their number.
  let lineBase = 0
  for (;;) {
    const { startLine, headers, body, bodyStart } = splitHead(bytes.subarray(at), file, lineBase)
    const m = STATUS_LINE.exec(startLine)
    if (!m)
      throw new CaptureParseError(
        `the first line ${shownLine(startLine)} is not "HTTP/1.1 401 Unauthorized"`,
        { ...(file ? { file } : {}), line: lineBase + 1, column: 1 },
      )
    const status = Number(m[2])
    const next = nextBlockAt(body, status, m[3] ?? '', headers)
    if (next !== -1) {
      const head: EarlierResponse = { status, headers }
      if (m[3]) head.statusText = m[3]
      earlier.push(head)
      const nextAt = at + bodyStart + next
      lineBase += countLines(bytes.subarray(at, nextAt))
      at = nextAt
      continue
    }
    const res: HttpResponse = {
      status,
      headers,
      body: messageBody(headers, body.slice()),
      httpVersion: m[1]!,
    }
    if (m[3]) res.statusText = m[3]
    if (earlier.length) res.earlier = earlier
    return res
  }
}

const NEXT_STATUS_LINE = /^HTTP\/\d(?:\.\d)? \d{3}(?:[ \t][^\r\n]*)?(?:\r?\n|$)/
const HEADER_LINE = /^(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:|\r?\n|$)/

/**
 * Where a status block starts at `at` (line ends before it skipped), or -1. Unless `bare`, a
 * status line alone is not enough: the line after it is a header or the blank line.
 */
function statusBlockAt(body: Uint8Array, at: number, bare = false): number {
  const i = afterLineEnds(body, at)
  const m = NEXT_STATUS_LINE.exec(latin1(body, i, i + 200))
  if (!m) return -1
  if (!bare && !HEADER_LINE.test(latin1(body, i + m[0].length, i + m[0].length + 200))) return -1
  return i
}

function afterLineEnds(body: Uint8Array, at: number): number {
  let i = at
  while (body[i] === 0x0d || body[i] === 0x0a) i++
  return i
}

/** `body[start, end)` as a binary string; only these bytes are read, not the rest of the body. */
function latin1(body: Uint8Array, start: number, end: number): string {
  return binaryString(body.subarray(start, Math.min(end, body.length)))
}

/**
 * Where another status block starts in the body of this one, or -1 when this one is final.
 * Content-Length says where exactly; without it, only a block that curl can follow with
 * another (1xx, a CONNECT answer, a redirect, an auth challenge) is searched line by line, so
 * that a final body which merely quotes a status line is never cut.
 */
function nextBlockAt(body: Uint8Array, status: number, text: string, headers: Header[]): number {
  if (body.length === 0) return -1
  // 1xx and a CONNECT tunnel's 200 have no body: the next block follows the blank line.
  const interim = status < 200 || /connection established/i.test(text)
  const first = statusBlockAt(body, 0, interim)
  if (first !== -1) return first
  const length = headers.find(([n]) => /^content-length$/i.test(n))?.[1]
  if (length !== undefined && /^\d+$/.test(length) && Number(length) < body.length) {
    const at = statusBlockAt(body, Number(length))
    if (at !== -1) return at
  }
  const followed = interim || (status >= 300 && status < 400) || status === 401 || status === 407
  if (!followed) return -1
  // From each run of line ends once: every line end in a run leads to the same place.
  for (let i = body.indexOf(0x0a); i !== -1; ) {
    const next = afterLineEnds(body, i + 1)
    const at = statusBlockAt(body, next)
    if (at !== -1) return at
    i = body.indexOf(0x0a, next)
  }
  return -1
}

/** `:method`, `:scheme`, `:authority`, `:path` → method and absolute URL; the rest are headers. */
function fromPseudoHeaders(all: Header[], body: Uint8Array, file?: string): HttpRequest {
  const pseudo = new Map(all.filter(([n]) => n.startsWith(':')).map(([n, v]) => [n, v]))
  const method = pseudo.get(':method')
  const path = pseudo.get(':path')
  if (!method || !path) {
    throw new CaptureParseError(
      'HTTP/2 headers without :method and :path: the request line is missing',
      { ...(file ? { file } : {}), line: 1, column: 1 },
    )
  }
  const authority = pseudo.get(':authority')
  const url = authority ? `${pseudo.get(':scheme') ?? 'https'}://${authority}${path}` : path
  const headers = all.filter(([n]) => !n.startsWith(':'))
  return { method: method.toUpperCase(), url, headers, body, httpVersion: 'HTTP/2' }
}
