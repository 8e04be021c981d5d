/**
 * Reading past interim (1xx) answers that undici refuses. RFC 9110 §15.2 has a client read any
 * number of 1xx answers before the final one, even unasked; undici reads 102 and 103 but
 * destroys the connection on a `100 Continue` it did not ask for ("bad response", nodejs/undici
 * issue #197, open as wontfix), which reads as "closed without an answer". undici reads the
 * socket with read() (client-h1: readMore), so that is the one place to take them off.
 * Used by replay and probe (send.ts, one request per connection) and by the gateway's forwarder
 * (forward.ts, kept-alive connections: re-armed before each request).
 * @module
 */
import type { Socket } from 'node:net'
import type { EarlierResponse, Header } from '@hookwarden/core'

/** Longest interim head held back while its end has not come. */
const MAX_INTERIM_HEAD = 16 * 1024
const INTERIM_LINE = /^HTTP\/1\.[01] (1\d\d)(?=[ \r\n])/
const INTERIM_PREFIXES = ['HTTP/1.1 1', 'HTTP/1.0 1']
const NOTHING = Buffer.alloc(0)

/**
 * Takes the `100 Continue` heads off the front of each answer `socket` reads, before undici's
 * parser sees them, and lists them in `seen` when given. Other interim heads (102, 103) pass
 * to undici, which reads them, and the filter keeps looking after them (100, 103, 100, 200
 * comes through as 103, 200); the first final head (or a 101: what follows is no HTTP/1)
 * ends the filtering. Returns `rearm`: call it before the next request on the same connection
 * is written, so that the next answer's front is looked at too.
 */
export function dropUnaskedContinue(socket: Socket, seen?: EarlierResponse[]): () => void {
  const read = socket.read.bind(socket)
  // Bytes of a head not yet ended; null once the final answer began (all passes through).
  let held: Buffer | null = NOTHING
  socket.read = ((size?: number) => {
    const chunk: Buffer | null = read(size)
    if (held === null || chunk === null) return chunk
    let data = held.length ? Buffer.concat([held, chunk]) : chunk
    held = NOTHING
    // Interim heads undici reads itself, given to it ahead of what follows them.
    const passed: Buffer[] = []
    const out = (rest: Buffer) => (passed.length ? Buffer.concat([...passed, rest]) : rest)
    for (;;) {
      // The status line's first 13 bytes tell an interim head (a final one goes through as is).
      const start = data.subarray(0, 13).toString('latin1')
      const interim = INTERIM_LINE.exec(start)
      if (!interim) {
        // Too short yet to tell: hold it until the status code has come.
        if (
          start.length < 13 &&
          INTERIM_PREFIXES.some((p) => p.startsWith(start) || start.startsWith(p))
        ) {
          held = data
          return out(NOTHING)
        }
        held = null
        return out(data)
      }
      const end = headEnd(data.subarray(0, MAX_INTERIM_HEAD))
      if (end < 0) {
        if (data.length >= MAX_INTERIM_HEAD) {
          held = null
          return out(data)
        }
        held = data
        return out(NOTHING)
      }
      const status = Number(interim[1])
      if (status === 101) {
        held = null
        return out(data)
      }
      if (status === 100) {
        if (seen) seen.push(continueHead(data.subarray(0, end).toString('latin1')))
      } else passed.push(data.subarray(0, end))
      data = data.subarray(end)
      if (data.length === 0) return out(data)
    }
  }) as typeof socket.read
  return () => {
    if (held === null) held = NOTHING
  }
}

/** Where a head ends (after its blank line, CRLF or bare LF), or -1 while it has not. */
function headEnd(data: Buffer): number {
  const crlf = data.indexOf('\r\n\r\n')
  const lf = data.indexOf('\n\n')
  return crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1
}

function continueHead(text: string): EarlierResponse {
  const [statusLine = '', ...lines] = text.split(/\r?\n/)
  const headers: Header[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()])
  }
  const statusText = statusLine.slice(13).trim()
  return { status: 100, headers, ...(statusText ? { statusText } : {}) }
}
