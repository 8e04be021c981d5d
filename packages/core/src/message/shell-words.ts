/**
 * Splits pasted shell text (bash/zsh, also PowerShell's backtick continuations) into commands
 * and words the way the shell would, without running anything.
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { printfOutput } from './shell-word.js'
import { positionAt, trimEndOf } from './text.js'

/** A piece of a word: literal bytes (binary string) or a `$NAME` left for the caller. */
export type WordPart = { text: string } | { variable: string; raw: string }

export interface ShellWord {
  parts: WordPart[]
  /** Offset of the word's first character in the input. */
  start: number
}

export interface ShellCommand {
  words: ShellWord[]
  /** Standard input given by a here-document (`<<EOF`) or here-string (`<<<`). */
  stdin?: string
}

const WORD_END = new Set([' ', '\t', '\r', '\n', ';', '&', '|', '(', ')', '<', '>'])
const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/y
const PRINTF_SUBSTITUTION = /\$\(printf '([^']*)'\)/y
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
}

/**
 * `text` is a binary string (one char per byte); word parts are binary strings too, so that
 * `$'\xff'` yields the byte 0xff and `$'\u00e9'` its UTF-8 bytes. Throws CaptureParseError for
 * an unterminated quote, with the position of the opening quote.
 */
export function splitShell(text: string, file?: string): ShellCommand[] {
  const s = text
  const commands: ShellCommand[] = []
  const heredocs: { delimiter: string; stripTabs: boolean; command: ShellCommand }[] = []
  let current: ShellCommand = { words: [] }
  let i = 0

  const fail = (message: string, at: number): never => {
    throw new CaptureParseError(message, positionAt(s, at, file))
  }
  const newlineLength = (at: number): number =>
    s[at] === '\n' ? 1 : s[at] === '\r' && s[at + 1] === '\n' ? 2 : 0
  /**
   * After a backslash between words: the length of the line end it escapes, blanks before it
   * included. Bash reads `\ ` + newline as an escaped space that ends the command; a paste
   * with trailing blanks after the backslash means a continuation all the same.
   */
  const continuationAt = (at: number): number => {
    let j = at
    while (s[j] === ' ' || s[j] === '\t') j++
    const nl = newlineLength(j)
    return nl > 0 ? j - at + nl : 0
  }
  const blankToEndOfLine = (at: number): boolean => {
    let j = at
    while (s[j] === ' ' || s[j] === '\t' || s[j] === '\r') j++
    return s[j] === '\n'
  }
  const endCommand = (): void => {
    if (current.words.length > 0 || current.stdin !== undefined) commands.push(current)
    current = { words: [] }
  }

  /** `$'…'` with bash's escapes; one pass, bytes out (a body can be megabytes of `\xHH`). */
  const readAnsiC = (): string => {
    const start = i
    const out = Buffer.allocUnsafe(s.length - i)
    let n = 0
    let j = i + 2
    for (;;) {
      const c = s.charCodeAt(j)
      if (Number.isNaN(c)) return fail("unterminated $'…' quote", start)
      if (c === 0x27) break
      if (c !== 0x5c) {
        out[n++] = c
        j++
        continue
      }
      const e = s[j + 1]
      if (e === undefined) return fail("unterminated $'…' quote", start)
      const simple = SIMPLE_ESCAPES[e]
      const radix = e === 'x' || e === 'u' || e === 'U' ? 16 : e >= '0' && e <= '7' ? 8 : 0
      if (simple !== undefined) {
        out[n++] = simple.charCodeAt(0)
        j += 2
      } else if (radix > 0) {
        const from = radix === 8 ? j + 1 : j + 2
        const max = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 3
        let k = from
        let value = 0
        while (k < from + max && k < s.length) {
          const d = Number.parseInt(s[k]!, radix)
          if (Number.isNaN(d)) break
          value = value * radix + d
          k++
        }
        if (k === from || value > 0x10ffff) {
          // `\x` without digits, or a code point past Unicode: kept as typed, as bash does.
          out[n++] = 0x5c
          j++
          continue
        }
        if (radix === 8 || e === 'x') out[n++] = value & 0xff
        else n += out.write(String.fromCodePoint(value), n, 'utf8')
        j = k
      } else if (e === 'c' && s[j + 2] !== undefined && s[j + 2] !== "'") {
        out[n++] = s.charCodeAt(j + 2) & 0x1f
        j += 3
      } else {
        out[n++] = 0x5c
        j++
      }
    }
    i = j + 1
    return out.toString('latin1', 0, n)
  }

  /**
   * `"$(printf 'FORMAT')"`, the form printCurl writes bytes that do not print in (a POSIX sh
   * has no `$'…'`): what printf writes, trailing newlines stripped as the shell strips them.
   * Null for any other substitution, which is kept literally.
   */
  const readPrintf = (): string | null => {
    PRINTF_SUBSTITUTION.lastIndex = i
    const m = PRINTF_SUBSTITUTION.exec(s)
    const out = m ? printfOutput(m[1]!) : null
    if (m === null || out === null) return null
    i += m[0].length
    return trimEndOf(out, '\n')
  }

  /** `$(…)` or `` `…` `` kept literally: nothing is run. */
  const readSubstitution = (): string => {
    const start = i
    if (s[i] === '`') {
      const end = s.indexOf('`', i + 1)
      if (end === -1) return fail('unterminated `…` command substitution', start)
      i = end + 1
      return s.slice(start, i)
    }
    let depth = 0
    for (; i < s.length; i++) {
      if (s[i] === '(') depth++
      else if (s[i] === ')' && --depth === 0) {
        i++
        return s.slice(start, i)
      }
    }
    return fail('unterminated $(…) command substitution', start)
  }

  const readWord = (): ShellWord => {
    const word: ShellWord = { parts: [], start: i }
    let buf = ''
    const flush = (): void => {
      if (buf !== '') word.parts.push({ text: buf })
      buf = ''
    }
    const readVariable = (): boolean => {
      VARIABLE.lastIndex = i
      const m = VARIABLE.exec(s)
      if (!m) return false
      flush()
      word.parts.push({ variable: (m[1] ?? m[2])!, raw: m[0] })
      i += m[0].length
      return true
    }
    const readDouble = (): void => {
      const start = i
      i++
      for (;;) {
        const c = s[i]
        if (c === undefined) fail('unterminated " quote', start)
        if (c === '"') {
          i++
          return
        }
        if (c === '\\') {
          const n = s[i + 1]
          const nl = newlineLength(i + 1)
          if (nl > 0) i += 1 + nl
          else if (n === '$' || n === '`' || n === '"' || n === '\\') {
            buf += n
            i += 2
          } else {
            buf += '\\'
            i++
          }
          continue
        }
        if (c === '$') {
          if (readVariable()) continue
          if (s[i + 1] === '(') {
            buf += readPrintf() ?? readSubstitution()
            continue
          }
        }
        if (c === '`') {
          buf += readSubstitution()
          continue
        }
        buf += c
        i++
      }
    }

    while (i < s.length) {
      const c = s[i]!
      if (WORD_END.has(c)) break
      if (c === '\\') {
        const nl = newlineLength(i + 1)
        if (nl > 0) i += 1 + nl
        else if (i + 1 < s.length) {
          buf += s[i + 1]
          i += 2
        } else i++
        continue
      }
      if (c === "'") {
        const end = s.indexOf("'", i + 1)
        if (end === -1) fail("unterminated ' quote", i)
        buf += s.slice(i + 1, end)
        i = end + 1
        continue
      }
      if (c === '"') {
        readDouble()
        continue
      }
      if (c === '$') {
        if (s[i + 1] === "'") {
          buf += readAnsiC()
          continue
        }
        if (s[i + 1] === '"') {
          i++
          readDouble()
          continue
        }
        if (readVariable()) continue
        if (s[i + 1] === '(') {
          buf += readSubstitution()
          continue
        }
      }
      if (c === '`') {
        if (blankToEndOfLine(i + 1)) break
        buf += readSubstitution()
        continue
      }
      buf += c
      i++
    }
    flush()
    return word
  }

  const skipBlanks = (): void => {
    while (s[i] === ' ' || s[i] === '\t') i++
  }
  const wordText = (w: ShellWord): string =>
    w.parts.map((p) => ('text' in p ? p.text : p.raw)).join('')

  const readRedirect = (): void => {
    if (s.startsWith('<<<', i)) {
      i += 3
      skipBlanks()
      current.stdin = `${wordText(readWord())}\n`
      return
    }
    if (s.startsWith('<<', i)) {
      i += 2
      const stripTabs = s[i] === '-'
      if (stripTabs) i++
      skipBlanks()
      const start = i
      const delimiter = wordText(readWord())
      if (delimiter === '') fail('here-document without a delimiter', start)
      heredocs.push({ delimiter, stripTabs, command: current })
      return
    }
    // <, >, >>, >|, >&N, <&N, &>: the target is a file or descriptor; none matters here.
    i++
    if (s[i] === '>' || s[i] === '|' || s[i] === '&') i++
    skipBlanks()
    if (s[i] !== undefined && !WORD_END.has(s[i]!)) readWord()
  }

  const readHeredocBodies = (): void => {
    for (const doc of heredocs.splice(0)) {
      let lines: string[] = []
      for (;;) {
        if (i >= s.length) break
        let end = s.indexOf('\n', i)
        if (end === -1) end = s.length
        let line = s.slice(i, end).replace(/\r$/, '')
        i = Math.min(end + 1, s.length)
        if (doc.stripTabs) line = line.replace(/^\t+/, '')
        if (line === doc.delimiter || line === `> ${doc.delimiter}`) {
          // A terminal copy shows the continuation prompt before every here-document line.
          if (line !== doc.delimiter && lines.every((l) => l.startsWith('> '))) {
            lines = lines.map((l) => l.slice(2))
          }
          break
        }
        lines.push(line)
      }
      doc.command.stdin = lines.length > 0 ? `${lines.join('\n')}\n` : ''
    }
  }

  while (i < s.length) {
    const c = s[i]!
    if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '\\' && continuationAt(i + 1) > 0) {
      i += 1 + continuationAt(i + 1)
      // A terminal copy holds bash's continuation prompt (PS2, `> `) at the start of the line.
      const ps2 = /[ \t]*> /y
      ps2.lastIndex = i
      if (ps2.test(s)) i = ps2.lastIndex
    } else if (c === '`' && blankToEndOfLine(i + 1)) {
      // PowerShell line continuation.
      i = s.indexOf('\n', i) + 1
    } else if (c === '\n') {
      i++
      readHeredocBodies()
      endCommand()
    } else if (c === '#') {
      const end = s.indexOf('\n', i)
      i = end === -1 ? s.length : end
    } else if (c === '&' && s[i + 1] === '>') {
      readRedirect()
    } else if (c === '<' || c === '>') {
      readRedirect()
    } else if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      i++
      if (s[i] === c) i++
      endCommand()
    } else {
      const word = readWord()
      // `2>&1`: a descriptor number glued to a redirection is not an argument.
      if ((s[i] === '<' || s[i] === '>') && /^\d+$/.test(wordText(word))) continue
      current.words.push(word)
    }
  }
  readHeredocBodies()
  endCommand()
  return commands
}
