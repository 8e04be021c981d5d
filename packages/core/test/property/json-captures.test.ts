/**
 * HAR and JSON captures against JSON.parse/JSON.stringify as oracles: the located JSON parser
 * reads every value JSON.parse reads, and refuses what it refuses; a request written as HAR or
 * JSON comes back with the same method, URL, headers and body bytes.
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CaptureParseError, type Header, parseHar, parseJsonCapture } from '../../src/index.js'
import { type JsonNode, parseJsonSource } from '../../src/message/json-source.js'

function plain(node: JsonNode): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries(node.entries.map(({ key, value }) => [key, plain(value)]))
    case 'array':
      return node.items.map(plain)
    case 'null':
      return null
    default:
      return node.value
  }
}

describe('the located JSON parser agrees with JSON.parse', () => {
  it('on any JSON text', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(plain(parseJsonSource(text))).toEqual(JSON.parse(text))
      }),
      { numRuns: 1000 },
    )
  })

  it('on text that is mostly not JSON: both accept or both refuse', () => {
    const unit = fc.constantFrom(
      ...'{}[]:,"\\ntrue false null -0.5e+1 \\u00e9 \\" 1 a'.split(' '),
      ' ',
      '\n',
    )
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (text) => {
        let expected: unknown
        let valid = true
        try {
          expected = JSON.parse(text)
        } catch {
          valid = false
        }
        if (valid) expect(plain(parseJsonSource(text))).toEqual(expected)
        else expect(() => parseJsonSource(text)).toThrow(CaptureParseError)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('HAR and JSON captures written by JSON.stringify', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 30 })
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
    url: text.map((p) => `https://example.com/${p}`),
    headers: fc.array(
      fc.tuple(
        fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/),
        text,
      ) as fc.Arbitrary<Header>,
      { maxLength: 6 },
    ),
    body: text,
  })

  it('HAR keeps method, URL, headers and the body text', () => {
    fc.assert(
      fc.property(request, ({ method, url, headers, body }) => {
        const har = {
          log: {
            entries: [
              {
                request: {
                  method,
                  url,
                  headers: headers.map(([name, value]) => ({ name, value })),
                  postData: { mimeType: 'text/plain', text: body },
                },
              },
            ],
          },
        }
        const req = parseHar(JSON.stringify(har, null, 1)).request!
        expect([req.method, req.url, req.headers]).toEqual([method, url, headers])
        expect(Buffer.from(req.body).toString('utf8')).toBe(body)
      }),
      { numRuns: 300 },
    )
  })

  it('JSON keeps them in each header shape, and base64 bodies byte for byte', () => {
    const shapes = [
      (h: Header[]) => h,
      (h: Header[]) => h.map(([name, value]) => ({ name, value })),
    ]
    fc.assert(
      fc.property(
        request,
        fc.constantFrom(...shapes),
        fc.uint8Array({ maxLength: 100 }),
        (r, shape, bytes) => {
          const json = JSON.stringify({
            ...r,
            headers: shape(r.headers),
            body: Buffer.from(bytes).toString('base64'),
            encoding: 'base64',
          })
          const req = parseJsonCapture(json).request!
          expect([req.method, req.url, req.headers]).toEqual([r.method, r.url, r.headers])
          expect(Buffer.from(req.body).equals(Buffer.from(bytes))).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })
})
