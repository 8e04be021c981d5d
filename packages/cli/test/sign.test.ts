/**
 * `hookwarden sign` through the built CLI: it signs with a credential valid at --now, refuses
 * (exit 2, one line) what would sign a request that verify refuses, and signs with an expired
 * credential only when --key-id asks for it.
 */
import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ensureBuilt, run } from './helpers.js'

const OLD = 'hw_old_Zq8Lm3Pn7Rt2Vx5Wb9Kc'
const NEW = 'hw_new_Hs4Dj6Fk1Gl8Mz3Nx7Qa'
const BEFORE = 1764547200 // 2025-12-01
const AFTER = 1772323200 // 2026-03-01
let dir = ''
let config = ''
let request = ''

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-sign-'))
  config = join(dir, 'hookwarden.yaml')
  writeFileSync(
    config,
    `endpoints:
  - name: rotating
    path: /hooks/rotating
    auth:
      scheme: hmac
      header: X-Signature
      secrets:
        - { value: "${OLD}", id: "2025-12", not_after: "2026-01-01T00:00:00Z" }
        - { value: "${NEW}", id: "2026-02", not_after: "2026-02-01T00:00:00Z" }
      retired:
        - { value: "hw_gone_Qp2Wm8Zt5Lx1Nv7Kb4", id: "2025-06" }
`,
  )
  request = join(dir, 'req.http')
  writeFileSync(request, 'POST /hooks/rotating HTTP/1.1\nHost: h\n\n{"n":1}')
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function signThenVerify(args: string[], now: number) {
  const signed = await run(['sign', '--request', request, '--config', config, ...args])
  if (signed.status !== 0) return { signed, verdict: null }
  const file = join(dir, `signed-${Math.random().toString(36).slice(2)}.http`)
  writeFileSync(file, signed.stdout)
  const v = await run([
    'verify',
    '--request',
    file,
    '--config',
    config,
    '--now',
    String(now),
    '--json',
  ])
  return { signed, verdict: JSON.parse(v.stdout) as { ok: boolean; reason: string | null } }
}

describe('hookwarden sign', () => {
  it('signs with the newest credential valid at --now, and verify accepts it', async () => {
    const { signed, verdict } = await signThenVerify(['--now', String(BEFORE)], BEFORE)
    expect(signed.status).toBe(0)
    expect(verdict?.ok).toBe(true)
    expect(signed.stdout).not.toContain(OLD)
  })

  it('exits 2 with one line naming the endpoint and field when every credential has expired', async () => {
    const r = await run(['sign', '--request', request, '--config', config, '--now', String(AFTER)])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/secrets of endpoint "rotating" is past its not_after/)
    expect(lines[0]).toMatch(/2026-02-01T00:00:00/)
    expect(r.stderr).not.toContain(NEW)
  })

  it('signs with an expired credential on purpose with --key-id, and verify names it revoked', async () => {
    const { signed, verdict } = await signThenVerify(
      ['--now', String(AFTER), '--key-id', '2025-12'],
      AFTER,
    )
    expect(signed.status).toBe(0)
    expect(signed.stderr.trim()).toBe(
      'hookwarden: warning: "2025-12" is past its not_after (2026-01-01T00:00:00.000Z): verify refuses this request as credential_revoked',
    )
    expect(verdict).toMatchObject({ ok: false, reason: 'credential_revoked' })
  })

  it('exits 2 for the --key-id of a retired credential, saying it is retired', async () => {
    const r = await run(['sign', '--request', request, '--config', config, '--key-id', '2025-06'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/"2025-06" is a retired credential of endpoint "rotating"/)
  })

  it('exits 2 (not 70) for a --key-id no credential has, listing the ids there are', async () => {
    const r = await run(['sign', '--request', request, '--config', config, '--key-id', 'nope'])
    expect(r.status).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/no entry with id "nope".*ids: 2025-12, 2026-02/)
  })
})

describe('what sign prints', () => {
  const SECRET = 'hw_raw_Hs4Dj6Fk1Gl8Mz3Nx7Qa'
  const signBytes = (file: string, cfg: string) =>
    execFileSync(BIN, ['sign', '--request', file, '--config', cfg, '--endpoint', 'raw'])

  it('is the body byte for byte, not UTF-8 or not, signed over those bytes', () => {
    const cfg = join(dir, 'raw.yaml')
    writeFileSync(
      cfg,
      `endpoints:\n  - name: raw\n    path: /hooks/raw\n    auth: { scheme: hmac, header: X-Signature, secrets: ["${SECRET}"] }\n`,
    )
    const body = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0xe9, 0x80])
    const file = join(dir, 'binary.http')
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(
          `POST /hooks/raw HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`,
        ),
        body,
      ]),
    )
    const out = signBytes(file, cfg)
    const split = out.indexOf('\r\n\r\n')
    expect(out.subarray(split + 4).equals(body)).toBe(true)
    const head = out.subarray(0, split).toString('latin1')
    const sig = /^X-Signature: (.+)$/im.exec(head)?.[1]
    expect(sig).toBe(createHmac('sha256', SECRET).update(body).digest('hex'))
  })

  it('from a curl command: an origin-form target with Host and Content-Length, user-info kept out', () => {
    const cfg = join(dir, 'raw.yaml')
    const file = join(dir, 'curl.sh')
    writeFileSync(file, "curl -X POST 'https://user:pw@example.com/hooks/raw?x=1' -d 'hi there'")
    const head = signBytes(file, cfg).toString('utf8').split('\r\n\r\n')[0]!
    expect(head.split('\r\n')[0]).toBe('POST /hooks/raw?x=1 HTTP/1.1')
    expect(head).toMatch(/^Host: example\.com$/m)
    expect(head).toMatch(/^Content-Length: 8$/m)
  })
})
