/**
 * `curl -v` transcripts: fixtures, and transcripts made by the real curl against a node:http
 * server on 127.0.0.1, compared with what that server received and answered.
 * @module
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseCapture } from './parse.js'
import { parseCurlVerbose } from './parse-curl-verbose.js'

const run = promisify(execFile)
const fixture = (name: string): Buffer =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/captures/${name}`, import.meta.url)))
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('utf8')

describe('fixtures', () => {
  it('a transcript alone: request head without body, response with body', () => {
    const capture = parseCapture(fixture('curl-verbose.txt'))
    expect(capture.format).toBe('curl-verbose')
    expect(capture.request).toMatchObject({ method: 'POST', url: '/hooks/invoices' })
    expect(capture.request!.headers).toContainEqual(['Authorization', 'example_token_Ab12Cd34Ef56'])
    expect(capture.request!.body).toHaveLength(0)
    expect(capture.response).toMatchObject({ status: 401, statusText: 'Unauthorized' })
    // The progress meter and `{ [36 bytes data]` are not body.
    expect(text(capture.response!.body)).toBe('{"error":"invalid_token"}')
  })

  it('a command with its transcript below: the request from the command, the response from the transcript', () => {
    const capture = parseCapture(fixture('curl-with-verbose-output.curl'))
    expect(capture.format).toBe('curl')
    expect(text(capture.request!.body)).toBe('{"event":"invoice.paid"}')
    expect(capture.response?.status).toBe(401)
  })

  it('a body that runs into the closing note on its line', () => {
    const t =
      '> GET /h HTTP/1.1\r\n> Host: h\r\n>\r\n< HTTP/1.1 403 Forbidden\r\n<\r\n{"a":1}* Connection #0 to host h left intact\n'
    expect(text(parseCurlVerbose(t).response!.body)).toBe('{"a":1}')
  })

  it('100 Continue before the answer: the answer is the response, the 100 is earlier', () => {
    const t =
      '> POST /h HTTP/1.1\r\n> Host: h\r\n> Expect: 100-continue\r\n>\r\n< HTTP/1.1 100 Continue\r\n<\r\n} [81 bytes data]\r\n< HTTP/1.1 401 Unauthorized\r\n< X-Powered-By: Express\r\n<\r\nUnauthorized\r\n'
    const { request, response } = parseCurlVerbose(t)
    expect(request?.method).toBe('POST')
    expect(response).toMatchObject({ status: 401, headers: [['X-Powered-By', 'Express']] })
    expect(text(response!.body)).toBe('Unauthorized')
    expect(response!.earlier?.map((e) => e.status)).toEqual([100])
  })

  it('through a forward proxy: the CONNECT exchange is the tunnel, not the request', () => {
    const t =
      '> CONNECT h:443 HTTP/1.1\n> Host: h:443\n>\n< HTTP/1.1 200 Connection established\n<\n* CONNECT phase completed\n> POST /hooks HTTP/1.1\n> Host: h\n>\n< HTTP/1.1 401 Unauthorized\n< Server: kong/3.6.1\n<\n{}\n'
    const { request, response } = parseCurlVerbose(t)
    expect(request).toMatchObject({ method: 'POST', url: '/hooks' })
    expect(response?.status).toBe(401)
    // A CONNECT the proxy refused is all there is: it stays the exchange.
    const refused = parseCurlVerbose(
      '> CONNECT h:443 HTTP/1.1\n>\n< HTTP/1.1 407 Proxy Authentication Required\n<\n',
    )
    expect(refused.response?.status).toBe(407)
  })

  it('entry out of range, and a transcript without a request line', () => {
    expect(() => parseCurlVerbose('> GET / HTTP/1.1\n>\n', { entry: 1 })).toThrow(
      /holds 1 request; entry 1 does not exist/,
    )
    expect(() => parseCurlVerbose('* Trying 1.2.3.4\n')).toThrow(CaptureParseError)
  })
})

describe('transcripts from the real curl', () => {
  let server: Server
  let origin = ''
  const received: { url: string; headers: string[] }[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.rawHeaders })
        if (req.url === '/start') {
          res.writeHead(302, { Location: '/end' })
          res.end()
        } else {
          res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
          res.end('{"error":"invalid_token"}\n')
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  for (const quiet of [true, false]) {
    it(`-L through a redirect${quiet ? ', -s' : ', with the progress meter'}: the request first sent and the final answer, or one exchange with --entry`, async () => {
      received.length = 0
      const args = [
        ...(quiet ? ['-s'] : []),
        '-v',
        '-L',
        '-H',
        'Authorization: Bearer abc',
        `${origin}/start`,
      ]
      const { stdout, stderr } = await run('curl', args)
      // What a terminal shows when stderr and stdout are pasted together.
      const transcript = `${stderr}${stdout}`
      // By default: the request as first sent, the final answer, the redirect before it.
      const whole = parseCurlVerbose(transcript)
      expect(whole.request?.url).toBe('/start')
      expect(whole.request?.headers).toContainEqual(['Authorization', 'Bearer abc'])
      expect(whole.response?.status).toBe(401)
      expect(text(whole.response!.body)).toBe('{"error":"invalid_token"}')
      expect(whole.response?.earlier?.map((e) => e.status)).toEqual([302])
      const first = parseCurlVerbose(transcript, { entry: 0 })
      const second = parseCurlVerbose(transcript, { entry: 1 })
      expect(first.request?.url).toBe('/start')
      expect(first.response?.status).toBe(302)
      expect(second.request?.url).toBe('/end')
      expect(second.response?.status).toBe(401)
      expect(text(second.response!.body)).toBe('{"error":"invalid_token"}')
      const sent = received[1]!.headers
      const pairs = second.request!.headers.flat()
      expect(pairs).toEqual(sent)
    })
  }
})
