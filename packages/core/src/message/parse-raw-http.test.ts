/**
 * Raw HTTP/1.1 captures: line ends, body bytes, obs-fold, errors with line numbers.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseRawHttpRequest, parseRawHttpResponse } from './parse-raw-http.js'

const fixture = (name: string): Buffer =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/captures/${name}`, import.meta.url)))
const b = (s: string): Uint8Array => Buffer.from(s, 'latin1')

describe('parseRawHttpRequest', () => {
  it('takes the body byte for byte, invalid UTF-8 and NUL included', () => {
    const req = parseRawHttpRequest(fixture('binary-body.http'))
    expect(req).toMatchObject({ method: 'POST', url: '/hooks/orders', httpVersion: 'HTTP/1.1' })
    expect([...req.body]).toEqual([...Buffer.from('\x00\xff\xfe binary \xc3\x28', 'latin1')])
  })

  it('bare \\n line ends, leading blank lines, obs-fold, UTF-8 and latin-1 values', () => {
    const req = parseRawHttpRequest(
      b('\n\npost /x?a=1 HTTP/1.1\nX-A:  one\n  two\nX-U: Zo\xc3\xab\nX-L: caf\xe9\n\nbody\n'),
    )
    expect(req.method).toBe('POST')
    expect(req.headers).toEqual([
      ['X-A', 'one two'],
      ['X-U', 'Zoë'],
      ['X-L', 'café'],
    ])
    expect(Buffer.from(req.body).toString()).toBe('body\n')
  })

  it('a head pasted with indentation', () => {
    const req = parseRawHttpRequest(
      b('\n    POST /x HTTP/1.1\n    Host: h\n    X-F: a\n     b\n\nbody'),
    )
    expect(req.headers).toEqual([
      ['Host', 'h'],
      ['X-F', 'a b'],
    ])
  })

  it('a header line without a colon: its line number', () => {
    try {
      parseRawHttpRequest(
        b('POST /x HTTP/1.1\r\nHost: h\r\nAuthorization Bearer x\r\n\r\n'),
        'r.http',
      )
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(CaptureParseError)
      expect((e as CaptureParseError).position).toEqual({ file: 'r.http', line: 3, column: 1 })
    }
  })
})

describe("Chrome's copy of HTTP/2 request headers", () => {
  it('pseudo-headers give the method and the absolute URL', () => {
    const req = parseRawHttpRequest(fixture('chrome-h2-headers.http'))
    expect(req).toMatchObject({
      method: 'POST',
      url: 'https://api.example.com/hooks/orders?x=1',
      httpVersion: 'HTTP/2',
      headers: [
        ['accept', '*/*'],
        ['authorization', 'Bearer abc'],
        ['content-type', 'application/json'],
      ],
    })
  })

  it('without :method it says what is missing', () => {
    expect(() => parseRawHttpRequest(b(':authority: h\nx: 1\n'))).toThrow(/:method and :path/)
  })

  it('an obs-fold keeps UTF-8 whose last byte is 0xA0 (à)', () => {
    const req = parseRawHttpRequest(b('GET / HTTP/1.1\nX-A: \xc3\xa0\n \xc3\xa0\n\n'))
    expect(req.headers).toEqual([['X-A', 'à à']])
  })
})

describe('parseRawHttpResponse', () => {
  it('status, reason, headers, body', () => {
    const res = parseRawHttpResponse(fixture('unauthorized.http'))
    expect(res).toMatchObject({ status: 401, statusText: 'Unauthorized', httpVersion: 'HTTP/1.1' })
    expect(res.headers[1]).toEqual(['WWW-Authenticate', 'Bearer error="invalid_token"'])
  })
})
