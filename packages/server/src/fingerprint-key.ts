/**
 * The installation's fingerprint key: 32 random bytes made at first start and kept beside the
 * data (`<dataDir>/fingerprint.key`, mode 600), so fingerprints compare across restarts but
 * nobody who reads a log can confirm a guessed secret (contract §3). With PostgreSQL the data
 * is the database, shared by every gateway: the key kept there wins and is copied to the file
 * (start.ts), so that the CLI on each host fingerprints alike.
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
} from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { ConfigError } from '@hookwarden/core'
import { replaceFile, writeSyncedTemp } from './synced-file.js'

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
  // An empty file is what an older version left when its first start failed on a full disk
  // (it created the file, then could not write it): no key was ever used, so none is lost.
  const size = sizeOf(path)
  if (size === 0)
    try {
      unlinkSync(path)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error'
      if (code !== 'ENOENT')
        throw new ConfigError(
          `${path} is empty (left by a start that failed) and cannot be removed (${code}): delete it`,
          { file: path },
        )
    }
  const created = size ? false : createKeyFile(path)
  const key = readFileSync(path)
  if (key.length < 16)
    throw new ConfigError(
      `${path} holds ${key.length} bytes; a fingerprint key needs at least 16. Delete it to make a new one only if no recorded fingerprint needs comparing with new ones (they would no longer match), or set HOOKWARDEN_FINGERPRINT_KEY`,
      { file: path },
    )
  // A key left readable by others is tightened, not refused.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  return { key: new Uint8Array(key), path, created }
}

/**
 * Replaces the key file with `key` (the installation's key kept in a shared store, so that the
 * CLI on this host fingerprints alike): written whole to a temporary file, synced, renamed over
 * the old one. Throws the file system's error.
 */
export function saveFingerprintKey(path: string, key: Uint8Array): void {
  replaceFile(path, key)
}

function sizeOf(path: string): number | null {
  try {
    return statSync(path).size
  } catch {
    return null
  }
}

/**
 * Makes the key file whole or not at all: the key goes to a temporary file, synced, then is
 * linked to its name — which fails when another gateway starting at the same time got there
 * first, and then both read that one. A full disk leaves no file behind. true when created.
 */
function createKeyFile(path: string): boolean {
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code ?? 'error'
    throw new ConfigError(
      `cannot create ${path}: ${code}${code === 'ENOSPC' ? ' (the disk is full)' : ''}`,
      { file: path },
    )
  }
  let temp: string
  try {
    temp = writeSyncedTemp(path, randomBytes(32))
  } catch (e) {
    // A data directory we may not write: the key there, made by someone else, will do.
    if (sizeOf(path)) return false
    return fail(e)
  }
  try {
    linkSync(temp, path)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    // A file system without hard links: an exclusive copy of the whole, synced key.
    try {
      copyFileSync(temp, path, constants.COPYFILE_EXCL)
      return true
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') return false
      return fail(copyError)
    }
  } finally {
    unlinkSync(temp)
    // The key's name survives a power loss with the directory synced.
    try {
      const dir = openSync(join(path, '..'), 'r')
      fsyncSync(dir)
      closeSync(dir)
    } catch {
      // Best effort: the key is already whole on disk.
    }
  }
}

/**
 * HOOKWARDEN_FINGERPRINT_KEY (hex or base64, at least 16 bytes): when set, it wins over the
 * key file and over the key a PostgreSQL store keeps for the gateways sharing it.
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

/** Where the key a CLI run fingerprints with came from (`hookwarden fingerprint` says it). */
export type CliKeySource = 'env' | 'data_dir' | 'user' | 'run'

export interface CliFingerprintKey {
  /** null: none could be read or made; the run fingerprints with a key of its own. */
  key: Uint8Array | null
  source: CliKeySource
  /** The key file read or made (data_dir, user); the one that could not be made (run). */
  path: string | null
  /** Why no per-user key could be kept (run only). */
  problem?: string
}

/**
 * The key a CLI run fingerprints with, so that its fingerprints compare with the gateway's
 * records and with the next run: HOOKWARDEN_FINGERPRINT_KEY, else the gateway's key file in
 * HOOKWARDEN_DATA_DIR (default ./data) when there is one (read, never made), else this user's
 * own key (`$XDG_CONFIG_HOME/hookwarden/fingerprint.key`, default `~/.config/…`; made at first
 * use, mode 600), so that the same secret has the same fingerprint on every run. Only where
 * none of these can be read or made does a run use a key of its own (source `run`).
 */
export function resolveCliFingerprintKey(env: NodeJS.ProcessEnv): CliFingerprintKey {
  const fromEnv = fingerprintKeyFromEnv(env.HOOKWARDEN_FINGERPRINT_KEY)
  if (fromEnv) return { key: fromEnv, source: 'env', path: null }
  const dataPath = join(env.HOOKWARDEN_DATA_DIR ?? './data', 'fingerprint.key')
  const data = readKeyFile(dataPath)
  if (data) return { key: data, source: 'data_dir', path: dataPath }
  const base = userConfigDir(env)
  if (!base)
    return {
      key: null,
      source: 'run',
      path: null,
      problem: 'neither XDG_CONFIG_HOME nor HOME is set',
    }
  const dir = join(base, 'hookwarden')
  const path = join(dir, 'fingerprint.key')
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error'
    return { key: null, source: 'run', path, problem: `cannot make ${dir} (${code})` }
  }
  try {
    const { key } = loadFingerprintKey(dir)
    return { key, source: 'user', path }
  } catch (e) {
    return { key: null, source: 'run', path, problem: (e as Error).message }
  }
}

/** resolveCliFingerprintKey's key alone. */
export function cliFingerprintKey(env: NodeJS.ProcessEnv): Uint8Array | null {
  return resolveCliFingerprintKey(env).key
}

function readKeyFile(path: string): Uint8Array | null {
  try {
    const key = readFileSync(path)
    return key.length >= 16 ? new Uint8Array(key) : null
  } catch {
    return null
  }
}

/** The per-user configuration directory: XDG_CONFIG_HOME, else ~/.config (APPDATA on Windows). */
function userConfigDir(env: NodeJS.ProcessEnv): string | null {
  if (env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)) return env.XDG_CONFIG_HOME
  if (process.platform === 'win32' && env.APPDATA) return env.APPDATA
  return env.HOME ? join(env.HOME, '.config') : null
}
