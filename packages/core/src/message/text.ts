/**
 * Byte/text helpers shared by the capture parsers: "binary strings" (one char per byte),
 * header text decoding, and offsets → line:column for error positions.
 * @module
 */
import type { ErrorPosition } from '../errors.js'

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * `text` without the characters of `chars` that end it. A loop, not `replace(/[ \t]+$/, '')`:
 * unanchored, such a pattern runs to the end of every inner run from each character in it,
 * quadratic in a run that something other than those characters follows.
 */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length
  while (end > 0 && chars.includes(text[end - 1]!)) end--
  return text.slice(0, end)
}

/** Bytes → a string with one char (U+0000–U+00FF) per byte, so that parsers can index bytes. */
export function binaryString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** The inverse of binaryString. */
export function binaryBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'))
}

/** Bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return fatalUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Header text from its bytes: UTF-8 where the bytes are valid UTF-8, else latin-1 (obs-text,
 * RFC 9110 §5.5), so that no byte is lost or replaced.
 */
export function headerText(bytes: Uint8Array): string {
  return utf8OrUndefined(bytes) ?? binaryString(bytes)
}

/** A binary string (one char per byte) read as header text; see headerText. */
export function headerTextFromBinary(text: string): string {
  return headerText(binaryBytes(text))
}

/**
 * 1-based line and column of `offset` in a binary string. Columns count characters, not bytes:
 * UTF-8 continuation bytes do not advance the column.
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let lineStart = 0
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  let column = 1
  for (let i = lineStart; i < end; i++) if ((text.charCodeAt(i) & 0xc0) !== 0x80) column++
  return { line, column }
}

/** `{file, line, column}` for an offset, the file only when known. */
export function positionAt(text: string, offset: number, file?: string): ErrorPosition {
  return { ...(file !== undefined ? { file } : {}), ...lineColumn(text, offset) }
}

/** A continuation byte (10xxxxxx) at `i`. */
function continuation(bytes: Uint8Array, i: number): boolean {
  return (bytes[i]! & 0xc0) === 0x80
}

/**
 * Length (1–4) of the valid UTF-8 sequence that starts at `i`, or 0 when none does. Decided
 * by the table of RFC 3629 §4 (no overlong forms, no surrogates, nothing past U+10FFFF), as a
 * fatal TextDecoder decides it, but without a decoder: a decoder throws on every invalid
 * sequence, and a body of 1 MB of invalid bytes cost a million exceptions (seconds of CPU).
 */
export function utf8SequenceAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!
  if (b < 0x80) return 1
  const len =
    b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
  if (len === 0 || i + len > bytes.length) return 0
  // The second byte's range depends on the first (overlong forms, surrogates, > U+10FFFF).
  const second = bytes[i + 1]!
  const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
  const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
  if (second < low || second > high) return 0
  for (let k = 2; k < len; k++) if (!continuation(bytes, i + k)) return 0
  return len
}

/** Offset of the first byte that is not part of valid UTF-8, or -1 when all of it is valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const len = utf8SequenceAt(bytes, i)
    if (len === 0) return i
    i += len
  }
  return -1
}
