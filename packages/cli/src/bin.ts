/**
 * The one top-level catch: unusable input → one line on stderr, exit 2; anything else is our
 * bug → the stack and exit 70 (EX_SOFTWARE), never mistaken for 1 ("rejected").
 * @module
 */

import { InputError, setFingerprintKey } from '@hookwarden/core'
import { resolveCliFingerprintKey } from '@hookwarden/server/light'
import { CommanderError } from 'commander'
import { buildProgram } from './program.js'

export async function main(argv: string[]): Promise<void> {
  // `hookwarden … | head`: the reader went away; that is not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw e
  })
  const program = buildProgram()
  // Fingerprints that compare across runs and with the gateway's records (contract §3). The
  // gateway (`serve`) makes and keeps its own key beside its data: no per-user key for it.
  program.hook('preAction', (_program, command) => {
    if (command.name() === 'serve') return
    const { key } = resolveCliFingerprintKey(process.env)
    if (key) setFingerprintKey(key)
  })
  try {
    await program.parseAsync(argv)
  } catch (e) {
    process.exitCode = exitCodeFor(e)
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (unknown option, missing argument, --help).
    return e.exitCode === 0 ? 0 : 2
  }
  if (InputError.is(e)) {
    process.stderr.write(`hookwarden: ${e.oneLine()}\n`)
    return 2
  }
  process.stderr.write(
    `hookwarden: internal error (a bug, please report it):\n${(e as Error)?.stack ?? String(e)}\n`,
  )
  return 70
}
