/**
 * Runs the SDK interop proofs (sdk-proofs.ts), one per preset proven by its provider's SDK.
 * @module
 */
import { describe, it } from 'vitest'
import { SDK_PROOFS } from './sdk-proofs.js'

describe("presets against the providers' own SDKs", () => {
  it.each(Object.keys(SDK_PROOFS))('%s', async (name) => {
    await SDK_PROOFS[name]!()
  })
})
