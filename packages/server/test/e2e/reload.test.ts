/**
 * Secret rotation without a restart: reload() (SIGHUP) swaps the config in; a bad file keeps
 * the old one; attempts in between see one config or the other.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { type StartOptions, start } from '../../src/start.js'
import { eventually } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'hw-reload-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const yaml = (tokens: string[], extra = '') => `
endpoints:
  - name: rot
    path: /rot
    auth: { scheme: bearer, tokens: ${JSON.stringify(tokens)} }
${extra}`

/** The gateway of `file`, its data under `data`, quiet; SIGHUP handled only when asked. */
const startAt = (file: string, data: string, options: Partial<StartOptions> = {}) =>
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

describe('config reload', () => {
  it('rotates a token: add the new one, switch, retire the old one; a broken file changes nothing', async () => {
    const file = join(dir, 'hookwarden.yaml')
    writeFileSync(file, yaml(['old-token-1111111111']))
    const gw = await startAt(file, 'data')
    const status = async (token: string, path = '/rot') => {
      const res = await request(gw.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: 'x',
      })
      await res.body.dump()
      return res.statusCode
    }
    try {
      expect(await status('old-token-1111111111')).toBe(200)
      expect(await status('new-token-2222222222')).toBe(401)
      writeFileSync(file, yaml(['old-token-1111111111', 'new-token-2222222222']))
      gw.reload()
      expect(await status('old-token-1111111111')).toBe(200)
      expect(await status('new-token-2222222222')).toBe(200)
      writeFileSync(
        file,
        `${yaml(['new-token-2222222222'])}  - name: added\n    path: /added\n    auth: { scheme: bearer, tokens: ["added-token-33333333"] }\n`,
      )
      gw.reload()
      expect(await status('old-token-1111111111')).toBe(401)
      expect(await status('new-token-2222222222')).toBe(200)
      expect(await status('added-token-33333333', '/added')).toBe(200)
      expect(gw.config.endpoints.map((e) => e.name)).toEqual(['rot', 'added'])
      writeFileSync(
        file,
        'endpoints: [ { name: broken, path: /healthz, auth: { scheme: bearer, tokens: ["t"] } } ]',
      )
      expect(() => gw.reload()).toThrow(/gateway's own routes/)
      writeFileSync(file, 'endpoints: [ {')
      expect(() => gw.reload()).toThrow()
      expect(await status('new-token-2222222222')).toBe(200)
    } finally {
      await gw.close()
    }
  })

  it('rotates the admin token from the file: the old one stops working at once', async () => {
    const file = join(dir, 'admin.yaml')
    const withAdmin = (token: string) =>
      `admin: { token: "${token}" }\n${yaml(['t-1111111111111'])}`
    writeFileSync(file, withAdmin('admin-old-0123456789abcdef'))
    const lines: string[] = []
    const gw = await startAt(file, 'data-admin', {
      logDestination: new Writable({
        write: (c, _e, cb) => {
          lines.push(String(c))
          cb()
        },
      }),
    })
    const api = async (token: string) => {
      const res = await request(`${gw.url}/api/attempts`, {
        headers: { authorization: `Bearer ${token}` },
      })
      await res.body.dump()
      return res.statusCode
    }
    try {
      expect(await api('admin-old-0123456789abcdef')).toBe(200)
      writeFileSync(file, withAdmin('admin-new-fedcba9876543210'))
      gw.reload()
      expect(await api('admin-old-0123456789abcdef')).toBe(401)
      expect(await api('admin-new-fedcba9876543210')).toBe(200)
      expect(gw.adminToken).toBe('admin-new-fedcba9876543210')
      // Taken out of the file: the token in force stays (a generated one would lock everyone out).
      writeFileSync(file, yaml(['t-1111111111111']))
      gw.reload()
      expect(await api('admin-new-fedcba9876543210')).toBe(200)
      expect(lines.some((l) => l.includes('admin.token was removed'))).toBe(true)
    } finally {
      await gw.close()
    }
  })

  it('a new retention policy applies at the reload', async () => {
    const file = join(dir, 'retention.yaml')
    writeFileSync(file, yaml(['t-2222222222222']))
    const gw = await startAt(file, 'data-retention')
    try {
      for (let i = 0; i < 5; i++) {
        const res = await request(`${gw.url}/rot`, {
          method: 'POST',
          headers: { authorization: 'Bearer t-2222222222222' },
          body: 'x',
        })
        await res.body.dump()
      }
      expect(await gw.gateway.context.store.list({})).toHaveLength(5)
      writeFileSync(file, `retention: { max_rows: 2 }\n${yaml(['t-2222222222222'])}`)
      gw.reload()
      await eventually(async () => (await gw.gateway.context.store.list({})).length === 2)
    } finally {
      await gw.close()
    }
  })

  it('SIGHUP with a broken file logs the same file:line the CLI prints at start', async () => {
    const file = join(dir, 'hup.yaml')
    writeFileSync(file, yaml(['t-3333333333333']))
    const lines: string[] = []
    const gw = await startAt(file, 'data-hup', {
      handleSignals: true,
      logDestination: new Writable({
        write: (c, _e, cb) => {
          lines.push(String(c))
          cb()
        },
      }),
    })
    try {
      writeFileSync(
        file,
        'endpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokenz: [x] }\n',
      )
      process.emit('SIGHUP', 'SIGHUP')
      const failed = lines.find((l) => l.includes('config reload failed'))
      expect(failed).toMatch(/hup\.yaml:4/)
      expect(failed).toMatch(/tokenz/)
    } finally {
      await gw.close()
    }
  })
})
