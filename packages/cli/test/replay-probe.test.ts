/**
 * `hookwarden replay` and `hookwarden probe` end to end in-process: commander parses the
 * flags, the commands talk to real servers on 127.0.0.1 (an nginx-style Basic-auth proxy in
 * front of a Bearer app, a redirector, a silent server), and we read what they print.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '@hookwarden/core'
import { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  APP_TOKEN,
  type Running,
  startApp,
  startBasicAuthProxy,
  startRedirector,
  startSilent,
} from '../../server/src/outbound/test-servers.spec.js'
import { registerProbe } from '../src/commands/probe.js'
import { registerReplay } from '../src/commands/replay.js'

const dir = mkdtempSync(join(tmpdir(), 'hw-replay-'))
const BODY = '{"event":"order.created","order":{"id":"ord_1042"}}'
function captureFile(name: string, auth: string): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    `POST /hooks/orders HTTP/1.1\r\nHost: hooks.example.org\r\nContent-Type: application/json\r\nAuthorization: ${auth}\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  )
  return file
}

async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command().exitOverride()
  registerReplay(program)
  registerProbe(program)
  let out = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  })
  process.exitCode = undefined
  try {
    await program.parseAsync(['node', 'hookwarden', ...args])
  } finally {
    spy.mockRestore()
  }
  const code = Number(process.exitCode ?? 0)
  process.exitCode = undefined
  return { out, code }
}

let app: Running
let proxy: Running
beforeAll(async () => {
  app = await startApp()
  proxy = await startBasicAuthProxy(app.url)
})
afterAll(async () => {
  await proxy.close()
  await app.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('hookwarden replay', () => {
  it('--json: nginx answered, class authentication, exit 1, the token fingerprinted', async () => {
    const { out, code } = await run(
      'replay',
      '--request',
      captureFile('bearer.http', `Bearer ${APP_TOKEN}`),
      '--to',
      proxy.url,
      '--json',
    )
    expect(code).toBe(1)
    const j = JSON.parse(out)
    expect(j.response).toMatchObject({ status: 401, class: 'authentication' })
    expect(j.origin).toMatchObject({ layer: 'proxy', product: 'nginx' })
    expect(j.target).toBe(`${proxy.url}/hooks/orders`)
    expect(out).not.toContain(APP_TOKEN)
    expect(out).toMatch(/Bearer len=\d+ fp:[0-9a-f]{8}/)
  })

  it('--fix turns a token without "Bearer " into an accepted request, exit 0', async () => {
    const file = captureFile('noprefix.http', APP_TOKEN)
    const before = await run('replay', '--request', file, '--to', `${app.url}/hooks/orders`)
    expect(before.code).toBe(1)
    const after = await run('replay', '--request', file, '--to', `${app.url}/hooks/orders`, '--fix')
    expect(after.code).toBe(0)
    expect(after.out).toMatch(/← 200/)
    expect(after.out).toMatch(/fixed: .*Bearer/)
    expect(after.out).not.toContain(APP_TOKEN)
  })

  it('reports a redirect instead of following it', async () => {
    const red = await startRedirector(302, (p) => `https://hooks.example.org${p}`)
    try {
      const { out, code } = await run(
        'replay',
        '--request',
        captureFile('r.http', `Bearer ${APP_TOKEN}`),
        '--to',
        red.url,
      )
      expect(code).toBe(1)
      expect(red.requests).toBe(1)
      expect(out).toMatch(/not followed/)
    } finally {
      await red.close()
    }
  })

  it('--timeout: a silent server is "no answer", exit 1', async () => {
    const silent = await startSilent()
    try {
      const { out, code } = await run(
        'replay',
        '--request',
        captureFile('t.http', `Bearer ${APP_TOKEN}`),
        '--to',
        silent.url,
        '--timeout',
        '300ms',
        '--json',
      )
      expect(code).toBe(1)
      expect(JSON.parse(out).error.code).toBe('timeout')
    } finally {
      await silent.close()
    }
  })

  it('unusable input is an InputError naming the flag (the bin exits 2)', async () => {
    const file = captureFile('x.http', 'Bearer x')
    await expect(run('replay', '--request', file, '--to', 'ftp://example.org')).rejects.toSatisfy(
      (e) => InputError.is(e) && (e as InputError).position.field === '--to',
    )
    await expect(
      run('replay', '--request', file, '--to', app.url, '--timeout', 'soon'),
    ).rejects.toSatisfy((e) => InputError.is(e))
    await expect(
      run('replay', '--request', join(dir, 'missing.http'), '--to', app.url),
    ).rejects.toSatisfy((e) => InputError.is(e))
  })
})

describe('hookwarden probe', () => {
  it('behind the proxy: nginx answers the same with and without the token, exit 1', async () => {
    const { out, code } = await run(
      'probe',
      `${proxy.url}/hooks/orders`,
      '--request',
      captureFile('p.http', `Bearer ${APP_TOKEN}`),
      '--json',
    )
    // The capture is refused and nginx asks for Basic: findings marked ✗, so exit 1.
    expect(code).toBe(1)
    const j = JSON.parse(out)
    expect(j.findings.filter((f: { level: string }) => f.level === 'fail').length).toBeGreaterThan(
      0,
    )
    expect(j.variants.length).toBeLessThanOrEqual(6)
    expect(j.answered_by).toMatchObject({ layer: 'proxy', product: 'nginx' })
    expect(j.credential_read).toBe(false)
    expect(out).not.toContain(APP_TOKEN)
  })

  it('exits 1 when no variant got an answer (a silent server)', async () => {
    const silent = await startSilent()
    try {
      const { out, code } = await run(
        'probe',
        `${silent.url}/hooks/orders`,
        '--timeout',
        '200ms',
        '--json',
      )
      expect(code).toBe(1)
      const j = JSON.parse(out)
      expect(j.variants.length).toBeGreaterThan(0)
      expect(j.variants.every((v: { error?: unknown }) => v.error)).toBe(true)
    } finally {
      await silent.close()
    }
  })

  it('human output straight to the app names the findings', async () => {
    const { out } = await run(
      'probe',
      `${app.url}/hooks/orders`,
      '--request',
      captureFile('q.http', APP_TOKEN),
    )
    expect(out).toMatch(/without-credentials/)
    expect(out).toMatch(/The fixed request is accepted/)
    expect(out).toMatch(/reads it/)
    expect(out).not.toContain(APP_TOKEN)
  })
})
