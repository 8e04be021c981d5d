/**
 * The AttemptStore contract on MemoryAttemptStore (the gateway's store when none is given, and
 * the tests'): it must filter, page and count exactly as the SQL stores do.
 * @module
 */
import { MemoryAttemptStore } from '../../src/storage/memory.js'
import { describeAttemptStore } from './attempt-store.contract.js'

describeAttemptStore('memory', () => {
  // One store per harness; "reopen" in the contract means the same process's same store.
  const store = new MemoryAttemptStore()
  return { open: async () => store, cleanup: async () => {} }
})
