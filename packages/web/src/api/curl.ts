/**
 * "Copy as curl": a curl command from a recorded (redacted) attempt. Every credential,
 * signature or secret header becomes a shell variable to fill in (`${TOKEN}`, `${SIGNATURE}`, …):
 * the record holds only fingerprints, and a fingerprint pasted as if it were the value would
 * just fail again.
 *
 * Everything captured is hostile text that an operator pastes into an interactive shell, so
 * every piece of it is single-quoted (inert in bash, zsh and sh, `!` included: double quotes
 * would let bash's and zsh's history expansion rewrite the line), and a piece holding a
 * character that does not print is written `"$(printf '…')"` with that character as an octal
 * escape, which a POSIX sh (dash) reads as bash and zsh do. The command's only control
 * characters are the newlines between its own lines, and those that end a value (a command
 * substitution cannot keep them): `'` and a newline, which hold nothing captured.
 * The quoting is printCurl's own (packages/core/src/message/shell-word.ts, which uses no Node
 * API): one function, imported from its source file, since the dashboard bundles none of the
 * Node package.
 *
 * The command sends the recorded request once and reads nothing of the operator's machine
 * (curl-arguments.ts, shared with printCurl): `--globoff`, so that `[1-3]` or `{a,b}` in the
 * URL is not a glob that sends many requests, each with the operator's credential; a body
 * starting with `@` goes as `--data-raw`, never as `--data-binary @file`; a header line whose
 * name starts with `@` (`-H @file`), or that holds NUL, CR or LF, is left out; a method that is
 * no HTTP token is left out too.
 * @module
 */
import {
  curlCanSendHeaderName,
  curlDataOption,
  curlHeaderArgument,
  curlUrlOptions,
  isMethodToken,
} from '../../../core/src/message/curl-arguments.js'
import { posixShellWord } from '../../../core/src/message/shell-word.js'
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

const utf8 = new TextEncoder()

/**
 * `text` as one shell word that reads back exactly in any POSIX shell, or null when it holds
 * NUL (no argument can): single quotes when every character prints, else printf (see above).
 */
export function shellWord(text: string): string | null {
  if (text.includes('\0')) return null
  return posixShellWord(utf8.encode(text), { newlines: false })
}

/** Bytes (a body) as one shell word, byte for byte; null when they hold NUL. */
function bytesWord(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null
  return posixShellWord(bytes, { newlines: false })
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
  /** The command, ready to paste into bash, zsh or a POSIX sh (dash). */
  text: string
  /** The shell variables to set first (credentials the record does not hold). */
  variables: string[]
}

/**
 * The recorded target as a path on the gateway: an absolute-form target
 * (`POST http://elsewhere/hooks/x`) was routed by its path, and its authority must not follow
 * the dashboard's origin in the URL, where it would name another host.
 */
function targetPath(target: string): string {
  const path = target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '')
  return path.startsWith('/') ? path : `/${path}`
}

/** `origin` is where the gateway is reached (the dashboard's own origin). */
export function curlCommand(a: Attempt, origin: string): CurlCommand {
  const variables = new Set<string>()
  // Comments hold only this function's own words and numbers, never captured text: a comment
  // is still read by history expansion, and zsh runs `#` as a command unless told otherwise.
  const comments: string[] = []
  // A fingerprinted query value becomes a variable too; the rest of the URL is quoted. No
  // argument can hold NUL: a NUL in the recorded path is sent as %00.
  let url = `${origin}${targetPath(a.path)}`
  if (url.includes('\0')) {
    url = url.replaceAll('\0', '%00')
    comments.push('# The recorded path holds NUL bytes, written here as %00.')
  }
  const urlParts = url.split(FINGERPRINT_IN_URL)
  if (urlParts.length > 1) variables.add('QUERY_SECRET')
  const urlWord = urlParts
    .map((part) => (part === '' ? '' : shellWord(part)))
    .join(variable('QUERY_SECRET'))
  const first = ['curl', '--globoff', ...curlUrlOptions(url).filter((o) => o !== '--globoff')]
  if (isMethodToken(a.method)) first.push(`-X ${shellWord(a.method)}`)
  else comments.push('# The recorded method is not an HTTP method: left out.')
  const lines = [`${first.join(' ')} ${urlWord}`]
  let leftOut = 0
  for (const [name, value] of a.headers ?? []) {
    if (DROPPED.has(name.toLowerCase())) continue
    // curl would send CR and LF as they are, starting header lines the sender chose.
    const sendable = curlCanSendHeaderName(name) && !/[\r\n]/.test(name)
    let word: string | null = null
    if (sendable && isSecretHeader(name, value)) {
      const v = variableFor(name, value)
      const scheme = SCHEME_WORD.exec(value)?.[1]
      word = shellWord(`${name}: ${scheme ? `${scheme} ` : ''}`)
      if (word !== null) {
        variables.add(v)
        word += variable(v)
      }
    } else if (sendable && !/[\r\n]/.test(value)) {
      const line = curlHeaderArgument(name, value)
      word = line === null ? null : shellWord(line)
    }
    if (word === null) leftOut++
    else lines.push(`  -H ${word}`)
  }
  if (leftOut > 0)
    comments.push(
      `# Left out: ${leftOut} recorded header lines that curl cannot send as they are: an empty name, a name starting with @ or holding a colon, or NUL, CR or LF bytes.`,
    )
  if (a.body_base64) {
    const bytes = bodyBytes(a.body_base64)
    const quoted = bytesWord(bytes)
    if (quoted) lines.push(`  ${curlDataOption(bytes)} ${quoted}`)
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
