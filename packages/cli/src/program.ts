/**
 * commander wiring only: each command lives in its own file under commands/.
 * @module
 */
import { Command } from 'commander'
import { registerDiagnose } from './commands/diagnose.js'
import { registerDiff } from './commands/diff.js'
import { registerFingerprint } from './commands/fingerprint.js'
import { registerJwt } from './commands/jwt.js'
import { registerProbe } from './commands/probe.js'
import { registerProviders } from './commands/providers.js'
import { registerReplay } from './commands/replay.js'
import { registerServe } from './commands/serve.js'
import { registerSign } from './commands/sign.js'
import { registerVerify } from './commands/verify.js'

export function buildProgram(): Command {
  const program = new Command()
    .name('hookwarden')
    .description(
      'Why is my webhook answered 401? Verify, diagnose and explain webhook authentication.',
    )
    .version('0.1.0')
    .exitOverride()
    // Usage errors are bad input like any other: one line, the same prefix, exit 2 (bin.ts).
    .configureOutput({ outputError: (text, write) => write(usageErrorLine(text)) })
  for (const register of [
    registerVerify,
    registerSign,
    registerServe,
    registerDiagnose,
    registerDiff,
    registerJwt,
    registerProviders,
    registerReplay,
    registerProbe,
    registerFingerprint,
  ])
    register(program)
  return program
}

/**
 * commander's error text as one line: "error: unknown command 'verfy'\n(Did you mean verify?)"
 * → "hookwarden: unknown command 'verfy' (did you mean verify?); see hookwarden --help". An
 * unknown `--name=value` option shows its name only: the value may be a pasted secret.
 */
export function usageErrorLine(text: string): string {
  const line = text
    .trim()
    .replace(/^error: /, '')
    .replace(/'(--?[^'=\s]+)=[^']*'/g, "'$1=…'")
    .split(/\s*\n\s*/)
    .map((part) => part.replace(/^\(Did you mean/, '(did you mean'))
    .join(' ')
  return `hookwarden: ${line}; see hookwarden --help\n`
}
