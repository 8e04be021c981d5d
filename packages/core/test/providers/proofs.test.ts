/**
 * Each preset's `proof` says what the tests prove, and nothing more: `sdk` exactly when an
 * SDK interop test exists, `vector` when a published example is tested (and no SDK test),
 * `docs` otherwise. Every published example the tests hold is listed, whatever the proof.
 * @module
 */

import { getProvider, listProviders } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { SDK_PROOFS } from './sdk-proofs.js'
import { VECTOR_PROOFS } from './vector-proofs.js'

describe('proof claims match the tests', () => {
  it.each(listProviders().map((p) => p.name))('%s', (name) => {
    const expected = SDK_PROOFS[name] ? 'sdk' : VECTOR_PROOFS[name] ? 'vector' : 'docs'
    expect(getProvider(name)!.proof).toBe(expected)
  })

  it('every proof names an existing preset', () => {
    for (const name of [...Object.keys(SDK_PROOFS), ...Object.keys(VECTOR_PROOFS)])
      expect(getProvider(name)?.name).toBe(name)
  })
})
