/**
 * Splits a Windows cmd.exe paste (Chrome's "Copy as cURL (cmd)": `^` escapes and `^` line
 * continuations) into commands and words: cmd's caret pass, then the MSVCRT argv rules that
 * curl.exe applies (`"` quotes, `\"` a literal quote).
 * @module
 */
import { CaptureParseError } from '../errors.js'
import type { ShellCommand } from './shell-words.js'
import { positionAt } from './text.js'

interface Char {
  c: string
  at: number
}

/**
 * True when the text looks like a cmd.exe paste rather than a POSIX shell one: the line with
 * `curl` ends with a caret, or its first argument is caret-quoted (`curl ^"https://…^"`).
 */
export function looksLikeCmd(text: string): boolean {
  if (/\bcurl(?:\.exe)?[ \t]+\^"/i.test(text)) return true
  // Line by line, not one pattern `[^\n]*\bcurl[^\n]*\^\r?\n`: that reads to the line's end
  // from every `curl` on it. The last line has no newline after it, so no continuation.
  const lines = text.split('\n')
  lines.pop()
  return lines.some((l) => (l.endsWith('^') || l.endsWith('^\r')) && /\bcurl/i.test(l))
}

export function splitCmd(text: string, file?: string): ShellCommand[] {
  const s = text
  const lines: Char[][] = []
  let current: Char[] = []
  let inQuote = false
  let i = 0
  const end = (): void => {
    lines.push(current)
    current = []
  }
  // Pass 1, cmd.exe: outside "…" a caret escapes the next character; a caret at the end of a
  // line joins the next line and escapes its first character (so `^` + LF + LF is a newline).
  while (i < s.length) {
    const c = s[i]!
    if (c === '^' && !inQuote) {
      const nl = s[i + 1] === '\n' ? 1 : s[i + 1] === '\r' && s[i + 2] === '\n' ? 2 : 0
      if (nl > 0) {
        i += 1 + nl
        if (s[i] === '\r' && s[i + 1] === '\n') {
          current.push({ c: '\n', at: i })
          i += 2
        } else if (s[i] !== undefined) {
          current.push({ c: s[i]!, at: i })
          i++
        }
      } else if (s[i + 1] !== undefined) {
        current.push({ c: s[i + 1]!, at: i + 1 })
        i += 2
      } else i++
      continue
    }
    if (c === '"') inQuote = !inQuote
    if (!inQuote && (c === '\n' || c === '&' || c === '|')) {
      end()
      i++
      continue
    }
    current.push({ c: c === '\r' && !inQuote ? ' ' : c, at: i })
    i++
  }
  end()
  return lines.map((chars) => argv(chars, s, file)).filter((cmd) => cmd.words.length > 0)
}

/** Pass 2, MSVCRT: whitespace splits outside quotes; 2n backslashes + `"` → n and a toggle. */
function argv(chars: Char[], s: string, file?: string): ShellCommand {
  const command: ShellCommand = { words: [] }
  let i = 0
  while (i < chars.length) {
    while (i < chars.length && (chars[i]!.c === ' ' || chars[i]!.c === '\t')) i++
    if (i >= chars.length) break
    const start = chars[i]!.at
    let text = ''
    let quoteAt = -1
    while (i < chars.length) {
      const c = chars[i]!.c
      if (quoteAt === -1 && (c === ' ' || c === '\t')) break
      if (c === '\\') {
        let n = 0
        while (chars[i + n]?.c === '\\') n++
        if (chars[i + n]?.c === '"') {
          text += '\\'.repeat(Math.floor(n / 2))
          i += n
          if (n % 2 === 1) {
            text += '"'
            i++
          }
        } else {
          text += '\\'.repeat(n)
          i += n
        }
        continue
      }
      if (c === '"') {
        if (quoteAt !== -1 && chars[i + 1]?.c === '"') {
          text += '"'
          i += 2
          continue
        }
        quoteAt = quoteAt === -1 ? chars[i]!.at : -1
        i++
        continue
      }
      text += c
      i++
    }
    if (quoteAt !== -1)
      throw new CaptureParseError('unterminated " quote', positionAt(s, quoteAt, file))
    command.words.push({ parts: [{ text }], start })
  }
  return command
}
