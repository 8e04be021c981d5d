/**
 * The reason table against the user-facing contract, both directions (aesthetics §4, after
 * fastify's errors test): every code in CONTRACT.md §4 is in REASONS, every REASONS entry is in
 * the contract or marked `addition: true`, and every entry's status and challenge agree with
 * RFC 9110 / RFC 6750 §3.1.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { REASONS, type ReasonSpec } from '../src/verdict/reasons.js'

// The contract lives beside the repository: <repo>/../shared/design/CONTRACT.md.
const CONTRACT = fileURLToPath(new URL('../../../../shared/design/CONTRACT.md', import.meta.url))
const present = existsSync(CONTRACT)
if (!present)
  console.warn(`contract.test: ${CONTRACT} is absent; the REASONS ⇄ contract checks are skipped`)

/** The backticked snake_case names of §4, up to the paragraph on statuses. */
function contractCodes(text: string): Set<string> {
  const start = text.indexOf('## 4. Reason codes')
  const end = text.indexOf('\n## 5.', start)
  if (start === -1 || end === -1) throw new Error('CONTRACT.md has no "## 4. Reason codes" section')
  const section = text.slice(start, end)
  // Parenthesised text explains a code and may name fields (`not_after`): it is not a code.
  const lists = section
    .slice(0, section.indexOf('Status a receiver answers'))
    .replace(/\([^()]*\)/g, '')
  const codes = new Set<string>()
  for (const m of lists.matchAll(/`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`/g)) codes.add(m[1]!)
  return codes
}

const table = Object.entries(REASONS) as [string, ReasonSpec][]

describe.skipIf(!present)('REASONS ⇄ CONTRACT.md §4', () => {
  const codes = present ? contractCodes(readFileSync(CONTRACT, 'utf8')) : new Set<string>()

  it('reads a plausible number of codes from the contract', () => {
    expect(codes.size).toBeGreaterThan(40)
    expect(codes).toContain('credentials_missing')
    expect(codes).toContain('jwt_insufficient_scope')
    expect(codes).not.toContain('invalid_request')
  })

  it('every contract code is in REASONS', () => {
    const missing = [...codes].filter((c) => !Object.hasOwn(REASONS, c))
    expect(missing).toEqual([])
  })

  it('every REASONS entry is in the contract or marked addition: true', () => {
    const unmarked = table.filter(([c, s]) => !codes.has(c) && s.addition !== true).map(([c]) => c)
    expect(unmarked).toEqual([])
  })

  it('no contract code is marked as an addition', () => {
    const wrong = table.filter(([c, s]) => codes.has(c) && s.addition === true).map(([c]) => c)
    expect(wrong).toEqual([])
  })
})

describe('REASONS is internally consistent', () => {
  it('codes are snake_case', () => {
    for (const [c] of table) expect(c).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/)
  })

  it('every 401 carries a challenge error, except credentials_missing (RFC 6750 §3.1: no error code)', () => {
    const bare = table.filter(
      ([c, s]) => s.status === 401 && s.challenge === null && c !== 'credentials_missing',
    )
    expect(bare.map(([c]) => c)).toEqual([])
    expect(REASONS.credentials_missing).toMatchObject({ status: 401, challenge: null })
  })

  it('403 scope codes carry insufficient_scope; insufficient_scope is always 403', () => {
    for (const [c, s] of table) {
      if (s.status === 403 && c.includes('scope'))
        expect([c, s.challenge]).toEqual([c, 'insufficient_scope'])
      if (s.challenge === 'insufficient_scope') expect([c, s.status]).toEqual([c, 403])
    }
  })

  it('invalid_token is always 401; every 400 is invalid_request', () => {
    for (const [c, s] of table) {
      if (s.challenge === 'invalid_token') expect([c, s.status]).toEqual([c, 401])
      if (s.status === 400) expect([c, s.challenge]).toEqual([c, 'invalid_request'])
    }
  })

  it('answers that are not about authentication carry no challenge', () => {
    for (const [c, s] of table) {
      if (s.status >= 404 || (s.status === 403 && !c.includes('scope')))
        expect([c, s.challenge]).toEqual([c, null])
    }
  })

  it('every entry has a title, a hint and an explain level', () => {
    for (const [c, s] of table) {
      expect(s.title.length, c).toBeGreaterThan(5)
      expect(s.hint.length, c).toBeGreaterThan(5)
      expect(['safe', 'credential'], c).toContain(s.explain)
    }
  })

  it('credential-matching failures are hidden under explain: safe (contract §5)', () => {
    for (const c of [
      'credential_unknown',
      'credential_revoked',
      'credential_wrong_tenant',
      'credential_wrong_environment',
      'signature_previous_secret',
      'basic_wrong_credentials',
      'jwt_unknown_kid',
    ] as const) {
      expect([c, REASONS[c].explain]).toEqual([c, 'credential'])
    }
  })
})
