/**
 * basic (RFC 7617): encoding defects, the first-colon split, UTF-8/NFC, the challenge, rotation.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { verify } from '../verdict/verify.js'
import { basic } from './basic.js'

const NOW = 1_796_000_000
const NOT_AFTER = '2026-12-01T00:00:00Z'
const notAfter = Date.parse(NOT_AFTER) / 1000

function endpoint(auth: Record<string, unknown>): Endpoint {
  return loadConfig(JSON.stringify({ auth: { scheme: 'basic', ...auth } })).endpoints[0]!
}

const policy = endpoint({
  users: [
    { username: 'make', password: 'pa:ss:word', id: '2026-11' },
    { username: 'make', password: 'overlap-pass', id: '2026-10', not_after: NOT_AFTER },
    { username: 'zoë', password: 'café-crème' },
  ],
  retired: [{ username: 'make', password: 'old-pass', id: '2026-09' }],
})

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const request = (headers: [string, string][]): HttpRequest => ({
  method: 'POST',
  url: '/hooks',
  headers,
  body: new Uint8Array(),
})
const auth = (value: string, now = NOW, e = policy) =>
  verify(request([['Authorization', value]]), e, { now })

describe('basic', () => {
  it('accepts base64(user:pass); the password may hold colons; the scheme is case-insensitive', async () => {
    expect(await auth(`Basic ${b64('make:pa:ss:word')}`)).toMatchObject({
      ok: true,
      key_id: '2026-11',
    })
    expect((await auth(`basic ${b64('make:pa:ss:word')}`)).ok).toBe(true)
    expect((await auth(`BASIC   ${b64('make:pa:ss:word')}`)).ok).toBe(true)
  })

  it('UTF-8, and NFD input matches NFC config (RFC 7617 §2.1)', async () => {
    expect((await auth(`Basic ${b64('zoë:café-crème')}`)).ok).toBe(true)
    const nfd = 'zoë:café-crème'.normalize('NFD')
    expect((await auth(`Basic ${b64(nfd)}`)).ok).toBe(true)
  })

  it('no credentials → 401 with exactly Basic realm="…", charset="UTF-8" and no error', async () => {
    const v = await verify(request([]), policy, { now: NOW })
    expect(v).toMatchObject({ status: 401, reason: 'credentials_missing' })
    expect(v.www_authenticate).toBe('Basic realm="hookwarden", charset="UTF-8"')
    const realm = endpoint({ realm: 'orders', users: [{ username: 'a', password: 'b' }] })
    expect((await verify(request([]), realm, { now: NOW })).www_authenticate).toBe(
      'Basic realm="orders", charset="UTF-8"',
    )
  })

  it.each([
    ['unencoded user:pass', 'Basic make:pa:ss:word', 'basic_raw_credentials'],
    ['not base64', 'Basic !!!notbase64', 'basic_not_base64'],
    [
      'base64url alphabet',
      `Basic ${Buffer.from('make:>>>?').toString('base64url')}`,
      'basic_not_base64',
    ],
    ['padding missing', `Basic ${b64('make:pa:ss:wor').replace(/=+$/, '')}`, 'basic_not_base64'],
    ['non-canonical padding bits', 'Basic QR==', 'basic_not_base64'],
    ['no colon', `Basic ${b64('makepassword')}`, 'basic_no_colon'],
    ['wrong password', `Basic ${b64('make:nope')}`, 'basic_wrong_credentials'],
    ['unknown user', `Basic ${b64('nobody:pa:ss:word')}`, 'basic_wrong_credentials'],
    ['echo without -n', `Basic ${b64('make:pa:ss:word\n')}`, 'credential_whitespace'],
    ['control character', `Basic ${b64('make:pa\u0001ss')}`, 'basic_wrong_credentials'],
    ['trailing space', `Basic ${b64('make:pa:ss:word')} `, 'credential_whitespace'],
    ['quoted', `Basic "${b64('make:pa:ss:word')}"`, 'credential_quoted'],
    [
      'percent-encoded padding',
      `Basic ${b64('make:pa:ss:wo').replace(/=/g, '%3D')}`,
      'credential_url_encoded',
    ],
    ['Bearer sent', 'Bearer abc.def.ghi', 'scheme_mismatch'],
    ['no prefix', b64('make:pa:ss:word'), 'scheme_prefix_missing'],
    ['Basic: with a colon', `Basic: ${b64('make:pa:ss:word')}`, 'scheme_prefix_malformed'],
    ['Basic written twice', `Basic Basic ${b64('make:pa:ss:word')}`, 'scheme_prefix_malformed'],
    ['nothing after Basic', 'Basic', 'credentials_missing'],
  ])('%s → %s', async (_what, value, reason) => {
    const v = await auth(value)
    expect(v.reason).toBe(reason)
    expect(v.status).toBe(401)
    expect(v.www_authenticate).toBe('Basic realm="hookwarden", charset="UTF-8"')
  })

  it('a user-id with a colon cannot match: the first colon splits (RFC 7617 §2)', async () => {
    // "ma:ke" + ":" + "x" is read as user "ma", password "ke:x".
    expect((await auth(`Basic ${b64('ma:ke:x')}`)).reason).toBe('basic_wrong_credentials')
  })

  it('two Authorization lines → 400 duplicate_auth_header', async () => {
    const v = await verify(
      request([
        ['Authorization', `Basic ${b64('make:pa:ss:word')}`],
        ['authorization', `Basic ${b64('make:pa:ss:word')}`],
      ]),
      policy,
      { now: NOW },
    )
    expect(v).toMatchObject({ status: 400, reason: 'duplicate_auth_header' })
  })

  it('two credentials merged into one line with a comma → 400 duplicate_auth_header', async () => {
    const v = await auth(`Basic ${b64('x:y')}, Basic ${b64('make:pa:ss:word')}`)
    expect(v).toMatchObject({ status: 400, reason: 'duplicate_auth_header' })
  })

  it('a BOM before "Basic" → credential_invisible_chars, not scheme_prefix_missing', async () => {
    expect((await auth(`\ufeffBasic ${b64('make:pa:ss:word')}`)).reason).toBe(
      'credential_invisible_chars',
    )
  })

  it('an unrendered {{placeholder}} is named as such, not as base64url', async () => {
    const v = await auth('Basic {{connection.basic_auth}}')
    expect(v.reason).toBe('basic_not_base64')
    expect(v.checks[0]?.detail).toContain('template placeholder')
    expect(v.checks[0]?.detail).not.toContain('base64url')
  })

  it('wrong password says the user is known but never shows the password', async () => {
    const v = await auth(`Basic ${b64('make:hunter2-secret')}`)
    expect(v.checks[0]!.detail).toMatch(/user "make" is known; the password len=14 fp:[0-9a-f]{8}/)
    expect(JSON.stringify(v)).not.toContain('hunter2')
  })

  it('an unknown username is fingerprinted, never shown: it may be a password or a token', async () => {
    for (const pair of ['pa:ss:word:nobody', 'tok_live_8f3b2c9d4e5a:', 'overlap-pass:x']) {
      const v = await auth(`Basic ${b64(pair)}`)
      expect(v.reason).toBe('basic_wrong_credentials')
      expect(v.checks[0]!.detail).not.toContain(pair.slice(0, pair.indexOf(':')))
      expect(v.checks[0]!.detail).toMatch(/len=\d+ fp:[0-9a-f]{8}/)
    }
  })

  it('username and password swapped → basic_wrong_credentials naming the swap', async () => {
    // The password holds colons: the username is what follows the last one.
    const v = await auth(`Basic ${b64('pa:ss:word:make')}`)
    expect(v.reason).toBe('basic_wrong_credentials')
    expect(v.checks[0]!.detail).toMatch(/username and password are swapped/)
    expect(v.checks[0]!.detail).toContain('user "make"')
    expect(JSON.stringify(v)).not.toContain('pa:ss:word')
  })

  it.each([
    ["Zapier's user|pass typed raw", 'Basic make|Zx9-pass-4471', /Zapier/],
    ['user:pass typed raw, "-" in the password', 'Basic make:Zx9-pass-4471', /"user:password"/],
  ])('%s → basic_raw_credentials, not base64url', async (_what, value, words) => {
    const v = await auth(value)
    expect(v.reason).toBe('basic_raw_credentials')
    expect(v.checks[0]!.detail).toMatch(words)
    expect(v.checks[0]!.detail).not.toContain('base64url')
    expect(v.checks[0]!.detail).not.toContain('Zx9-pass-4471')
  })

  it('"base64url" is said only of a value made of base64url characters alone', async () => {
    expect((await auth('Basic ab-c_d')).checks[0]!.detail).toContain('base64url')
    const mixed = await auth('Basic ab-c!d')
    expect(mixed.reason).toBe('basic_not_base64')
    expect(mixed.checks[0]!.detail).not.toContain('base64url')
  })

  it('ISO-8859-1 bytes (pre-RFC 7617 clients) are still read', async () => {
    const latin1 = Buffer.from('zoë:café-crème', 'latin1').toString('base64')
    expect((await auth(`Basic ${latin1}`)).ok).toBe(true)
  })
})

describe('basic rotation', () => {
  it('the overlap password passes until not_after, then credential_revoked', async () => {
    const value = `Basic ${b64('make:overlap-pass')}`
    expect(await auth(value, notAfter - 1)).toMatchObject({ ok: true, key_id: '2026-10' })
    expect((await auth(value, notAfter)).reason).toBe('credential_revoked')
    const late = await auth(value, notAfter + 1)
    expect(late).toMatchObject({ ok: false, status: 401, reason: 'credential_revoked' })
    expect(late.checks[0]!.detail).toContain('2026-10')
  })

  it('a retired password → credential_revoked, the id named', async () => {
    const v = await auth(`Basic ${b64('make:old-pass')}`)
    expect(v.reason).toBe('credential_revoked')
    expect(v.checks[0]!.key_id).toBe('2026-09')
  })
})

describe('basic sign()', () => {
  it('verify accepts what sign made (UTF-8)', async () => {
    const e = endpoint({ users: [{ username: 'zoë', password: 'p:ä' }] })
    const signed = basic.sign(request([]), e.auth as never, { now: NOW })
    expect(signed.headers).toEqual([['Authorization', `Basic ${b64('zoë:p:ä')}`]])
    expect((await verify(signed, e, { now: NOW })).ok).toBe(true)
  })
})
