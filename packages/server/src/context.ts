/**
 * What every plugin is given: the pipeline's dependencies plus the admin token and the
 * dashboard's directory. Built once by createGateway(); no plugin builds its own.
 * @module
 */
import type { FastifyReply } from 'fastify'
import type { Answer } from './pipeline/answer.js'
import type { PipelineDeps } from './pipeline/handle-attempt.js'
import type { AttemptsInFlight } from './pipeline/in-flight.js'

export interface GatewayLimits {
  /** Largest request body read, in bytes (default 1 MiB); larger → 413, recorded. */
  bodyLimit: number
  /** Node's headersTimeout in ms (default 10 s): slow headers are cut off. */
  headersTimeoutMs: number
  /** Whole-request timeout in ms (default 30 s; Fastify's default 0 means none). */
  requestTimeoutMs: number
  /**
   * At shutdown, how long a body still arriving may take to finish (default 5 s); then it is
   * answered 503 with Retry-After and recorded as incomplete.
   */
  shutdownBodyGraceMs: number
  /**
   * How often an open `/api/events` stream gets a heartbeat, and its admin credential is
   * checked again (logged out on another gateway, expired, token changed), in ms (default 15 s).
   */
  eventsHeartbeatMs: number
  /**
   * Bytes of endpoint bodies still arriving, held across all requests at once (default from
   * the body limit: bodyBytesInFlightFor). A request that would pass it is answered 503 with
   * Retry-After and recorded; what it sent is not kept.
   */
  bodyBytesInFlight?: number
  /** Endpoint requests whose bodies are still arriving, at once, from one source (default 32); past it, 503 with Retry-After. */
  bodiesPerSource: number
  /**
   * Connections open at once (default from the open-file limit: maxConnectionsFor). At the cap,
   * the idle ones are closed first, oldest first; a new connection is refused only when none is.
   */
  maxConnections?: number
  /**
   * Connections open at once from one peer address (default 256: Make, Zapier and the like send
   * from shared addresses); a trusted proxy's (HOOKWARDEN_TRUST_PROXY) are not counted per source.
   */
  connectionsPerSource: number
}

const MIB = 1024 * 1024

/**
 * The default bound on body bytes held at once: 64 bodies of the limit (64 MiB at the default
 * 1 MiB), at most 1 GiB, and never fewer than 4 bodies of the limit.
 */
export function bodyBytesInFlightFor(bodyLimit: number): number {
  return Math.max(4 * bodyLimit, Math.min(64 * bodyLimit, 1024 * MIB))
}

/**
 * The default cap on connections, from the process's open-file limit: half of what is left
 * once 256 descriptors are set aside (the store's files or pool, Redis, logs, the dashboard's
 * files, refused connections being closed), since each request being forwarded may hold an
 * upstream connection beside its own. At least 64; at most 16384 (an idle connection costs a
 * few KiB of memory besides its descriptor). 20000 files: 9872 connections.
 */
export function maxConnectionsFor(openFileLimit: number): number {
  return Math.min(16_384, Math.max(64, Math.floor((openFileLimit - 256) / 2)))
}

export const DEFAULT_LIMITS: GatewayLimits = {
  bodyLimit: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  shutdownBodyGraceMs: 5_000,
  eventsHeartbeatMs: 15_000,
  bodiesPerSource: 32,
  connectionsPerSource: 256,
}

export interface GatewayContext extends PipelineDeps {
  adminToken: string
  /** Directory of the built dashboard (packages/web/dist), or null for the placeholder page. */
  webDist: string | null
  limits: GatewayLimits
  /** Set when close() starts: answers then carry `Connection: close`. */
  closing: boolean
  /** Attempts still being handled: close() waits for them before closing the store. */
  inFlight: AttemptsInFlight
  /**
   * Trust X-Forwarded-For from a proxy in front (Fastify's trustProxy: true, a hop count, or
   * addresses/CIDRs). Off by default: the peer address is the source the rate limit counts.
   */
  trustProxy: boolean | number | string
}

/** Copies an Answer onto the reply. */
export function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  reply.code(answer.status)
  for (const [n, v] of answer.headers) {
    const lower = n.toLowerCase()
    if (lower === 'content-length' || lower === 'x-request-id') continue
    // Several values of one header (Set-Cookie from an upstream) are kept, in order.
    const prev = reply.getHeader(n)
    if (prev !== undefined && lower !== 'content-type' && lower !== 'connection') {
      reply.header(n, [...(Array.isArray(prev) ? prev : [String(prev)]), v])
    } else reply.header(n, v)
  }
  const body = answer.body
  if (body instanceof Uint8Array)
    return reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  // A Buffer, so Fastify sends the Content-Type exactly as set (no charset appended).
  return reply.send(Buffer.from(JSON.stringify(body), 'utf8'))
}
