/**
 * Signature header parsing and printing, by format.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { SignatureFormat } from '../config/types.js'
import { formatSignatureHeader, MAX_SIGNATURES, parseSignatureHeader } from './signature-header.js'

const single: SignatureFormat = { kind: 'single' }
const list: SignatureFormat = { kind: 'list', separator: ' ', version: 'v1' }
const pairs: SignatureFormat = {
  kind: 'pairs',
  pair_separator: ',',
  signature_key: 'v1',
  timestamp_key: 't',
}

describe('parseSignatureHeader', () => {
  it('single: strips the prefix and surrounding space', () => {
    expect(parseSignatureHeader(' sha256=abc ', single, 'sha256=')).toEqual({ signatures: ['abc'] })
    expect(parseSignatureHeader('abc', single, 'sha256=')).toEqual({
      error: 'does not start with "sha256="',
    })
    expect(parseSignatureHeader('sha256=', single, 'sha256=')).toEqual({
      error: 'holds no signature',
    })
  })

  it('list: keeps v1 entries in order, skips other versions and extra spaces', () => {
    expect(parseSignatureHeader('v1,AAA  v1a,BBB v1,CCC ', list, undefined)).toEqual({
      signatures: ['AAA', 'CCC'],
    })
    expect(parseSignatureHeader('v1a,BBB v2,DDD', list, undefined)).toEqual({
      error: 'holds no "v1,<signature>" entry (found: v1a, v2)',
    })
    expect(parseSignatureHeader('AAA', list, undefined)).toEqual({
      error: 'holds no "v1,<signature>" entry (found: (none))',
    })
    expect(parseSignatureHeader('v1,', list, undefined)).toEqual({
      error: 'has an empty signature',
    })
  })

  it('list: more than MAX_SIGNATURES is malformed', () => {
    const many = Array.from({ length: MAX_SIGNATURES + 1 }, (_, i) => `v1,S${i}`).join(' ')
    expect(parseSignatureHeader(many, list, undefined)).toEqual({
      error: `holds more than ${MAX_SIGNATURES} signatures`,
    })
    const enough = Array.from({ length: MAX_SIGNATURES }, (_, i) => `v1,S${i}`).join(' ')
    expect(parseSignatureHeader(enough, list, undefined)).toMatchObject({
      signatures: expect.any(Array),
    })
  })

  it('list without a version: every entry is a signature', () => {
    expect(parseSignatureHeader('a, b,c', { kind: 'list', separator: ',' }, undefined)).toEqual({
      signatures: ['a', 'b', 'c'],
    })
  })

  it('pairs: timestamp and every v1, other keys ignored', () => {
    expect(parseSignatureHeader('t=123,v1=aa,v0=zz,v1=bb', pairs, undefined)).toEqual({
      signatures: ['aa', 'bb'],
      timestamp: '123',
    })
    expect(parseSignatureHeader('t=123,v0=zz', pairs, undefined)).toEqual({
      error: 'holds no v1= signature',
    })
    // Two headers a proxy joined: the first t= and every v1= (stripe-node's reading is the
    // Stripe preset's: exact_keys and last_timestamp, below).
    expect(parseSignatureHeader('t=1,v1=aa, t=2,v1=bb', pairs, undefined)).toEqual({
      signatures: ['aa', 'bb'],
      timestamp: '1',
      timestamps: ['1', '2'],
    })
    expect(parseSignatureHeader('t=1,deadbeef', pairs, undefined)).toEqual({
      error: 'has entry 2, which is not key=value',
    })
    expect(parseSignatureHeader('v1=aa', pairs, undefined)).toEqual({ signatures: ['aa'] })
  })

  it("pairs with exact_keys and last_timestamp: stripe-node's reading", () => {
    const stripe = { ...pairs, exact_keys: true, last_timestamp: true }
    // Bare commas: the last t=, every v1=.
    expect(parseSignatureHeader('t=1,v1=aa,t=2,v1=bb', stripe, undefined)).toEqual({
      signatures: ['aa', 'bb'],
      timestamp: '2',
      timestamps: ['1', '2'],
    })
    // After ", " a key is " t" or " v1": not read, as stripe-node does not read it.
    expect(parseSignatureHeader('t=1,v1=aa, t=2,v1=bb, v1=cc', stripe, undefined)).toEqual({
      signatures: ['aa', 'bb'],
      timestamp: '1',
      timestamps: ['1', '2'],
    })
    expect(parseSignatureHeader('t=1, v1=aa', stripe, undefined)).toEqual({
      error:
        'has a space in its v1= key (", v1="): keys are read as sent, as stripe-node reads them, so " v1" is another key and the header holds no v1= value; write "t=…,v1=…" with no space after the ","',
    })
    expect(parseSignatureHeader('v1=aa, t=1', stripe, undefined)).toMatchObject({
      error: expect.stringMatching(/^has a space in its t= key \(", t="\)/),
    })
    // Without exact_keys (WorkOS sends "t=…, v1=…") the space is trimmed.
    expect(parseSignatureHeader('t=1, v1=aa', pairs, undefined)).toEqual({
      signatures: ['aa'],
      timestamp: '1',
    })
  })

  it('never repeats a signature in an error', () => {
    const secretish = 'f'.repeat(64)
    for (const [value, format, prefix] of [
      [secretish, single, 'sha256='],
      [`t=1,${secretish}`, pairs, undefined],
      [`v2,${secretish}`, list, undefined],
    ] as const) {
      const r = parseSignatureHeader(value, format, prefix)
      expect('error' in r && r.error).not.toContain(secretish.slice(0, 16))
    }
  })

  it('refuses an overlong header before splitting it', () => {
    expect(parseSignatureHeader('v1,a '.repeat(3000), list, undefined)).toMatchObject({
      error: expect.stringMatching(/characters long/),
    })
  })
})

describe('formatSignatureHeader', () => {
  it('round-trips through parseSignatureHeader', () => {
    for (const [format, prefix] of [
      [single, 'sha256='],
      [list, undefined],
      [pairs, undefined],
    ] as const) {
      const value = formatSignatureHeader('SIG', format, prefix, '1700000000')
      const parsed = parseSignatureHeader(value, format, prefix)
      expect(parsed).toMatchObject({ signatures: ['SIG'] })
    }
    expect(formatSignatureHeader('abc', pairs, undefined, '1700000000')).toBe('t=1700000000,v1=abc')
  })
})
