/**
 * Caps on open connections (HOOKWARDEN_MAX_CONNECTIONS, HOOKWARDEN_CONNECTIONS_PER_SOURCE).
 * Without them, a sender holding no credential could open connections until the process ran
 * out of file descriptors: real senders then met ECONNREFUSED, and the gateway itself could
 * not open its database, its logs or the dashboard's files.
 *
 * Accounting is per connection, never per request: the server's own 'connection' listener
 * (node:http's, which sets up the parser) is wrapped, so a refused socket never reaches the
 * parser and no request of it is ever read, let alone recorded. At the cap, idle connections
 * (no request being answered) are closed first, oldest first, so that a flood of idle
 * keep-alive connections cannot lock out a sender with something to send. A refused
 * connection is told so: a 503 with Retry-After and `Connection: close`, then closed.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'
import type { Socket } from 'node:net'
import proxyAddr from '@fastify/proxy-addr'
import { type GatewayContext, maxConnectionsFor } from './context.js'
import { ASSUMED_OPEN_FILE_LIMIT, openFileLimit } from './open-file-limit.js'
import { gatewayProblem } from './pipeline/answer.js'

/** Why a connection was refused: the label of hookwarden_connections_refused_total. */
export type ConnectionRefusal = 'max_connections' | 'per_source'

/** What the guard counts, for /metrics and tests. */
export interface ConnectionGuard {
  /** Connections admitted and not closed yet. */
  readonly open: number
  readonly max: number
}

interface Admitted {
  /** The peer address counted against the per-source cap; null for a trusted proxy's. */
  source: string | null
  /** socket.bytesRead when a sweep last looked: more since means it was not idle all along. */
  seen: number
}

/** Refused connections given time to read their 503, at once; past it they are closed bare. */
const LINGERING_MAX = 64
/** How long a refused connection may stay to read its 503 (RFC 9112 §9.6: close in stages). */
const LINGER_MS = 1000
/** A sweep that found nothing idle is not tried again for this long: it walks every connection. */
const FRUITLESS_SWEEP_PAUSE_MS = 100
/** The refusal log line, at most once per this. */
const LOG_EVERY_MS = 60_000
const RETRY_AFTER_S = 5

const DETAIL: Record<ConnectionRefusal, string> = {
  max_connections:
    'The gateway holds as many connections as it allows and none of them was idle: this one was closed before a request was read. Retry after the time given.',
  per_source:
    'This address holds as many connections at once as one source may: this one was closed before a request was read. Close idle connections, or retry after the time given.',
}

/** Is the peer a trusted proxy (its connections carry many clients, so no per-source cap)? */
function trustedPeer(trustProxy: GatewayContext['trustProxy']): (address: string) => boolean {
  // A hop count says every peer is the nearest proxy; endpoint-server.ts resolves the client
  // from X-Forwarded-For on its own terms, which do not matter here: no request is read yet.
  if (trustProxy === true || (typeof trustProxy === 'number' && trustProxy > 0)) return () => true
  if (typeof trustProxy !== 'string') return () => false
  const trust = proxyAddr.compile(trustProxy.split(',').map((s) => s.trim()))
  return (address) => address !== '' && trust(address, 0)
}

/** The 503 of a refused connection, written on the raw socket: no request was read. */
function refusalText(reason: ConnectionRefusal): string {
  const requestId = randomUUID()
  const body = JSON.stringify(
    gatewayProblem('gateway_busy', { request_id: requestId, detail: DETAIL[reason] }),
  )
  return `HTTP/1.1 503 Service Unavailable\r\nX-Request-Id: ${requestId}\r\nRetry-After: ${RETRY_AFTER_S}\r\nContent-Type: application/problem+json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

const ignore = () => {}
const destroy = (socket: Socket) => socket.destroy()

/** Installs the caps on `server` (before it listens). */
export function guardConnections(server: http.Server, ctx: GatewayContext): ConnectionGuard {
  const fileLimit = openFileLimit()
  const max = ctx.limits.maxConnections ?? maxConnectionsFor(fileLimit ?? ASSUMED_OPEN_FILE_LIMIT)
  if (ctx.limits.maxConnections !== undefined && fileLimit !== undefined && max > fileLimit - 256)
    ctx.logger.warn(
      { max_connections: max, open_file_limit: fileLimit },
      `HOOKWARDEN_MAX_CONNECTIONS (${max}) leaves fewer than 256 of the ${fileLimit} open files this process may have (ulimit -n) for the store, the logs and the upstream connections: lower it, or raise the limit`,
    )
  const perSource = ctx.limits.connectionsPerSource
  const trusted = trustedPeer(ctx.trustProxy)
  const { metrics, logger } = ctx
  // Accept order, oldest first; a connection a sweep found active moves to the end.
  const open = new Map<Socket, Admitted>()
  const fromSource = new Map<string, number>()
  // Idle connections closed in one sweep: a few at a time, so that a sweep is rare.
  const batch = Math.max(1, Math.ceil(max / 64))
  let sweepAgainAt = 0
  let lingering = 0
  let loggedAt = Number.NEGATIVE_INFINITY
  let refusedSinceLog: Record<ConnectionRefusal, number> = { max_connections: 0, per_source: 0 }

  const release = (socket: Socket) => {
    const admitted = open.get(socket)
    if (!admitted) return
    open.delete(socket)
    if (admitted.source === null) return
    const n = (fromSource.get(admitted.source) ?? 1) - 1
    if (n === 0) fromSource.delete(admitted.source)
    else fromSource.set(admitted.source, n)
  }
  // One function for every socket: no closure per connection.
  function onClose(this: Socket) {
    release(this)
  }
  function onLingerClose() {
    lingering--
  }

  /**
   * Closes up to `batch` idle connections, oldest first; returns how many. Idle: no request
   * being answered (node:http sets `_httpMessage` from a request's headers to its answer's end,
   * as app.ts relies on). A connection that read bytes since the last sweep (a request just
   * answered, or headers still arriving) gets a second chance: it goes after the rest.
   */
  const closeIdle = (): number => {
    const now = performance.now()
    if (now < sweepAgainAt) return 0
    let closed = 0
    for (const [socket, admitted] of open) {
      if ((socket as { _httpMessage?: unknown })._httpMessage) continue
      const read = socket.bytesRead
      if (read !== admitted.seen) {
        admitted.seen = read
        open.delete(socket)
        open.set(socket, admitted)
        continue
      }
      release(socket)
      socket.destroy()
      if (++closed >= batch) break
    }
    if (closed === 0) sweepAgainAt = now + FRUITLESS_SWEEP_PAUSE_MS
    else metrics.connectionsClosedIdle.inc(closed)
    return closed
  }

  const refuse = (socket: Socket, reason: ConnectionRefusal, address: string) => {
    metrics.connectionsRefused.inc({ reason })
    refusedSinceLog[reason]++
    const now = performance.now()
    if (now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now
      logger.warn(
        {
          refused: refusedSinceLog,
          open_connections: open.size,
          max_connections: max,
          connections_per_source: perSource,
          ...(reason === 'per_source' ? { source: address } : {}),
        },
        reason === 'per_source'
          ? 'connections refused: one source holds HOOKWARDEN_CONNECTIONS_PER_SOURCE connections (counted in /metrics; at most one such line a minute)'
          : 'connections refused: HOOKWARDEN_MAX_CONNECTIONS are open and none is idle (counted in /metrics; at most one such line a minute)',
      )
      refusedSinceLog = { max_connections: 0, per_source: 0 }
    }
    // A peer that resets the connection must not crash the gateway with an unheard 'error'.
    socket.on('error', ignore)
    if (lingering >= LINGERING_MAX || !socket.writable) {
      socket.destroy()
      return
    }
    // The 503, then our side closed; what the peer sends meanwhile is read and dropped, so that
    // closing does not reset the connection and lose the 503 (RFC 9112 §9.6). The peer's close
    // ends the socket; one that stays is closed after LINGER_MS.
    lingering++
    socket.on('close', onLingerClose)
    const timer = setTimeout(destroy, LINGER_MS, socket)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
    socket.resume()
    socket.end(refusalText(reason))
  }

  /** Counts the new connection in, or refuses it (false). */
  const admit = (socket: Socket): boolean => {
    const address = socket.remoteAddress ?? ''
    const source = trusted(address) ? null : address
    const fromIt = source === null ? 0 : (fromSource.get(source) ?? 0)
    if (fromIt >= perSource) {
      refuse(socket, 'per_source', address)
      return false
    }
    if (open.size >= max && (closeIdle() === 0 || open.size >= max)) {
      refuse(socket, 'max_connections', address)
      return false
    }
    open.set(socket, { source, seen: 0 })
    if (source !== null) fromSource.set(source, fromIt + 1)
    socket.on('close', onClose)
    return true
  }

  // node:http handles a connection in its 'connection' listener (the documented way to hand it
  // one); those listeners now run only for an admitted connection.
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  server.on('connection', function (this: http.Server, socket: Socket) {
    if (!admit(socket)) return
    for (const handle of handlers) handle.call(this, socket)
  })

  metrics.connectionsMax.set(max)
  // Both series shown from the start, at 0: an alert on their rate needs them to exist.
  metrics.connectionsRefused.inc({ reason: 'max_connections' }, 0)
  metrics.connectionsRefused.inc({ reason: 'per_source' }, 0)
  metrics.openConnections = () => open.size
  return {
    get open() {
      return open.size
    },
    max,
  }
}
