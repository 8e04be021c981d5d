/**
 * A config with two endpoints on one path, through the built bin: verify, diagnose and sign
 * take the first match (contract §2) with their usual exit status, and say on stderr, in one
 * line naming both endpoints and the second one's line, that `serve` refuses this config.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ensureBuilt, run } from './helpers.js'

const FIRST = 'tok-orders-prod-8c1d2e3f4a'
const SECOND = 'tok-orders-copy-5b6a7c8d9e'
let dir = ''
let shared = ''
let apart = ''
let accepted = ''
let refused = ''

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-shared-path-'))
  shared = join(dir, 'shared.yaml')
  writeFileSync(
    shared,
    `endpoints:
  - name: orders-prod
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${FIRST}"] }
  - name: refunds
    path: /hooks/refunds
    auth: { scheme: bearer, tokens: ["${FIRST}"] }
  - name: orders-copy
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${SECOND}"] }
`,
  )
  apart = join(dir, 'apart.yaml')
  writeFileSync(
    apart,
    `endpoints:
  - name: orders-prod
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${FIRST}"] }
`,
  )
  accepted = join(dir, 'accepted.http')
  writeFileSync(
    accepted,
    `POST /hooks/orders HTTP/1.1\nHost: h\nAuthorization: Bearer ${FIRST}\n\n{}`,
  )
  refused = join(dir, 'refused.http')
  writeFileSync(
    refused,
    `POST /hooks/orders HTTP/1.1\nHost: h\nAuthorization: Bearer ${SECOND}\n\n{}`,
  )
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The one warning line, as each command prints it. */
function expectWarning(stderr: string): void {
  const lines = stderr.split('\n').filter(Boolean)
  expect(lines).toHaveLength(1)
  expect(lines[0]).toBe(
    `hookwarden: warning: ${shared}:9: endpoints[2].path: endpoints "orders-prod" and "orders-copy" share the path /hooks/orders; a request to it is checked against "orders-prod" (the first), unless --endpoint names another, and hookwarden serve refuses this config (it routes one path to one endpoint)`,
  )
}

describe('two endpoints on one path', () => {
  it('verify takes the first and keeps its exit status (0 accepted, 1 refused), with the warning', async () => {
    const ok = await run(['verify', '--request', accepted, '--config', shared, '--json'])
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, endpoint: 'orders-prod' })
    expectWarning(ok.stderr)
    // The second endpoint's token: the first endpoint refuses it, as the CLI always did.
    const no = await run(['verify', '--request', refused, '--config', shared, '--json'])
    expect(no.status).toBe(1)
    expect(JSON.parse(no.stdout)).toMatchObject({ ok: false, endpoint: 'orders-prod' })
    expectWarning(no.stderr)
    const named = await run([
      'verify',
      '--request',
      refused,
      '--config',
      shared,
      '--endpoint',
      'orders-copy',
    ])
    expect(named.status).toBe(0)
    expectWarning(named.stderr)
  })

  it('diagnose and sign say it too, with their usual exit status', async () => {
    const diagnosed = await run(['diagnose', '--request', accepted, '--config', shared, '--json'])
    expect(diagnosed.status).toBe(0)
    expect(JSON.parse(diagnosed.stdout).causes).toEqual([])
    expectWarning(diagnosed.stderr)
    const signed = await run(['sign', '--request', refused, '--config', shared])
    expect(signed.status).toBe(0)
    expect(signed.stdout).toContain(`Authorization: Bearer ${FIRST}`)
    expectWarning(signed.stderr)
  })

  it('serve refuses the same config, as the warning says', () => {
    const port = String(20000 + Math.floor(Math.random() * 20000))
    const serve = spawnSync(BIN, ['serve', '--config', shared, '--port', port], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, HOOKWARDEN_DATA_DIR: join(dir, 'data') },
    })
    expect(serve.status).toBe(2)
    expect(serve.stderr).toMatch(
      /endpoints\[2\]\.path \/hooks\/orders is also the path of endpoint "orders-prod"/,
    )
  })

  it('a config whose paths are all different: no warning', async () => {
    const r = await run(['verify', '--request', accepted, '--config', apart])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
  })
})
