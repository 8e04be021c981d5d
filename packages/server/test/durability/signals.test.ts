/**
 * Signals to `hookwarden serve` during slow forwards: a second SIGTERM keeps draining (and says
 * so) — the forward in flight is answered and recorded complete, exit 0; SIGINT twice (^C ^C
 * at a terminal) stops at once, with a logged line. Runs the BUILT gateway.
 * @module
 */
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
