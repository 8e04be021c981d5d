/**
 * A curl command saved to a file reads its `@file` arguments from beside it, as curl would
 * from the directory it ran in (the server's paste page never reads files: core test).
 */
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

const SECRET = 'curl-files-hmac-secret-0123'
const BODY = '{"event":"order.paid","id":7}\n'
let dir = ''

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-curl-files-'))
  writeFileSync(join(dir, 'body.json'), BODY)
  writeFileSync(join(dir, 'headers.txt'), 'Content-Type: application/json\n')
  writeFileSync(
    join(dir, 'hookwarden.yaml'),
    `auth:\n  scheme: hmac\n  header: X-Signature\n  algorithm: sha256\n  encoding: hex\n  secrets: ["${SECRET}"]\n`,
  )
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('curl @file arguments', () => {
  it('--data-binary @body.json and -H @headers.txt are read from beside the capture', async () => {
    const sig = createHmac('sha256', SECRET).update(BODY).digest('hex')
    const capture = join(dir, 'send.curl')
    writeFileSync(
      capture,
      `curl https://h.example/hooks -H @headers.txt -H 'X-Signature: ${sig}' --data-binary @body.json\n`,
    )
    const r = await run([
      'verify',
      '--request',
      capture,
      '--config',
      join(dir, 'hookwarden.yaml'),
      '--json',
    ])
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).ok).toBe(true)
    // -d strips the newlines, as curl does: the signature over the file no longer matches.
    writeFileSync(capture, `curl https://h.example/hooks -H 'X-Signature: ${sig}' -d @body.json\n`)
    const d = await run([
      'verify',
      '--request',
      capture,
      '--config',
      join(dir, 'hookwarden.yaml'),
      '--json',
    ])
    expect(JSON.parse(d.stdout).ok).toBe(false)
    // A file that is not there is one line, exit 2.
    writeFileSync(capture, 'curl https://h.example/hooks --data-binary @missing.json\n')
    const m = await run(['verify', '--request', capture, '--config', join(dir, 'hookwarden.yaml')])
    expect(m.status).toBe(2)
    expect(m.stderr.trim().split('\n')).toHaveLength(1)
    expect(m.stderr).toMatch(/cannot read missing\.json/)
  })
})
