export {}
// the gateway (issue 5, application half)
export { start, type StartOptions, type RunningGateway } from './start.js'
export { createGateway, checkServable, type Gateway, type GatewayOptions } from './gateway.js'
export { buildApp } from './app.js'
export { MemoryAttemptStore } from './storage/memory.js'
export { createMetrics, type GatewayMetrics } from './metrics.js'
export { type ApiAttempt, type ApiEndpoint, type ApiCredential } from './api-shape.js'
export { type AttemptSummary } from './events.js'
export type { AttemptRecord, AttemptQuery, AttemptStore, Outcome } from './storage/types.js'
