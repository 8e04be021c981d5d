/**
 * The built `hookwarden replay` and `probe` against a small receiver on 127.0.0.1:
 * - a capture that declares a body it does not hold (HAR or JSON with Content-Length and no
 *   body, a raw capture cut short of its Content-Length) is refused with exit 2, nothing sent;
 * - `--fix --config` sends what the endpoint accepts as captured (and says so), and when it
 *   re-signs, leaves alone the headers the endpoint does not read;
 * - flags that would be ignored (`--config`, `--now` without `--fix`), `--entry` on a capture
 *   of one request and a `--now` that is no whole number are one-line errors, exit 2.
 * @module
 */
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

const NOW = 1796000000
const SECRET = 'gh-secret-abcdef-123456'
const BODY = '{"id":"evt_1","café":"€ 1"}'
const OTHER = 'Bearer: other-system-token-999'
let dir = ''
let config = ''
let server: Server
let url = ''
const received: { headers: string[]; body: string }[] = []

const githubSig = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

function githubCapture(name: string, signature: string): string {
  const bytes = Buffer.byteLength(BODY)
  return file(
    name,
    `POST /hooks/github HTTP/1.1\r\nHost: hooks.example\r\nAuthorization: ${OTHER}\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${signature}\r\nContent-Length: ${bytes}\r\n\r\n${BODY}`,
  )
}

beforeAll(async () => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hw-replay-held-'))
  config = file(
    'hookwarden.yaml',
    `endpoints:\n  - name: github\n    path: /hooks/github\n    auth: { provider: github, secrets: ["${SECRET}"] }\n`,
  )
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 180_000)

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('a capture that declares a body it does not hold: exit 2, nothing sent', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'a HAR entry with Content-Length and no postData or bodySize',
      () =>
        file(
          'h.har',
          JSON.stringify({
            log: {
              version: '1.2',
              entries: [
                {
                  request: {
                    method: 'POST',
                    url: 'http://127.0.0.1/ok',
                    headers: [
                      { name: 'Authorization', value: 'Bearer good-token-1234567890' },
                      { name: 'content-length', value: '20' },
                    ],
                  },
                  response: { status: 401, headers: [] },
                },
              ],
            },
          }),
        ),
      /declares a 20-byte body but holds none/,
    ],
    [
      'a JSON capture with Content-Length and no body',
      () =>
        file(
          'j.json',
          '{"method":"POST","url":"http://127.0.0.1/ok","headers":{"Authorization":"Bearer good-token-1234567890","Content-Length":"20"}}',
        ),
      /declares a 20-byte body but holds none/,
    ],
    [
      'a raw capture holding 5 of its 100 bytes',
      () => file('short.http', 'POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nshort'),
      /declares a 100-byte body but holds 5 bytes of it/,
    ],
  ]
  for (const [name, make, message] of cases) {
    it(name, async () => {
      const capture = make()
      const before = received.length
      for (const args of [
        ['replay', '--request', capture, '--to', `${url}/ok`],
        ['probe', `${url}/ok`, '--request', capture],
      ]) {
        const r = await run(args)
        expect(r.status).toBe(2)
        expect(r.stdout).toBe('')
        const lines = r.stderr.trim().split('\n')
        expect(lines).toHaveLength(1)
        expect(lines[0]).toContain(`hookwarden: ${capture}: `)
        expect(lines[0]).toMatch(message)
        expect(r.stderr).not.toContain('good-token-1234567890')
      }
      expect(received.length).toBe(before)
    })
  }

  it('diagnose still reads the short raw capture, and names it cut short', async () => {
    const capture = file(
      'short2.http',
      'POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nshort',
    )
    const r = await run(['diagnose', '--request', capture, '--json'])
    expect(r.status).toBe(1)
    expect(JSON.parse(r.stdout).causes.map((c: { code: string }) => c.code)).toContain(
      'request_incomplete',
    )
  })
})

describe('replay --fix --config changes only what the endpoint refuses', () => {
  it('a request the endpoint accepts is sent as captured, an unrelated Authorization too, and the output says so', async () => {
    const capture = githubCapture('accepted.http', githubSig(BODY))
    const args = [
      'replay',
      '--request',
      capture,
      '--to',
      `${url}/echo`,
      '--fix',
      '--config',
      config,
    ]
    const human = await run([...args, '--now', String(NOW)])
    expect(human.status).toBe(0)
    expect(human.stdout).toMatch(
      /--fix: endpoint github accepts the request as captured, so --fix changed nothing: sent as captured/,
    )
    expect(human.stdout).toMatch(/as captured/)
    const sent = received.at(-1)!
    expect(sent.headers).toContain(OTHER)
    expect(sent.headers).toContain(githubSig(BODY))
    expect(sent.body).toBe(BODY)
    const json = JSON.parse((await run([...args, '--now', String(NOW), '--json'])).stdout)
    expect(json.fixes).toEqual([])
    expect(json.fix_note).toMatch(/accepts the request as captured/)
  })

  it('a refused signature is re-signed; the Authorization header the endpoint does not read stays as captured', async () => {
    const capture = githubCapture('refused.http', githubSig(BODY, 'some-other-secret'))
    const r = await run([
      'replay',
      '--request',
      capture,
      '--to',
      `${url}/echo`,
      '--fix',
      '--config',
      config,
      '--now',
      String(NOW),
      '--json',
    ])
    expect(r.status).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.fixes).toEqual([
      're-signed over the raw body for endpoint github (it refused with signature_mismatch)',
    ])
    const sent = received.at(-1)!
    expect(sent.headers).toContain(OTHER)
    expect(sent.headers).toContain(githubSig(BODY))
    expect(sent.body).toBe(BODY)
    expect(r.stdout).not.toContain(SECRET)
  })
})

describe('flags that would be ignored, or are no whole number: one line, exit 2', () => {
  const raw = () => githubCapture('flags.http', githubSig(BODY))
  const cases: [string, () => string[], RegExp][] = [
    [
      'replay --config without --fix',
      () => ['replay', '--request', raw(), '--to', url, '--config', config],
      /--config only applies with --fix/,
    ],
    [
      'replay --now without --fix',
      () => ['replay', '--request', raw(), '--to', url, '--now', String(NOW)],
      /--now only applies with --fix/,
    ],
    [
      'replay --fix --now without --config',
      () => ['replay', '--request', raw(), '--to', url, '--fix', '--now', String(NOW)],
      /--now only applies with --config/,
    ],
    [
      '--entry 5 on a raw capture (verify)',
      () => ['verify', '--request', raw(), '--config', config, '--entry', '5'],
      /--entry 5: the capture holds one request \(raw HTTP\)/,
    ],
    [
      '--entry 5 on a raw capture (replay)',
      () => ['replay', '--request', raw(), '--to', url, '--entry', '5'],
      /--entry 5: the capture holds one request/,
    ],
    [
      '--entry 1 on a JSON object',
      () => [
        'diagnose',
        '--request',
        file('one.json', '{"method":"POST","url":"http://h/x","body":"{}"}'),
        '--entry',
        '1',
      ],
      /--entry 1: the capture holds one request \(a JSON object, not a list\)/,
    ],
    [
      '--now 1.5',
      () => ['verify', '--request', raw(), '--config', config, '--now', '1.5'],
      /--now must be whole seconds since the epoch, got "1\.5"/,
    ],
  ]
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const before = received.length
      const r = await run(args())
      expect(r.status).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^hookwarden: /)
      expect(lines[0]).toMatch(message)
      expect(received.length).toBe(before)
    })
  }

  it('--entry 0 on a raw capture is its one request', async () => {
    const r = await run([
      'verify',
      '--request',
      raw(),
      '--config',
      config,
      '--entry',
      '0',
      '--now',
      String(NOW),
    ])
    expect(r.status).toBe(0)
  })
})
