/**
 * Raw HTTP/1.1 text → HttpRequest / HttpResponse. `\r\n` or bare `\n` line ends; the body is
 * taken byte for byte from after the blank line.
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { utf8OrUndefined } from './text.js'
import type { Header, HttpRequest, HttpResponse } from './types.js'

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^ \t\r\n]+)(?: (HTTP\/\d(?:\.\d)?))?$/
const STATUS_LINE = /^(HTTP\/\d(?:\.\d)?) (\d{3})(?: (.*))?$/

interface Head {
  startLine: string
  headers: Header[]
  body: Uint8Array
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Chrome's DevTools copy of HTTP/2 request headers starts with pseudo-headers, not a request line. */
const PSEUDO_HEADER = /^:(?:authority|method|path|scheme|protocol): /

function splitHead(bytes: Uint8Array, file?: string): Head {
  // Find the end of the head: the first empty line (\r\n\r\n, \n\n, or a mix).
  let i = 0
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
  const raw: [string, string][] = []
  const lineOffset = bytes.subarray(0, start).filter((b) => b === 0x0a).length
  lines.forEach((text, idx) => {
    const unindented = indent !== '' && text.startsWith(indent) ? text.slice(indent.length) : text
    const line = unindented.replace(/\r$/, '')
    if (/^[ \t]/.test(line) && raw.length > 0) {
      // obs-fold (RFC 9112 §5.2): continuation of the previous header value.
      const last = raw[raw.length - 1]!
      last[1] = `${last[1].replace(/[ \t]+$/, '')} ${line.replace(/^[ \t]+/, '')}`
      return
    }
    const colon = line.indexOf(':', pseudo && line.startsWith(':') ? 1 : 0)
    const name = line.slice(0, colon)
    if (colon <= 0 || !TOKEN.test(pseudo ? name.replace(/^:/, '') : name)) {
      throw new CaptureParseError(
        `header line ${JSON.stringify(line.slice(0, 60))} is not "Name: value"`,
        {
          ...(file ? { file } : {}),
          line: lineOffset + idx + (pseudo ? 1 : 2),
          column: 1,
        },
      )
    }
    raw.push([name, line.slice(colon + 1)])
  })
  const headers = raw.map(([n, v]): Header => [n, decodeHeaderValue(v)])
  return { startLine, headers, body: bytes.slice(bodyStart) }
}

/** Header values are read as latin-1 bytes; re-read them as UTF-8 where that is valid. */
function decodeHeaderValue(v: string): string {
  const trimmed = v.replace(/^[ \t]+|[ \t]+$/g, '')
  return utf8OrUndefined(Buffer.from(trimmed, 'latin1')) ?? trimmed
}

export function parseRawHttpRequest(bytes: Uint8Array, file?: string): HttpRequest {
  const { startLine, headers, body } = splitHead(bytes, file)
  if (startLine === '' && headers[0]?.[0].startsWith(':'))
    return fromPseudoHeaders(headers, body, file)
  const m = REQUEST_LINE.exec(startLine)
  if (!m)
    throw new CaptureParseError(
      `the first line ${JSON.stringify(startLine.slice(0, 60))} is not "METHOD /path HTTP/1.1"`,
      { ...(file ? { file } : {}), line: 1, column: 1 },
    )
  // The head was read as latin-1; a target typed in UTF-8 is read back as UTF-8.
  const url = utf8OrUndefined(Buffer.from(m[2]!, 'latin1')) ?? m[2]!
  const req: HttpRequest = { method: m[1]!.toUpperCase(), url, headers, body }
  if (m[3]) req.httpVersion = m[3]
  return req
}

export function parseRawHttpResponse(bytes: Uint8Array, file?: string): HttpResponse {
  const { startLine, headers, body } = splitHead(bytes, file)
  const m = STATUS_LINE.exec(startLine)
  if (!m)
    throw new CaptureParseError(
      `the first line ${JSON.stringify(startLine.slice(0, 60))} is not "HTTP/1.1 401 Unauthorized"`,
      { ...(file ? { file } : {}), line: 1, column: 1 },
    )
  const res: HttpResponse = { status: Number(m[2]), headers, body, httpVersion: m[1]! }
  if (m[3]) res.statusText = m[3]
  return res
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
