/**
 * Request text made visible: invisible and format characters become markers, a body that is
 * not UTF-8 is hex.
 * @module
 */
import { describe, expect, it } from 'vitest'
import {
  clip,
  escapeInvisible,
  hasInvisible,
  hexDump,
  marker,
  utf8OrNull,
  visibleParts,
} from '../src/api/text.js'

describe('visibleParts', () => {
  it('marks bidi overrides, zero-widths, no-break spaces, BOM and controls', () => {
    for (const cp of [
      0x202e, 0x202d, 0x2066, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00a0, 0x00ad, 0x2028,
      0x3000, 0x0000, 0x0007, 0x007f, 0x0085, 0xe0041, 0xfffd,
    ]) {
      const ch = String.fromCodePoint(cp)
      expect(visibleParts(`a${ch}b`)).toEqual(['a', { ch }, 'b'])
    }
  })

  it('leaves ordinary text, emoji letters and accented letters alone', () => {
    expect(visibleParts('Bearer ü-42 — ok ✓ 日本')).toEqual(['Bearer ü-42 — ok ✓ 日本'])
  })

  it('marks tab, line feed and carriage return on one line, keeps them in a body', () => {
    expect(escapeInvisible('a\tb\r\nc')).toBe('a⟨U+0009⟩b⟨U+000D⟩⟨U+000A⟩c')
    expect(escapeInvisible('a\tb\r\nc\u202e', true)).toBe('a\tb\r\nc⟨U+202E⟩')
    expect(hasInvisible('a\nb', true)).toBe(false)
    expect(hasInvisible('a\nb')).toBe(true)
  })

  it('names the well-known ones and writes the rest by code point', () => {
    expect(marker('\u202e')).toEqual({ text: '⟨U+202E⟩', name: 'U+202E RIGHT-TO-LEFT OVERRIDE' })
    expect(marker('\u{e0041}')).toEqual({ text: '⟨U+E0041⟩', name: 'U+E0041' })
  })
})

describe('bodies', () => {
  it('tells UTF-8 from other bytes, keeping a BOM', () => {
    expect(utf8OrNull(Buffer.from('\ufeff{"a":1}', 'utf8'))).toBe('\ufeff{"a":1}')
    expect(utf8OrNull(Uint8Array.from([0xff, 0xfe, 0x41]))).toBeNull()
  })

  it('writes bytes in hex, 16 a line, with the printable ones beside', () => {
    const dump = hexDump(
      Uint8Array.from([...Buffer.from('{"id":1}'), 0xff, 0, ...Array(10).fill(0x41)]),
    )
    expect(dump.split('\n')).toEqual([
      '00000000  7b 22 69 64 22 3a 31 7d ff 00 41 41 41 41 41 41  |{"id":1}..AAAAAA|',
      '00000010  41 41 41 41                                      |AAAA|',
    ])
    expect(hexDump(new Uint8Array(100), 32).split('\n')).toHaveLength(2)
  })
})

describe('clip', () => {
  it('shortens long values by code point, with an ellipsis', () => {
    expect(clip('abcdef', 4)).toBe('abc…')
    expect(clip('abc', 4)).toBe('abc')
    expect(clip('😀😀😀😀😀', 3)).toBe('😀😀…')
  })
})
