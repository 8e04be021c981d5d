/**
 * print → parse round trips: raw HTTP and curl keep the method, URL, headers and the body
 * byte for byte, binary and non-UTF-8 bodies included.
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Header,
  type HttpRequest,
  parseCurl,
  parseRequest,
  printCurl,
  printRawHttpRequestBytes,
} from '../../src/index.js'

const method = fc.stringMatching(/^[A-Z][A-Z0-9!#$%&'*+.^_`|~-]{0,11}$/)
const headerName = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/)
/** Any well-formed text (lone surrogates are not text and have no UTF-8 form). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 })

function same(parsed: HttpRequest, original: HttpRequest): void {
  expect(parsed.method).toBe(original.method)
  expect(parsed.url).toBe(original.url)
  expect(parsed.headers).toEqual(original.headers)
  expect(Buffer.from(parsed.body).equals(Buffer.from(original.body))).toBe(true)
}

describe('raw HTTP print → parse', () => {
  // A raw header line cannot hold CR or LF, and the parser trims the spaces around a value.
  const value = text.map((v) => v.replace(/[\r\n]/g, '').replace(/^[ \t]+|[ \t]+$/g, ''))
  const request = fc.record({
    method,
    url: fc.oneof(
      text.map((p) => `/${p.replace(/\s/g, '')}`),
      text.map((p) => `https://example.com/${p.replace(/\s/g, '')}`),
    ),
    headers: fc.array(fc.tuple(headerName, value) as fc.Arbitrary<Header>, { maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 512 }),
  })

  it('keeps method, URL, headers and body bytes', () => {
    fc.assert(
      fc.property(request, (req) => {
        same(parseRequest(printRawHttpRequestBytes(req)), req)
      }),
      { numRuns: 500 },
    )
  })

  it('keeps a body that holds a blank line, CRLFs and invalid UTF-8', () => {
    const req: HttpRequest = {
      method: 'POST',
      url: '/hooks',
      headers: [['X-Sig', 'ab']],
      body: Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]),
    }
    same(parseRequest(printRawHttpRequestBytes(req)), req)
  })
})

describe('curl print → parse', () => {
  // curl drops the blanks after `Name:` and reads a value of blanks alone as "remove Name".
  const value = text.filter((v) => !/^[ \t]/.test(v) && (v === '' || !/^[ \t\n\r\v\f]*$/.test(v)))
  const request = fc.record({
    method,
    url: text.map((p) => `https://example.com/${p}`),
    headers: fc.array(fc.tuple(headerName, value) as fc.Arbitrary<Header>, { maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 512 }),
  })

  it('keeps method, URL, headers and body bytes', () => {
    fc.assert(
      fc.property(request, fc.boolean(), (req, multiline) => {
        const printed = printCurl(req, { multiline })
        same(parseCurl(printed), req)
        same(parseRequest(printed), req)
      }),
      { numRuns: 500 },
    )
  })

  it('keeps every byte value, NUL and invalid UTF-8 included', () => {
    const body = Uint8Array.from({ length: 256 }, (_, k) => k)
    const req: HttpRequest = { method: 'POST', url: 'https://example.com/x', headers: [], body }
    const printed = printCurl(req)
    expect(printed).toContain(`--data-binary "$(printf '\\000\\001`)
    same(parseCurl(printed), req)
  })

  it('prints a UTF-8 body as text and a body starting with @ with --data-raw', () => {
    const body = Buffer.from('@{"name":"Zoë ✓"}\n', 'utf8')
    const req: HttpRequest = {
      method: 'POST',
      url: 'https://example.com/x',
      headers: [['Content-Type', 'application/json']],
      body,
    }
    const printed = printCurl(req)
    expect(printed).toBe(
      `curl 'https://example.com/x' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '@{"name":"Zoë ✓"}\n'`,
    )
    same(parseCurl(printed), req)
  })

  it('makes an origin-form URL absolute from Host', () => {
    const req: HttpRequest = {
      method: 'GET',
      url: '/hooks?a=1',
      headers: [['Host', 'api.example.com']],
      body: new Uint8Array(),
    }
    expect(parseCurl(printCurl(req)).url).toBe('https://api.example.com/hooks?a=1')
  })
})
