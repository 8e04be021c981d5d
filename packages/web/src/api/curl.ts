/**
 * "Copy as curl": a curl command from a recorded (redacted) attempt. Every credential,
 * signature or secret header becomes a shell variable to fill in (`${TOKEN}`, `${SIGNATURE}`, …):
 * the record holds only fingerprints, and a fingerprint pasted as if it were the value would
 * just fail again.
 *
 * Everything captured is hostile text that an operator pastes into an interactive shell, so
 * every piece of it is single-quoted (inert in bash, zsh and sh, `!` included: double quotes
 * would let bash's and zsh's history expansion rewrite the line), and a piece holding a
 * character that does not print is written as bash/zsh `$'…'` with that character escaped:
 * the command's only control characters are the newlines between its own lines.
 * @module
 */
import { type Attempt, bodyBytes } from './attempt.js'

/** The gateway's own list (packages/server/src/redact.ts), kept in step by hand. */
const SENSITIVE_HEADER =
  /authorization|auth[-_]|cookie|signature|token|secret|hmac|api[-_]?key|access[-_]?key|private[-_]?key|password|passwd|credential|session/i
/** A fingerprint as the gateway writes it (`len=43 fp:1a2b3c4d`), raw or URL-encoded. */
const FINGERPRINT = /len=\d+ fp:[0-9a-f]{8}/
const FINGERPRINT_IN_URL = /len(?:=|%3D)\d+(?:%20|\+| )fp(?::|%3A)[0-9a-f]{8}/i
/**
 * curl sets these itself, from the URL and the body it sends; and an Accept-Encoding without
 * --compressed would print the answer compressed.
 */
const DROPPED = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'expect',
  'accept-encoding',
])
const SCHEME_WORD = /^(Bearer|Basic|Token|Digest|ApiKey|Key|HMAC|Signature|JWT)( +)/i

/**
 * Characters that do not print, or print as something else: controls (C0, DEL, C1), format
 * characters (bidi overrides, zero-width), line and paragraph separators, surrogates, private
 * use and unassigned code points. None of them goes into the command as it is.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u

const hexByte = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`
const utf8 = new TextEncoder()

/** Single quotes for the shell: nothing inside is interpreted, by any shell. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

/** One ASCII byte inside `$'…'`: printable ones as they are, but never `'`, `\` or `!`. */
function ansiCAscii(b: number): string {
  if (b === 0x5c) return '\\\\'
  if (b === 0x0a) return '\\n'
  if (b === 0x0d) return '\\r'
  if (b === 0x09) return '\\t'
  if (b < 0x20 || b >= 0x7f || b === 0x27 || b === 0x21) return hexByte(b)
  return String.fromCharCode(b)
}

/**
 * `text` as one shell word that reads back exactly, or null when it holds NUL (no argument
 * can). Single quotes when every character prints; else `$'…'` (bash and zsh; a POSIX sh
 * without it reads a wrong but still inert word), in which printable non-ASCII characters stay
 * as they are and every other character is its UTF-8 bytes as `\xHH`.
 */
export function shellWord(text: string): string | null {
  if (text.includes('\0')) return null
  if (!UNPRINTABLE.test(text)) return shellQuote(text)
  let out = ''
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0
    if (c < 0x80) out += ansiCAscii(c)
    else if (UNPRINTABLE.test(ch)) for (const b of utf8.encode(ch)) out += hexByte(b)
    else out += ch
  }
  return `$'${out}'`
}

/** Bytes (a body) as one shell word, byte for byte; null when they hold NUL. */
function bytesWord(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null
  try {
    return shellWord(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes))
  } catch {
    // Not UTF-8: every byte that is not printable ASCII escaped.
    return `$'${[...bytes].map(ansiCAscii).join('')}'`
  }
}

/** A shell variable's value, in double quotes (no word splitting), outside any single quotes. */
const variable = (name: string) => `"\${${name}}"`

/** The shell variable that stands for a credential header's value. */
function variableFor(name: string, value: string): string {
  const n = name.toLowerCase()
  if (n === 'authorization' || n === 'proxy-authorization') {
    const word = SCHEME_WORD.exec(value)?.[1]?.toLowerCase()
    return word === 'basic'
      ? 'BASIC_CREDENTIALS'
      : word === 'bearer' || word === 'token'
        ? 'TOKEN'
        : 'CREDENTIAL'
  }
  if (/signature|hmac/.test(n)) return 'SIGNATURE'
  if (/api[-_]?key/.test(n)) return 'API_KEY'
  if (/cookie|session/.test(n)) return 'COOKIE'
  if (/token/.test(n)) return 'TOKEN'
  return 'SECRET'
}

export function isSecretHeader(name: string, value: string): boolean {
  return SENSITIVE_HEADER.test(name) || FINGERPRINT.test(value)
}

export interface CurlCommand {
  /** The command, ready to paste into bash, zsh or sh. */
  text: string
  /** The shell variables to set first (credentials the record does not hold). */
  variables: string[]
}

/** `origin` is where the gateway is reached (the dashboard's own origin). */
export function curlCommand(a: Attempt, origin: string): CurlCommand {
  const variables = new Set<string>()
  // Comments hold only this function's own words and numbers, never captured text: a comment
  // is still read by history expansion, and zsh runs `#` as a command unless told otherwise.
  const comments: string[] = []
  // A fingerprinted query value becomes a variable too; the rest of the URL is quoted. No
  // argument can hold NUL: a NUL in the recorded path is sent as %00.
  let url = `${origin}${a.path}`
  if (url.includes('\0')) {
    url = url.replaceAll('\0', '%00')
    comments.push('# The recorded path holds NUL bytes, written here as %00.')
  }
  const urlParts = url.split(FINGERPRINT_IN_URL)
  if (urlParts.length > 1) variables.add('QUERY_SECRET')
  const urlWord = urlParts
    .map((part) => (part === '' ? '' : shellWord(part)))
    .join(variable('QUERY_SECRET'))
  const lines = [`curl -X ${shellWord(a.method.replaceAll('\0', '')) ?? "''"} ${urlWord}`]
  let leftOut = 0
  for (const [name, value] of a.headers ?? []) {
    if (DROPPED.has(name.toLowerCase())) continue
    let word: string | null
    if (isSecretHeader(name, value)) {
      const v = variableFor(name, value)
      const scheme = SCHEME_WORD.exec(value)?.[1]
      word = shellWord(`${name}: ${scheme ? `${scheme} ` : ''}`)
      if (word !== null) {
        variables.add(v)
        word += variable(v)
      }
    } else word = shellWord(`${name}: ${value}`)
    if (word === null) leftOut++
    else lines.push(`  -H ${word}`)
  }
  if (leftOut > 0) comments.push(`# Left out: ${leftOut} recorded header lines holding NUL bytes.`)
  if (a.body_base64) {
    const quoted = bytesWord(bodyBytes(a.body_base64))
    if (quoted) lines.push(`  --data-binary ${quoted}`)
    else {
      comments.push('# The stored body holds NUL bytes: save it as body.bin first.')
      lines.push('  --data-binary @body.bin')
    }
  } else if ((a.body_size ?? 0) > 0) {
    const size = Math.max(0, Math.floor(Number(a.body_size)) || 0)
    comments.push(
      `# The body, ${size} bytes, was not stored, store_body is false: put it in body.bin.`,
    )
    lines.push('  --data-binary @body.bin')
  }
  if (variables.size > 0)
    comments.unshift(
      `# Credentials are not recorded: set ${[...variables].join(', ')} first.${variables.has('SIGNATURE') ? ' A signature must be computed over the body you send.' : ''}`,
    )
  return { text: [...comments, lines.join(' \\\n')].join('\n'), variables: [...variables] }
}
