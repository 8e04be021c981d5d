/**
 * One fingerprint key per installation: gateways sharing one PostgreSQL schema, each with its
 * own data directory (the README's scale-out), fingerprint a token alike, so Compare says two
 * attempts with one token carry the same credential. The key is kept in the store: the first
 * gateway's key file becomes it; a gateway whose file differs uses the store's key, says so in
 * one line and rewrites its file (which the CLI on that host reads).
 * HOOKWARDEN_FINGERPRINT_KEY still wins. Runs the BUILT gateway (`npx tsc -b` first).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprint, setFingerprintKey } from '@hookwarden/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cliFingerprintKey } from '../../src/fingerprint-key.js'
import {
  ADMIN_TOKEN,
  type GatewayProcess,
  gatewayProcessUnavailable,
  spawnGateway,
} from '../durability/gateway-process.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const skip = gatewayProcessUnavailable()
const TOKEN = 'orders-token-abcdefghijklmnop'

interface Attempt {
  id: string
  headers: [string, string][]
}

async function api<T>(gw: GatewayProcess, path: string): Promise<T> {
  const res = await fetch(`${gw.url}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

/** Sends the token to the gateway and returns the recorded Authorization value. */
async function recordedAuthorization(gw: GatewayProcess): Promise<{ id: string; value: string }> {
  const res = await fetch(`${gw.url}/hooks/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: '{}',
  })
  expect(res.status).toBe(200)
  const { attempt } = (await res.json()) as { attempt: string }
  const record = await api<Attempt>(gw, `/api/attempts/${attempt}`)
  const value = record.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1]
  return { id: attempt, value: value as string }
}

/** The token's fingerprint under `key`, as a record shows it. */
function expected(key: Uint8Array): string {
  setFingerprintKey(key)
  return `Bearer ${fingerprint(TOKEN)}`
}

describe.skipIf(skip !== null)(
  `one fingerprint key for the gateways sharing PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const schema = `hw_fpkey_${process.pid}_${randomBytes(4).toString('hex')}`
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-fpkey-'))
    const gateways: GatewayProcess[] = []
    const config = join(dir, 'hookwarden.yaml')
    const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
    const env = { HOOKWARDEN_DATABASE_URL: url, HOOKWARDEN_REDIS_URL: REDIS_URL }
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    /** A key file each of C and E had before they ever met the shared store. */
    const [keyC, keyE] = [randomBytes(32), randomBytes(32)]

    const start = async (name: string, extra: Record<string, string> = {}) => {
      const dataDir = join(dir, name)
      mkdirSync(dataDir, { recursive: true })
      const gw = await spawnGateway({ config, dataDir, env: { ...env, ...extra } })
      gateways.push(gw)
      return gw
    }
    const storedKey = async () => {
      const { rows } = await admin.query(`select key from "${schema}".fingerprint_key`)
      expect(rows).toHaveLength(1)
      return new Uint8Array(Buffer.from(rows[0].key, 'base64'))
    }

    beforeAll(async () => {
      await admin.connect()
      await admin.query(`create schema "${schema}"`)
      writeFileSync(
        config,
        [
          `admin: { token: "${ADMIN_TOKEN}" }`,
          'endpoints:',
          '  - name: orders',
          '    path: /hooks/orders',
          `    auth: { scheme: bearer, tokens: ["${TOKEN}"] }`,
          '',
        ].join('\n'),
      )
      for (const [name, key] of [
        ['c', keyC],
        ['e', keyE],
      ] as const) {
        mkdirSync(join(dir, name))
        writeFileSync(join(dir, name, 'fingerprint.key'), key, { mode: 0o600 })
      }
    })

    afterAll(async () => {
      for (const g of gateways) await g.stop()
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
      rmSync(dir, { recursive: true, force: true })
    })

    it('two gateways with their own data directories record one token with one fingerprint', async () => {
      const c = await start('c')
      const d = await start('d')
      // The first gateway's key became the installation's; the second took it, file and all.
      expect(Buffer.from(await storedKey()).equals(keyC)).toBe(true)
      expect(readFileSync(join(dir, 'd', 'fingerprint.key')).equals(keyC)).toBe(true)
      expect(d.output()).not.toMatch(/differs from the fingerprint key/)

      const [fromC, fromD] = [await recordedAuthorization(c), await recordedAuthorization(d)]
      expect(fromC.value).toBe(expected(keyC))
      expect(fromD.value).toBe(fromC.value)
      const compared = await api<{ differences: { field?: string }[] }>(
        c,
        `/api/compare?a=${fromC.id}&b=${fromD.id}`,
      )
      expect(compared.differences.filter((x) => /authorization/i.test(x.field ?? ''))).toEqual([])
      // The endpoint page shows one fingerprint for the configured token, whichever answers.
      const shown = async (gw: GatewayProcess) =>
        JSON.stringify((await api<{ endpoints: unknown[] }>(gw, '/api/endpoints')).endpoints)
      expect(await shown(d)).toBe(await shown(c))
      // The CLI on D's host reads D's file: its fingerprints compare with the records.
      const cliKey = cliFingerprintKey({ HOOKWARDEN_DATA_DIR: join(dir, 'd') })
      expect(Buffer.from(cliKey as Uint8Array).equals(keyC)).toBe(true)
    }, 60_000)

    it('a gateway whose key file differs uses the store key, says so once, and rewrites the file', async () => {
      const e = await start('e')
      const said = () =>
        e
          .output()
          .split('\n')
          .filter((l) => l.includes('differs from the fingerprint key'))
      // Log lines may reach the pipe after the banner.
      await vi.waitFor(() => expect(said()).toHaveLength(1))
      const [line] = said()
      expect(line).toContain(join(dir, 'e', 'fingerprint.key'))
      expect(JSON.parse(line as string).level).toBe(40)
      expect(e.output()).not.toContain(keyE.toString('hex'))
      expect(e.output()).not.toContain(keyE.toString('base64'))
      expect(e.output()).not.toContain(keyC.toString('base64'))
      expect(readFileSync(join(dir, 'e', 'fingerprint.key')).equals(keyC)).toBe(true)
      expect((await recordedAuthorization(e)).value).toBe(expected(keyC))
    }, 30_000)

    it('HOOKWARDEN_FINGERPRINT_KEY still wins, and the store key stays as it was', async () => {
      const own = randomBytes(32)
      const f = await start('f', { HOOKWARDEN_FINGERPRINT_KEY: own.toString('hex') })
      expect((await recordedAuthorization(f)).value).toBe(expected(own))
      expect(Buffer.from(await storedKey()).equals(keyC)).toBe(true)
      expect(existsSync(join(dir, 'f', 'fingerprint.key'))).toBe(false)
    }, 30_000)
  },
)
