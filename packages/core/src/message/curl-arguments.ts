/**
 * What curl reads into its arguments beyond their text, for the commands hookwarden writes
 * (printCurl, and the dashboard's "copy as curl" in packages/web/src/api/curl.ts): a command
 * built from captured text must send that text, once, and read nothing of the operator's
 * machine. Shared by both, so it uses no Node API.
 * - A URL holding `[…]` or `{…}` is a glob: curl sends one request per expansion. `--globoff`.
 * - A URL path with `.` or `..` segments is sent without them. `--path-as-is`.
 * - `-H @name` reads header lines from the file `name` (curl 7.55 and later).
 * - `--data-binary @name` reads the body from the file `name` (`@-`: stdin). `--data-raw`.
 * @module
 */

const GLOB = /[[\]{}]/
const DOT_SEGMENT = /^[^?#]*?\/\.\.?(?:[/?#]|$)/
const SCHEME_AND_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/

/** The options `url` needs for curl to request exactly it, once. */
export function curlUrlOptions(url: string): string[] {
  const options: string[] = []
  if (GLOB.test(url)) options.push('--globoff')
  if (DOT_SEGMENT.test(url.replace(SCHEME_AND_AUTHORITY, ''))) options.push('--path-as-is')
  return options
}

/**
 * Whether `-H` can send a header of this name: not an empty one, nor one whose `:` would end
 * the name early, nor one starting with `@`, which would make curl read a file instead.
 */
export function curlCanSendHeaderName(name: string): boolean {
  return name !== '' && !name.startsWith('@') && !name.includes(':')
}

/**
 * The `-H` argument for a header: `Name: value`, or `Name;` for an empty value (`Name:` alone
 * would remove the header). Null when curl cannot send that name ({@link curlCanSendHeaderName}).
 */
export function curlHeaderArgument(name: string, value: string): string | null {
  if (!curlCanSendHeaderName(name)) return null
  return value === '' ? `${name};` : `${name}: ${value}`
}

/** The option that sends `body` as its bytes: --data-raw when it starts with `@`. */
export function curlDataOption(body: Uint8Array): '--data-raw' | '--data-binary' {
  return body[0] === 0x40 ? '--data-raw' : '--data-binary'
}

/** An HTTP method token (RFC 9110 §5.6.2): anything else would change curl's request line. */
export function isMethodToken(method: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)
}
