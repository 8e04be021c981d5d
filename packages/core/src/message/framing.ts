/**
 * The message body of a raw capture as the receiver read it: a capture taken off the wire
 * keeps the chunked framing (`1a\r\n…\r\n0\r\n\r\n`), and a file an editor saved may have
 * gained a newline after the body; the signature covers neither.
 * @module
 */
import type { Header, HttpRequest, LengthMismatch } from './types.js'

/**
 * `body` de-chunked when the headers say `Transfer-Encoding: chunked` and the bytes hold that
 * framing (a tool that de-chunked the body but kept the header is left alone); else cut at
 * `Content-Length`, as a receiver reads it; else as it is.
 */
export function messageBody(headers: readonly Header[], body: Uint8Array): Uint8Array {
  return framedBody(headers, body).body
}

/**
 * messageBody, and the disagreement between Content-Length and the bytes held. A receiver reads
 * Content-Length bytes: more bytes are cut there (the rest would be read as the next request),
 * unless only line ends or spaces follow (what an editor adds on save: no mismatch). Fewer
 * bytes are kept as they are (the receiver would wait for the rest).
 */
export function framedBody(
  headers: readonly Header[],
  body: Uint8Array,
): { body: Uint8Array; mismatch?: LengthMismatch } {
  const te = headers.find(([n]) => n.toLowerCase() === 'transfer-encoding')?.[1]
  if (te && /(?:^|,)\s*chunked\s*$/i.test(te)) return { body: dechunk(body) ?? body }
  const cl = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1]?.trim()
  if (!cl || !/^\d{1,12}$/.test(cl)) return { body }
  const n = Number(cl)
  if (body.length === n || body.length === 0) return { body }
  const rest = body.subarray(Math.min(n, body.length))
  // Only line ends or spaces after the declared length: an editor's, not the sender's.
  if (body.length > n && rest.every((b) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09))
    return { body: body.slice(0, n) }
  const held = body.length > n ? trimEnd(body).length : body.length
  const chars = textLength(body.subarray(0, held))
  const mismatch: LengthMismatch = { declared: n, held }
  if (chars !== undefined && chars !== held) mismatch.chars = chars
  if (held > n) mismatch.whole = body.slice(0, held)
  return { body: body.length > n ? body.slice(0, n) : body, mismatch }
}

/** The bytes without the line ends and spaces at their end. */
function trimEnd(body: Uint8Array): Uint8Array {
  let end = body.length
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09].includes(body[end - 1]!)) end--
  return body.subarray(0, end)
}

/** `string.length` of the bytes read as UTF-8, or undefined when they are not UTF-8. */
function textLength(bytes: Uint8Array): number | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).length
  } catch {
    return undefined
  }
}

/** The sentence that names a Content-Length disagreement (evidence and check details). */
export function lengthMismatchText(m: LengthMismatch): string {
  if (m.held > m.declared) {
    const counted =
      m.chars === m.declared
        ? `: Content-Length counts the ${m.chars} characters, not the bytes (UTF-8 takes 2 to 4 bytes for a character outside ASCII); count bytes, not characters (Buffer.byteLength, not string.length)`
        : '; send the length of the body in bytes, or let the HTTP client set Content-Length'
    return `Content-Length says ${m.declared}, the body holds ${m.held} bytes: a receiver reads ${m.declared} and leaves the rest out${counted}`
  }
  return `Content-Length says ${m.declared}, the capture holds ${m.held} bytes: a receiver waits for the rest until it times out (or the capture was cut short)`
}

/** RFC 9112 §7.1 chunked framing (bare `\n` line ends tolerated), or null when it is not. */
export function dechunk(body: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = []
  let at = 0
  const line = (): string | null => {
    const nl = body.indexOf(0x0a, at)
    if (nl === -1) return null
    const end = nl > at && body[nl - 1] === 0x0d ? nl - 1 : nl
    const text = Buffer.from(body.subarray(at, end)).toString('latin1')
    at = nl + 1
    return text
  }
  for (;;) {
    const sizeLine = line()
    if (sizeLine === null) return null
    const m = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/.exec(sizeLine)
    if (!m) return null
    const size = Number.parseInt(m[1]!, 16)
    if (size === 0) {
      // Trailer fields, then the blank line (or the end of the capture).
      for (;;) {
        const t = line()
        if (t === null || t === '') break
        if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/.test(t)) return null
      }
      const rest = body.subarray(at)
      if (!rest.every((b) => b === 0x0a || b === 0x0d)) return null
      return new Uint8Array(Buffer.concat(parts))
    }
    if (at + size > body.length) return null
    parts.push(body.subarray(at, at + size))
    at += size
    if (body[at] === 0x0d) at++
    if (body[at] !== 0x0a) return null
    at++
  }
}

/**
 * Sets `bodyNotCaptured` on a request that holds no body while its Content-Length declares one
 * (a raw head copied without its body, a HAR or JSON capture that kept the headers only): a
 * signature over that body cannot be checked, nor the request sent as it was.
 */
export function markBodyNotCaptured(req: HttpRequest): void {
  if (req.body.length > 0 || req.bodyNotCaptured !== undefined) return
  const declared = req.headers.find(([n]) => /^content-length$/i.test(n))?.[1]?.trim()
  if (declared && /^\d{1,12}$/.test(declared) && Number(declared) > 0)
    req.bodyNotCaptured = Number(declared)
}

/**
 * The bytes a capture declares but does not hold, or null when it holds its whole body: none at
 * all (`bodyNotCaptured`), or fewer than its Content-Length (a raw capture cut short). Such a
 * request cannot be sent as it was sent.
 */
export function missingBody(req: HttpRequest): { declared: number; held: number } | null {
  if (req.bodyNotCaptured !== undefined) return { declared: req.bodyNotCaptured, held: 0 }
  const m = req.lengthMismatch
  return m && m.held < m.declared ? { declared: m.declared, held: m.held } : null
}
