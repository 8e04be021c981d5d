/**
 * A capture that declares a body it does not hold is marked so, whatever its format: a HAR
 * entry with Content-Length and no postData (no bodySize either), a JSON capture with
 * Content-Length and no body, a raw head; a raw capture cut short of its Content-Length is
 * missing part of it.
 */
import { describe, expect, it } from 'vitest'
import { missingBody } from './framing.js'
import { parseRequest } from './parse.js'

const har = (request: Record<string, unknown>) =>
  JSON.stringify({
    log: {
      version: '1.2',
      entries: [
        {
          request: { method: 'POST', url: 'http://h/ok', ...request },
          response: { status: 401, headers: [] },
        },
      ],
    },
  })

describe('a body declared but not held', () => {
  it('HAR: Content-Length in the headers, no postData, no bodySize', () => {
    const req = parseRequest(
      har({
        headers: [
          { name: 'Authorization', value: 'Bearer t' },
          { name: 'content-length', value: '20' },
        ],
      }),
    )
    expect(req.bodyNotCaptured).toBe(20)
    expect(missingBody(req)).toEqual({ declared: 20, held: 0 })
  })

  it('HAR: bodySize still wins, and a held body or Content-Length 0 is no such capture', () => {
    expect(parseRequest(har({ headers: [], bodySize: 7 })).bodyNotCaptured).toBe(7)
    const held = parseRequest(
      har({
        headers: [{ name: 'Content-Length', value: '2' }],
        postData: { mimeType: 'application/json', text: '{}' },
      }),
    )
    expect(held.bodyNotCaptured).toBeUndefined()
    expect(missingBody(held)).toBe(null)
    const zero = parseRequest(har({ headers: [{ name: 'Content-Length', value: '0' }] }))
    expect(zero.bodyNotCaptured).toBeUndefined()
  })

  it('JSON capture: Content-Length and no body', () => {
    const req = parseRequest(
      '{"method":"POST","url":"http://h/ok","headers":{"Authorization":"Bearer t","Content-Length":"20"}}',
    )
    expect(req.bodyNotCaptured).toBe(20)
    const held = parseRequest(
      '{"method":"POST","url":"http://h/ok","headers":{"Content-Length":"2"},"body":"{}"}',
    )
    expect(missingBody(held)).toBe(null)
  })

  it('raw: a head alone, and a body cut short of its Content-Length', () => {
    const head = parseRequest('POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n')
    expect(missingBody(head)).toEqual({ declared: 100, held: 0 })
    const short = parseRequest('POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nshort')
    expect(short.bodyNotCaptured).toBeUndefined()
    expect(missingBody(short)).toEqual({ declared: 100, held: 5 })
    // More bytes than declared: a receiver reads Content-Length of them, all of which are held.
    const long = parseRequest('POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}xyz')
    expect(missingBody(long)).toBe(null)
  })
})
