/**
 * Signals to `hookwarden serve` during slow forwards: a second SIGTERM keeps draining (and says
 * so) — the forward in flight is answered and recorded complete, exit 0; SIGINT twice (^C ^C
 * at a terminal) stops at once, with a logged line. And SIGTERM while bodies are still
 * arriving: one that completes within the grace is answered as usual, one that does not is
 * answered 503 with Retry-After, each recorded as answered. Runs the BUILT gateway.
 * @module
 */
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, startUpstream } from '../e2e/helpers.js'
import { ADMIN_TOKEN, gatewayProcessUnavailable, spawnGateway } from './gateway-process.js'

const skip = gatewayProcessUnavailable()
const TOKEN = 'signals-token-3c8a0f1e'
const dir = mkdtempSync(join(tmpdir(), 'hw-signals-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function config(name: string, forward: string): { file: string; dataDir: string } {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(
    file,
    `admin: { token: "${ADMIN_TOKEN}" }
endpoints:
  - name: slow
    path: /slow
    forward: ${forward}
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
  )
  const dataDir = join(dir, name)
  mkdirSync(dataDir)
  return { file, dataDir }
}

const forwardOnce = (url: string) =>
  fetch(`${url}/slow`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: 'x',
  }).then(async (r) => ({ status: r.status, body: await r.text() }))

describe.skipIf(skip !== null)(
  `signals during slow forwards${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('SIGTERM twice: the drain goes on, the forward is answered and recorded, exit 0', {
      timeout: 30_000,
    }, async () => {
      const up = await startUpstream((_req, res) => {
        setTimeout(() => {
          res.writeHead(202)
          res.end('taken')
        }, 1500)
      })
      const { file, dataDir } = config('term2', up.url)
      const gw = await spawnGateway({ config: file, dataDir })
      try {
        const answer = forwardOnce(gw.url)
        await eventually(() => up.received.length === 1)
        const exited = once(gw.child, 'exit')
        gw.child.kill('SIGTERM')
        await new Promise((r) => setTimeout(r, 200))
        gw.child.kill('SIGTERM')
        expect(await answer).toEqual({ status: 202, body: 'taken' })
        const [code] = await exited
        expect(code, gw.output()).toBe(0)
        expect(gw.output()).toMatch(/shutdown in progress: still finishing in-flight attempts/)
        const db = new BetterSqlite3(join(dataDir, 'attempts.db'), { readonly: true })
        const rows = db.prepare('select status, forward_status, forward_error from attempts').all()
        db.close()
        expect(rows).toEqual([{ status: 202, forward_status: 202, forward_error: null }])
      } finally {
        await gw.stop()
        await up.close()
      }
    })

    it('SIGTERM with bodies still arriving: the one completed in the grace is answered as usual, the stalled one 503 + Retry-After, each recorded as answered', {
      timeout: 30_000,
    }, async () => {
      const up = await startUpstream((_req, res) => {
        setTimeout(() => {
          res.writeHead(202)
          res.end('taken')
        }, 1500)
      })
      const { file, dataDir } = config('drain-bodies', up.url)
      writeFileSync(
        file,
        `${readFileSync(file, 'utf8')}  - name: local
    path: /local
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      )
      const gw = await spawnGateway({ config: file, dataDir })
      const port = Number(new URL(gw.url).port)
      /** A raw request to /local: its headers and the first `sent` of 100 body bytes. */
      const upload = async (requestId: string, sent: number) => {
        const socket = connect(port, '127.0.0.1')
        await once(socket, 'connect')
        const chunks: Buffer[] = []
        socket.on('data', (c) => chunks.push(c))
        socket.on('error', () => {})
        socket.write(
          `POST /local HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${requestId}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n${'a'.repeat(sent)}`,
        )
        const answer = once(socket, 'close').then(() => Buffer.concat(chunks).toString())
        return { socket, answer }
      }
      try {
        const finishing = await upload('finishing-1', 40)
        const stalled = await upload('stalled-1', 40)
        const gone = await upload('gone-1', 25)
        // And an attempt whose body is complete, held by its upstream: it is in flight.
        const forwarded = forwardOnce(gw.url)
        await eventually(() => up.received.length === 1)
        const exited = once(gw.child, 'exit')
        gw.child.kill('SIGTERM')
        await new Promise((r) => setTimeout(r, 300))
        // Within the grace: one sender finishes its body, another gives up (a reset).
        finishing.socket.write('b'.repeat(60))
        gone.socket.resetAndDestroy()
        expect(await forwarded).toEqual({ status: 202, body: 'taken' })
        const finished = await finishing.answer
        expect(finished).toMatch(/^HTTP\/1\.1 200 /)
        expect(finished).toMatch(/^Connection: close$/im)
        // The stalled one: told to come back, with the id of its record.
        const cut = await stalled.answer
        expect(cut).toMatch(/^HTTP\/1\.1 503 /)
        expect(cut).toMatch(/^Retry-After: \d+$/im)
        const problem = JSON.parse(cut.slice(cut.indexOf('\r\n\r\n') + 4))
        expect(problem).toMatchObject({ reason: 'shutting_down', request_id: 'stalled-1' })
        expect(cut).toMatch(new RegExp(`^X-Hookwarden-Attempt: ${problem.attempt}$`, 'im'))
        const [code] = await exited
        expect(code, gw.output()).toBe(0)
        const db = new BetterSqlite3(join(dataDir, 'attempts.db'), { readonly: true })
        const rows = db
          .prepare('select id, request_id, status, reason, body_size, checks from attempts')
          .all() as {
          id: string
          request_id: string
          status: number
          reason: string | null
          body_size: number
          checks: string
        }[]
        db.close()
        const byRequest = Object.fromEntries(rows.map((r) => [r.request_id, r]))
        expect(rows).toHaveLength(4)
        expect(byRequest['finishing-1']).toMatchObject({
          status: 200,
          reason: null,
          body_size: 100,
        })
        expect(byRequest['stalled-1']).toMatchObject({
          id: problem.attempt,
          status: 503,
          reason: 'request_incomplete',
          body_size: 40,
        })
        expect(byRequest['stalled-1']!.checks).toMatch(
          /40 bytes of the 100 declared had arrived when the gateway shut down.*answered 503/,
        )
        // Gone before any answer: the record does not claim one.
        expect(byRequest['gone-1']).toMatchObject({ reason: 'request_incomplete', body_size: 25 })
        expect(byRequest['gone-1']!.checks).toMatch(/no answer could be sent/)
      } finally {
        await gw.stop()
        await up.close()
      }
    })

    it('SIGINT twice: stops at once, saying so', { timeout: 30_000 }, async () => {
      const up = await startUpstream((_req, res) => {
        setTimeout(() => {
          res.writeHead(202)
          res.end('taken')
        }, 10_000)
      })
      const { file, dataDir } = config('int2', up.url)
      const gw = await spawnGateway({ config: file, dataDir })
      try {
        void forwardOnce(gw.url).catch(() => null)
        await eventually(() => up.received.length === 1)
        const exited = once(gw.child, 'exit')
        const started = performance.now()
        gw.child.kill('SIGINT')
        await new Promise((r) => setTimeout(r, 200))
        gw.child.kill('SIGINT')
        const [code] = await exited
        expect(performance.now() - started).toBeLessThan(3000)
        expect(code).toBe(130)
        expect(gw.output()).toMatch(/stopping at once on a repeated signal/)
      } finally {
        await gw.stop()
        await up.close()
      }
    })
  },
)
