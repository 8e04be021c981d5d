/**
 * A Redis that is connected but does not answer (CLIENT PAUSE on a redis-server of the test's
 * own): the replay check fails closed (503 + Retry-After within about a second, counted in
 * /metrics), the rate limit fails open (a refusal is still answered, without the limiter),
 * and the gateway answers normally once Redis does again. Runs the BUILT gateway.
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  gatewayProcessUnavailable,
  SW_SECRET,
  spawnGateway,
  writeConfig,
} from './gateway-process.js'
import { signedDelivery } from './outage-helpers.js'

const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
const skip = gatewayProcessUnavailable() ?? (hasRedis ? null : 'redis-server is not installed')

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

const delivery = (secret = SW_SECRET) => signedDelivery(secret)

async function send(base: string, d = delivery()) {
  const started = performance.now()
  const res = await fetch(`${base}/hooks/sw`, { method: 'POST', headers: d.headers, body: d.body })
  const text = await res.text()
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    text,
    ms: performance.now() - started,
  }
}

describe.skipIf(skip !== null)(`a stalled Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: ChildProcess
  let port: number
  const dir = mkdtempSync(join(tmpdir(), 'hw-redis-stall-'))
  beforeAll(async () => {
    port = await freePort()
    redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    })
    // Ready when it answers a PING.
    for (let i = 0; ; i++) {
      const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        await probe.quit()
        break
      } catch (e) {
        probe.disconnect()
        if (i > 100) throw e
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  })
  afterAll(async () => {
    redis?.kill('SIGTERM')
    if (redis && redis.exitCode === null) await once(redis, 'exit')
    rmSync(dir, { recursive: true, force: true })
  })

  it('CLIENT PAUSE: 503 + Retry-After within about a second, counted; refusals still answered; back: 2xx', {
    timeout: 60_000,
  }, async () => {
    mkdirSync(join(dir, 'data'), { recursive: true })
    const gw = await spawnGateway({
      config: writeConfig(dir),
      dataDir: join(dir, 'data'),
      env: { HOOKWARDEN_REDIS_URL: `redis://127.0.0.1:${port}` },
    })
    const pauser = new Redis({ port })
    try {
      expect((await send(gw.url)).status).toBe(200)
      await pauser.call('CLIENT', 'PAUSE', '4000', 'ALL')
      const [valid, refused] = await Promise.all([
        send(gw.url),
        send(
          gw.url,
          delivery(`whsec_${Buffer.from('another-secret-0123456789abcdef').toString('base64')}`),
        ),
      ])
      // Before: both waited as long as the pause lasted.
      expect(valid.status, gw.output()).toBe(503)
      expect(JSON.parse(valid.text).reason).toBe('nonce_store_unavailable')
      expect(Number(valid.retryAfter)).toBeGreaterThan(0)
      expect(valid.ms).toBeLessThan(2500)
      expect(refused.status).toBe(401)
      expect(refused.ms).toBeLessThan(2500)
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(metrics).toMatch(
        /^hookwarden_refused_unavailable_total\{endpoint="sw",reason="nonce_store_unavailable"\} 1$/m,
      )
      // The pause over, the same gateway answers as before.
      await new Promise((r) => setTimeout(r, 4000 - valid.ms))
      let after = await send(gw.url)
      for (let i = 0; i < 20 && after.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200))
        after = await send(gw.url)
      }
      expect(after.status).toBe(200)
    } finally {
      pauser.disconnect()
      await gw.stop()
    }
  })
})
