/**
 * start(): what `hookwarden serve` runs. Loads the config, makes or reads the fingerprint key
 * beside the data, opens the store (SQLite under ./data, or PostgreSQL), the nonce store and
 * rate counters (Redis when HOOKWARDEN_REDIS_URL is set), listens, and prints the dashboard
 * URL, the admin token and two curl commands to try. SIGTERM closes it gracefully.
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import {
  type Config,
  ConfigError,
  type Endpoint,
  InputError,
  loadConfigFile,
  setFingerprintKey,
} from '@hookwarden/core'
import type { DestinationStream } from 'pino'
import type { GatewayLimits } from './context.js'
import { fingerprintKeyFromEnv, loadFingerprintKey, saveFingerprintKey } from './fingerprint-key.js'
import { createGateway, type Gateway } from './gateway.js'
import { createLogger } from './logging.js'
import { openNonceStore } from './nonce/open-nonce-store.js'
import type { ForwardOptions } from './pipeline/forward.js'
import {
  MemoryRateLimiter,
  type RateLimiter,
  type RateLimitOptions,
  RedisRateLimiter,
} from './pipeline/rate-limit.js'
import { clearRedactionCache } from './redact.js'
import { connectRedis } from './redis.js'
import { readSettings, wholeNumberFrom } from './settings.js'
import { refusalBeside } from './storage/instances.js'
import { openStore } from './storage/open-store.js'
import { startRetention } from './storage/retention.js'
import type { AttemptStore } from './storage/types.js'

export interface StartOptions {
  /** The config file (the CLI defaults it to examples/demo.yaml). */
  configFile: string
  /** Default: PORT, else 8787. 0 picks a free port. */
  port?: number
  /** Default: HOST, else 127.0.0.1. */
  host?: string
  /** Default: HOOKWARDEN_DATA_DIR, else ./data. */
  dataDir?: string
  env?: Record<string, string | undefined>
  /** Where the banner goes (default stdout). */
  print?: (text: string) => void
  logDestination?: DestinationStream
  /** Close on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean
  webDist?: string | null
  limits?: Partial<GatewayLimits>
  forward?: Partial<ForwardOptions>
  rateLimit?: Partial<RateLimitOptions>
}

export interface RunningGateway {
  url: string
  port: number
  adminToken: string
  adminTokenSource: 'env' | 'config' | 'generated'
  gateway: Gateway
  config: Config
  /** The banner as printed. */
  banner: string
  close(): Promise<void>
  /** Re-reads the config file and swaps it in (SIGHUP does this); a bad file keeps the old one. */
  reload(): Config
  /** Resolves once closed (by close() or a signal). */

  closed: Promise<void>
}

function adminTokenOf(
  config: Config,
  env: Record<string, string | undefined>,
): { token: string; source: RunningGateway['adminTokenSource'] } {
  const fromEnv = env.HOOKWARDEN_ADMIN_TOKEN
  if (fromEnv && fromEnv.length < 16)
    throw new ConfigError('HOOKWARDEN_ADMIN_TOKEN must be at least 16 characters', {
      field: 'HOOKWARDEN_ADMIN_TOKEN',
    })
  if (fromEnv) return { token: fromEnv, source: 'env' }
  if (config.admin?.token) return { token: config.admin.token, source: 'config' }
  return { token: randomBytes(24).toString('base64url'), source: 'generated' }
}

export async function start(options: StartOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env
  const configFile = resolve(options.configFile)
  const config = loadConfigFile(configFile, { env })
  // Every environment setting checked before anything opens (settings.ts).
  const settings = readSettings(env, { port: options.port })
  // An attempt not recorded within this is answered 503 + Retry-After (storage/store.ts).
  const recordTimeoutMs = wholeNumberFrom(env, 'HOOKWARDEN_RECORD_TIMEOUT_MS', {
    min: 100,
    max: 600_000,
    what: 'a number of milliseconds',
    note: 'the default is 5000',
  })
  const port = options.port ?? settings.port ?? 8787
  if (port > 65535) throw new ConfigError(`port ${port} is out of range`, { field: 'port' })
  const host = options.host ?? settings.host ?? '127.0.0.1'
  const dataDir = resolve(options.dataDir ?? settings.dataDir ?? './data')
  const logger = createLogger({
    level: settings.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  })

  const envKey = fingerprintKeyFromEnv(env.HOOKWARDEN_FINGERPRINT_KEY)
  const keyFile = envKey ? null : loadFingerprintKey(dataDir)
  let admin = adminTokenOf(config, env)
  const redisUrl = env.HOOKWARDEN_REDIS_URL?.trim() || undefined
  const onError = (store: string) => (message: string) => logger.warn({ store }, message)

  const storeField = env.HOOKWARDEN_DATABASE_URL?.trim()
    ? 'HOOKWARDEN_DATABASE_URL'
    : 'HOOKWARDEN_DATA_DIR'
  const store = await openStore({
    databaseUrl: env.HOOKWARDEN_DATABASE_URL,
    dataDir,
    // Said while the store opens: a long migration before and after (F7), not once it is over.
    onNotice: (level, message) => logger[level]({ store: 'attempts' }, message),
    ...(recordTimeoutMs ? { recordTimeoutMs } : {}),
  }).catch((e) => {
    throw unreachable(e, storeField)
  })
  const newer = store.migrations?.newer ?? []
  if (newer.length > 0)
    logger.warn(
      { newer_migrations: newer },
      `this database was also migrated by a newer hookwarden: ${newer.join(', ')}; this build uses the ${store.migrations?.known} migrations it knows`,
    )
  try {
    await joinInstances(store, redisUrl)
    const key =
      envKey ?? (await installationKey(store, keyFile!, (m) => logger.warn(m))) ?? keyFile!.key
    setFingerprintKey(key)
    clearRedactionCache()
  } catch (e) {
    await store.close()
    throw unreachable(e, storeField)
  }
  let nonceStore: Awaited<ReturnType<typeof openNonceStore>> | undefined
  let rateLimiter: RateLimiter
  try {
    nonceStore = await openNonceStore({
      redisUrl,
      onError: onError('nonce'),
      snapshotFile: join(dataDir, 'replay-claims.json'),
    })
    rateLimiter = redisUrl
      ? redisRateLimiter(
          await connectRedis({
            url: redisUrl,
            keyPrefix: 'hookwarden:',
            store: 'rate',
            onError: onError('rate'),
          }),
          options.rateLimit,
        )
      : new MemoryRateLimiter(options.rateLimit)
  } catch (e) {
    await nonceStore?.close()
    await store.close()
    throw unreachable(e, 'HOOKWARDEN_REDIS_URL')
  }
  const { trustProxy, bodyLimit, forwardTimeoutMs: timeoutMs } = settings
  const gateway = await createGateway({
    config,
    adminToken: admin.token,
    store,
    nonceStore,
    rateLimiter,
    logger,
    trustProxy,
    limits: {
      ...(bodyLimit ? { bodyLimit } : {}),
      ...(settings.bodyBytesInFlight ? { bodyBytesInFlight: settings.bodyBytesInFlight } : {}),
      ...(settings.bodiesPerSource ? { bodiesPerSource: settings.bodiesPerSource } : {}),
      ...(settings.maxConnections ? { maxConnections: settings.maxConnections } : {}),
      ...(settings.connectionsPerSource
        ? { connectionsPerSource: settings.connectionsPerSource }
        : {}),
      ...options.limits,
    },
    forward: { ...(timeoutMs ? { timeoutMs } : {}), ...options.forward },
    ...(options.webDist !== undefined ? { webDist: options.webDist } : {}),
  })
  const retentionFor = (policy: Config['retention']) =>
    startRetention(store, policy, {
      onRun: (r) =>
        'error' in r
          ? logger.warn({ err: r.error }, 'retention failed')
          : r.removed > 0 && logger.info({ removed: r.removed }, 'retention pruned attempts'),
    })
  let retention = retentionFor(config.retention)
  let url: string
  try {
    url = await gateway.listen(port, host)
  } catch (e) {
    retention.stop()
    await gateway.close()
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new ConfigError(
        `cannot listen on ${host}:${port} (${code}); choose another with --port or PORT`,
        { field: 'port' },
      )
    // HOST names no address of this machine (a typo, an unresolvable name, another box's IP).
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL')
      throw new ConfigError(
        `cannot listen on HOST ${JSON.stringify(host)} (${code}): use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`,
        { field: 'HOST' },
      )
    throw e
  }
  const actualPort = Number(new URL(url).port)
  const shown = /^(0\.0\.0\.0|::|\[::\])$/.test(host) ? `http://127.0.0.1:${actualPort}` : url
  const description = store.describe?.()
  logger.info(
    {
      port: actualPort,
      host,
      store: description ?? null,
      nonce_store: nonceStore.kind,
      endpoints: config.endpoints.length,
    },
    'gateway listening',
  )
  const banner = bannerText({
    url: shown,
    config,
    admin,
    store: description
      ? `${description.adapter} ${description.location} (${description.durability})`
      : 'memory',
    demo: /(^|[\\/])examples[\\/]demo\.ya?ml$/.test(configFile),
  })

  let resolveClosed!: () => void
  const closed = new Promise<void>((r) => {
    resolveClosed = r
  })
  let closing: Promise<void> | null = null
  const close = () => {
    closing ??= (async () => {
      retention.stop()
      await gateway.close()
      logger.info('gateway closed')
      logger.flush?.()
      resolveClosed()
    })()
    return closing
  }
  let current = config
  const reload = (): Config => {
    const next = loadConfigFile(configFile, { env })
    // admin.token follows the file like the rest (rotating a leaked token is a reload);
    // HOOKWARDEN_ADMIN_TOKEN still wins, and a generated token stays for the process's life.
    const wanted = adminTokenOf(next, env)
    const changed = wanted.source !== 'generated' && wanted.token !== admin.token
    if (changed) admin = wanted
    // Taken out of the file: a new random token would lock everyone out, so the one in force
    // stays — said, since whoever removed it may have meant to revoke it.
    else if (wanted.source === 'generated' && admin.source === 'config')
      logger.warn(
        'admin.token was removed from the config: the token in force stays until a restart; to revoke it, set a new admin.token and reload',
      )
    gateway.reload(next, changed ? wanted.token : undefined)
    // A new retention policy takes over at once; either way a reload prunes once, as at start
    // (README: "pruned at start, every 10 minutes, and at a reload").
    if (JSON.stringify(next.retention) !== JSON.stringify(current.retention)) {
      retention.stop()
      retention = retentionFor(next.retention)
    } else void retention.runOnce()
    current = next
    logger.info(
      { endpoints: next.endpoints.length, admin_token_changed: changed },
      'config reloaded',
    )
    return next
  }
  if (options.handleSignals !== false) {
    const onHangup = () => {
      try {
        reload()
      } catch (e) {
        // The same one line the CLI prints at start (file:line: field …); never a secret value.
        const error = InputError.is(e) ? e.oneLine() : String(e)
        logger.error(
          { err: e, error },
          `config reload failed; the previous config stays in force: ${error}`,
        )
      }
    }
    process.on('SIGHUP', onHangup)
    void closed.then(() => process.off('SIGHUP', onHangup))
    // A second signal (a supervisor that repeats SIGTERM, an impatient ^C) must not cut the
    // in-flight forwards and their records short: the drain goes on, and says so. A third
    // signal, or SIGINT twice (a terminal's ^C ^C), stops at once, logged.
    const received: NodeJS.Signals[] = []
    const onSignal = (signal: NodeJS.Signals) => {
      received.push(signal)
      const interrupts = received.filter((s) => s === 'SIGINT').length
      if (received.length === 1) {
        logger.info({ signal }, 'shutting down: finishing in-flight attempts')
        void close().then(() => {
          // Closed: a connection still open elsewhere (a store statement stuck on a lock)
          // must not keep the process alive.
          setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref()
        })
      } else if (received.length >= 3 || interrupts >= 2) {
        logger.error(
          { signal, in_flight: gateway.context.inFlight.count },
          'stopping at once on a repeated signal: attempts still in flight are cut off (their records may say "forward not finished")',
        )
        logger.flush?.()
        process.exit(130)
      } else {
        logger.warn(
          { signal, in_flight: gateway.context.inFlight.count },
          `shutdown in progress: still finishing in-flight attempts (${signal === 'SIGINT' ? 'SIGINT again' : 'a third signal'} stops at once)`,
        )
      }
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    void closed.then(() => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    })
  }
  // Printed once the signal handlers are in place: whoever reads the banner may stop us at once.
  ;(options.print ?? ((t) => process.stdout.write(t)))(banner)
  return {
    url: shown,
    port: actualPort,
    get adminToken() {
      return admin.token
    },
    get adminTokenSource() {
      return admin.source
    },
    gateway,
    // The config in force (a reload swaps it).
    get config() {
      return gateway.context.config
    },
    banner,
    close,
    reload,
    closed,
  }
}

/**
 * Enters this gateway in the store's instance registry. Without Redis, replay claims live in
 * one process: beside another live gateway on the same store, a copy of a message one accepted
 * would be accepted by the other, so the start is refused, naming that gateway.
 */
async function joinInstances(store: AttemptStore, redisUrl: string | undefined): Promise<void> {
  if (!store.registerInstance) return
  const self = {
    id: randomUUID(),
    host: hostname(),
    pid: process.pid,
    started_at: Date.now(),
    replay_claims: redisUrl ? ('redis' as const) : ('memory' as const),
  }
  const refusal = refusalBeside(await store.registerInstance(self), self, Date.now())
  if (refusal) throw new ConfigError(refusal, { field: 'HOOKWARDEN_REDIS_URL' })
}

/**
 * The key kept in a shared store (PostgreSQL) for every gateway on it, this gateway's file
 * key offered as that key when none is kept yet; null when the store keeps none (SQLite). The
 * file is brought in line, so that the CLI on this host fingerprints alike.
 */
async function installationKey(
  store: AttemptStore,
  file: ReturnType<typeof loadFingerprintKey>,
  warn: (message: string) => void,
): Promise<Uint8Array | null> {
  const shared = (await store.sharedFingerprintKey?.(file.key)) ?? null
  if (!shared || Buffer.from(shared).equals(Buffer.from(file.key))) return shared
  if (!file.created)
    warn(
      `${file.path} differs from the fingerprint key the database keeps for every gateway sharing it: the database's key is used and written to ${file.path} (fingerprints made with the file's old key no longer compare with new ones)`,
    )
  try {
    saveFingerprintKey(file.path, shared)
  } catch (e) {
    warn(
      `cannot write the database's fingerprint key to ${file.path} (${(e as NodeJS.ErrnoException).code ?? String(e)}): the CLI on this host will not fingerprint like the gateway`,
    )
  }
  return shared
}

/**
 * A store that cannot be opened at start is the operator's setting to fix, not our bug: one
 * line naming the variable (the messages are already free of passwords), exit 2. A store
 * reached whose migration failed says so, without blaming the variable.
 */
function unreachable(e: unknown, field: string): unknown {
  const err = e as { code?: unknown; message?: unknown; name?: unknown }
  if (err?.code === 'ERR_STORE_MIGRATION')
    return new ConfigError(String(err.message).split('\n')[0] as string, { field })
  if (err?.code === 'ERR_STORE_UNAVAILABLE' || err?.name === 'RangeError') {
    return new ConfigError(
      `cannot open the store (${field}): ${String(err.message).split('\n')[0]}`,
      { field },
    )
  }
  return e
}

function redisRateLimiter(
  redis: Awaited<ReturnType<typeof connectRedis>>,
  options?: Partial<RateLimitOptions>,
): RateLimiter {
  const limiter = new RedisRateLimiter(redis, options, 'rl:')
  return {
    check: (s) => limiter.check(s),
    hit: (s) => limiter.hit(s),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}

/** Single-quoted for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

interface TryIt {
  endpoint: Endpoint
  fail: { headers: string[]; why: string }
  pass: { headers: string[] }
}

/** Two curl commands for the first endpoint that a curl can satisfy (bearer, api_key header, basic). */
export function tryIt(config: Config, demo: boolean): TryIt | null {
  for (const endpoint of config.endpoints) {
    if (!endpoint.path) continue
    const auth = endpoint.auth
    // A real secret is never printed; the demo's values (also in a copy of demo.yaml) are
    // public on purpose and start with "demo-".
    const secret = (v: string) => (demo || /^demo-[\w-]+$/.test(v) ? v : '<secret>')
    if (auth.scheme === 'bearer' && auth.tokens[0]) {
      const t = secret(auth.tokens[0].value)
      return {
        endpoint,
        fail: { headers: [`Authorization: ${t}`], why: 'the token without "Bearer "' },
        pass: { headers: [`Authorization: Bearer ${t}`] },
      }
    }
    if (auth.scheme === 'api_key' && auth.header && auth.keys[0]) {
      const k = secret(auth.keys[0].value)
      return {
        endpoint,
        fail: {
          headers: [`${auth.header.replace(/-/g, '_')}: ${k}`],
          why: 'the key under the wrong header name',
        },
        pass: { headers: [`${auth.header}: ${k}`] },
      }
    }
    if (auth.scheme === 'basic' && auth.users[0]) {
      const u = auth.users[0]
      const raw = `${u.username}:${secret(u.password)}`
      return {
        endpoint,
        fail: { headers: [`Authorization: Basic ${raw}`], why: 'user:password not base64-encoded' },
        pass: { headers: [`Authorization: Basic ${Buffer.from(raw).toString('base64')}`] },
      }
    }
  }
  return null
}

export function curlCommand(base: string, path: string, headers: string[]): string {
  const parts = ['curl', '-i', '-X', 'POST', shellQuote(base + path)]
  for (const h of [...headers, 'Content-Type: application/json']) parts.push('-H', shellQuote(h))
  parts.push('-d', shellQuote('{"event":"ping"}'))
  return parts.join(' ')
}

/** One row per endpoint, its columns as wide as their longest cell (names run past 20). */
function endpointRows(endpoints: Config['endpoints']): string[] {
  const pathOf = (e: Config['endpoints'][number]) => e.path ?? '(no path)'
  const nameWidth = Math.max(0, ...endpoints.map((e) => e.name.length))
  const pathWidth = Math.max(0, ...endpoints.map((e) => pathOf(e).length))
  return endpoints.map(
    (e) =>
      `    ${e.name.padEnd(nameWidth)}  ${pathOf(e).padEnd(pathWidth)}  ${e.provider ?? e.auth.scheme}${e.forward ? ` → ${new URL(e.forward).origin}` : ''}`,
  )
}

function bannerText(input: {
  url: string
  config: Config
  admin: { token: string; source: string }
  store: string
  demo: boolean
}): string {
  const lines = [
    `hookwarden gateway listening on ${input.url}`,
    '',
    `  dashboard:    ${input.url}/`,
    input.admin.source === 'generated'
      ? `  admin token:  ${input.admin.token}   (generated for this run; set HOOKWARDEN_ADMIN_TOKEN to keep one)`
      : `  admin token:  from ${input.admin.source === 'env' ? 'HOOKWARDEN_ADMIN_TOKEN' : 'the config (admin.token)'}`,
    `  store:        ${input.store}`,
    `  config:       ${input.config.file ?? ''}`,
    '  endpoints:',
    ...endpointRows(input.config.endpoints),
  ]
  const t = tryIt(input.config, input.demo)
  if (t) {
    lines.push(
      '',
      `Try it (${t.endpoint.name}):`,
      `  # refused with 401 (${t.fail.why}):`,
      `  ${curlCommand(input.url, t.endpoint.path!, t.fail.headers)}`,
      t.pass.headers.some((h) => h.includes('<secret>'))
        ? `  # accepted, once <secret> is replaced by the ${t.endpoint.auth.scheme === 'basic' ? 'password' : 'credential'} of the config:`
        : '  # accepted:',
      `  ${curlCommand(input.url, t.endpoint.path!, t.pass.headers)}`,
    )
  }
  return `${lines.join('\n')}\n\n`
}
