import { parseRawHttpRequest } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { wireValueOf, withCapturedHeaderBytes } from './raw-head.js'

describe('withCapturedHeaderBytes', () => {
  it('trims the optional whitespace around a value, however long the run (one pass)', () => {
    // 256 KiB of spaces between two characters: the regex this replaced retried the run from
    // each of its characters (3 s at 64 KiB, about a minute here); a linear reader, milliseconds.
    const capture = new TextEncoder().encode(
      `POST /hooks HTTP/1.1\r\nHost: x\r\nX-Long: a${' '.repeat(256 * 1024)}v \t\r\nContent-Length: 0\r\n\r\n`,
    )
    const request = withCapturedHeaderBytes(parseRawHttpRequest(capture), capture)
    const long = request.headers.find(([name]) => name.toLowerCase() === 'x-long')!
    expect(long[1]).toBe(`a${' '.repeat(256 * 1024)}v`)
    expect(wireValueOf(long)).toBe(long[1])
  })
})
