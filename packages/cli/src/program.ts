/**
 * commander wiring only: each command lives in its own file under commands/.
 * @module
 */
import { Command } from 'commander'
import { registerDiagnose } from './commands/diagnose.js'
import { registerDiff } from './commands/diff.js'
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
    .showHelpAfterError('(run with --help for usage)')
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
  ])
    register(program)
  return program
}
