/**
 * What the CLI's diagnose says about the capture itself: a HAR's skipped CORS preflight as a
 * note (JSON `notes`, and a line before the causes), and a curl command's fixes worded for curl
 * (`-d @file` strips the newlines of the file signed), unless --sender says otherwise.
 */
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

const SECRET = 'notes-hmac-secret-0123456789'
const TOKEN = 'tok_live_notes_secret_0123456789'
const FILE = '{\n  "order_id": "A-1001",\n  "total": 42.5\n}\n'
let dir = ''

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-notes-'))
  const entry = (method: string, headers: { name: string; value: string }[]) => ({
    request: { method, url: 'https://h.example/hooks', httpVersion: 'HTTP/1.1', headers },
  })
  writeFileSync(
    join(dir, 'preflight.har'),
    JSON.stringify({
      log: {
        version: '1.2',
        entries: [
          entry('OPTIONS', [{ name: 'Access-Control-Request-Method', value: 'POST' }]),
          entry('POST', [{ name: 'Authorization', value: `Bearer ${TOKEN}` }]),
        ],
      },
    }),
  )
  writeFileSync(join(dir, 'payload.json'), FILE)
  const sig = createHmac('sha256', SECRET).update(FILE).digest('hex')
  writeFileSync(
    join(dir, 'request.curl'),
    `curl https://h.example/hooks -H 'Content-Type: application/json' -H 'X-Signature: ${sig}' -d @payload.json\n`,
  )
  writeFileSync(
    join(dir, 'hookwarden.yaml'),
    `auth:\n  scheme: hmac\n  header: X-Signature\n  algorithm: sha256\n  encoding: hex\n  secrets: ["${SECRET}"]\n`,
  )
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('diagnose: notes and the sender of a capture', () => {
  it('a skipped CORS preflight is a note in --json and before the causes in the text', async () => {
    const json = await run(['diagnose', '--request', join(dir, 'preflight.har'), '--json'])
    const d = JSON.parse(json.stdout)
    expect(d.notes).toHaveLength(1)
    expect(d.notes[0]).toMatch(/CORS preflight/)
    const text = await run(['diagnose', '--request', join(dir, 'preflight.har')])
    expect(text.stdout).toMatch(/Note:\s+entry 0 is a CORS preflight/)
    for (const out of [json.stdout, text.stdout]) expect(out).not.toContain(TOKEN)
  })

  it('a capture without notes prints notes: []', async () => {
    const json = await run([
      'diagnose',
      '--request',
      join(dir, 'request.curl'),
      '--config',
      join(dir, 'hookwarden.yaml'),
      '--json',
    ])
    expect(JSON.parse(json.stdout).notes).toEqual([])
  })

  it('curl -d @file: the fix is worded for curl by default, for code with --sender code', async () => {
    const args = ['diagnose', '--request', join(dir, 'request.curl')]
    args.push('--config', join(dir, 'hookwarden.yaml'), '--json')
    const d = JSON.parse((await run(args)).stdout)
    expect(d.causes[0].code).toBe('signature_body_modified')
    expect(d.causes[0].fix).toMatch(/--data-binary @file/)
    const code = JSON.parse((await run([...args, '--sender', 'code'])).stdout)
    expect(code.causes[0].fix).toMatch(/raw request body/)
  })
})
