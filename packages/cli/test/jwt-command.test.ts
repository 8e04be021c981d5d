/**
 * `hookwarden jwt` through the built CLI, with tokens made by jose: no private-key member or
 * secret-named value is ever printed (fingerprints stand in, and a private key is named as
 * such); with a capture, the token is read where the request carries its credential, and the
 * header construction verify refuses is never "no problem" here. Each construction case is run
 * through `verify` too, which must name the same code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fingerprint, setFingerprintKey } from '@hookwarden/core'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runEnv } from './helpers.js'

const NOW = 1764460800
const KEY = '00112233445566778899aabbccddeeff'
const HS_SECRET = 'jwt-cli-test-secret-0123456789abcdef-XYZ'
const env = { HOOKWARDEN_FINGERPRINT_KEY: KEY }
const base = { iss: 'https://issuer.example', aud: 'webhooks', sub: 'svc' }
let dir = ''
let config = ''

const hs = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from(HS_SECRET))

function capture(name: string, headerLines: string[]): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    `POST /hooks/jwt HTTP/1.1\r\nHost: receiver.example\r\n${headerLines.map((l) => `${l}\r\n`).join('')}Content-Length: 2\r\n\r\n{}`,
  )
  return file
}

const jwt = async (arg: string) => {
  const r = await runEnv(['jwt', arg, '--now', String(NOW), '--json'], env)
  return { status: r.status, stderr: r.stderr, out: r.stdout ? JSON.parse(r.stdout) : null }
}

async function verifyReason(file: string): Promise<string | null> {
  const r = await runEnv(
    ['verify', '--request', file, '--config', config, '--now', String(NOW), '--json'],
    env,
  )
  return JSON.parse(r.stdout).reason
}

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-jwt-'))
  config = join(dir, 'hookwarden.yaml')
  writeFileSync(
    config,
    `endpoints:
  - name: jwt
    path: /hooks/jwt
    auth: { scheme: jwt, algorithms: [HS256], secret: "${HS_SECRET}", leeway: 0 }
`,
  )
}, 180_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('hookwarden jwt never prints a secret inside the token', () => {
  it('fingerprints a private JWK in the header and secret-named claims, nested too, and says the key must be rotated', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(privateKey)
    const claims = {
      ...base,
      exp: NOW + 600,
      client_secret: 'cs_live_THISISSECRET123456',
      password: 'hunter2-correct-horse',
      ctx: { apiKey: 'ak_nested_9f8e7d6c5b4a', note: 'kept as is' },
      cnf: { jwk: { kty: 'oct', k: 'c3ltbWV0cmljLWtleS1ieXRlcy0xMjM0NQ' } },
      refresh_token: 'rt_Qm9vbXNoYWthbGFrYQ',
    }
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', jwk: jwk as Record<string, unknown> } as never)
      .sign(privateKey)
    const human = await runEnv(['jwt', token, '--now', String(NOW)], env)
    const json = await runEnv(['jwt', token, '--now', String(NOW), '--json'], env)
    const secrets = [
      jwk.d!,
      claims.client_secret,
      claims.password,
      claims.ctx.apiKey,
      claims.cnf.jwk.k,
      claims.refresh_token,
    ]
    for (const out of [human.stdout, json.stdout, human.stderr, json.stderr])
      for (const s of secrets) expect(out).not.toContain(s)
    expect(human.status).toBe(1)
    expect(json.status).toBe(1)
    setFingerprintKey(Buffer.from(KEY, 'hex'))
    const j = JSON.parse(json.stdout)
    expect(j.header.jwk.d).toBe(fingerprint(jwk.d!))
    expect(j.header.jwk.x).toBe(jwk.x)
    expect(j.claims.client_secret).toBe(fingerprint(claims.client_secret))
    expect(j.claims.ctx).toEqual({ apiKey: fingerprint(claims.ctx.apiKey), note: 'kept as is' })
    expect(j.private_key.members).toEqual(['header.jwk.d', 'claims.cnf.jwk.k'])
    expect(j.fingerprinted).toEqual(
      expect.arrayContaining([
        'claims.client_secret',
        'claims.password',
        'claims.ctx.apiKey',
        'claims.refresh_token',
      ]),
    )
    const line = human.stdout.split('\n').find((l) => l.includes('carries a private key'))
    expect(line).toMatch(
      /^✗ The token carries a private key \(header\.jwk\.d, claims\.cnf\.jwk\.k\)/,
    )
    expect(line).toMatch(/must rotate it/)
  })

  it('keeps public values and token_type-like names as they are', async () => {
    const r = await jwt(await hs({ ...base, exp: NOW + 60, token_type: 'Bearer', auth_time: NOW }))
    expect(r.status).toBe(0)
    expect(r.out.claims).toMatchObject({ token_type: 'Bearer', auth_time: NOW, sub: 'svc' })
    expect(r.out.private_key).toBe(null)
  })
})

describe('hookwarden jwt FILE reads the credential of a capture, as verify does', () => {
  it('reads Authorization, not an earlier X-Previous-Token, and says which header it read', async () => {
    const expired = await hs({ ...base, exp: NOW - 600 })
    const current = await hs({ ...base, exp: NOW + 600 })
    const file = capture('two.http', [
      `X-Previous-Token: ${expired}`,
      `Authorization: Bearer ${current}`,
    ])
    const r = await jwt(file)
    expect(r.status).toBe(0)
    expect(r.out.read_from).toBe('the Authorization header')
    expect(r.out.problems).toEqual([])
    expect(r.out.notes.join(' ')).toMatch(/X-Previous-Token header holds another JWT, not read/)
    expect(await verifyReason(file)).toBe(null)
    const human = await runEnv(['jwt', file, '--now', String(NOW)], env)
    expect(human.stdout).toMatch(/^Read from: the Authorization header$/m)
  })

  it.each([
    ['Bearer written twice', (t: string) => `Authorization: Bearer Bearer ${t}`],
    ['the token in quotes', (t: string) => `Authorization: Bearer "${t}"`],
    ['a non-breaking space after it', (t: string) => `Authorization: Bearer ${t}\u00a0`],
    ['a fourth part', (t: string) => `Authorization: Bearer ${t}.`],
    ['the signature cut short', (t: string) => `Authorization: Bearer ${t.slice(0, -5)}`],
    ['glued to Bearer', (t: string) => `Authorization: Bearer${t}`],
    ['in X-Authorization', (t: string) => `X-Authorization: Bearer ${t}`],
  ])('%s: the code verify refuses with, never "no problem"', async (name, line) => {
    const token = await hs({ ...base, exp: NOW + 600 })
    const file = capture(`${name.replace(/\W+/g, '-')}.http`, [line(token)])
    const reason = await verifyReason(file)
    expect(reason).not.toBe(null)
    const r = await jwt(file)
    expect(r.status).toBe(1)
    expect(r.out.problems.map((p: { code: string }) => p.code)).toContain(reason)
    // The claims are still decoded from the token inside.
    expect(r.out.claims).toMatchObject({ sub: 'svc' })
    const human = await runEnv(['jwt', file, '--now', String(NOW)], env)
    expect(human.stdout).not.toMatch(/no problem found/)
  })

  it('exp == now is expired (RFC 7519 §4.1.4), as verify says without leeway', async () => {
    const file = capture('exp-now.http', [
      `Authorization: Bearer ${await hs({ ...base, exp: NOW })}`,
    ])
    expect(await verifyReason(file)).toBe('jwt_expired')
    const r = await jwt(file)
    expect(r.status).toBe(1)
    expect(r.out.problems[0]).toMatchObject({ code: 'jwt_expired' })
    expect(r.out.problems[0].summary).toMatch(/at this very second/)
    const before = await jwt(await hs({ ...base, exp: NOW + 1 }))
    expect(before.status).toBe(0)
  })

  it('nbf in milliseconds is timestamp_milliseconds, as verify names it', async () => {
    const file = capture('nbf-ms.http', [
      `Authorization: Bearer ${await hs({ ...base, nbf: (NOW - 60) * 1000, exp: NOW + 600 })}`,
    ])
    expect(await verifyReason(file)).toBe('timestamp_milliseconds')
    const r = await jwt(file)
    expect(r.out.problems.map((p: { code: string }) => p.code)).toEqual(['timestamp_milliseconds'])
    expect(r.out.problems[0].summary).toMatch(/^nbf is \d+: milliseconds/)
  })

  it('iat in the future: accepted by verify without max_age, so a note here, exit 0', async () => {
    const file = capture('iat-future.http', [
      `Authorization: Bearer ${await hs({ ...base, iat: NOW + 3600, exp: NOW + 7200 })}`,
    ])
    expect(await verifyReason(file)).toBe(null)
    const r = await jwt(file)
    expect(r.status).toBe(0)
    expect(r.out.problems).toEqual([])
    expect(r.out.notes.join(' ')).toMatch(/issued 1 h in the future.*Not a refusal here/)
  })

  it('the same construction checks for a token given on the command line', async () => {
    const token = await hs({ ...base, exp: NOW + 600 })
    expect((await jwt(`${token}.`)).out.problems[0].code).toBe('jwt_malformed')
    expect((await jwt(`"${token}"`)).out.problems[0].code).toBe('credential_quoted')
    expect((await jwt(`Bearer Bearer ${token}`)).out.problems[0].code).toBe(
      'scheme_prefix_malformed',
    )
    expect((await jwt(token)).status).toBe(0)
    expect((await jwt(`Bearer ${token}`)).status).toBe(0)
  })

  it('an RS256 signature shorter than any 2048-bit key makes is cut short', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const token = await new SignJWT({ ...base, exp: NOW + 600 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey)
    expect((await jwt(token)).status).toBe(0)
    const r = await jwt(token.slice(0, -10))
    expect(r.status).toBe(1)
    expect(r.out.problems[0].code).toBe('credential_truncated')
  })
})
