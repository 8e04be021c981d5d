/**
 * `hookwarden fingerprint` and the CLI's fingerprint key, as a user runs them (the built bin),
 * red team 7 R2 F9: "compare fingerprints: len=21 fp:…" could not be carried out, since the
 * same secret had another fingerprint on every run outside a gateway's data directory and
 * nothing fingerprinted a secret the user holds. Now a run without HOOKWARDEN_FINGERPRINT_KEY
 * or a data directory keeps a per-user key, and `fingerprint` reads a secret from standard
 * input (never the command line) under the key the gateway uses.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { start } from '@hookwarden/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT } from './helpers.js'

const BIN = join(ROOT, 'packages/cli/bin/hookwarden.js')
const DEMO = join(ROOT, 'examples/demo.yaml')
const dir = mkdtempSync(join(tmpdir(), 'hw-fingerprint-'))
/** A working directory without ./data, as outside a gateway's installation. */
const away = join(dir, 'elsewhere')
mkdirSync(away)

beforeAll(() => ensureBuilt())
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const FP = /len=\d+ fp:[0-9a-f]{8}/

function hw(args: string[], env: Record<string, string | undefined>, input = '') {
  const full: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...env }))
    if (v !== undefined) full[k] = v
  // Only what the test names: no key or data directory of the machine's.
  delete full.HOOKWARDEN_FINGERPRINT_KEY
  if (env.HOOKWARDEN_FINGERPRINT_KEY)
    full.HOOKWARDEN_FINGERPRINT_KEY = env.HOOKWARDEN_FINGERPRINT_KEY
  if (!env.HOOKWARDEN_DATA_DIR) delete full.HOOKWARDEN_DATA_DIR
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: away,
    env: full,
    input,
    encoding: 'utf8',
  })
}

/** A request to the demo's hmac endpoint signed with another secret (rotated on one side). */
function rotatedCapture(): string {
  const now = 1764670272
  const body = '{"order":42}'
  const sig = createHmac('sha256', 'demo-hmac-secret-NEW1').update(`${now}.${body}`).digest('hex')
  const file = join(dir, 'rotated.http')
  writeFileSync(
    file,
    `POST /hooks/hmac HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nX-Timestamp: ${now}\r\nX-Signature: sha256=${sig}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  )
  return file
}

describe('the CLI fingerprint key outside a data directory', () => {
  it('is kept per user (XDG_CONFIG_HOME, mode 600): the same secret, the same fingerprint on every run', () => {
    const config = join(dir, 'xdg')
    const env = { XDG_CONFIG_HOME: config }
    const file = rotatedCapture()
    const fix = (r: ReturnType<typeof hw>) =>
      /compare fingerprints: (len=\d+ fp:[0-9a-f]{8})/.exec(r.stdout)?.[1]
    const runs = [0, 1, 2].map(() =>
      hw(['diagnose', '--request', file, '--config', DEMO, '--now', '1764670272'], env),
    )
    expect(runs[0]!.status).toBe(1)
    expect(fix(runs[0]!)).toMatch(FP)
    expect(new Set(runs.map(fix)).size).toBe(1)
    const key = join(config, 'hookwarden', 'fingerprint.key')
    expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(statSync(key).size).toBe(32)
    // …and `fingerprint` of the configured secret is the one the fix names.
    const typed = hw(['fingerprint'], env, 'demo-hmac-secret-a41b\n')
    expect(typed.status).toBe(0)
    expect(typed.stdout.split('\n')[0]).toContain(fix(runs[0]!)!)
    expect(typed.stdout).toContain(`key: ${key}, this user's`)
  })

  it('where no key can be kept, it says the fingerprints are for this run only and how to fix that', () => {
    const r = hw(
      ['fingerprint', '--json'],
      { XDG_CONFIG_HOME: DEMO, HOME: undefined },
      'abcdef-123456',
    )
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json.key).toEqual({ source: 'run', path: join(DEMO, 'hookwarden', 'fingerprint.key') })
    const human = hw(['fingerprint'], { XDG_CONFIG_HOME: DEMO, HOME: undefined }, 'abcdef-123456')
    expect(human.stdout).toMatch(
      /key: made for this run only \(cannot make .*ENOTDIR\)\): these fingerprints compare with nothing else; set HOOKWARDEN_FINGERPRINT_KEY/,
    )
  })
})

describe('hookwarden fingerprint', () => {
  const env = { XDG_CONFIG_HOME: join(dir, 'xdg2') }

  it('equals what the gateway records for the same secret under the same key', async () => {
    const dataDir = join(dir, 'gateway-data')
    const gw = await start({
      configFile: DEMO,
      port: 0,
      dataDir,
      env: { HOOKWARDEN_ADMIN_TOKEN: 'fingerprint-test-admin-0123456789' },
      print: () => {},
      handleSignals: false,
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
      webDist: null,
    })
    try {
      const sent = 'a-token-the-sender-has-9f1'
      const res = await fetch(`${gw.url}/hooks/bearer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sent}`, 'content-type': 'application/json' },
        body: '{}',
      })
      const { attempt } = (await res.json()) as { attempt: string }
      const headers = { authorization: 'Bearer fingerprint-test-admin-0123456789' }
      let record = ''
      for (let i = 0; i < 400 && !record.includes('"causes"'); i++) {
        record = await (await fetch(`${gw.url}/api/attempts/${attempt}`, { headers })).text()
        if (!record.includes('"causes"')) await new Promise((r) => setTimeout(r, 20))
      }
      const recordedSent = /token (len=\d+ fp:[0-9a-f]{8}) is not configured/.exec(record)?.[1]
      const recordedConfigured = /configured: (len=\d+ fp:[0-9a-f]{8})/.exec(record)?.[1]
      expect(recordedSent).toMatch(FP)
      expect(recordedConfigured).toMatch(FP)

      const at = { ...env, HOOKWARDEN_DATA_DIR: dataDir }
      const mine = hw(['fingerprint', '--json'], at, `${sent}\n`)
      expect(mine.status).toBe(0)
      expect(JSON.parse(mine.stdout)).toMatchObject({
        fingerprint: recordedSent,
        line_end_dropped: true,
        key: { source: 'data_dir', path: join(dataDir, 'fingerprint.key') },
      })
      const listed = hw(
        ['fingerprint', '--config', DEMO, '--endpoint', 'bearer-demo', '--json'],
        at,
        `${sent}\n`,
      )
      // Not the configured token: exit 1, and the configured one's fingerprint is the record's.
      expect(listed.status).toBe(1)
      expect(JSON.parse(listed.stdout).configured).toEqual([
        {
          endpoint: 'bearer-demo',
          field: 'tokens[0]',
          id: null,
          fingerprint: recordedConfigured,
          same: null,
        },
      ])
    } finally {
      await gw.close()
    }
  })

  it('--config lists every configured credential and marks the one read; exit 0 when one is it', () => {
    const r = hw(['fingerprint', '--config', DEMO], env, 'demo-basic-password-51d')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^len=23 fp:[0-9a-f]{8} {2}the secret read\n/)
    expect(r.stdout).toMatch(
      /basic-demo +users\[0\]\.password \(user make\) +len=23 fp:[0-9a-f]{8} {2}← the secret read/,
    )
    for (const name of [
      'bearer-demo',
      'api-key-demo',
      'hmac-demo',
      'standard-webhooks-demo',
      'github-demo',
    ])
      expect(r.stdout).toContain(name)
    expect(r.stdout).not.toContain('jwt-demo') // public keys only
    // With a space after it: named as the configured one once trimmed, and still exit 1.
    const spaced = hw(
      ['fingerprint', '--config', DEMO, '--endpoint', 'basic-demo'],
      env,
      'demo-basic-password-51d \n',
    )
    expect(spaced.status).toBe(1)
    expect(spaced.stdout).toContain('it has whitespace around it')
    expect(spaced.stdout).toContain('← the secret read, without the whitespace around it')
    // No secret: the configured ones alone.
    const listOnly = hw(['fingerprint', '--config', DEMO, '--json'], env, '')
    expect(listOnly.status).toBe(0)
    expect(JSON.parse(listOnly.stdout).fingerprint).toBeNull()
  })

  it('never prints a secret, read or configured', () => {
    const outputs = [
      hw(['fingerprint', '--config', DEMO], env, 'demo-hmac-secret-a41b'),
      hw(['fingerprint', '--config', DEMO, '--json'], env, 'demo-hmac-secret-a41b\n'),
    ]
    for (const r of outputs)
      for (const secret of [
        'demo-hmac-secret',
        'demo-bearer-token',
        'demo-basic-password',
        'demo-api-key',
        'demo-github-secret',
        '8IXGgCsnMUhTMLvPNgW0',
      ])
        expect(r.stdout + r.stderr).not.toContain(secret)
  })

  it('refuses the secret on the command line, and other unusable input, with one line and exit 2', () => {
    const cases: [string[], string, RegExp][] = [
      [
        ['fingerprint', 'my-secret-on-argv'],
        '',
        /^hookwarden: the secret is read from standard input, never from the command line/,
      ],
      [['fingerprint'], '', /^hookwarden: no secret on standard input/],
      [['fingerprint'], 'one\ntwo\n', /^hookwarden: standard input holds 2 lines; give one secret/],
      [
        ['fingerprint', '--endpoint', 'hmac-demo'],
        'x-secret',
        /^hookwarden: --endpoint needs --config/,
      ],
      [
        ['fingerprint', '--config', DEMO, '--endpoint', 'nope'],
        'x-secret',
        /^hookwarden: no endpoint named "nope"/,
      ],
    ]
    for (const [args, input, line] of cases) {
      const r = hw(args, env, input)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(line)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr + r.stdout).not.toContain('my-secret-on-argv')
      expect(r.stdout).toBe('')
    }
  })
})
