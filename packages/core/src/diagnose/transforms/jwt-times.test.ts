/**
 * inspectJwt's time checks follow verify's boundaries (schemes/jwt.ts checkClaims, jose's):
 * expired on or after exp, exp/nbf/iat in milliseconds named as such, an iat in the future a
 * refusal only where max_age is set.
 */
import { describe, expect, it } from 'vitest'
import type { JwtPolicy } from '../../config/types.js'
import { inspectJwt } from './jwt.js'

const NOW = 1764460800
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const token = (claims: Record<string, unknown>) =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.${'A'.repeat(43)}`
const codes = (claims: Record<string, unknown>, policy?: JwtPolicy) =>
  inspectJwt(token(claims), NOW, policy).problems.map((p) => p.code)

const policy = (extra: Partial<JwtPolicy>): JwtPolicy => ({
  scheme: 'jwt',
  algorithms: ['HS256'],
  secrets: [],
  retired: [],
  leeway: 0,
  scopes: [],
  ...extra,
})

describe('inspectJwt times', () => {
  it('exp == now is expired; exp == now + 1 is not; a leeway moves the boundary', () => {
    expect(codes({ exp: NOW })).toEqual(['jwt_expired'])
    expect(codes({ exp: NOW + 1 })).toEqual([])
    expect(codes({ exp: NOW - 30 }, policy({ leeway: 30 }))).toEqual(['jwt_expired'])
    expect(codes({ exp: NOW - 29 }, policy({ leeway: 30 }))).toEqual([])
  })

  it('exp, nbf and iat in milliseconds are timestamp_milliseconds, not a date far off', () => {
    expect(codes({ exp: (NOW + 60) * 1000 })).toEqual(['timestamp_milliseconds'])
    expect(codes({ nbf: (NOW - 60) * 1000, exp: NOW + 60 })).toEqual(['timestamp_milliseconds'])
    expect(codes({ iat: NOW * 1000, exp: NOW + 60 })).toEqual(['timestamp_milliseconds'])
    const nbf = inspectJwt(token({ nbf: NOW * 1000 }), NOW).problems[0]!
    expect(nbf.summary).toMatch(/^nbf is \d+: milliseconds.*never become valid/)
  })

  it('iat in the future: a note without max_age (verify does not check it), a refusal with it', () => {
    const r = inspectJwt(token({ iat: NOW + 3600, exp: NOW + 7200 }), NOW)
    expect(r.problems).toEqual([])
    expect(r.notes.join(' ')).toMatch(/issued 1 h in the future.*Not a refusal here/)
    expect(inspectJwt(token({ iat: NOW + 30 }), NOW).notes).toEqual([])
    expect(codes({ iat: NOW + 1 }, policy({ max_age: 600 }))).toEqual(['jwt_not_yet_valid'])
    expect(codes({ iat: NOW }, policy({ max_age: 600 }))).toEqual([])
  })

  it('nbf in the future is not yet valid; nbf == now is valid', () => {
    expect(codes({ nbf: NOW + 1 })).toEqual(['jwt_not_yet_valid'])
    expect(codes({ nbf: NOW })).toEqual([])
  })
})
