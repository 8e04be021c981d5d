
// storage, nonces, rate counters (issue 5, storage half)
export { openStore, type OpenStoreOptions } from './storage/open-store.js'
export {
  openSqliteStore,
  type SqliteDurability,
  type SqliteStoreOptions,
} from './storage/sqlite.js'
export { openPostgresStore, type PostgresStoreOptions } from './storage/postgres.js'
export { StoreUnavailableError, type StoreName, type StoreFailure } from './storage/errors.js'
export {
  startRetention,
  type RetentionPolicy,
  type RetentionOptions,
  type RetentionHandle,
} from './storage/retention.js'
export {
  openNonceStore,
  type OpenNonceStoreOptions,
  type OpenedNonceStore,
} from './nonce/open-nonce-store.js'
export { RedisNonceStore } from './nonce/redis.js'
export {
  openRateCounter,
  MemoryRateCounter,
  RedisRateCounter,
  type RateCounter,
} from './nonce/rate-counter.js'
export { connectRedis, type RedisOptions } from './redis.js'
// the gateway (issue 5, application half)
export { start, type StartOptions, type RunningGateway } from './start.js'
export { createGateway, checkServable, type Gateway, type GatewayOptions } from './gateway.js'
export { buildApp } from './app.js'
export { MemoryAttemptStore } from './storage/memory.js'
export { createMetrics, type GatewayMetrics } from './metrics.js'
export type {
  ApiAttempt,
  ApiCause,
  ApiEndpoint,
  ApiCredential,
} from './api-shape.js'
export type { AttemptSummary } from './events.js'
export type { AttemptRecord, AttemptQuery, AttemptStore, Outcome } from './storage/types.js'
// outbound replay and probe (issue 3)
export {
  replay,
  replayTarget,
  redirectFinding,
  type ReplayOptions,
  type ReplayResult,
  type RedirectFinding,
  type FixOutcome,
} from './outbound/replay.js'
export {
  probe,
  MAX_PROBES,
  type ProbeOptions,
  type ProbeResult,
  type ProbeVariant,
  type ProbeFinding,
  type VariantName,
} from './outbound/probe.js'
export {
  send,
  parseTarget,
  type SendOptions,
  type SendResult,
  type SentSummary,
  type SendError,
} from './outbound/send.js'
export { headerConstructionFix, type QuickFix } from './outbound/quick-fix.js'
export { isPrivateAddress, BlockedTargetError } from './outbound/guard.js'
