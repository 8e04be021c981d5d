/**
 * "Copy as curl": a curl command from a recorded (redacted) attempt. Every credential,
 * signature or secret header becomes a shell variable to fill in (`$TOKEN`, `$SIGNATURE`, …):
 * the record holds only fingerprints, and a fingerprint pasted as if it were the value would
 * just fail again. Everything else is quoted for the shell (captured text is hostile).
 * @module
 */
import { type Attempt, bodyBytes } from './attempt.js'

/** The gateway's own list (packages/server/src/redact.ts), kept in step by hand. */
const SENSITIVE_HEADER =
  /authorization|auth[-_]|cookie|signature|token|secret|hmac|api[-_]?key|access[-_]?key|private[-_]?key|password|passwd|credential|session/i
/** A fingerprint as the gateway writes it (`len=43 fp:1a2b3c4d`), raw or URL-encoded. */
const FINGERPRINT = /len=\d+ fp:[0-9a-f]{8}/
const FINGERPRINT_IN_URL = /len(?:=|%3D)\d+(?:%20|\+| )fp(?::|%3A)[0-9a-f]{8}/i
const QUERY_SECRET = '$' + '{QUERY_SECRET}'
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

/** Single quotes for the shell: nothing inside is interpreted. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
/** Double quotes for the shell, with `$`, backtick, `"` and `\` escaped (the variable stays live). */
const dq = (s: string) => s.replace(/[\\"$`]/g, (c) => `\\${c}`)

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

/** Bytes as a bash ANSI-C string `$'…'`: byte-exact, newlines and control bytes escaped. */
function ansiC(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null // no shell argument can hold NUL
  let text: string | null
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    text = null
  }
  const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`
  if (text === null)
    return `$'${[...bytes].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c ? String.fromCharCode(b) : hex(b))).join('')}'`
  let out = ''
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0
    if (ch === '\\') out += '\\\\'
    else if (ch === "'") out += "\\'"
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (c < 0x20 || c === 0x7f) out += hex(c)
    else out += ch
  }
  return `$'${out}'`
}

export interface CurlCommand {
  /** The command, ready to paste into bash or zsh. */
  text: string
  /** The shell variables to set first (credentials the record does not hold). */
  variables: string[]
}

/** `origin` is where the gateway is reached (the dashboard's own origin). */
export function curlCommand(a: Attempt, origin: string): CurlCommand {
  const variables = new Set<string>()
  // A fingerprinted query value becomes a variable too; the rest of the URL is quoted.
  const urlParts = `${origin}${a.path}`.split(FINGERPRINT_IN_URL)
  if (urlParts.length > 1) variables.add('QUERY_SECRET')
  const lines = [`curl -X ${shellQuote(a.method)} "${urlParts.map(dq).join(QUERY_SECRET)}"`]
  for (const [name, value] of a.headers ?? []) {
    if (DROPPED.has(name.toLowerCase())) continue
    if (isSecretHeader(name, value)) {
      const v = variableFor(name, value)
      variables.add(v)
      const word = SCHEME_WORD.exec(value)
      lines.push(`  -H "${dq(name)}: ${word ? `${dq(word[1] ?? '')} ` : ''}$${v}"`)
    } else lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`)
  }
  const comments: string[] = []
  if (a.body_base64) {
    const quoted = ansiC(bodyBytes(a.body_base64))
    if (quoted) lines.push(`  --data-binary ${quoted}`)
    else {
      comments.push('# The stored body holds NUL bytes: save it as body.bin first.')
      lines.push('  --data-binary @body.bin')
    }
  } else if ((a.body_size ?? 0) > 0) {
    comments.push(
      `# The body (${a.body_size} bytes) was not stored (store_body: false): put it in body.bin.`,
    )
    lines.push('  --data-binary @body.bin')
  }
  if (variables.size > 0)
    comments.unshift(
      `# Credentials are not recorded: set ${[...variables].join(', ')} first${variables.has('SIGNATURE') ? ' (a signature must be computed over the body you send)' : ''}.`,
    )
  return { text: [...comments, lines.join(' \\\n')].join('\n'), variables: [...variables] }
}
