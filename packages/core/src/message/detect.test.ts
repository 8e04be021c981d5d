/**
 * detectFormat: each format from its content alone.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { detectFormat } from './detect.js'

const dir = fileURLToPath(new URL('../../test/fixtures/captures/', import.meta.url))

describe('detectFormat', () => {
  it('every fixture is detected from its content, whatever its name', () => {
    const expected: Record<string, string> = {
      curl: 'curl',
      har: 'har',
      http: 'http-request',
      json: 'json',
    }
    const captures = readdirSync(dir).filter((f) => /\.(curl|har|http|json)$|verbose/.test(f))
    for (const file of captures) {
      const ext = file.split('.').pop()!
      const special: Record<string, string> = {
        'unauthorized.http': 'http-response',
        'curl-verbose.txt': 'curl-verbose',
      }
      const want = special[file] ?? expected[ext]
      expect([file, detectFormat(readFileSync(`${dir}${file}`))]).toEqual([file, want])
    }
  })

  it.each([
    ['POST /hooks HTTP/1.1\nHost: h\n\n', 'http-request'],
    ['\r\n\r\nGET /x HTTP/2\r\n', 'http-request'],
    ['M-SEARCH * HTTP/1.1\r\n', 'http-request'],
    [':authority: h\n:method: GET\n', 'http-request'],
    ['GET /x\n', 'http-request'],
    ['HTTP/1.1 401 Unauthorized\n', 'http-response'],
    ['HTTP/2 200\n', 'http-response'],
    ['curl https://h/', 'curl'],
    ['  $ curl -X POST https://h/', 'curl'],
    ['1042  curl https://h/', 'curl'],
    ['TOKEN=x\ncurl https://h/', 'curl'],
    ['C:\\Users\\me>curl.exe https://h/', 'curl'],
    ['/usr/bin/curl \\\n https://h/', 'curl'],
    ['*   Trying 1.2.3.4:443...\n> GET / HTTP/2\n> Host: h\n>\n< HTTP/2 401\n', 'curl-verbose'],
    ['{"log":{"entries":[]}}', 'har'],
    ['\ufeff{"method":"GET","url":"/"}', 'json'],
    ['[{"url":"/"}]', 'json'],
    ['{ broken', 'json'],
    ['hello world', undefined],
    ['curly braces', undefined],
    ['', undefined],
  ])('%j → %s', (input, format) => {
    expect(detectFormat(input)).toBe(format)
  })
})
