/**
 * What the CLI needs on every run, without the gateway: importing `@hookwarden/server` loads
 * Fastify, Kysely, pino, undici and the drivers (about 0.6 s on this machine), which `verify`,
 * `diagnose`, `diff`, `sign` and `jwt` never use. Only node builtins and core below.
 * @module
 */
export {
  type CliFingerprintKey,
  type CliKeySource,
  cliFingerprintKey,
  resolveCliFingerprintKey,
} from './fingerprint-key.js'
export { headerConstructionFix, type QuickFix } from './outbound/quick-fix.js'
