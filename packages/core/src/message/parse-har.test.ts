/**
 * parseHar: Chrome's HAR 1.2 export, entries, responses, and errors with field paths.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseHar } from './parse-har.js'

const har = readFileSync(
  fileURLToPath(new URL('../../test/fixtures/captures/chrome.har', import.meta.url)),
)
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')

function parseError(input: string, entry?: number): CaptureParseError {
  try {
    parseHar(input, { file: 'x.har', ...(entry !== undefined ? { entry } : {}) })
  } catch (e) {
    if (e instanceof CaptureParseError) return e
    throw e
  }
  throw new Error('expected a CaptureParseError')
}

describe('parseHar', () => {
  it('reads the first entry: request without HTTP/2 pseudo-headers, and its response', () => {
    const { request, response } = parseHar(har)
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://api.example.com/hooks/orders',
      httpVersion: 'HTTP/2',
      headers: [
        ['authorization', 'Bearer example_token_Ab12Cd34Ef56'],
        ['content-type', 'application/json'],
      ],
    })
    expect(text(request!.body)).toBe('{"event":"order.created"}')
    expect(response?.status).toBe(401)
    expect(response?.headers[2]).toEqual(['server', 'cloudflare'])
    // content.encoding base64 is decoded
    expect(text(response!.body)).toBe('{"title":"Unauthorized","status":401}')
  })

  it('entry 1: form params become a urlencoded body; status 0 means no response', () => {
    const { request, response } = parseHar(har, { entry: 1 })
    expect(text(request!.body)).toBe('event=order+created&id=42%261')
    expect(response).toBeUndefined()
  })

  it('names the entry that does not exist', () => {
    const e = parseError(har.toString(), 2)
    expect(e.message).toBe('log.entries[2] does not exist: the HAR file holds 2 entries')
    expect(e.position.field).toBe('log.entries[2]')
  })

  it('a HAR without entries', () => {
    const e = parseError('{"log": {"version": "1.2",\n "entries": []}}')
    expect(e.message).toBe('log.entries is empty: the HAR file holds no request')
    expect(e.position).toMatchObject({ file: 'x.har', line: 2, column: 13 })
  })

  it('a bad field is named with its path and line', () => {
    const e = parseError(
      '{"log":{"entries":[{"request":{"method":"GET","url":"https://h/",\n"headers":[{"name":"a","value":"b"},{"name":"c","value":{"x":1}}]}}]}}',
    )
    expect(e.message).toBe(
      'log.entries[0].request.headers[1].value must be a string, not an object',
    )
    expect(e.position).toMatchObject({
      line: 2,
      column: 57,
      field: 'log.entries[0].request.headers[1].value',
    })
  })

  it('missing url, broken base64', () => {
    expect(parseError('{"log":{"entries":[{"request":{"method":"GET"}}]}}').message).toBe(
      'log.entries[0].request.url is missing',
    )
    const b64 =
      '{"log":{"entries":[{"request":{"method":"POST","url":"/","postData":{"text":"%%%","encoding":"base64"}}}]}}'
    expect(parseError(b64).message).toMatch(/postData.text is not valid base64/)
  })

  it('bad JSON is reported at its line and column', () => {
    const e = parseError('{"log": {\n  "entries": [,]\n}}')
    expect(e.message).toBe('invalid JSON: expected a value, found ","')
    expect(e.position).toMatchObject({ line: 2, column: 15 })
  })
})
