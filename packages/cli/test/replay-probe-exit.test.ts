/**
 * The built `hookwarden probe` and `replay` against small receivers on 127.0.0.1: probe exits
 * 0 when the endpoint behaves and 1 when a finding is ✗ (README: 1 is "causes found"); replay
 * refuses a capture that lacks its body with exit 2 and one line, and says "as fixed" after
 * --fix.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

const TOKEN = 'tok_cli_RIGHT_7c1d2e3f4a5b'
const dir = mkdtempSync(join(tmpdir(), 'hw-probe-exit-'))
let requests = 0

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  body: (url: string) => Promise<void>,
): Promise<void> {
  const server = createServer((req, res) => {
    requests++
    req.resume()
    req.on('end', () => handle(req, res))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
}

const bearer = (req: IncomingMessage, res: ServerResponse) =>
  req.headers.authorization === `Bearer ${TOKEN}`
    ? res.writeHead(200).end('ok')
    : res.writeHead(401).end('Unauthorized')

beforeAll(() => ensureBuilt(), 180_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('hookwarden probe: exit status', () => {
  it('0 for a correct receiver probed with a made-up token (plain 401 to both)', async () => {
    await serve(bearer, async (url) => {
      const r = await run(['probe', `${url}/hooks/orders`])
      expect(r.stdout).toMatch(/• A made-up Bearer token gets the same 401/)
      expect(r.stdout).not.toMatch(/✗/)
      expect(r.status).toBe(0)
    })
  })

  it('1 for an endpoint that accepts a request without credentials, with a ✗ line', async () => {
    await serve(
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      async (url) => {
        const r = await run(['probe', `${url}/hooks/orders`])
        expect(r.stdout).toMatch(/✗ A request without any credential is accepted \(200\)/)
        expect(r.stdout).not.toMatch(/body differs|before the method/)
        expect(r.status).toBe(1)
      },
    )
  })

  it('1 for a 404, which points at the route', async () => {
    await serve(
      (_req, res) => res.writeHead(404).end('Not Found'),
      async (url) => {
        const r = await run(['probe', `${url}/hooks/orders`, '--json'])
        expect(r.status).toBe(1)
        const j = JSON.parse(r.stdout)
        expect(j.findings.map((f: { code: string }) => f.code)).toContain('route_not_found')
      },
    )
  })
})

describe('hookwarden replay', () => {
  it('a head-only capture: exit 2, one line naming the file, nothing sent', async () => {
    const file = join(dir, 'head-only.http')
    writeFileSync(
      file,
      'POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nContent-Length: 50\r\n\r\n',
    )
    await serve(bearer, async (url) => {
      const before = requests
      for (const args of [
        ['replay', '--request', file, '--to', url],
        ['probe', `${url}/hooks/orders`, '--request', file],
      ]) {
        const r = await run(args)
        expect(r.status).toBe(2)
        expect(r.stderr.trim().split('\n')).toHaveLength(1)
        expect(r.stderr).toContain(`${file}: the capture declares a 50-byte body but holds none`)
      }
      expect(requests).toBe(before)
    })
  })

  it('--fix: the request is described "as fixed"', async () => {
    const file = join(dir, 'noprefix.http')
    writeFileSync(
      file,
      `POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nAuthorization: ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`,
    )
    await serve(bearer, async (url) => {
      const r = await run(['replay', '--request', file, '--to', url, '--fix'])
      expect(r.status).toBe(0)
      expect(r.stdout).toMatch(/1 header and 2 bytes of body, as fixed/)
      expect(r.stdout).toMatch(/connection: close/)
      expect(r.stdout).not.toContain(TOKEN)
    })
  })
})
