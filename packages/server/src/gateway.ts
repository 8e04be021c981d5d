/**
 * createGateway(options): the gateway as a value — a Fastify app over a store, a nonce store,
 * a rate limiter and a forwarder — that tests and `start()` listen with and close.
 * @module
 */

import { fileURLToPath } from 'node:url'
import {
  type Config,
  ConfigError,
  getScheme,
  MemoryNonceStore,
  type NonceStore,
} from '@hookwarden/core'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import { buildApp } from './app.js'
import { DEFAULT_LIMITS, type GatewayContext, type GatewayLimits } from './context.js'
import { AttemptEvents } from './events.js'
import { registerKnownSecrets, unregisterKnownSecrets } from './known-secrets.js'
import { drainLogs } from './log-destination.js'
import { createLogger } from './logging.js'
import { createMetrics, type GatewayMetrics } from './metrics.js'
import { DiagnosisQueue } from './pipeline/diagnosis-queue.js'
import { Forwarder, type ForwardOptions } from './pipeline/forward.js'
import { AttemptsInFlight, PendingUpdates } from './pipeline/in-flight.js'
import { OverLimitTally } from './pipeline/over-limit.js'
import {
  MemoryRateLimiter,
  type RateLimiter,
  type RateLimitOptions,
} from './pipeline/rate-limit.js'
import { endpointsByPath } from './plugins/endpoints.js'
import { setCredentialExpiry } from './rotations/expiry-gauge.js'
import { MemoryAttemptStore } from './storage/memory.js'
import type { AttemptStore } from './storage/types.js'

export interface GatewayOptions {
  config: Config
  adminToken: string
  /** Default: an in-memory store (not durable). */
  store?: AttemptStore
  /** Default: MemoryNonceStore. */
  nonceStore?: NonceStore & { close?(): Promise<void> | void }
  /** Default: in memory, with `rateLimit`. */
  rateLimiter?: RateLimiter
  rateLimit?: Partial<RateLimitOptions>
  limits?: Partial<GatewayLimits>
  forward?: Partial<ForwardOptions>
  /** Rejected attempts waiting for diagnosis before new ones are shed (default 256). */
  diagnosisQueueSize?: number
  logger?: Logger
  /** Where the default logger writes (tests capture it). */
  logDestination?: DestinationStream
  /** Built dashboard directory; default packages/web/dist beside this package; null: none. */
  webDist?: string | null
  /** Unix milliseconds (tests fix the clock). */
  clock?: () => number
  metrics?: GatewayMetrics
  /** Behind a load balancer: whose X-Forwarded-For to believe (default: nobody's). */
  trustProxy?: boolean | number | string
}

export interface Gateway {
  app: FastifyInstance
  context: GatewayContext
  /** Listens and resolves the base URL (`http://127.0.0.1:PORT`). */
  listen(port?: number, host?: string): Promise<string>
  /**
   * Swaps in a new config (rotated secrets, new endpoints) without a restart: validated first
   * (throws ConfigError and keeps the old one); each attempt sees one config, old or new.
   * `adminToken`, when given, replaces the admin token (and so ends the sessions signed with
   * the old one).
   */
  reload(config: Config, adminToken?: string): void
  /** Stops accepting, finishes in-flight attempts and queued diagnoses, flushes the store. */
  close(): Promise<void>
}

export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url))

/** Refuses a config the gateway cannot serve: an endpoint whose scheme is not registered. */
export function checkServable(config: Config): void {
  config.endpoints.forEach((e, i) => {
    if (!getScheme(e.auth.scheme)) {
      throw new ConfigError(
        `endpoints[${i}].auth.scheme "${e.auth.scheme}" is not available in this build`,
        { ...(config.file ? { file: config.file } : {}), field: `endpoints[${i}].auth.scheme` },
      )
    }
  })
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  checkServable(options.config)
  const store: AttemptStore = options.store ?? new MemoryAttemptStore()
  await store.migrate()
  const metrics = options.metrics ?? createMetrics()
  const diagnosis = new DiagnosisQueue(options.diagnosisQueueSize ?? 256)
  diagnosis.onDepth = (d) => metrics.diagnosisQueue.set(d)
  const logger =
    options.logger ??
    createLogger(options.logDestination ? { destination: options.logDestination } : {})
  // What the store notices by itself (its file deleted under it, a late commit undone).
  store.onNotice = (level, message) => logger[level]({ store: 'attempts' }, message)
  const context: GatewayContext = {
    config: options.config,
    store,
    nonceStore: options.nonceStore ?? new MemoryNonceStore(),
    rateLimiter: options.rateLimiter ?? new MemoryRateLimiter(options.rateLimit),
    // Client-address headers such as True-Client-IP are a trusted proxy's to set, else dropped.
    forwarder: new Forwarder({
      ...options.forward,
      behindTrustedProxy: Boolean(options.trustProxy),
    }),
    diagnosis,
    metrics,
    logger,
    events: new AttemptEvents(),
    clock: options.clock ?? Date.now,
    adminToken: options.adminToken,
    webDist: options.webDist === undefined ? DEFAULT_WEB_DIST : options.webDist,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    closing: false,
    inFlight: new AttemptsInFlight(),
    updates: new PendingUpdates(store, { logger, metrics }),
    trustProxy: options.trustProxy ?? false,
  }
  const updates = context.updates!
  context.overLimit = new OverLimitTally({
    write: (id, patch) => updates.write(id, patch),
    clock: context.clock,
  })
  const app = buildApp(context)
  await app.ready()
  registerKnownSecrets(context, options.config.endpoints, options.adminToken)
  setCredentialExpiry(metrics.credentialNotAfter, options.config)
  let closed: Promise<void> | null = null
  return {
    app,
    context,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host })
      const address = app.server.address()
      const actual = typeof address === 'object' && address ? address.port : port
      return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`
    },
    reload(config: Config, adminToken?: string) {
      checkServable(config)
      endpointsByPath(config.endpoints, config.file)
      context.config = config
      // A new admin token ends every session signed with the old one (admin-auth.ts).
      if (adminToken) context.adminToken = adminToken
      registerKnownSecrets(context, config.endpoints, context.adminToken)
      setCredentialExpiry(metrics.credentialNotAfter, config)
    },
    close() {
      closed ??= (async () => {
        context.closing = true
        unregisterKnownSecrets(context)
        // A body still arriving gets a short grace to finish (then it is verified, recorded and
        // answered like any other); after it, each is answered 503 with Retry-After and
        // recorded, rather than holding the close until its request timeout.
        const cutOff = setTimeout(() => {
          try {
            const cut = context.inFlight.cutOffReading()
            if (cut > 0)
              logger.info({ cut_off: cut }, 'shutting down: bodies still arriving answered 503')
          } catch (error) {
            logger.error({ err: error }, 'could not cut off the bodies still arriving')
          }
        }, context.limits.shutdownBodyGraceMs)
        // In-flight attempts get this long to finish; then the remaining sockets are cut.
        const force = setTimeout(
          () => app.server.closeAllConnections(),
          context.limits.requestTimeoutMs,
        )
        force.unref()
        await app.close()
        clearTimeout(cutOff)
        clearTimeout(force)
        // A connection can end before its attempt does (the sender hung up mid-forward, or was
        // cut off mid-body by that force): the forwarder and the store stay open until every
        // attempt, and every request still being read, has its result recorded.
        await context.inFlight.drain(
          context.limits.requestTimeoutMs + context.forwarder.options.timeoutMs,
        )
        await diagnosis.drain(5000)
        // The counts of refusals past a source's limit, into their windows' records.
        await context.overLimit?.flush()
        // Updates the store refused while it was down: written now if it takes them.
        await context.updates?.flush(5000)
        await context.forwarder.close()
        await context.rateLimiter.close?.()
        await options.nonceStore?.close?.()
        await store.close()
        // The last attempt lines reach stdout before the process may exit.
        await drainLogs()
      })()
      return closed
    },
  }
}
