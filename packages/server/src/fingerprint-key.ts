/**
 * The installation's fingerprint key: 32 random bytes made at first start and kept beside the
 * data (`<dataDir>/fingerprint.key`, mode 600), so fingerprints compare across restarts but
 * nobody who reads a log can confirm a guessed secret (contract §3).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '@hookwarden/core'

export function loadFingerprintKey(dataDir: string): {
  key: Uint8Array
  path: string
  created: boolean
} {
  const path = join(dataDir, 'fingerprint.key')
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  } catch (e) {
    // A file where the data directory should be, or a directory we may not write.
    const code = (e as NodeJS.ErrnoException).code ?? 'error'
    throw new ConfigError(
      `cannot use ${dataDir} as the data directory (${code === 'EEXIST' || code === 'ENOTDIR' ? 'a file of that name is in the way' : code}); set HOOKWARDEN_DATA_DIR to another directory`,
      { file: dataDir },
    )
  }
  let created = false
  try {
    // 'wx': two gateways starting together never overwrite each other's key.
    writeFileSync(path, randomBytes(32), { flag: 'wx', mode: 0o600 })
    created = true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(
        `cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        { file: path },
      )
    }
  }
  const key = readFileSync(path)
  if (key.length < 16)
    throw new ConfigError(
      `${path} holds ${key.length} bytes; a fingerprint key needs at least 16`,
      { file: path },
    )
  // A key left readable by others is tightened, not refused.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  return { key: new Uint8Array(key), path, created }
}

/**
 * Several gateways sharing one database must share the key too, or their fingerprints would
 * not compare: HOOKWARDEN_FINGERPRINT_KEY (hex or base64, at least 16 bytes) then wins over
 * the file.
 */
export function fingerprintKeyFromEnv(value: string | undefined): Uint8Array | null {
  const v = value?.trim()
  if (!v) return null
  const bytes =
    /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0
      ? Buffer.from(v, 'hex')
      : Buffer.from(v, 'base64')
  if (bytes.length < 16) {
    throw new ConfigError(
      'HOOKWARDEN_FINGERPRINT_KEY must hold at least 16 bytes (hex or base64)',
      { field: 'HOOKWARDEN_FINGERPRINT_KEY' },
    )
  }
  return new Uint8Array(bytes)
}

/**
 * The key a CLI run fingerprints with, so that its fingerprints compare with the gateway's
 * records and with the next run: HOOKWARDEN_FINGERPRINT_KEY, else the gateway's key file in
 * HOOKWARDEN_DATA_DIR (default ./data) when there is one (read, never made), else null (a
 * per-process key).
 */
export function cliFingerprintKey(env: NodeJS.ProcessEnv): Uint8Array | null {
  const fromEnv = fingerprintKeyFromEnv(env.HOOKWARDEN_FINGERPRINT_KEY)
  if (fromEnv) return fromEnv
  const path = join(env.HOOKWARDEN_DATA_DIR ?? './data', 'fingerprint.key')
  try {
    const key = readFileSync(path)
    return key.length >= 16 ? new Uint8Array(key) : null
  } catch {
    return null
  }
}
