/**
 * HttpRequest → a curl command that sends the same method, URL, headers and body bytes from
 * any POSIX shell (dash, bash, zsh).
 * @module
 */
import { curlDataOption, curlHeaderArgument, curlUrlOptions } from './curl-arguments.js'
import { getHeader, hasHeader } from './headers.js'
import { posixShellWord } from './shell-word.js'
import type { HttpRequest } from './types.js'

export interface PrintCurlOptions {
  /** One option per line joined with ` \` (default), or everything on one line. */
  multiline?: boolean
}

/**
 * A curl command for `req`. Arguments are quoted `'…'` when that is exact, else
 * `"$(printf '…')"` with an octal escape for every byte that is not printable UTF-8 (POSIX, so
 * that dash reads it as bash and zsh do), so binary and non-UTF-8 bodies survive a round trip
 * through {@link parseCurl} and through a shell. A body containing NUL bytes cannot be passed
 * on a real command line (argv strings end at NUL); hookwarden's parser keeps it, a shell
 * would not.
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
  // Without them curl would expand `[1-3]` and `{a,b}` into several requests, and remove `.`
  // and `..` segments and send another path.
  args.push(...curlUrlOptions(url))
  args.push(
    url.startsWith('-') ? `--url ${shellQuote(utf8Bytes(url))}` : shellQuote(utf8Bytes(url)),
  )
  // A name starting with `@` would make curl read a file of that name: such a line is left
  // out, and said so in a comment (the comment holds none of its text).
  let leftOut = 0
  for (const [name, value] of req.headers) {
    const line = curlHeaderArgument(name, value)
    if (line === null) leftOut++
    else args.push(`-H ${shellQuote(utf8Bytes(line))}`)
  }
  if (hasBody) {
    // curl adds `Content-Type: application/x-www-form-urlencoded` to any data; `Name:` stops it.
    if (!hasHeader(req.headers, 'content-type')) args.push(`-H 'Content-Type:'`)
    // A body starting with `@` would name a file for --data-binary; --data-raw takes it as is.
    args.push(`${curlDataOption(req.body)} ${shellQuote(req.body)}`)
  }
  const [first, ...rest] = args
  const separator = options.multiline === false ? ' ' : ' \\\n  '
  const command = [`curl ${first}`, ...rest].join(separator)
  return leftOut === 0
    ? command
    : `# Left out: ${leftOut} header line${leftOut === 1 ? '' : 's'} whose name curl cannot send (empty, with a colon, or starting with @).\n${command}`
}

function absoluteUrl(req: HttpRequest): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(req.url)) return req.url
  const host = getHeader(req.headers, 'host')?.trim()
  return `${host ? `https://${host}` : 'http://localhost'}${req.url.startsWith('/') ? '' : '/'}${req.url}`
}

function utf8Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8')
}

/**
 * One shell word for exactly these bytes, read back alike by a POSIX `sh` (dash), bash and zsh:
 * `'…'` when every character prints, else `"$(printf '…')"` (shell-word.ts).
 */
export function shellQuote(bytes: Uint8Array): string {
  return posixShellWord(bytes)
}
