/**
 * Request text made safe to look at: invisible and format characters (bidi overrides,
 * zero-widths, no-break spaces, controls) become visible, inert markers; a body that is not
 * UTF-8 is said so, with its bytes in hex. Pure functions: the page renders their parts as text.
 * (The gateway records header values as UTF-8 text when their bytes are UTF-8, Latin-1 when
 * not: shown as they are, a C1 control among Latin-1 bytes is marked like any other.)
 * @module
 */

/** Names of the characters a webhook most often hides (the rest are shown by code point). */
const NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'NULL'],
  [0x09, 'TAB'],
  [0x0a, 'LINE FEED'],
  [0x0d, 'CARRIAGE RETURN'],
  [0x7f, 'DELETE'],
  [0xa0, 'NO-BREAK SPACE'],
  [0xad, 'SOFT HYPHEN'],
  [0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x061c, 'ARABIC LETTER MARK'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x202f, 'NARROW NO-BREAK SPACE'],
  [0x2060, 'WORD JOINER'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0x3000, 'IDEOGRAPHIC SPACE'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE (BOM)'],
  [0xfffd, 'REPLACEMENT CHARACTER (bytes that are not UTF-8)'],
])

/**
 * What is never shown live: controls, format characters (bidi, zero-width, BOM, tags), line
 * and paragraph separators, every space but U+0020, and the blank fillers that render as
 * nothing (U+034F, a combining character, apart). U+FFFD is marked too: it stands for bytes
 * that were not UTF-8.
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u2800\u3164\uffa0\ufffd]|\u034f/u

/** Tab, line feed and carriage return stay as they are in a multi-line text (a body). */
const LAYOUT = new Set(['\t', '\n', '\r'])

/** `U+202E`: the code point, at least four hex digits. */
export const codePoint = (ch: string) =>
  `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`

/** One invisible character's marker text and its name (for a tooltip). */
export function marker(ch: string): { text: string; name: string } {
  const cp = codePoint(ch)
  const name = NAMES.get(ch.codePointAt(0) ?? 0)
  return { text: `⟨${cp}⟩`, name: name ? `${cp} ${name}` : cp }
}

/** A piece of text: plain, or one invisible character to show as a marker. */
export type Part = string | { ch: string }

/**
 * The text split into plain runs and invisible characters. `multiline` keeps tab, line feed
 * and carriage return as they are (a body); otherwise they are marked too (a header, a path).
 */
export function visibleParts(text: string, multiline = false): Part[] {
  const out: Part[] = []
  let run = ''
  for (const ch of text) {
    if (INVISIBLE.test(ch) && !(multiline && LAYOUT.has(ch))) {
      if (run) out.push(run)
      run = ''
      out.push({ ch })
    } else run += ch
  }
  if (run) out.push(run)
  return out
}

/** Does the text hold anything that is shown as a marker? */
export const hasInvisible = (text: string, multiline = false) =>
  visibleParts(text, multiline).some((p) => typeof p !== 'string')

/** The text with every invisible character written as its marker: for a title or a copy. */
export const escapeInvisible = (text: string, multiline = false) =>
  visibleParts(text, multiline)
    .map((p) => (typeof p === 'string' ? p : marker(p.ch).text))
    .join('')

/** A body's bytes read as text, or null when they are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return null
  }
}

/** At most this many bytes are written out in hex (16 per line). */
export const HEX_LIMIT = 16 * 1024

/** `00000000  7b 22 61 …  |{"a…|`, 16 bytes a line, printable ASCII on the right. */
export function hexDump(bytes: Uint8Array, limit = HEX_LIMIT): string {
  const lines: string[] = []
  const end = Math.min(bytes.length, limit)
  for (let off = 0; off < end; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, end))
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${ascii.join('')}|`)
  }
  return lines.join('\n')
}

/** Shorter than `max` characters (an ellipsis in the middle of nothing: at the end). */
export const clip = (text: string, max: number) =>
  [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`
