/**
 * Files written whole or not at all (the fingerprint key, the replay-claims snapshot): the
 * bytes go to a temporary file beside the target, synced, and only then take its name, so a
 * crash or a full disk never leaves a half-written file under the real name.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'

/**
 * Writes `data` to a new temporary file beside `path` (mode 600) and syncs it; returns its
 * name. On failure nothing is left behind and the file system's error is thrown.
 */
export function writeSyncedTemp(path: string, data: string | Uint8Array): string {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fd = openSync(temp, 'wx', 0o600)
    try {
      writeFileSync(fd, data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    return temp
  } catch (e) {
    removeQuietly(temp)
    throw e
  }
}

/** Replaces `path` with `data`, whole (temporary file, synced, renamed). Throws the error. */
export function replaceFile(path: string, data: string | Uint8Array): void {
  const temp = writeSyncedTemp(path, data)
  try {
    renameSync(temp, path)
  } catch (e) {
    removeQuietly(temp)
    throw e
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Never created, or already renamed.
  }
}
