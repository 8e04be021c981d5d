export type {
  ApiAttempt,
  ApiCause,
  ApiCredential,
  ApiEndpoint,
} from './api-shape.js'
export { buildApp } from './app.js'
export type { AttemptSummary } from './events.js'
export {
  type CliFingerprintKey,
  type CliKeySource,
  cliFingerprintKey,
  resolveCliFingerprintKey,
} from './fingerprint-key.js'
export { checkServable, createGateway, type Gateway, type GatewayOptions } from './gateway.js'
export { createMetrics, type GatewayMetrics } from './metrics.js'
export {
  type OpenedNonceStore,
  type OpenNonceStoreOptions,
  openNonceStore,
} from './nonce/open-nonce-store.js'
export {
  MemoryRateCounter,
  openRateCounter,
  type RateCounter,
  RedisRateCounter,
} from './nonce/rate-counter.js'
export { RedisNonceStore } from './nonce/redis.js'
export { BlockedTargetError, isPrivateAddress } from './outbound/guard.js'
export {
  MAX_PROBES,
  type ProbeFinding,
  type ProbeOptions,
  type ProbeResult,
  type ProbeVariant,
  probe,
  type VariantName,
} from './outbound/probe.js'
export { headerConstructionFix, type QuickFix } from './outbound/quick-fix.js'
// outbound replay and probe (issue 3)
export {
  type FixOutcome,
  type RedirectFinding,
  type ReplayOptions,
  type ReplayResult,
  redirectFinding,
  replay,
  replayTarget,
} from './outbound/replay.js'
export {
  parseTarget,
  type SendError,
  type SendOptions,
  type SendResult,
  type SentSummary,
  send,
} from './outbound/send.js'
export { connectRedis, type RedisOptions } from './redis.js'
// the gateway (issue 5, application half)
export { type RunningGateway, type StartOptions, start } from './start.js'
export { type StoreFailure, type StoreName, StoreUnavailableError } from './storage/errors.js'
export { MemoryAttemptStore } from './storage/memory.js'
// storage, nonces, rate counters (issue 5, storage half)
export { type OpenStoreOptions, openStore } from './storage/open-store.js'
export { openPostgresStore, type PostgresStoreOptions } from './storage/postgres.js'
export {
  type RetentionHandle,
  type RetentionOptions,
  type RetentionPolicy,
  startRetention,
} from './storage/retention.js'
export {
  openSqliteStore,
  type SqliteDurability,
  type SqliteStoreOptions,
} from './storage/sqlite.js'
export type { AttemptQuery, AttemptRecord, AttemptStore, Outcome } from './storage/types.js'
