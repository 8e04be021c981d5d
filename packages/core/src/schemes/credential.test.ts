/**
 * Shared credential helpers: constant-time matching over every configured credential,
 * rotation (exclusive not_after), signing choice, and the shape defects of a credential value.
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REASONS } from '../verdict/reasons.js'
import {
  credentialShapeDefect,
  currentCredential,
  isExpired,
  matchCredential,
  revokedDetail,
} from './credential.js'

const current = [
  { value: 'new-token', id: 'new' },
  { value: 'old-token', id: 'old', not_after: 1000 },
]
const retired = [{ value: 'gone-token', id: 'gone' }]

describe('matchCredential', () => {
  it('current, expired, retired, unknown', () => {
    expect(matchCredential('new-token', current, retired, 500)).toEqual({
      kind: 'ok',
      credential: current[0],
    })
    expect(matchCredential('old-token', current, retired, 999)).toEqual({
      kind: 'ok',
      credential: current[1],
    })
    expect(matchCredential('old-token', current, retired, 1000)).toMatchObject({
      kind: 'revoked',
      why: 'expired',
    })
    expect(matchCredential('gone-token', current, retired, 500)).toMatchObject({
      kind: 'revoked',
      why: 'retired',
    })
    expect(matchCredential('nope', current, retired, 500)).toEqual({ kind: 'unknown' })
    expect(matchCredential('', current, retired, 500)).toEqual({ kind: 'unknown' })
  })

  it('a value both current and retired counts as current (the current list wins)', () => {
    expect(matchCredential('x', [{ value: 'x' }], [{ value: 'x' }], 0)).toMatchObject({
      kind: 'ok',
    })
  })

  it('prefixes, extensions and multibyte look-alikes do not match, and never throw', () => {
    for (const v of ['new-toke', 'new-token ', 'new-tokén', 'new-token\u0000', 'ｎew-token']) {
      expect(matchCredential(v, current, retired, 0).kind).toBe('unknown')
    }
  })

  it('revokedDetail names the id and never the value', () => {
    const m = matchCredential('old-token', current, retired, 2000)
    if (m.kind !== 'revoked') throw new Error('expected revoked')
    expect(revokedDetail(m)).toBe('the credential "old" expired at 1970-01-01T00:16:40.000Z')
    expect(revokedDetail(m)).not.toContain('old-token')
  })
})

describe('rotation helpers', () => {
  it('isExpired: the not_after instant is already past (T-ROT-2)', () => {
    expect(isExpired({ not_after: 1000 }, 999)).toBe(false)
    expect(isExpired({ not_after: 1000 }, 1000)).toBe(true)
    expect(isExpired({ not_after: 1000 }, 1001)).toBe(true)
    expect(isExpired({}, Number.MAX_SAFE_INTEGER)).toBe(false)
  })

  it('currentCredential: the newest valid one (valid longest), a named one, else the first', () => {
    const list = [
      { value: 'a', id: 'a', not_after: 10 },
      { value: 'b', id: 'b' },
    ]
    // A rotation's overlap: the new credential signs, not the one about to expire.
    expect(currentCredential(list, 9)?.id).toBe('b')
    expect(currentCredential(list, 10)?.id).toBe('b')
    const dated = [
      { value: 'c', id: 'c', not_after: 20 },
      { value: 'd', id: 'd', not_after: 30 },
    ]
    expect(currentCredential(dated, 5)?.id).toBe('d')
    // Among equals (no not_after on either), the first in the list, as before.
    expect(
      currentCredential(
        [
          { value: 'e', id: 'e' },
          { value: 'f', id: 'f' },
        ],
        5,
      )?.id,
    ).toBe('e')
    expect(currentCredential(list, 10, 'a')?.id).toBe('a')
    expect(currentCredential(list, 10, 'zzz')).toBeUndefined()
    expect(currentCredential([{ value: 'x', not_after: 1 }], 5)?.value).toBe('x')
  })
})

describe('credentialShapeDefect', () => {
  it.each([
    ['abc', null],
    [' abc', 'credential_whitespace'],
    ['abc\n', 'credential_whitespace'],
    ['ab\r\nc', 'credential_whitespace'],
    ['ab\tc', 'credential_whitespace'],
    ['\u200babc', 'credential_invisible_chars'],
    ['abc\ufeff', 'credential_invisible_chars'],
    ['a\u00a0bc', 'credential_invisible_chars'],
    ['a\u2060bc', 'credential_invisible_chars'],
    ['"abc"', 'credential_quoted'],
    ["'abc'", 'credential_quoted'],
    ['"abc', null],
    ['abc%3D', 'credential_url_encoded'],
    ['abc%ZZ', null],
    ['%E0%A4%A', null],
  ])('%j → %s', (value, reason) => {
    expect(credentialShapeDefect(value)?.reason ?? null).toBe(reason)
  })

  it('cleaned is what the sender meant', () => {
    expect(credentialShapeDefect(' abc\n')?.cleaned).toBe('abc')
    expect(credentialShapeDefect('"abc"')?.cleaned).toBe('abc')
    expect(credentialShapeDefect('a%2Fb')?.cleaned).toBe('a/b')
    expect(credentialShapeDefect('ab\u200bc')?.cleaned).toBe('abc')
  })

  it('never throws; any defect is a registered code and cleaning changes the value (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (v) => {
        const d = credentialShapeDefect(v)
        if (d) {
          expect(Object.hasOwn(REASONS, d.reason)).toBe(true)
          expect(d.cleaned).not.toBe(v)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
