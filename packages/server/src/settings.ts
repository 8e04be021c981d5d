/**
 * The gateway's settings from the environment (README, "The gateway"): each variable checked
 * before anything is opened, so that a bad value is one line naming the variable (exit 2)
 * instead of a library's stack trace. An empty variable counts as unset, as `intFrom` always
 * did for the numbers: `HOST=` in a compose file means "the default".
 * @module
 */
import proxyAddr from '@fastify/proxy-addr'
import { ConfigError } from '@hookwarden/core'
import { logLevelFrom } from './logging.js'

export type Env = Record<string, string | undefined>

export interface GatewaySettings {
  /** PORT; undefined when unset or when the caller gave a port (--port wins, PORT is not read). */
  port?: number
  /** HOST, trimmed; undefined when unset or empty. */
  host?: string
  /** HOOKWARDEN_DATA_DIR; undefined when unset or empty (an empty one resolved to the cwd). */
  dataDir?: string
  /** HOOKWARDEN_BODY_LIMIT in bytes; undefined: the gateway's default (1 MiB). */
  bodyLimit?: number
  /**
   * HOOKWARDEN_BODY_BYTES_IN_FLIGHT: body bytes held at once across requests still arriving;
   * undefined: derived from the body limit (64 MiB at 1 MiB).
   */
  bodyBytesInFlight?: number
  /** HOOKWARDEN_BODIES_PER_SOURCE: bodies arriving at once from one source; undefined: 32. */
  bodiesPerSource?: number
  /**
   * HOOKWARDEN_MAX_CONNECTIONS: client connections open at once; undefined: derived from the
   * open-file limit (context.ts maxConnectionsFor).
   */
  maxConnections?: number
  /** HOOKWARDEN_CONNECTIONS_PER_SOURCE: connections open at once from one address; undefined: 256. */
  connectionsPerSource?: number
  /** HOOKWARDEN_FORWARD_TIMEOUT_MS; undefined: the forwarder's default (10 s). */
  forwardTimeoutMs?: number
  /** HOOKWARDEN_TRUST_PROXY as Fastify's trustProxy takes it. */
  trustProxy: boolean | number | string
  /** HOOKWARDEN_LOG_LEVEL, lower-cased; 'info' when unset. */
  logLevel: string
}

/** The largest body the gateway may be told to take: it holds each body in memory whole. */
export const MAX_BODY_LIMIT = 100 * 1024 * 1024
/** HOOKWARDEN_BODY_LIMIT's default (context.ts DEFAULT_LIMITS). */
const DEFAULT_BODY_LIMIT = 1024 * 1024
/** More memory than a gateway host would give to bodies still arriving. */
export const MAX_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024 * 1024
/**
 * The longest forward timeout: an upstream slower than 10 minutes has lost the sender long
 * ago (providers give up after 5–30 s), and shutdown waits this long for a forward. Beyond
 * 2^31-1 ms, Node's timers would fire at once.
 */
export const MAX_FORWARD_TIMEOUT_MS = 600_000
/** More connections than one process serves; beyond the open-file limit they could not open anyway. */
export const MAX_CONNECTIONS = 1_000_000
/** More hops than any real chain of proxies; a bigger count would trust the whole header. */
export const MAX_TRUST_PROXY_HOPS = 100

/** The variable's value, undefined when unset or blank. */
function nonBlank(env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v ? v : undefined
}

/**
 * A whole number in digits within [min, max], or undefined when unset. Exponent forms (`1e9`),
 * units (`1mb`) and signs are refused with the bounds: digits only, so what is read is what
 * was meant.
 */
export function wholeNumberFrom(
  env: Env,
  name: string,
  bounds: { min: number; max: number; what: string; note?: string },
): number | undefined {
  const raw = nonBlank(env, name)
  if (raw === undefined) return undefined
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= bounds.min && n <= bounds.max)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw
    throw new ConfigError(
      `${name} must be ${bounds.what} in digits, from ${bounds.min} to ${bounds.max}${bounds.note ? ` (${bounds.note})` : ''}, not ${JSON.stringify(shown)}`,
      { field: name },
    )
  }
  return n
}

/**
 * HOOKWARDEN_TRUST_PROXY: `true`, `false`, a hop count, or a comma-separated list of addresses
 * and CIDR ranges (and proxy-addr's names loopback, linklocal, uniquelocal). Checked with
 * proxy-addr itself, which Fastify would otherwise throw from at start.
 */
export function trustProxyFrom(env: Env): boolean | number | string {
  const name = 'HOOKWARDEN_TRUST_PROXY'
  const raw = nonBlank(env, name)
  if (raw === undefined || raw.toLowerCase() === 'false') return false
  if (raw.toLowerCase() === 'true') return true
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw)
    if (hops > MAX_TRUST_PROXY_HOPS)
      throw new ConfigError(
        `${name} as a hop count must be from 0 to ${MAX_TRUST_PROXY_HOPS}, not ${raw} (true trusts every hop)`,
        { field: name },
      )
    return hops === 0 ? false : hops
  }
  const entries = raw.split(',').map((s) => s.trim())
  for (const entry of entries) {
    try {
      proxyAddr.compile([entry])
    } catch {
      const shown = entry.length > 60 ? `${entry.slice(0, 60)}…` : entry
      throw new ConfigError(
        `${name} must be true, false, a hop count, or comma-separated IP addresses or CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1); ${JSON.stringify(shown)} is none of these`,
        { field: name },
      )
    }
  }
  return entries.join(',')
}

/**
 * HOOKWARDEN_REDIS_URL's form, checked before connecting: anything else fails later as
 * "Connection is closed". Never quoted back: the URL may hold a password.
 */
function checkRedisUrl(env: Env): void {
  const name = 'HOOKWARDEN_REDIS_URL'
  const raw = nonBlank(env, name)
  if (raw === undefined || raw.startsWith('/')) return
  let ok = false
  try {
    const url = new URL(raw)
    ok = (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== ''
  } catch {
    ok = false
  }
  if (!ok)
    throw new ConfigError(
      `${name} must be a redis:// or rediss:// URL with a host (e.g. redis://127.0.0.1:6379), or a Unix socket path`,
      { field: name },
    )
}

/**
 * HOOKWARDEN_ADMIN_TOKEN travels in an Authorization header (and the login form): surrounding
 * whitespace could never arrive, so that token would open nothing.
 */
function checkAdminToken(env: Env): void {
  const name = 'HOOKWARDEN_ADMIN_TOKEN'
  const raw = env[name]
  if (!raw) return
  if (raw !== raw.trim())
    throw new ConfigError(
      `${name} begins or ends with whitespace (a space, tab or line break), which no Authorization header carries: remove it`,
      { field: name },
    )
  if (raw.length < 16)
    throw new ConfigError(`${name} must be at least 16 characters`, { field: name })
}

/**
 * Every setting of the environment, checked. `given.port`: the caller's port (--port), in which
 * case PORT is not read at all.
 */
export function readSettings(env: Env, given: { port?: number } = {}): GatewaySettings {
  const settings: GatewaySettings = {
    trustProxy: trustProxyFrom(env),
    logLevel: logLevelFrom(env.HOOKWARDEN_LOG_LEVEL, 'HOOKWARDEN_LOG_LEVEL') ?? 'info',
  }
  if (given.port === undefined) {
    const port = wholeNumberFrom(env, 'PORT', {
      min: 0,
      max: 65535,
      what: 'a port number',
      note: '0 picks a free port',
    })
    if (port !== undefined) settings.port = port
  }
  const host = nonBlank(env, 'HOST')
  if (host !== undefined) settings.host = host
  const dataDir = nonBlank(env, 'HOOKWARDEN_DATA_DIR')
  if (dataDir !== undefined) settings.dataDir = dataDir
  const bodyLimit = wholeNumberFrom(env, 'HOOKWARDEN_BODY_LIMIT', {
    min: 1,
    max: MAX_BODY_LIMIT,
    what: 'a number of bytes',
    note: 'at most 100 MiB; the default is 1048576, 1 MiB',
  })
  if (bodyLimit !== undefined) settings.bodyLimit = bodyLimit
  // At least one whole body of the limit must fit, or the largest allowed body never could.
  const bodyBytesInFlight = wholeNumberFrom(env, 'HOOKWARDEN_BODY_BYTES_IN_FLIGHT', {
    min: bodyLimit ?? DEFAULT_BODY_LIMIT,
    max: MAX_BODY_BYTES_IN_FLIGHT,
    what: 'a number of bytes',
    note: 'at least HOOKWARDEN_BODY_LIMIT, at most 64 GiB; the default is 64 bodies of the limit, at most 1 GiB',
  })
  if (bodyBytesInFlight !== undefined) settings.bodyBytesInFlight = bodyBytesInFlight
  const bodiesPerSource = wholeNumberFrom(env, 'HOOKWARDEN_BODIES_PER_SOURCE', {
    min: 1,
    max: 100_000,
    what: 'a number of requests',
    note: 'the default is 32',
  })
  if (bodiesPerSource !== undefined) settings.bodiesPerSource = bodiesPerSource
  const maxConnections = wholeNumberFrom(env, 'HOOKWARDEN_MAX_CONNECTIONS', {
    min: 1,
    max: MAX_CONNECTIONS,
    what: 'a number of connections',
    note: 'the default is half of the open-file limit after 256 set aside, from 64 to 16384',
  })
  if (maxConnections !== undefined) settings.maxConnections = maxConnections
  const connectionsPerSource = wholeNumberFrom(env, 'HOOKWARDEN_CONNECTIONS_PER_SOURCE', {
    min: 1,
    max: MAX_CONNECTIONS,
    what: 'a number of connections',
    note: 'the default is 256',
  })
  if (connectionsPerSource !== undefined) settings.connectionsPerSource = connectionsPerSource
  const timeout = wholeNumberFrom(env, 'HOOKWARDEN_FORWARD_TIMEOUT_MS', {
    min: 1,
    max: MAX_FORWARD_TIMEOUT_MS,
    what: 'a number of milliseconds',
    note: 'at most 10 minutes; the default is 10000',
  })
  if (timeout !== undefined) settings.forwardTimeoutMs = timeout
  checkRedisUrl(env)
  checkAdminToken(env)
  return settings
}
