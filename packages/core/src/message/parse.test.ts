/**
 * The entry points the CLI and the gateway call: parseCapture, parseRequest, parseResponse.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseCapture, parseRequest, parseResponse } from './parse.js'

function oneLine(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (e instanceof CaptureParseError) return e.oneLine()
    throw e
  }
  throw new Error('expected a CaptureParseError')
}

describe('parse entry points', () => {
  it('parseCapture says which format it read', () => {
    expect(parseCapture('curl https://h/').format).toBe('curl')
    const har =
      '{"log":{"entries":[{"request":{"method":"GET","url":"/"},"response":{"status":204}}]}}'
    const c = parseCapture(har)
    expect(c.format).toBe('har')
    expect(c.request?.url).toBe('/')
    expect(c.response?.status).toBe(204)
  })

  it('parseRequest and parseResponse pick their half', () => {
    const both = '{"request":{"url":"/x"},"response":{"status":401}}'
    expect(parseRequest(both).url).toBe('/x')
    expect(parseResponse(both).status).toBe(401)
    expect(parseResponse('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\n\r\n')).toMatchObject(
      {
        status: 429,
        statusText: 'Too Many Requests',
        headers: [['Retry-After', '5']],
      },
    )
  })

  it('unusable input: one line naming file, line and column', () => {
    const o = { file: 'req.txt' }
    expect(oneLine(() => parseRequest('hello', o))).toBe(
      'req.txt:1:1: not a request: expected raw HTTP, a curl command, HAR or JSON',
    )
    expect(oneLine(() => parseRequest('  \n', o))).toBe('req.txt: the capture is empty')
    expect(oneLine(() => parseRequest('HTTP/1.1 401 Unauthorized\n\n', o))).toBe(
      'req.txt:1:1: not a request: this is an HTTP response (it starts with a status line)',
    )
    expect(oneLine(() => parseResponse('curl https://h/', o))).toBe(
      'req.txt:1:1: not a response: a curl command is a request',
    )
    expect(oneLine(() => parseResponse('hello', o))).toMatch(
      /^req.txt:1:1: not a response: expected raw HTTP/,
    )
    // The rest of the line may be a token: only its length and fingerprint.
    expect(oneLine(() => parseRequest('POST /x HTTP/1.1\nHost: h\nbad header\n\n', o))).toMatch(
      /^req\.txt:3:1: header line "bad …" \(then len=6 fp:[0-9a-f]{8}\) is not "Name: value"$/,
    )
  })

  it('baseDir is passed to the curl parser; without it @file is refused', () => {
    expect(oneLine(() => parseRequest('curl -d @/etc/hostname https://h/'))).toMatch(/cannot carry/)
    // A file name alone (the gateway labels pastes `request`) never enables reading files.
    expect(
      oneLine(() => parseRequest('curl -d @/etc/hostname https://h/', { file: 'request' })),
    ).toMatch(/^request:1:9: -d \/etc\/hostname is read from a file/)
  })
})
