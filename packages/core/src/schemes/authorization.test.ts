/**
 * parseAuthorization: how an Authorization value is built wrong (RFC 9110 §11.6.2, RFC 6750 §2.1).
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { REASONS } from '../verdict/reasons.js'
import { verify } from '../verdict/verify.js'
import { parseAuthorization } from './authorization.js'

describe('parseAuthorization', () => {
  it.each([
    ['Bearer abc', 'Bearer', null, 'abc'],
    ['bearer abc', 'Bearer', null, 'abc'],
    ['BEARER   abc', 'Bearer', null, 'abc'],
    ['  Bearer abc', 'Bearer', null, 'abc'],
    ['Bearer\tabc', 'Bearer', null, 'abc'],
    ['Basic dXNlcjpwYXNz', 'Basic', null, 'dXNlcjpwYXNz'],
    ['abc', 'Bearer', 'scheme_prefix_missing', null],
    ['Bearerabc', 'Bearer', 'scheme_prefix_missing', null],
    ['eyJhbGciOiJIUzI1NiJ9.e30.x', 'Bearer', 'scheme_prefix_missing', null],
    ['Bearer: abc', 'Bearer', 'scheme_prefix_malformed', null],
    ['Bearer Bearer abc', 'Bearer', 'scheme_prefix_malformed', null],
    ['Bearer bearer: abc', 'Bearer', 'scheme_prefix_malformed', null],
    ['Basic Basic abc', 'Basic', 'scheme_prefix_malformed', null],
    ['Token abc', 'Bearer', 'scheme_mismatch', null],
    ['Basic abc', 'Bearer', 'scheme_mismatch', null],
    ['Bearer abc', 'Basic', 'scheme_mismatch', null],
    ['Digest username="x"', 'Basic', 'scheme_mismatch', null],
    ['Bearer', 'Bearer', 'credentials_missing', null],
    ['Bearer   ', 'Bearer', 'credentials_missing', null],
    ['', 'Bearer', 'credentials_missing', null],
    ['  ', 'Basic', 'credentials_missing', null],
  ] as const)('%j for %s → %s', (value, expected, reason, credential) => {
    const p = parseAuthorization(value, expected)
    expect(p.reason).toBe(reason)
    if (p.reason === null) expect(p.credential).toBe(credential)
    else expect(p.detail.length).toBeGreaterThan(0)
  })

  it('never throws and answers a registered code or a credential (10k values, T-BAD-1)', () => {
    const scheme = fc.constantFrom(
      'Bearer',
      'bearer',
      'Basic',
      'Token',
      'Bearer:',
      'BearerBearer',
      '',
      ' ',
    )
    const sep = fc.constantFrom('', ' ', '  ', '\t', ':', ': ')
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.tuple(scheme, sep, fc.string({ maxLength: 40 })).map(([a, b, c]) => a + b + c),
    )
    fc.assert(
      fc.property(value, fc.constantFrom('Bearer' as const, 'Basic' as const), (v, expected) => {
        const p = parseAuthorization(v, expected)
        if (p.reason === null) expect(p.credential.length).toBeGreaterThan(0)
        else expect(Object.hasOwn(REASONS, p.reason)).toBe(true)
      }),
      { numRuns: 10_000 },
    )
  })
})

describe('malformed Authorization values through verify() (T-BAD-1)', () => {
  const endpoints = loadConfig(`
endpoints:
  - { name: bearer, auth: { scheme: bearer, tokens: [tok_live_abc] } }
  - { name: api-key, auth: { scheme: api_key, header: Authorization, keys: [ak_live_abc] } }
  - { name: basic, auth: { scheme: basic, users: [{ username: make, password: "p:w" }] } }
  - { name: jwt, auth: { scheme: jwt, algorithms: [HS256], secret: jwt-secret-for-the-fuzz-test-0001, audience: w, scopes: [s] } }
`).endpoints
  const b64url = (s: string) => Buffer.from(s).toString('base64url')
  const jwtLike = fc
    .tuple(fc.json(), fc.json(), fc.string({ maxLength: 50 }))
    .map(([h, p, sig]) => `Bearer ${b64url(h)}.${b64url(p)}.${sig}`)
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => `Basic ${s}`),
    fc.string({ maxLength: 60 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
    jwtLike,
  )

  it('every value ends as 400, 401, 403 or accepted with a registered code; nothing throws', async () => {
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom(...endpoints), async (v, endpoint) => {
        const verdict = await verify(
          { method: 'POST', url: '/', headers: [['Authorization', v]], body: new Uint8Array() },
          endpoint,
          { now: 1_796_000_000 },
        )
        if (verdict.ok) return
        expect(Object.hasOwn(REASONS, verdict.reason!)).toBe(true)
        expect([400, 401, 403]).toContain(verdict.status)
        if (verdict.status === 401) expect(verdict.www_authenticate).toBeTruthy()
      }),
      { numRuns: 3000 },
    )
  })
})
