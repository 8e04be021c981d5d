/**
 * parseJsonCapture: the three header shapes, Make's execution log, responses, both at once.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseJsonCapture } from './parse-json.js'

const fixture = (name: string): Buffer =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/captures/${name}`, import.meta.url)))
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')

function parseError(input: string | Uint8Array): CaptureParseError {
  try {
    parseJsonCapture(input, { file: 'c.json' })
  } catch (e) {
    if (e instanceof CaptureParseError) return e
    throw e
  }
  throw new Error('expected a CaptureParseError')
}

describe('parseJsonCapture', () => {
  it("Make's HTTP module log: a list, lower-case method, {name, value} headers, data", () => {
    const { request } = parseJsonCapture(fixture('make-execution-log.json'))
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://receiver.example.org/hooks/invoices',
      headers: [
        ['Authorization', 'example_token_Ab12Cd34Ef56'],
        ['Content-Type', 'application/json'],
      ],
    })
    expect(text(request!.body)).toBe(
      '{"event":"invoice.paid","invoice":{"id":"inv_77","amount":4200,"currency":"EUR"}}',
    )
  })

  it('[name, value] pairs keep order and duplicates; the body string is taken exactly', () => {
    const { request } = parseJsonCapture(fixture('request-pairs.json'))
    expect(request!.headers).toEqual([
      ['X-Signature', 'sha256=6f1c'],
      ['X-Signature', 'sha256=9ab0'],
      ['Content-Type', 'application/json'],
    ])
    expect(text(request!.body)).toBe('{"event":"order.created"}\n')
  })

  it('an object of headers (a list value repeats the header); a JSON body is the typed text', () => {
    const { request } = parseJsonCapture(fixture('request-object.json'))
    expect(request!.headers).toEqual([
      ['Host', 'api.example.com'],
      ['X-API-Key', 'k_live_51HxYz'],
      ['Accept', 'application/json'],
      ['Accept', 'text/plain'],
    ])
    expect(text(request!.body)).toBe('{ "event": "order.updated", "id": 42 }')
  })

  it('a response, and {request, response} together', () => {
    expect(parseJsonCapture(fixture('response.json')).response).toMatchObject({
      status: 401,
      statusText: 'Unauthorized',
    })
    const both = parseJsonCapture(
      '{"request":{"url":"https://h/x"},"response":{"statusCode":"403","headers":[]}}',
    )
    expect(both.request?.method).toBe('GET')
    expect(both.response?.status).toBe(403)
  })

  it('qs is appended to the URL; base64 bodies with "encoding"', () => {
    const { request } = parseJsonCapture(
      '{"url":"https://h/x?a=1","qs":[{"name":"b c","value":"d&e"}],"body":"AP8=","encoding":"base64"}',
    )
    expect(request!.url).toBe('https://h/x?a=1&b%20c=d%26e')
    expect([...request!.body]).toEqual([0x00, 0xff])
  })

  it('errors name the field and its line', () => {
    const e = parseError('{\n  "url": "https://h/",\n  "headers": [["a", "b"], ["c"]]\n}')
    expect(e.message).toBe('headers[1] must be a [name, value] pair, not a list of 1')
    expect(e.position).toMatchObject({ file: 'c.json', line: 3, column: 27, field: 'headers[1]' })
    expect(parseError('{"url": 5, "headers": {"a": null}}').message).toBe(
      'headers.a must be a string, not null',
    )
    expect(parseError('{"status": 42}').message).toBe(
      'status must be a 3-digit HTTP status such as 401',
    )
    expect(parseError('{"hello": 1}').message).toMatch(/needs "method" and "url"/)
    expect(parseError('[]').message).toBe('[0] does not exist: the list is empty')
    expect(parseError('{"url":"/","method":"GE T"}').message).toMatch(/not an HTTP method/)
  })

  it('bad JSON: line and column', () => {
    const e = parseError('{\n  "url": "https://h/",\n  "body": "a\n"\n}')
    expect(e.message).toMatch(/^invalid JSON: control character in a string/)
    expect(e.position).toMatchObject({ line: 3, column: 13 })
    expect(parseError('{"url": "x",}').message).toBe(
      `invalid JSON: expected a property name in double quotes, found "}"`,
    )
    expect(parseError(Uint8Array.from([0x7b, 0x0a, 0xff])).position).toMatchObject({
      line: 2,
      column: 1,
    })
  })
})
