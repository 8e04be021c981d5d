/**
 * `hookwarden sign` through the built CLI: during a rotation's overlap it signs with the new
 * credential, not the one about to expire (`--key-id` still picks either); a POST with an
 * empty body says `Content-Length: 0` (RFC 9110 §8.6), a GET says nothing.
 */
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

const OLD = 'old-secret-aaaaaaaaaaaa'
const NEW = 'new-secret-bbbbbbbbbbbb'
const OVERLAP = 1761000000 // 2025-10-20, before the old secret's not_after
const BODY = '{"id":"evt_1","café":"€ 1"}'
let dir = ''
let config = ''

const sig = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-sign-overlap-'))
  config = file(
    'hookwarden.yaml',
    `endpoints:
  - name: rot
    path: /hooks/rot
    auth:
      provider: github
      secrets:
        - { value: "${OLD}", id: "2025-10", not_after: "2025-11-01T00:00:00Z" }
        - { value: "${NEW}", id: "2025-11" }
`,
  )
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('hookwarden sign during a rotation overlap', () => {
  const request = () =>
    file(
      'rot.http',
      `POST /hooks/rot HTTP/1.1\nHost: hooks.example\nContent-Type: application/json\n\n${BODY}`,
    )

  it('signs with the newest valid secret, and --key-id still picks the old one', async () => {
    const r = await run([
      'sign',
      '--request',
      request(),
      '--config',
      config,
      '--now',
      String(OVERLAP),
    ])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(`X-Hub-Signature-256: ${sig(NEW, BODY)}`)
    const old = await run([
      'sign',
      '--request',
      request(),
      '--config',
      config,
      '--now',
      String(OVERLAP),
      '--key-id',
      '2025-10',
    ])
    expect(old.stdout).toContain(`X-Hub-Signature-256: ${sig(OLD, BODY)}`)
    // Both verify during the overlap.
    for (const signed of [r.stdout, old.stdout]) {
      const v = await run([
        'verify',
        '--request',
        file('signed.http', signed),
        '--config',
        config,
        '--now',
        String(OVERLAP),
      ])
      expect(v.status).toBe(0)
    }
  })
})

describe('hookwarden sign: Content-Length of an empty body', () => {
  it('POST with an empty body gets Content-Length: 0; GET gets none', async () => {
    const post = await run([
      'sign',
      '--request',
      file('empty-post.http', 'POST /hooks/rot HTTP/1.1\r\nHost: h\r\n\r\n'),
      '--config',
      config,
      '--now',
      String(OVERLAP),
    ])
    expect(post.status).toBe(0)
    const head = post.stdout.split('\r\n\r\n')[0]!.split('\r\n')
    expect(head).toContain('Content-Length: 0')
    expect(head).toContain(`X-Hub-Signature-256: ${sig(NEW, '')}`)
    const get = await run([
      'sign',
      '--request',
      file('empty-get.http', 'GET /hooks/rot HTTP/1.1\r\nHost: h\r\n\r\n'),
      '--config',
      config,
      '--now',
      String(OVERLAP),
    ])
    expect(get.status).toBe(0)
    expect(get.stdout.toLowerCase()).not.toContain('content-length')
  })
})
