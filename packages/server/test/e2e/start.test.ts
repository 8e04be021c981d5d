/**
 * start() as `npm start` runs it: the demo config, SQLite under a data directory, the banner
 * with the dashboard URL, the admin token and two curl commands that really give 401 and 200;
 * records kept across a restart; the fingerprint key made once, mode 600.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import { fingerprint } from '@hookwarden/core'
import pg from 'pg'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningGateway, start } from '../../src/start.js'

const run = promisify(execFile)
const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const DEMO = new URL('../../../../examples/demo.yaml', import.meta.url).pathname
const dataDir = mkdtempSync(join(tmpdir(), 'hw-start-'))
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** start() as the tests below run it: quiet, no signals, no dashboard files. */
const quietStart = (options: {
  configFile: string
  port?: number
  dir?: string
  env?: Record<string, string>
}) =>
  start({
    configFile: options.configFile,
    port: options.port ?? 0,
    dataDir: options.dir ?? dataDir,
    env: options.env ?? {},
    print: () => {},
    handleSignals: false,
    logDestination: quiet(),
    webDist: null,
  })

async function startDemo(env: Record<string, string> = {}): Promise<RunningGateway> {
  let banner = ''
  const running = await start({
    configFile: DEMO,
    port: 0,
    dataDir,
    env: { ...env },
    print: (t) => {
      banner += t
    },
    handleSignals: false,
    logDestination: quiet(),
    webDist: null,
  })
  expect(banner).toBe(running.banner)
  return running
}

describe('start() with the demo config', () => {
  let firstAttempt = ''
  let keyBefore = ''

  it('prints the dashboard URL, a generated admin token and two curl commands that give 401 then 200', async () => {
    const gw = await startDemo()
    try {
      expect(gw.adminTokenSource).toBe('generated')
      expect(gw.banner).toContain(`dashboard:    ${gw.url}/`)
      expect(gw.banner).toContain(gw.adminToken)
      expect(gw.banner).toContain('sqlite')
      // The endpoint table lines up however long a name is (the demo's longest is 22).
      const rows = gw.banner.split('\n').filter((l) => / {2}\/hooks\//.test(l))
      expect(rows.length).toBeGreaterThanOrEqual(7)
      const pathColumn = new Set(rows.map((l) => l.indexOf('/hooks/')))
      expect(pathColumn.size).toBe(1)
      expect(rows.some((l) => l.trim().startsWith('standard-webhooks-demo  /hooks/standard'))).toBe(
        true,
      )
      const curls = gw.banner
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('curl '))
      expect(curls).toHaveLength(2)
      const statusOf = async (cmd: string) => {
        const { stdout } = await run('sh', ['-c', cmd])
        return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(stdout)?.[1]), stdout }
      }
      const refused = await statusOf(curls[0]!)
      expect(refused.status).toBe(401)
      expect(refused.stdout).toMatch(/www-authenticate: Bearer/i)
      expect(refused.stdout).toContain('scheme_prefix_missing')
      const accepted = await statusOf(curls[1]!)
      expect(accepted.status).toBe(200)
      firstAttempt = JSON.parse(
        accepted.stdout.slice(accepted.stdout.indexOf('\r\n\r\n') + 4),
      ).attempt
      expect(firstAttempt).toMatch(/^[0-9A-Z]{26}$/)
      keyBefore = fingerprint('probe')
      const key = join(dataDir, 'fingerprint.key')
      expect(statSync(key).mode & 0o777).toBe(0o600)
      expect(readFileSync(key).length).toBe(32)
    } finally {
      await gw.close()
    }
  })

  it('keeps the records and the fingerprint key across a restart; the admin token from the environment', async () => {
    expect(firstAttempt).not.toBe('')
    const gw = await startDemo({ HOOKWARDEN_ADMIN_TOKEN: 'restart-admin-token-0001' })
    try {
      expect(gw.adminTokenSource).toBe('env')
      expect(gw.banner).not.toContain('restart-admin-token-0001')
      expect(fingerprint('probe')).toBe(keyBefore)
      const res = await fetch(`${gw.url}/api/attempts/${firstAttempt}`, {
        headers: { Authorization: 'Bearer restart-admin-token-0001' },
      })
      expect(res.status).toBe(200)
      const attempt = (await res.json()) as {
        id: string
        endpoint: string
        outcome: string
        has_body: boolean
      }
      expect(attempt).toMatchObject({
        id: firstAttempt,
        endpoint: 'bearer-demo',
        outcome: 'accepted',
        has_body: true,
      })
      const list = (await (
        await fetch(`${gw.url}/api/attempts?endpoint=bearer-demo`, {
          headers: { Authorization: 'Bearer restart-admin-token-0001' },
        })
      ).json()) as { attempts: { id: string }[] }
      expect(list.attempts.map((a) => a.id)).toContain(firstAttempt)
    } finally {
      await gw.close()
    }
  })

  it('refuses a port in use with a one-line config error', async () => {
    const a = await startDemo()
    try {
      await expect(quietStart({ configFile: DEMO, port: a.port })).rejects.toThrow(/cannot listen/)
    } finally {
      await a.close()
    }
  })

  it('a copy of the demo config still prints ready-to-paste curls; a real secret is never printed', async () => {
    const copy = join(dataDir, 'my-demo.yaml')
    copyFileSync(DEMO, copy)
    const own = join(dataDir, 'own.yaml')
    writeFileSync(
      own,
      'endpoints:\n  - name: own\n    path: /hooks/own\n    auth: { scheme: bearer, tokens: ["tok-Rz81-live-not-public"] }\n',
    )
    for (const [configFile, printed] of [
      [copy, true],
      [own, false],
    ] as const) {
      const gw = await quietStart({ configFile })
      try {
        if (printed) {
          expect(gw.banner).toContain('Authorization: Bearer demo-bearer-token-3f9a1c')
          expect(gw.banner).toMatch(/# accepted:\n/)
        } else {
          expect(gw.banner).not.toContain('tok-Rz81-live-not-public')
          expect(gw.banner).toContain('Authorization: Bearer <secret>')
          expect(gw.banner).toMatch(/# accepted, once <secret> is replaced by the credential/)
        }
      } finally {
        await gw.close()
      }
    }
  })

  it('a file where the data directory should be is a one-line config error, not a crash', async () => {
    const blocked = join(dataDir, 'blocked')
    writeFileSync(blocked, 'not a directory')
    await expect(quietStart({ configFile: DEMO, dir: blocked })).rejects.toSatisfy(
      (e) =>
        (e as { code?: string }).code === 'ERR_CONFIG' &&
        /cannot use .*blocked as the data directory \(a file of that name is in the way\)/.test(
          (e as Error).message,
        ),
    )
  })

  it('a store or Redis that cannot be reached at start is a one-line config error', async () => {
    const base = {
      configFile: DEMO,
      port: 0,
      dataDir,
      print: () => {},
      handleSignals: false,
      logDestination: quiet(),
      webDist: null,
    }
    await expect(
      start({ ...base, env: { HOOKWARDEN_DATABASE_URL: 'mysql://nope' } }),
    ).rejects.toThrow(/cannot open the store \(HOOKWARDEN_DATABASE_URL\)/)
    await expect(
      start({ ...base, env: { HOOKWARDEN_REDIS_URL: 'redis://127.0.0.1:1' } }),
    ).rejects.toThrow(/cannot open the store \(HOOKWARDEN_REDIS_URL\)/)
  })
})

describe('replay claims across a restart (memory nonce store)', () => {
  /**
   * A data directory with a config of one Standard Webhooks endpoint (/sw), and messages
   * signed for it by the real standardwebhooks signer, `at` in unix seconds.
   */
  function standardWebhooksSetup() {
    const dir = mkdtempSync(join(tmpdir(), 'hw-claims-'))
    const secret = `whsec_${Buffer.from('restart-claims-secret-0123456789').toString('base64')}`
    const configFile = join(dir, 'hookwarden.yaml')
    writeFileSync(
      configFile,
      `endpoints:\n  - name: sw\n    path: /sw\n    auth: { scheme: standard_webhooks, secrets: ["${secret}"] }\n`,
    )
    const body = '{"type":"invoice.paid"}'
    const signed = (id: string, at: number) => ({
      method: 'POST',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(at),
        'webhook-signature': new StandardWebhook(secret).sign(id, new Date(at * 1000), body),
      },
      body,
    })
    return { dir, configFile, signed }
  }

  it('a message accepted before a graceful restart is still a replay after it; a re-signed retry is not', async () => {
    const { dir, configFile, signed } = standardWebhooksSetup()
    const now = Math.floor(Date.now() / 1000)
    const message = signed('msg_restart_1', now - 5)
    try {
      const first = await quietStart({ configFile, dir })
      try {
        expect((await fetch(`${first.url}/sw`, message)).status).toBe(200)
      } finally {
        await first.close()
      }
      // Hashes and expiry times only: no id, no signature.
      const saved = readFileSync(join(dir, 'replay-claims.json'), 'utf8')
      expect(saved).not.toContain('msg_restart_1')
      const second = await quietStart({ configFile, dir })
      try {
        const replay = await fetch(`${second.url}/sw`, message)
        expect(replay.status).toBe(401)
        expect(((await replay.json()) as { reason: string }).reason).toBe('replay_detected')
        expect((await fetch(`${second.url}/sw`, signed('msg_restart_1', now))).status).toBe(200)
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("two gateways on one data directory (SQLite and PostgreSQL stores): the one that stops last keeps the other one's claims", async () => {
    const setup = standardWebhooksSetup()
    const { dir, configFile } = setup
    const at = Math.floor(Date.now() / 1000) - 5
    const signed = (id: string) => setup.signed(id, at)
    // The PostgreSQL gateway's tables in a schema of their own.
    const schema = `hw_claims_${process.pid}_${Date.now().toString(36)}`
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    await admin.query(`create schema "${schema}"`)
    const pgUrl = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
    try {
      // Each store's registry holds only its own gateway: both start, each with its own seeds.
      const onSqlite = await quietStart({ configFile, dir })
      const onPostgres = await quietStart({
        configFile,
        dir,
        env: { HOOKWARDEN_DATABASE_URL: pgUrl },
      })
      try {
        expect((await fetch(`${onSqlite.url}/sw`, signed('msg_sqlite_gw'))).status).toBe(200)
        expect((await fetch(`${onPostgres.url}/sw`, signed('msg_postgres_gw'))).status).toBe(200)
      } finally {
        await onSqlite.close()
        await onPostgres.close()
      }
      const restarted = await quietStart({ configFile, dir })
      try {
        for (const id of ['msg_sqlite_gw', 'msg_postgres_gw']) {
          const replay = await fetch(`${restarted.url}/sw`, signed(id))
          expect(replay.status).toBe(401)
          expect(((await replay.json()) as { reason: string }).reason).toBe('replay_detected')
        }
        expect((await fetch(`${restarted.url}/sw`, signed('msg_new_after'))).status).toBe(200)
      } finally {
        await restarted.close()
      }
    } finally {
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
