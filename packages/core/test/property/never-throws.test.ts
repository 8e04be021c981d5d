/**
 * Garbage in → a CaptureParseError with a position, or a parsed capture; never any other
 * exception (random text, random bytes, and valid captures with random damage).
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CaptureParseError,
  detectFormat,
  parseCapture,
  parseCurl,
  parseCurlVerbose,
  parseHar,
  parseJsonCapture,
  parseRequest,
  parseResponse,
} from '../../src/index.js'

const dir = fileURLToPath(new URL('../fixtures/captures/', import.meta.url))
const fixtures = readdirSync(dir)
  .filter((f) => /\.(http|curl|har|json)$|verbose/.test(f))
  .map((f) => readFileSync(`${dir}${f}`))

const parsers: ((input: Uint8Array) => unknown)[] = [
  (b) => parseCapture(b, { file: 'x' }),
  (b) => parseRequest(b),
  (b) => parseResponse(b),
  (b) => parseCurl(b),
  (b) => parseHar(b),
  (b) => parseJsonCapture(b),
  (b) => parseCapture(b, { entry: 1 }),
  (b) => parseCurlVerbose(b),
]

function onlyCaptureErrors(input: Uint8Array): void {
  expect(() => detectFormat(input)).not.toThrow()
  for (const parse of parsers) {
    try {
      parse(input)
    } catch (e) {
      if (!(e instanceof CaptureParseError)) throw e
      const p = e.position
      if (e.message !== 'the capture is empty') expect(p.line ?? p.field).toBeDefined()
    }
  }
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8')

/** Insert, delete or overwrite a few bytes at random places. */
const damaged = fc
  .tuple(
    fc.constantFrom(...fixtures),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.uint8Array({ maxLength: 6 })), {
      minLength: 1,
      maxLength: 5,
    }),
  )
  .map(([original, edits]) => {
    let b = Buffer.from(original)
    for (const [at, remove, insert] of edits) {
      const k = at % (b.length + 1)
      b = Buffer.concat([b.subarray(0, k), insert, b.subarray(k + remove)])
    }
    return new Uint8Array(b)
  })

/** Characters that matter to the parsers, so that random text reaches deep paths. */
const syntax = fc.string({
  unit: fc.constantFrom(
    ...`curl -H -d --data @ $' ' " \\ \n \r ^ \` { } [ ] : , "log" "entries" HTTP/1.1 POST / 0 1 \\x \\u ; | & < > <<EOF EOF # = -X`.split(
      ' ',
    ),
    ' ',
    '\n',
  ),
  maxLength: 60,
})

describe('garbage never escapes as anything but CaptureParseError', () => {
  it('random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => onlyCaptureErrors(bytes(s))),
      { numRuns: 300 },
    )
  })
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyCaptureErrors), { numRuns: 300 })
  })
  it('random shell and JSON syntax behind each format prefix', () => {
    const prefix = fc.constantFrom(
      '> POST /x HTTP/1.1\n',
      '$ curl -v https://h/\n*   Trying\n> GET / HTTP/1.1\n',
      'curl ',
      'curl ^"',
      '{"log":{"entries":[',
      '{"method":"POST","url":',
      '[',
      'POST / HTTP/1.1\n',
      'HTTP/1.1 200 OK\n',
      '',
    )
    fc.assert(
      fc.property(prefix, syntax, (p, s) => onlyCaptureErrors(bytes(p + s))),
      { numRuns: 1000 },
    )
  })
  it('random JSON values', () => {
    fc.assert(
      fc.property(fc.json(), (s) => onlyCaptureErrors(bytes(s))),
      { numRuns: 300 },
    )
    const capture = fc.record(
      {
        method: fc.anything(),
        url: fc.anything(),
        headers: fc.anything(),
        body: fc.anything(),
        status: fc.anything(),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(capture, (c) => onlyCaptureErrors(bytes(JSON.stringify(c) ?? ''))),
      { numRuns: 300 },
    )
  })
  it('valid captures with random damage', () => {
    fc.assert(fc.property(damaged, onlyCaptureErrors), { numRuns: 1000 })
  })
  it('deep nesting', () => {
    onlyCaptureErrors(bytes('['.repeat(100_000)))
    onlyCaptureErrors(bytes(`{"log":${'{"a":'.repeat(50_000)}`))
    onlyCaptureErrors(bytes(`curl ${'$('.repeat(10_000)}`))
  })
})
