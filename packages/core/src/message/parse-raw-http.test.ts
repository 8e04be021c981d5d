/**
 * Raw HTTP/1.1 captures: line ends, body bytes, obs-fold, errors with line numbers.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseRequest } from './parse.js'
import { parseRawHttpRequest, parseRawHttpResponse } from './parse-raw-http.js'

const fixture = (name: string): Buffer =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/captures/${name}`, import.meta.url)))
const b = (s: string): Uint8Array => Buffer.from(s, 'latin1')

describe('parseRawHttpRequest', () => {
  it('a UTF-8 byte-order mark before the request line, and spaces or tabs around its parts', () => {
    const req = parseRawHttpRequest(b('\xef\xbb\xbfPOST  /x?a=1\tHTTP/1.1 \r\nHost: h\r\n\r\n{}'))
    expect(req).toMatchObject({ method: 'POST', url: '/x?a=1', httpVersion: 'HTTP/1.1' })
    expect(parseRequest(b('\xef\xbb\xbfPOST /x HTTP/1.1 \r\nHost: h\r\n\r\n')).url).toBe('/x')
  })

  it('a line without its colon is named by its line, never quoted whole: it may hold the token', () => {
    for (const line of ['Authorization Bearer tok_SECRET_0123456789', 'tok_SECRET_0123456789']) {
      let message = ''
      try {
        parseRawHttpRequest(b(`POST /x HTTP/1.1\r\nHost: h\r\n${line}\r\n\r\n`), 'r.http')
      } catch (e) {
        message = (e as Error).message
      }
      expect(message).toMatch(/header line .* is not "Name: value"/)
      expect(message).toMatch(/len=\d+ fp:[0-9a-f]{8}/)
      expect(message).not.toContain('SECRET')
    }
  })

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

describe('parseRawHttpResponse: several status blocks, as curl -i prints them', () => {
  const crlf = (s: string): Uint8Array => b(s.replace(/\n/g, '\r\n'))

  it('100 Continue then the answer: the answer counts, the 100 is kept as earlier', () => {
    const res = parseRawHttpResponse(
      crlf(
        'HTTP/1.1 100 Continue\n\nHTTP/1.1 401 Unauthorized\nX-Powered-By: Express\n\nUnauthorized',
      ),
    )
    expect(res).toMatchObject({ status: 401, statusText: 'Unauthorized' })
    expect(res.headers).toEqual([['X-Powered-By', 'Express']])
    expect(Buffer.from(res.body).toString()).toBe('Unauthorized')
    expect(res.earlier).toEqual([{ status: 100, statusText: 'Continue', headers: [] }])
  })

  it("a forward proxy's 200 Connection established, then the answer through the tunnel", () => {
    const res = parseRawHttpResponse(
      crlf('HTTP/1.1 200 Connection established\n\nHTTP/2 401\nserver: kong/3.6.1\n\n{}'),
    )
    expect(res).toMatchObject({ status: 401, httpVersion: 'HTTP/2' })
    expect(res.earlier?.map((e) => e.status)).toEqual([200])
  })

  it('curl -i -L: a redirect with a body, the final answer right after it (Content-Length)', () => {
    const page = '<html>\n<center><h1>301 Moved Permanently</h1></center>\n</html>\n'
    const res = parseRawHttpResponse(
      crlf(
        `HTTP/1.1 301 Moved Permanently\nLocation: https://h/x\nContent-Length: ${page.replace(/\n/g, '\r\n').length}\n\n${page}HTTP/2 401\ncontent-type: application/json\n\n{"message":"Unauthorized"}`,
      ),
    )
    expect(res.status).toBe(401)
    expect(Buffer.from(res.body).toString()).toBe('{"message":"Unauthorized"}')
    expect(res.earlier).toEqual([
      {
        status: 301,
        statusText: 'Moved Permanently',
        headers: expect.arrayContaining([['Location', 'https://h/x']]),
      },
    ])
  })

  it('a redirect without Content-Length (chunked): the next status block is found line by line', () => {
    const res = parseRawHttpResponse(
      crlf(
        'HTTP/1.1 302 Found\nLocation: /y\n\nmoved\nHTTP/1.1 308 Permanent Redirect\nLocation: /z\n\nHTTP/1.1 404 Not Found\n\n',
      ),
    )
    expect(res.status).toBe(404)
    expect(res.earlier?.map((e) => e.status)).toEqual([302, 308])
  })

  it('a final answer whose body quotes a status line is not cut', () => {
    const body = 'Example:\nHTTP/1.1 200 OK\nContent-Type: text/plain\n'
    const res = parseRawHttpResponse(crlf(`HTTP/1.1 200 OK\nContent-Type: text/plain\n\n${body}`))
    expect(res.earlier).toBeUndefined()
    expect(Buffer.from(res.body).toString()).toBe(body.replace(/\n/g, '\r\n'))
  })

  it('a bad header line in a later block: its line in the whole file', () => {
    try {
      parseRawHttpResponse(
        b('HTTP/1.1 100 Continue\n\nHTTP/1.1 401 Unauthorized\nno colon here\n\n'),
        's.http',
      )
      expect.unreachable()
    } catch (e) {
      expect((e as CaptureParseError).position).toEqual({ file: 's.http', line: 4, column: 1 })
    }
  })
})

describe('the body as its framing delimits it', () => {
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')
  it('removes chunked framing (extensions, a trailer, \\r\\n or \\n), as the receiver read it', () => {
    const crlf = parseRawHttpRequest(
      Buffer.from(
        'POST /h HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n7;ext=1\r\n{"a":1,\r\n6\r\n"b":2}\r\n0\r\nX-Trailer: t\r\n\r\n',
      ),
    )
    expect(text(crlf.body)).toBe('{"a":1,"b":2}')
    const lf = parseRawHttpRequest(
      Buffer.from('POST /h HTTP/1.1\nTransfer-Encoding: gzip, chunked\n\n3\nabc\n0\n\n'),
    )
    expect(text(lf.body)).toBe('abc')
  })

  it('keeps a body a tool already de-chunked (the header kept, no framing)', () => {
    const r = parseRawHttpRequest(
      Buffer.from('POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{"a":1}'),
    )
    expect(text(r.body)).toBe('{"a":1}')
  })

  it('cuts line ends an editor added after Content-Length, and nothing else', () => {
    const added = parseRawHttpRequest(
      Buffer.from('POST /h HTTP/1.1\r\nContent-Length: 7\r\n\r\n{"a":1}\r\n\n'),
    )
    expect(text(added.body)).toBe('{"a":1}')
    // A Content-Length short of the bytes: a receiver reads that many, so the body is cut
    // there, and the disagreement is kept for the diagnosis.
    const miscounted = parseRawHttpRequest(
      Buffer.from('POST /h HTTP/1.1\r\nContent-Length: 3\r\n\r\n{"a":1}'),
    )
    expect(text(miscounted.body)).toBe('{"a')
    expect(miscounted.lengthMismatch).toMatchObject({ declared: 3, held: 7 })
    const response = parseRawHttpResponse(
      Buffer.from('HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}\n'),
    )
    expect(text(response.body)).toBe('{}')
  })
})
