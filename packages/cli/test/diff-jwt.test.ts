/**
 * `hookwarden diff` and `hookwarden jwt` through the built CLI: exit codes, the
 * authentication-relevant differences first, times in words, and no secret, whole token or
 * whole signature in any output.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompactEncrypt, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT, run, runEnv } from './helpers.js'

const NOW = 1767225600
const TOKEN = 'hw_live_Q7mZk2Rx9Lp4Vt8NbW3c'
const BODY = '{"event":"invoice.paid","invoice":{"id":"inv_77","amount":4200}}'
let dir = ''

function capture(
  name: string,
  headers: [string, string][],
  body = BODY,
  path = '/hooks/invoices',
): string {
  const b = Buffer.from(body)
  const text = `POST ${path} HTTP/1.1\nHost: receiver.example.org\n${headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\nContent-Length: ${b.length}\n\n`
  const file = join(dir, name)
  writeFileSync(file, Buffer.concat([Buffer.from(text), b]))
  return file
}

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-diff-'))
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('hookwarden diff', () => {
  it('exits 0 and says so for two identical requests', async () => {
    const a = capture('same-a.http', [['Authorization', `Bearer ${TOKEN}`]])
    const b = capture('same-b.http', [['Authorization', `Bearer ${TOKEN}`]])
    const r = await run(['diff', a, b, '--json'])
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ same: true, differences: [] })
  })

  it('puts the missing Bearer prefix first, says the credential is the same, and prints no token', async () => {
    const good = capture('good.http', [
      ['User-Agent', 'curl/8.5.0'],
      ['Authorization', `Bearer ${TOKEN}`],
    ])
    const bad = capture('bad.http', [
      ['User-Agent', 'Make/production'],
      ['Authorization', TOKEN],
    ])
    const r = await run(['diff', good, bad, '--json'])
    expect(r.status).toBe(1)
    const d = JSON.parse(r.stdout)
    expect(d.differences[0]).toMatchObject({
      kind: 'prefix',
      field: 'Authorization',
      good: 'Bearer',
      bad: '(none)',
      auth: true,
    })
    expect(
      d.differences.find(
        (x: { kind: string; field: string }) => x.kind === 'value' && x.field === 'Authorization',
      ).note,
    ).toMatch(/credential itself is the same/)
    // The User-Agent differs too, but it is not about authentication: listed after.
    expect(d.differences.at(-1)).toMatchObject({ field: 'User-Agent', auth: false })
    const human = await run(['diff', good, bad])
    expect(human.status).toBe(1)
    expect(human.stdout).toMatch(/relevant to authentication/)
    for (const out of [r.stdout, human.stdout]) expect(out).not.toContain(TOKEN)
  })

  it('names a header renamed with "_" (nginx drops it), a newline after the credential and a truncated key', async () => {
    const good = capture('g2.http', [['X-API-Key', 'ak_9fK2mQ7xLp4Rt8VbN3cZ']])
    const bad = capture('b2.http', [['X_API_KEY', 'ak_9fK2mQ7xLp4Rt8']])
    const d = JSON.parse((await run(['diff', good, bad, '--json'])).stdout)
    expect(d.differences[0]).toMatchObject({
      kind: 'header_name',
      good: 'X-API-Key',
      bad: 'X_API_KEY',
    })
    expect(d.differences[0].note).toMatch(/nginx/)
    expect(d.differences.find((x: { kind: string }) => x.kind === 'length').note).toMatch(
      /cut short/,
    )
    const goodJson = join(dir, 'g3.json')
    const badJson = join(dir, 'b3.json')
    writeFileSync(
      goodJson,
      JSON.stringify({
        method: 'POST',
        url: '/h',
        headers: [['Authorization', `Bearer ${TOKEN}`]],
        body: '',
      }),
    )
    writeFileSync(
      badJson,
      JSON.stringify({
        method: 'POST',
        url: '/h',
        headers: [['Authorization', `Bearer ${TOKEN}\n`]],
        body: '',
      }),
    )
    const ws = await run(['diff', goodJson, badJson, '--json'])
    expect(JSON.parse(ws.stdout).differences[0]).toMatchObject({ kind: 'whitespace', auth: true })
    expect(ws.stdout).not.toContain(TOKEN)
  })

  it('tells a re-serialized body and a timestamp in milliseconds', async () => {
    const good = capture('g4.http', [
      ['X-Timestamp', String(NOW)],
      ['X-Signature', 'a'.repeat(64)],
    ])
    const bad = capture(
      'b4.http',
      [
        ['X-Timestamp', String(NOW * 1000)],
        ['X-Signature', 'b'.repeat(64)],
      ],
      JSON.stringify(JSON.parse(BODY), null, 2),
    )
    const r = await run(['diff', good, bad, '--json'])
    const d = JSON.parse(r.stdout)
    const kinds = d.differences.map((x: { kind: string }) => x.kind)
    expect(kinds).toEqual(expect.arrayContaining(['timestamp', 'value', 'body']))
    expect(d.differences.find((x: { kind: string }) => x.kind === 'timestamp').note).toMatch(
      /milliseconds/,
    )
    expect(d.differences.find((x: { kind: string }) => x.kind === 'body').note).toMatch(
      /same JSON serialized differently/,
    )
    expect(r.stdout).not.toContain('a'.repeat(64))
    expect(r.stdout).not.toContain('b'.repeat(64))
  })

  it('exits 2 with one line naming the file for an unreadable capture', async () => {
    const r = await run(['diff', join(dir, 'nope.http'), join(dir, 'nope2.http')])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/nope\.http/)
  })
})

describe('hookwarden jwt', () => {
  const key = new TextEncoder().encode('jwt-shared-secret-0123456789abcdefXYZ')
  const make = (claims: Record<string, unknown>, alg = 'HS256') =>
    new SignJWT(claims).setProtectedHeader({ alg, kid: 'k1' }).sign(key)

  it('decodes an expired token from a capture file, says how long ago, and never prints the token or its signature', async () => {
    const token = await make({
      iss: 'https://issuer.example',
      aud: 'webhooks',
      iat: NOW - 11640,
      exp: NOW - 8040,
    })
    const file = capture('jwt.http', [['Authorization', `Bearer ${token}`]])
    const r = await run(['jwt', file, '--now', String(NOW), '--json'])
    expect(r.status).toBe(1)
    const j = JSON.parse(r.stdout)
    expect(j.header).toEqual({ alg: 'HS256', kid: 'k1' })
    expect(j.claims.iss).toBe('https://issuer.example')
    expect(j.times.find((t: { claim: string }) => t.claim === 'exp')).toMatchObject({
      iso: '2025-12-31T21:46:00Z',
      relative: '2 h 14 min ago',
    })
    expect(j.problems[0].code).toBe('jwt_expired')
    expect(j.problems[0].summary).toMatch(/expired 2 h 14 min ago/)
    expect(j.signature).toMatch(/^len=\d+ fp:[0-9a-f]{8}$/)
    const human = await run(['jwt', token, '--now', String(NOW)])
    expect(human.status).toBe(1)
    expect(human.stdout).toMatch(/jwt_expired/)
    for (const out of [r.stdout, human.stdout]) {
      expect(out).not.toContain(token)
      expect(out).not.toContain(token.split('.')[2]!)
    }
  })

  it('exits 0 for a token with nothing wrong, and flags nbf in the future and alg none', async () => {
    const good = await make({ sub: 'x', iat: NOW - 10, exp: NOW + 3600 })
    const ok = await run(['jwt', good, '--now', String(NOW), '--json'])
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout).problems).toEqual([])
    const early = await make({ sub: 'x', nbf: NOW + 600 })
    const e = JSON.parse((await run(['jwt', early, '--now', String(NOW), '--json'])).stdout)
    expect(e.problems[0]).toMatchObject({ code: 'jwt_not_yet_valid' })
    expect(e.problems[0].summary).toMatch(/10 min in the future/)
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`
    const n = JSON.parse((await run(['jwt', none, '--now', String(NOW), '--json'])).stdout)
    expect(n.problems[0].code).toBe('jwt_alg_not_allowed')
  })

  it('exits 2 with one line for something that is not a JWT', async () => {
    const r = await run(['jwt', 'definitely-not-a-token'])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    const file = join(dir, 'empty.txt')
    writeFileSync(file, 'no token here\n')
    const f = await run(['jwt', file])
    expect(f.status).toBe(2)
    expect(f.stderr).toMatch(/empty\.txt/)
    // A file that is not there is a file that is not there, not a two-part "token".
    for (const missing of [join(dir, 'nope', 'token.txt'), 'token.jwt']) {
      const m = await run(['jwt', missing])
      expect(m.status, missing).toBe(2)
      expect(m.stderr, missing).toMatch(/cannot read token: ENOENT/)
    }
  })

  it('names an encrypted JWE (five parts, made by jose) as such, given alone or in a capture', async () => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{"sub":"make"}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(new Uint8Array(32).fill(7))
    expect(jwe.split('.')).toHaveLength(5)
    const file = capture('jwe.http', [['Authorization', `Bearer ${jwe}`]])
    for (const arg of [jwe, file]) {
      const r = await run(['jwt', arg, '--json'])
      expect(r.status).toBe(1)
      const problems = JSON.parse(r.stdout).problems
      expect(problems).toHaveLength(1)
      expect(problems[0].code).toBe('jwt_malformed')
      expect(problems[0].summary).toMatch(/five parts: an encrypted JWE/)
    }
  })

  it("fingerprints compare across runs: HOOKWARDEN_FINGERPRINT_KEY, else the gateway's key file", async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQtaGVyZQ'
    const data = join(dir, 'data')
    mkdirSync(data, { recursive: true })
    writeFileSync(join(data, 'fingerprint.key'), Buffer.alloc(32, 7))
    const sig = async (env: Record<string, string>) => {
      const r = await runEnv(['jwt', token, '--json'], env)
      return JSON.parse(r.stdout).signature as string
    }
    const byEnv = { HOOKWARDEN_FINGERPRINT_KEY: '00112233445566778899aabbccddeeff' }
    const byFile = { HOOKWARDEN_DATA_DIR: data }
    expect(await sig(byEnv)).toBe(await sig(byEnv))
    expect(await sig(byFile)).toBe(await sig(byFile))
    expect(await sig(byFile)).not.toBe(await sig(byEnv))
  })

  it('reads a malformed JWT and says what is wrong', async () => {
    const r = await run(['jwt', 'eyJhbGciOiJIUzI1NiJ9.not-json!.c2ln', '--json'])
    expect(r.status).toBe(1)
    expect(JSON.parse(r.stdout).problems[0].code).toBe('jwt_malformed')
  })
})

describe('hookwarden diagnose: sender wording and exit codes', () => {
  const cases = join(ROOT, 'packages/core/test/cases')
  it('words the fix for Make (guessed from the User-Agent) and for curl when asked', async () => {
    const c = join(cases, 'scheme-prefix-missing-make')
    const args = [
      'diagnose',
      '--request',
      join(c, 'request.http'),
      '--config',
      join(c, 'hookwarden.yaml'),
      '--now',
      String(NOW),
      '--json',
    ]
    const make = JSON.parse((await run(args)).stdout)
    expect(make.causes[0].fix).toMatch(
      /In the HTTP module, Headers → Authorization: write `Bearer ` before the token/,
    )
    expect(make.causes[0].fix).toMatch(/Evaluate all states as errors/)
    const curl = JSON.parse((await run([...args, '--sender', 'curl'])).stdout)
    expect(curl.causes[0].fix).toMatch(/-H 'Authorization: Bearer <token>'/)
    const bad = await run([...args, '--sender', 'postman'])
    expect(bad.status).toBe(2)
  })

  it('prints the verdict, the cause, the fix, then the evidence in human output', async () => {
    const c = join(cases, 'timestamp-out-of-window')
    const r = await run([
      'diagnose',
      '--request',
      join(c, 'request.http'),
      '--config',
      join(c, 'hookwarden.yaml'),
      '--now',
      String(NOW),
    ])
    expect(r.status).toBe(1)
    const out = r.stdout
    expect(out.indexOf('rejected 401')).toBeLessThan(out.indexOf('Cause:'))
    expect(out.indexOf('Cause:')).toBeLessThan(out.indexOf('Fix:'))
    expect(out.indexOf('Fix:')).toBeLessThan(out.indexOf('Evidence:'))
    expect(out).toMatch(/2 h 14 min in the past/)
    expect(readFileSync(join(c, 'request.http'), 'utf8')).toContain('webhook-signature')
  })
})
