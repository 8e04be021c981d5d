/**
 * Runs the published-example proofs (vector-proofs.ts).
 * @module
 */
import { describe, it } from 'vitest'
import { VECTOR_PROOFS } from './vector-proofs.js'

describe("presets against the providers' published examples", () => {
  it.each(Object.keys(VECTOR_PROOFS))('%s', async (name) => {
    await VECTOR_PROOFS[name]!()
  })
})
