import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checksJson, headersJson } from './json-text.js'

// Strings that exercise every escape JSON.stringify makes: quotes, backslashes, controls,
// paired and lone surrogates.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\u0000', '\n', '\u001f', '\u007f', '\ud83d\ude00', '\ud800', 'é'),
)

describe('headersJson', () => {
  it('writes what JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text)), (headers) => {
        expect(headersJson(headers)).toBe(JSON.stringify(headers))
      }),
      { numRuns: 500 },
    )
  })

  it('falls back to JSON.stringify for a shape it does not expect', () => {
    const odd = [
      ['a', 'b', 'c'],
      ['n', 1],
    ] as unknown as [string, string][]
    expect(headersJson(odd)).toBe(JSON.stringify(odd))
  })
})

describe('checksJson', () => {
  const check = fc.record(
    {
      name: text,
      ok: fc.boolean(),
      reason: fc.option(text, { nil: null }),
      detail: text,
      key_id: text,
    },
    { requiredKeys: ['name', 'ok', 'reason'] },
  )

  it('writes what JSON.stringify writes for the usual fields', () => {
    fc.assert(
      fc.property(fc.array(check), (checks) => {
        expect(checksJson(checks)).toBe(JSON.stringify(checks))
      }),
      { numRuns: 500 },
    )
  })

  it('keeps every field of a check with more, or differently typed, fields', () => {
    const checks = [
      { name: 'signature', ok: false, reason: 'signature_mismatch', detail: 'x', extra: [1, 2] },
      { name: 'timestamp', ok: true, reason: null, detail: undefined },
      { name: 'n', ok: true, reason: null, key_id: 7 },
      null,
      ['a'],
    ]
    expect(JSON.parse(checksJson(checks))).toEqual(JSON.parse(JSON.stringify(checks)))
  })
})
