/**
 * Graceful shutdown: close() (what SIGTERM runs) stops accepting, lets in-flight attempts
 * finish (forward included), runs queued diagnoses and flushes the store; the built CLI exits 0
 * on SIGTERM after saying so.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, startGateway, startUpstream } from './helpers.js'

const TOKEN = 'shutdown-token-77c1a2'
const YAML = (forward: string) => `
endpoints:
  - name: slow
    path: /slow
    forward: ${forward}
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: local
    path: /local
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`
const dir = mkdtempSync(join(tmpdir(), 'hw-shutdown-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('graceful shutdown', () => {
  it('finishes the attempt in flight, then refuses new connections', async () => {
    const up = await startUpstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(202)
        res.end('done')
      }, 400)
    })
    const gw = await startGateway(YAML(up.url))
    try {
      const inFlight = request(`${gw.url}/slow`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: 'x',
      })
      const rejected = await request(`${gw.url}/local`, {
        method: 'POST',
        headers: { authorization: TOKEN },
        body: 'x',
      })
      await rejected.body.dump()
      // Close only once the upstream holds the attempt: it is then surely in flight.
      await eventually(() => up.received.length > 0)
      const closing = gw.close()
      const res = await inFlight
      expect(res.statusCode).toBe(202)
      expect(await res.body.text()).toBe('done')
      await closing
      const rec = await gw.store.get(res.headers['x-hookwarden-attempt'] as string)
      expect(rec).toMatchObject({ forward_status: 202 })
      const diagnosed = await gw.store.get(rejected.headers['x-hookwarden-attempt'] as string)
      expect(diagnosed!.diagnosis ?? diagnosed!.diagnosis_skipped).toBeTruthy()
      expect(gw.store.closed).toBe(true)
      await expect(request(`${gw.url}/local`, { method: 'POST', body: 'x' })).rejects.toThrow()
    } finally {
      await up.close()
    }
  })

  it('a sender that hangs up mid-forward during close: the forward result is still recorded', async () => {
    const up = await startUpstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(202)
        res.end('done')
      }, 500)
    })
    const gw = await startGateway(YAML(up.url))
    try {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      socket.on('error', () => {})
      socket.write(
        `POST /slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1\r\n\r\nx`,
      )
      await eventually(() => up.received.length > 0)
      const closing = gw.close()
      // A reset: a FIN alone would be a sender that half-closes and still waits (app.ts).
      socket.resetAndDestroy()
      await closing
      const [rec] = await gw.store.list({ endpoint: 'slow' })
      expect(rec).toMatchObject({ status: 202, forward_status: 202, forward_error: null })
      // The sender got nothing of it, and the log says so, with the attempt.
      const gone = gw.logs.find((l) => l.includes('answer not delivered'))
      expect(gone).toContain(rec!.id)
    } finally {
      await up.close()
    }
  })

  it('a sender stalled mid-body at close: cut off at the request timeout, and still recorded', async () => {
    const gw = await startGateway(YAML('http://127.0.0.1:9/never'), {
      limits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500 },
    })
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.on('error', () => {})
    socket.write(
      `POST /local HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 50\r\n\r\n0123456789`,
    )
    await new Promise((r) => setTimeout(r, 100))
    await gw.close()
    const [rec] = await gw.store.list({ endpoint: 'local' })
    expect(rec).toMatchObject({ reason: 'request_incomplete', body_size: 10 })
    socket.destroy()
  })

  it('bytes past the Content-Length of a Connection: close request do not replace its answer', async () => {
    const gw = await startGateway(YAML('http://127.0.0.1:9/never'))
    try {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1')
      await once(socket, 'connect')
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      socket.write(
        `POST /local HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"slow"`,
      )
      await new Promise((r) => setTimeout(r, 200))
      // Ten bytes where nine were declared: the tenth arrives after the request is complete.
      socket.write(':1}')
      await once(socket, 'close')
      const text = Buffer.concat(chunks).toString()
      expect(text).toMatch(/^HTTP\/1\.1 200 /)
      const { attempt } = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
      expect(await gw.store.get(attempt)).toMatchObject({ status: 200, body_size: 9 })
    } finally {
      await gw.close()
    }
  })

  const bin = new URL('../../../cli/bin/hookwarden.js', import.meta.url).pathname
  const built = existsSync(new URL('../../../cli/dist/bin.js', import.meta.url))
  it.skipIf(!built)('hookwarden serve exits 0 on SIGTERM after closing', async () => {
    const config = join(dir, 'hookwarden.yaml')
    writeFileSync(config, YAML('http://127.0.0.1:9/never'))
    const child = spawn(process.execPath, [bin, 'serve', '--config', config, '--port', '0'], {
      env: {
        ...process.env,
        HOOKWARDEN_DATA_DIR: join(dir, 'data'),
        HOOKWARDEN_ADMIN_TOKEN: '',
        PORT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (c) => {
      out += c
    })
    child.stderr.on('data', (c) => {
      out += c
    })
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner:\n${out}`)), 20_000)
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
    })
    expect(out).toMatch(/admin token: {2}\S{20,}/)
    const res = await request(`${url}/local`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    expect(out).toContain('"msg":"gateway closed"')
  })

  const root = new URL('../../../../', import.meta.url).pathname
  const serve = (args: string[], cwd: string, env: Record<string, string> = {}) =>
    spawn(process.execPath, [bin, 'serve', ...args], {
      cwd,
      env: {
        ...process.env,
        HOOKWARDEN_DATA_DIR: join(dir, 'data2'),
        HOOKWARDEN_ADMIN_TOKEN: '',
        PORT: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })

  it.skipIf(!built)('without --config, serves examples/demo.yaml', async () => {
    const child = serve(['--port', '0'], root)
    let out = ''
    child.stdout.on('data', (c) => {
      out += c
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner:\n${out}`)), 20_000)
      child.stdout.on('data', () => {
        if (out.includes('accepted:')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    expect(out).toContain('examples/demo.yaml')
    expect(out).toContain('/hooks/bearer')
    child.kill('SIGTERM')
    expect((await once(child, 'exit'))[0]).toBe(0)
  })

  it.skipIf(!built)('unusable flags or config: exit 2 with one line on stderr', async () => {
    // Checks the gateway makes after loading still name the file and the line.
    const dup = join(dir, 'dup.yaml')
    writeFileSync(
      dup,
      'endpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokens: [tok-aaaaaaa] }\n  - name: b\n    path: /a\n    auth: { scheme: bearer, tokens: [tok-bbbbbbb] }\n',
    )
    const reserved = join(dir, 'reserved.yaml')
    writeFileSync(
      reserved,
      'endpoints:\n  - name: a\n    path: /api/attempts\n    auth: { scheme: bearer, tokens: [tok-aaaaaaa] }\n',
    )
    const demo = join(dir, 'host.yaml')
    writeFileSync(demo, YAML('http://127.0.0.1:9/never'))
    const shortAdmin = join(dir, 'short-admin.yaml')
    writeFileSync(shortAdmin, `admin: { token: "short" }\n${YAML('http://127.0.0.1:9/never')}`)
    for (const [args, said, env] of [
      [['--port', 'abc'], /./],
      [['--config', demo], /HOST "256\.1\.1\.1"/, { HOST: '256.1.1.1' }],
      [['--config', shortAdmin], /short-admin\.yaml:1: admin\.token must be at least 16/],
      [
        ['--config', demo],
        /HOOKWARDEN_ADMIN_TOKEN must be at least 16/,
        { HOOKWARDEN_ADMIN_TOKEN: 'abc' },
      ],
      [['--config', demo], /HOST "203\.0\.113\.7" \(EADDRNOTAVAIL\)/, { HOST: '203.0.113.7' }],
      [['--config', join(dir, 'missing.yaml')], /missing\.yaml/],
      [['--config', dup], /dup\.yaml:6: endpoints\[1\]\.path \/a is also the path of endpoint "a"/],
      [['--config', reserved], /reserved\.yaml:3: endpoints\[0\]\.path \/api\/attempts is one of/],
    ] as const) {
      const child = serve([...args], dir, env)
      let err = ''
      child.stderr.on('data', (c) => {
        err += c
      })
      const [code] = await once(child, 'exit')
      expect(code, args.join(' ')).toBe(2)
      expect(err.trim().split('\n')).toHaveLength(1)
      expect(err).toMatch(said)
      expect(err).not.toMatch(/^\s+at /m)
    }
    // No --config and no demo in this directory.
    const child = serve([], dir)
    let err = ''
    child.stderr.on('data', (c) => {
      err += c
    })
    expect((await once(child, 'exit'))[0]).toBe(2)
    expect(err).toMatch(/no config/)
  })
})
