/**
 * The gateway's settings as an operator meets them: `hookwarden serve` with a bad environment
 * variable exits 2 with one line naming it (never a stack trace), a credential that could never
 * match is refused at start, and retention prunes at every reload, with a day count PostgreSQL
 * can compare.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import pg from 'pg'
import { request } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { type StartOptions, start } from '../../src/start.js'
import { openStore } from '../../src/storage/open-store.js'
import { startRetention } from '../../src/storage/retention.js'
import { makeRecord } from '../storage/attempt-store.contract.js'
import { eventually } from './helpers.js'

const run = promisify(execFile)
const TEST_DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const BIN = new URL('../../../cli/bin/hookwarden.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'hw-settings-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const CONFIG = join(dir, 'hookwarden.yaml')
writeFileSync(
  CONFIG,
  'endpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokens: [tok-1234567890] }\n',
)

/** `hookwarden serve` with `env` added; it must refuse before listening. */
async function serveFails(
  env: Record<string, string>,
  config = CONFIG,
): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [BIN, 'serve', '--config', config], {
      env: { PATH: process.env.PATH, HOOKWARDEN_DATA_DIR: join(dir, 'data'), ...env },
      timeout: 20_000,
    })
  } catch (e) {
    const err = e as { code: number; stderr: string; killed?: boolean }
    if (err.killed) throw new Error(`serve kept running with ${JSON.stringify(env)}`)
    return { code: err.code, stderr: err.stderr }
  }
  throw new Error('serve exited 0')
}

describe('hookwarden serve with a bad setting', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { HOOKWARDEN_TRUST_PROXY: 'maybe' },
      /^hookwarden: HOOKWARDEN_TRUST_PROXY must be true, false, a hop count, or comma-separated IP addresses or CIDR ranges/,
    ],
    [
      { HOOKWARDEN_LOG_LEVEL: 'loud' },
      /^hookwarden: HOOKWARDEN_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"$/,
    ],
    [
      { HOOKWARDEN_BODY_LIMIT: '0' },
      /^hookwarden: HOOKWARDEN_BODY_LIMIT must be a number of bytes in digits, from 1 to 104857600/,
    ],
    [{ HOOKWARDEN_BODY_LIMIT: '1e9' }, /^hookwarden: HOOKWARDEN_BODY_LIMIT must be .* not "1e9"$/],
    [
      { HOOKWARDEN_FORWARD_TIMEOUT_MS: '-1' },
      /^hookwarden: HOOKWARDEN_FORWARD_TIMEOUT_MS must be a number of milliseconds/,
    ],
    [
      { PORT: '70000' },
      /^hookwarden: PORT must be a port number in digits, from 0 to 65535 \(0 picks a free port\), not "70000"$/,
    ],
    [
      { HOOKWARDEN_MAX_CONNECTIONS: '0' },
      /^hookwarden: HOOKWARDEN_MAX_CONNECTIONS must be a number of connections in digits, from 1 to 1000000 .* not "0"$/,
    ],
    [
      { HOOKWARDEN_CONNECTIONS_PER_SOURCE: '256k' },
      /^hookwarden: HOOKWARDEN_CONNECTIONS_PER_SOURCE must be a number of connections in digits, from 1 to 1000000 \(the default is 256\), not "256k"$/,
    ],
    [
      { HOOKWARDEN_REDIS_URL: 'notaurl' },
      /^hookwarden: HOOKWARDEN_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [
      { HOOKWARDEN_ADMIN_TOKEN: ' admin-token-0123456789' },
      /^hookwarden: HOOKWARDEN_ADMIN_TOKEN begins or ends with whitespace/,
    ],
  ]

  it.each(cases)('%o → exit 2, one line naming the variable', async (env, line) => {
    const { code, stderr } = await serveFails(env)
    expect(code).toBe(2)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(stderr.trimEnd()).toMatch(line)
  })

  it('a token file with spaces around the token → exit 2, file:line: field and the fix', async () => {
    writeFileSync(join(dir, 'sp.txt'), '  tok-spaced-12345  \n')
    const config = join(dir, 'f_sp.yaml')
    writeFileSync(
      config,
      'endpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokens: ["file:sp.txt"] }\n',
    )
    const { code, stderr } = await serveFails({}, config)
    expect(code).toBe(2)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(stderr).toContain(
      `${config}:4: endpoints[0].auth.tokens[0] refers to file sp.txt, whose content begins or ends with whitespace`,
    )
    expect(stderr).toContain('remove it from the file')
    expect(stderr).not.toContain('tok-spaced')
  })
})

const quietStart = (file: string, data: string, options: Partial<StartOptions> = {}) =>
  start({
    configFile: file,
    port: 0,
    dataDir: join(dir, data),
    env: {},
    handleSignals: false,
    print: () => {},
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    webDist: null,
    ...options,
  })

describe('settings at start()', () => {
  it('a bad variable is refused before the store opens; a good one is used', async () => {
    await expect(
      quietStart(CONFIG, 'd1', { env: { HOOKWARDEN_TRUST_PROXY: 'maybe' } }),
    ).rejects.toThrow(/^HOOKWARDEN_TRUST_PROXY must be/)
    const gw = await quietStart(CONFIG, 'd2', {
      env: {
        HOOKWARDEN_TRUST_PROXY: '10.0.0.0/8,loopback',
        HOOKWARDEN_BODY_LIMIT: '16',
        HOOKWARDEN_BODY_BYTES_IN_FLIGHT: '4096',
        HOOKWARDEN_BODIES_PER_SOURCE: '3',
        HOOKWARDEN_MAX_CONNECTIONS: '900',
        HOOKWARDEN_CONNECTIONS_PER_SOURCE: '40',
      },
    })
    try {
      expect(gw.gateway.context.trustProxy).toBe('10.0.0.0/8,loopback')
      expect(gw.gateway.context.limits).toMatchObject({
        bodyLimit: 16,
        bodyBytesInFlight: 4096,
        bodiesPerSource: 3,
        maxConnections: 900,
        connectionsPerSource: 40,
      })
      const res = await request(`${gw.url}/a`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok-1234567890' },
        body: 'x'.repeat(17),
      })
      await res.body.dump()
      expect(res.statusCode).toBe(413)
    } finally {
      await gw.close()
    }
  })
})

describe('retention', () => {
  it('prunes at every reload, the policy unchanged too (README: "and at a reload")', async () => {
    const file = join(dir, 'retention.yaml')
    writeFileSync(
      file,
      'retention: { max_rows: 2 }\nendpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokens: [tok-1234567890] }\n',
    )
    const gw = await quietStart(file, 'd-retention')
    try {
      for (let i = 0; i < 5; i++) {
        const res = await request(`${gw.url}/a`, {
          method: 'POST',
          headers: { authorization: 'Bearer tok-1234567890' },
          body: 'x',
        })
        await res.body.dump()
      }
      await eventually(async () => (await gw.gateway.context.store.list({})).length === 5)
      gw.reload()
      await eventually(async () => (await gw.gateway.context.store.list({})).length === 2)
    } finally {
      await gw.close()
    }
  })

  it('a fractional day count prunes on PostgreSQL (a bigint compared with whole milliseconds)', async () => {
    const schema = `hw_test_${process.pid}_${randomBytes(4).toString('hex')}`
    const store = await openStore({
      databaseUrl: TEST_DATABASE_URL,
      dataDir: '/nonexistent',
      schema,
    })
    try {
      const now = 1_764_000_000_000
      const day = 86_400_000
      for (const age of [3, 2, 0.1])
        await store.insert(makeRecord({ received_at: now - age * day }))
      const results: unknown[] = []
      // 0.123456 days is 10666598.4 ms: PostgreSQL refused the cutoff as a bigint at every run.
      const handle = startRetention(
        store,
        { days: 0.123456 },
        { now: () => now, runNow: false, onRun: (r) => results.push(r) },
      )
      expect(await handle.runOnce()).toBe(2)
      handle.stop()
      expect(results).toEqual([{ removed: 2 }])
      expect(await store.list({})).toHaveLength(1)
    } finally {
      await store.close()
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await client.connect()
      await client.query(`drop schema if exists "${schema}" cascade`)
      await client.end()
    }
  })
})
