/**
 * Bytes as one shell word that every POSIX shell reads back byte for byte: dash (a Debian or
 * Ubuntu `sh`), bash and zsh, interactive or not. Shared by `printCurl` and the dashboard's
 * "copy as curl" (packages/web/src/api/curl.ts), so it uses no Node API.
 *
 * `$'…'` would be shorter, but it is bash, zsh and ksh only: dash reads `$'` literally and
 * passes a wrong argument without a word of warning.
 * @module
 */

/**
 * Characters that do not print, or print as something else: controls (C0, DEL, C1), format
 * characters (bidi overrides, zero-width, BOM), line and paragraph separators, surrogates,
 * private use and unassigned code points.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

export interface ShellWordOptions {
  /**
   * Newlines may stand as they are inside single quotes, so that a multi-line body reads as
   * it is (default true). Without, the only newlines the word holds are trailing ones, which
   * no other form can keep (see {@link posixShellWord}).
   */
  newlines?: boolean
}

/**
 * One shell word for exactly these bytes:
 * - text that prints: single quotes, a `'` written `'\''` (`'it'\''s {"a":1}'`);
 * - anything else: `"$(printf '…')"`, whose format keeps printable text as it is and writes
 *   `\n`, `\t`, `\r`, `\\`, `%%`, and every other byte (`'`, `!` and a leading `-` included)
 *   as a three-digit octal escape: POSIX printf reads these alike in every shell, and no `!` is
 *   left for an interactive bash's or zsh's history expansion, which would act on it even
 *   there;
 * - newlines at the end, which a command substitution strips, follow it in single quotes.
 * A NUL byte cannot be passed in an argument: it is written `\000`, which a shell drops.
 */
export function posixShellWord(bytes: Uint8Array, options: ShellWordOptions = {}): string {
  const newlines = options.newlines ?? true
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0x0a) end--
  let plain = true
  for (let i = 0; i < end && plain; ) {
    const len = newlines && bytes[i] === 0x0a ? 1 : printableLength(bytes, i)
    if (len === 0) plain = false
    i += len
  }
  if (plain) return `'${utf8.decode(bytes).replaceAll("'", `'\\''`)}'`
  let format = ''
  // Start of the run of bytes the format holds as they are.
  let run = 0
  for (let i = 0; i < end; ) {
    const b = bytes[i]!
    const len = printableLength(bytes, i)
    // A format starting with `-` would be read as an option of printf.
    if (len > 0 && !FORMAT_SPECIAL.has(b) && !(i === 0 && b === 0x2d)) {
      i += len
      continue
    }
    if (i > run) format += utf8.decode(bytes.subarray(run, i))
    format += ESCAPED[b]!
    run = ++i
  }
  if (end > run) format += utf8.decode(bytes.subarray(run, end))
  const trailing = bytes.length - end
  return `"$(printf '${format}')"${trailing > 0 ? `'${'\n'.repeat(trailing)}'` : ''}`
}

/** Printable ASCII that a printf format or the shell around it would read specially. */
const FORMAT_SPECIAL = new Set([0x5c, 0x25, 0x27, 0x21]) // \ % ' !

/** How the printf format writes each byte that is not held as it is. */
const ESCAPED: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  if (b === 0x5c) return '\\\\'
  if (b === 0x25) return '%%'
  if (b === 0x0a) return '\\n'
  if (b === 0x09) return '\\t'
  if (b === 0x0d) return '\\r'
  return `\\${b.toString(8).padStart(3, '0')}`
})

/** Length of the valid UTF-8 sequence at `i` that encodes a printable character, or 0. */
function printableLength(bytes: Uint8Array, i: number): number {
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
  return UNPRINTABLE.test(String.fromCodePoint(cp)) ? 0 : len
}

/**
 * What `printf 'FORMAT'` writes, as a binary string (one char per byte), for a format of text,
 * `%%` and POSIX backslash escapes (`\\ \a \b \f \n \r \t \v \ddd`); null for a format with
 * any other directive, which takes arguments. Reads back {@link posixShellWord}'s words.
 */
export function printfOutput(format: string): string | null {
  let out = ''
  for (let i = 0; i < format.length; ) {
    const c = format[i]!
    if (c === '%') {
      if (format[i + 1] !== '%') return null
      out += '%'
      i += 2
      continue
    }
    if (c !== '\\') {
      out += c
      i++
      continue
    }
    const e = format[i + 1]
    const simple = e === undefined ? undefined : PRINTF_ESCAPES[e]
    if (simple !== undefined) {
      out += simple
      i += 2
      continue
    }
    const octal = /^[0-7]{1,3}/.exec(format.slice(i + 1, i + 4))?.[0]
    if (octal) {
      out += String.fromCharCode(Number.parseInt(octal, 8) & 0xff)
      i += 1 + octal.length
      continue
    }
    // Any other escape is printed as it stands.
    out += c
    i++
  }
  return out
}

const PRINTF_ESCAPES: Record<string, string> = {
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
}
