/**
 * Which capture format a text is, from its content alone (contract §1: no flag needed).
 * @module
 */
import { type JsonDoc, readJsonDoc } from './json-fields.js'
import { isHar } from './parse-har.js'
import { binaryString } from './text.js'

export type CaptureFormat =
  | 'http-request'
  | 'http-response'
  | 'curl'
  | 'curl-verbose'
  | 'har'
  | 'json'

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? \d{3}(?:[ \t\r\n]|$)/
// Spaces or tabs between the parts and at the end are tolerated: copied text keeps them.
const REQUEST_LINE =
  /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]+[^ \t\r\n]+[ \t]+HTTP\/\d(?:\.\d)?[ \t]*\r?$/
/** Chrome's DevTools copy of HTTP/2 request headers: pseudo-headers first, no request line. */
const H2_PSEUDO_HEADER = /^:(?:authority|method|path|scheme): /
/** HTTP/0.9-style request line without a version: only the common methods, in upper case. */
const BARE_REQUEST_LINE =
  /^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE|CONNECT) [^ \t\r\n]+[ \t\r]*$/
/**
 * `curl` as the first command word of a line, after any prompt (`$`, `PS C:\>`), history
 * number, `sudo` or `NAME=value`. Only a line's start begins a try: a try that began at each
 * `;` too would read on to the line's end from every one of them (quadratic in `;;;…`), as
 * would a prompt tried after each `PS=…` assignment.
 */
const CURL_LINE =
  /(?:^|\n)[ \t]*(?:(?:\$|%|>|\d+|sudo|time|env|command|exec|noglob|[A-Za-z_]\w*=[^ \t\r\n]*)[ \t]+)*(?:(?:PS\b(?!=)|[A-Za-z]:\\)[^\n>]*>[ \t]*)?(?:[^ \t\r\n'"]*[/\\>])?curl(?:\.exe)?(?=[ \t\r\n^`\\]|$)/i
/**
 * `curl` after `;` `&&` `|` `(` on a line, after `sudo` and the like: the words before it end at
 * the next of these characters, where the next try begins, so that each character is read by
 * one try (a path with a `;` in it is still found, from that `;`).
 */
const CURL_AFTER_OPERATOR =
  /[;&|(][ \t]*(?:(?:\$|%|>|\d+|sudo|time|env|command|exec|noglob|[A-Za-z_]\w*=[^ \t\r\n;&|(]*)[ \t]+)*(?:[^ \t\r\n'";&|(]*[/\\>])?curl(?:\.exe)?(?=[ \t\r\n^`\\]|$)/i

/** A `curl -v` transcript: the request line behind curl's `> `. */
const VERBOSE_REQUEST_LINE =
  /(?:^|\n)> [!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^ \t\r\n]+ HTTP\/\d(?:\.\d)?\r?\n/

/** `json-like` stands for `har` or `json`, which needs a parse to tell apart. */
export type SniffedFormat = Exclude<CaptureFormat, 'har' | 'json'> | 'json-like'

/** The format as far as it can be told without parsing JSON; undefined when none fits. */
export function sniffFormat(bytes: Uint8Array): SniffedFormat | undefined {
  let text = binaryString(bytes.subarray(0, 1 << 16))
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3)
  text = text.replace(/^[ \t\r\n]+/, '')
  if (text.startsWith('{') || text.startsWith('[')) return 'json-like'
  if (STATUS_LINE.test(text)) return 'http-response'
  const firstLine = text.slice(0, (text.indexOf('\n') + 1 || text.length + 1) - 1)
  if (REQUEST_LINE.test(firstLine) || H2_PSEUDO_HEADER.test(firstLine)) return 'http-request'
  if (CURL_LINE.test(text) || CURL_AFTER_OPERATOR.test(text)) return 'curl'
  if (VERBOSE_REQUEST_LINE.test(text)) return 'curl-verbose'
  if (BARE_REQUEST_LINE.test(firstLine)) return 'http-request'
  return undefined
}

/**
 * The format of a capture, or undefined when it is none of raw HTTP, curl, HAR or JSON. Text
 * that starts like JSON but does not parse is reported as `json` (its parser says where).
 *
 * @example
 * detectFormat("curl -H 'Authorization: Bearer x' https://h/hooks") // → 'curl'
 */
export function detectFormat(input: string | Uint8Array): CaptureFormat | undefined {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  const sniffed = sniffFormat(bytes)
  if (sniffed !== 'json-like') return sniffed
  try {
    return jsonFormat(readJsonDoc(bytes))
  } catch {
    return 'json'
  }
}

/** `har` for `{"log": {…}}`, else `json`. */
export function jsonFormat(doc: JsonDoc): 'har' | 'json' {
  return isHar(doc) ? 'har' : 'json'
}
