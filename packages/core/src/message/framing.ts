/**
 * The message body of a raw capture as the receiver read it: a capture taken off the wire
 * keeps the chunked framing (`1a\r\n…\r\n0\r\n\r\n`), and a file an editor saved may have
 * gained a newline after the body; the signature covers neither.
 * @module
 */
import type { Header } from './types.js'

/**
 * `body` de-chunked when the headers say `Transfer-Encoding: chunked` and the bytes hold that
 * framing (a tool that de-chunked the body but kept the header is left alone); else cut at
 * `Content-Length` when only line ends or spaces follow it; else as it is.
 */
export function messageBody(headers: readonly Header[], body: Uint8Array): Uint8Array {
  const te = headers.find(([n]) => n.toLowerCase() === 'transfer-encoding')?.[1]
  if (te && /(?:^|,)\s*chunked\s*$/i.test(te)) return dechunk(body) ?? body
  const cl = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1]?.trim()
  if (cl && /^\d{1,12}$/.test(cl)) {
    const n = Number(cl)
    if (
      body.length > n &&
      body.subarray(n).every((b) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09)
    )
      return body.slice(0, n)
  }
  return body
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
