/**
 * parseAuthorization: how an Authorization value is built wrong (RFC 9110 §11.6.2, RFC 6750 §2.1).
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REASONS } from '../verdict/reasons.js'
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
    ['', 'Bearer', 'scheme_prefix_missing', null],
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
