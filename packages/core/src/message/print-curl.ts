/**
 * HttpRequest → a bash curl command that sends the same method, URL, headers and body bytes.
 * @module
 */
import { getHeader, hasHeader } from './headers.js'
import type { HttpRequest } from './types.js'

export interface PrintCurlOptions {
  /** One option per line joined with ` \` (default), or everything on one line. */
  multiline?: boolean
}

/**
 * A curl command for `req`. Arguments are quoted `'…'` when that is exact, else `$'…'` with
 * `\xHH` for every byte that is not printable UTF-8, so binary and non-UTF-8 bodies survive
 * a round trip through {@link parseCurl}. A body containing NUL bytes cannot be passed on a
 * real command line (argv strings end at NUL); hookwarden's parser keeps it, a shell would not.
 * An origin-form URL (`/hooks`) is made absolute from the Host header.
 *
 * @example
 * printCurl({ method: 'POST', url: 'https://h/hooks', headers: [['Content-Type', 'application/json']],
 *   body: utf8('{"a":1}') })
 * // curl 'https://h/hooks' \
 * //   -H 'Content-Type: application/json' \
 * //   --data-binary '{"a":1}'
 */
export function printCurl(req: HttpRequest, options: PrintCurlOptions = {}): string {
  const hasBody = req.body.length > 0
  const args: string[] = []
  if (!((req.method === 'GET' && !hasBody) || (req.method === 'POST' && hasBody))) {
    args.push(`-X ${shellQuote(utf8Bytes(req.method))}`)
  }
  const url = absoluteUrl(req)
  // Without it curl would remove `.` and `..` segments and send another path.
  if (
    /^[^?#]*?(?:\/)\.\.?(?:[/?#]|$)/.test(url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, ''))
  ) {
    args.push('--path-as-is')
  }
  args.push(
    url.startsWith('-') ? `--url ${shellQuote(utf8Bytes(url))}` : shellQuote(utf8Bytes(url)),
  )
  for (const [name, value] of req.headers) {
    args.push(`-H ${shellQuote(utf8Bytes(value === '' ? `${name};` : `${name}: ${value}`))}`)
  }
  if (hasBody) {
    // curl adds `Content-Type: application/x-www-form-urlencoded` to any data; `Name:` stops it.
    if (!hasHeader(req.headers, 'content-type')) args.push(`-H 'Content-Type:'`)
    // A body starting with `@` would name a file for --data-binary; --data-raw takes it as is.
    const flag = req.body[0] === 0x40 ? '--data-raw' : '--data-binary'
    args.push(`${flag} ${shellQuote(req.body)}`)
  }
  const [first, ...rest] = args
  const separator = options.multiline === false ? ' ' : ' \\\n  '
  return [`curl ${first}`, ...rest].join(separator)
}

function absoluteUrl(req: HttpRequest): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(req.url)) return req.url
  const host = getHeader(req.headers, 'host')?.trim()
  return `${host ? `https://${host}` : 'http://localhost'}${req.url.startsWith('/') ? '' : '/'}${req.url}`
}

function utf8Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8')
}

/** Length of the valid UTF-8 sequence at `i` that encodes a printable character, or 0. */
function printableSequence(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!
  if (b < 0x80) return b >= 0x20 && b !== 0x7f ? 1 : 0
  const len =
    b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
  if (len === 0 || i + len > bytes.length) return 0
  let cp = b & (0xff >> (len + 1))
  for (let k = 1; k < len; k++) {
    const c = bytes[i + k]!
    if ((c & 0xc0) !== 0x80) return 0
    cp = (cp << 6) | (c & 0x3f)
  }
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0
  // C1 controls, line/paragraph separators and the BOM would be invisible or unsafe in a terminal.
  if (cp <= 0x9f || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) return 0
  return len
}

/** One shell word for exactly these bytes. */
export function shellQuote(bytes: Uint8Array): string {
  let plain = true
  for (let i = 0; i < bytes.length && plain; ) {
    const b = bytes[i]!
    if (b === 0x0a) {
      i++
      continue
    }
    const len = b === 0x27 ? 0 : printableSequence(bytes, i)
    if (len === 0) plain = false
    i += len
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (plain) return `'${text.toString('utf8')}'`
  const parts: string[] = ["$'"]
  for (let i = 0; i < bytes.length; ) {
    let j = i
    while (
      j < bytes.length &&
      bytes[j]! >= 0x20 &&
      bytes[j]! <= 0x7e &&
      bytes[j] !== 0x5c &&
      bytes[j] !== 0x27
    )
      j++
    if (j > i) {
      parts.push(text.toString('latin1', i, j))
      i = j
      continue
    }
    const len = bytes[i]! >= 0x80 ? printableSequence(bytes, i) : 0
    if (len > 0) {
      parts.push(text.toString('utf8', i, i + len))
      i += len
    } else {
      parts.push(ESCAPED[bytes[i]!]!)
      i++
    }
  }
  parts.push("'")
  return parts.join('')
}

/** How `$'…'` writes each byte that is not printed as itself. */
const ESCAPED: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  if (b === 0x5c) return '\\\\'
  if (b === 0x27) return "\\'"
  if (b === 0x0a) return '\\n'
  if (b === 0x09) return '\\t'
  if (b === 0x0d) return '\\r'
  return `\\x${b.toString(16).padStart(2, '0')}`
})
