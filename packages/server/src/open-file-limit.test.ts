/**
 * The open-file limit as the shell reports it for this process's children (`ulimit -n`), and
 * the default connection cap derived from it.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { maxConnectionsFor } from './context.js'
import { openFileLimit } from './open-file-limit.js'

describe('openFileLimit', () => {
  it.runIf(process.platform === 'linux')('is the soft limit, as `ulimit -n` says', () => {
    const shell = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
    expect(String(openFileLimit())).toBe(shell === 'unlimited' ? 'undefined' : shell)
  })
})

describe('maxConnectionsFor', () => {
  it('half of what is left after 256, from 64 to 16384', () => {
    expect(maxConnectionsFor(20_000)).toBe(9872)
    expect(maxConnectionsFor(1024)).toBe(384)
    expect(maxConnectionsFor(256)).toBe(64)
    expect(maxConnectionsFor(65_536)).toBe(16_384)
    expect(maxConnectionsFor(1_048_576)).toBe(16_384)
  })
})
