/**
 * The fingerprint key file is whole or absent: written to a temporary file, synced, then
 * linked into place. A full disk leaves nothing behind (an older version left 0 bytes, and
 * every later start then refused it); an empty file left so is taken as absent; gateways
 * starting together all read the one key that won.
 * @module
 */
import { execFile, execFileSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { loadFingerprintKey } from '../../src/fingerprint-key.js'
import { gatewayProcessUnavailable, ROOT } from '../durability/gateway-process.js'

const root = mkdtempSync(join(tmpdir(), 'hw-fpkey-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the fingerprint key file', () => {
  it('an empty file (a failed first start of an older version) is taken as absent', () => {
    const dir = join(root, 'empty')
    mkdirSync(dir)
    writeFileSync(join(dir, 'fingerprint.key'), '')
    const { key, created } = loadFingerprintKey(dir)
    expect(created).toBe(true)
    expect(key.length).toBe(32)
    expect(readFileSync(join(dir, 'fingerprint.key')).equals(Buffer.from(key))).toBe(true)
    expect(statSync(join(dir, 'fingerprint.key')).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['fingerprint.key'])
    // The next start reads the same key.
    expect(Buffer.from(loadFingerprintKey(dir).key).equals(Buffer.from(key))).toBe(true)
  })

  it('a short key is refused, saying when it may be deleted', () => {
    const dir = join(root, 'short')
    mkdirSync(dir)
    writeFileSync(join(dir, 'fingerprint.key'), 'abcde')
    expect(() => loadFingerprintKey(dir)).toThrow(
      /holds 5 bytes; a fingerprint key needs at least 16\. Delete it to make a new one only if no recorded fingerprint needs comparing/,
    )
  })

  const built = gatewayProcessUnavailable()
  it.skipIf(built !== null)('gateways starting together all read the same whole key', async () => {
    const dir = join(root, 'together')
    const script = `import { loadFingerprintKey } from ${JSON.stringify(join(ROOT, 'packages/server/dist/fingerprint-key.js'))}
      process.stdout.write(Buffer.from(loadFingerprintKey(process.argv[1]).key).toString('hex'))`
    const keys = await Promise.all(
      Array.from({ length: 6 }, () =>
        promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, dir]).then(
          (r) => r.stdout,
        ),
      ),
    )
    expect(new Set(keys).size).toBe(1)
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(join(dir, 'fingerprint.key')).toString('hex')).toBe(keys[0])
    expect(readdirSync(dir)).toEqual(['fingerprint.key'])
  })

  it('a full disk: a one-line error naming it, and no file left behind', (ctx) => {
    const dir = join(root, 'small-disk')
    mkdirSync(dir)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' })
    } catch {
      return ctx.skip('cannot mount a tmpfs here (root only)')
    }
    try {
      const fd = openSync(join(dir, 'filler'), 'w')
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096, 1))
      } catch {
        // ENOSPC: full.
      } finally {
        closeSync(fd)
      }
      expect(() => loadFingerprintKey(dir)).toThrow(
        /cannot create .*fingerprint\.key: ENOSPC \(the disk is full\)/,
      )
      expect(existsSync(join(dir, 'fingerprint.key'))).toBe(false)
      expect(readdirSync(dir)).toEqual(['filler'])
      rmSync(join(dir, 'filler'))
      expect(loadFingerprintKey(dir).key.length).toBe(32)
    } finally {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
    }
  })
})
