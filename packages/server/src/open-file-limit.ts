/**
 * The process's open-file limit (the soft RLIMIT_NOFILE, `ulimit -n`), which bounds sockets,
 * the store's files and log files together: the default connection cap is derived from it
 * (context.ts maxConnectionsFor). Node raises the soft limit to the hard one at start, so this
 * is read from the process itself rather than assumed.
 * @module
 */
import { readFileSync } from 'node:fs'

/** Assumed where the limit cannot be read (no /proc: macOS, Windows). */
export const ASSUMED_OPEN_FILE_LIMIT = 4096

/** The soft limit on open files, or undefined when it cannot be read (or is unlimited). */
export function openFileLimit(): number | undefined {
  let text: string
  try {
    text = readFileSync('/proc/self/limits', 'utf8')
  } catch {
    return undefined
  }
  // "Max open files            20000                20000                files"
  const soft = /^Max open files\s+(\d+)\s/m.exec(text)?.[1]
  return soft === undefined ? undefined : Number(soft)
}
