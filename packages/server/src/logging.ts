/**
 * The gateway's pino logger: JSON lines, one per attempt (with its request id), secrets never
 * logged. Request bodies and headers are not logged at all; the redact paths are a second
 * belt for anything a plugin might pass by mistake.
 * @module
 */
import { ConfigError } from '@hookwarden/core'
import { type DestinationStream, type Logger, pino, symbols } from 'pino'
import { BatchedDestination } from './log-destination.js'
import type { AttemptRecord } from './storage/types.js'

// No wildcard paths: pino's wildcard redaction costs on every line, and the gateway never
// logs headers or bodies in the first place.
export const REDACT_PATHS = [
  'headers',
  'body',
  'req.headers',
  'request.headers',
  'authorization',
  'cookie',
  'token',
  'secret',
  'password',
]

/** pino's levels, most to least verbose, and `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

/**
 * A log level as pino takes it (lower-cased, so `INFO` works), or undefined when unset or
 * blank. Anything else is a one-line ConfigError naming `name`: pino would throw "default
 * level:loud must be included in custom levels" from deep inside start().
 */
export function logLevelFrom(value: string | undefined, name: string): string | undefined {
  const level = value?.trim().toLowerCase()
  if (!level) return undefined
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    const shown = value!.length > 40 ? `${value!.slice(0, 40)}…` : value!
    throw new ConfigError(
      `${name} must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(shown)}`,
      { field: name },
    )
  }
  return level
}

export function createLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  const level =
    options.level !== undefined
      ? logLevelFrom(options.level, 'level')
      : logLevelFrom(process.env.HOOKWARDEN_LOG_LEVEL, 'HOOKWARDEN_LOG_LEVEL')
  const logger = pino(
    {
      level: level ?? 'info',
      base: { service: 'hookwarden' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Errors are logged by code and message only: undici and parser errors may quote input.
      serializers: { err: (e: unknown) => errorSummary(e) },
    },
    options.destination ?? new BatchedDestination(),
  )
  ownLoggers.add(logger)
  return logger
}

/** Loggers made by createLogger: their line format is pino's default, known here. */
const ownLoggers = new WeakSet<Logger>()
const { streamSym, chindingsSym } = symbols
const INFO = 30

/** Durations of the stages of one attempt, in ms. */
export interface AttemptTimings {
  verify_ms?: number
  record_ms?: number
  forward_ms?: number
}

/**
 * The one log line per attempt: ids, outcome and timings; never headers or body. For a logger
 * of createLogger's the line is built here, byte for byte what `logger.info(fields, 'attempt')`
 * writes (a test holds the two equal): pino's generic serialization and redaction walk cost
 * about 2 µs a line, measured as the largest piece of the answer's CPU after the HMAC. None of
 * these fields is a redacted path, and every string is JSON-escaped as pino escapes it.
 */
export function logAttempt(
  logger: Logger,
  record: AttemptRecord,
  status: number,
  timings: AttemptTimings,
  recorded: boolean,
): void {
  if (!ownLoggers.has(logger)) {
    logger.info(attemptFields(record, status, timings, recorded), 'attempt')
    return
  }
  if (logger.levelVal > INFO) return
  const owned = logger as unknown as Record<symbol, unknown>
  let line = `{"level":30,"time":${Date.now()}${owned[chindingsSym] as string},"request_id":${JSON.stringify(record.request_id)},"attempt":${recorded ? JSON.stringify(record.id) : 'null'},"endpoint":${json(record.endpoint)},"kind":${JSON.stringify(record.kind)},"method":${JSON.stringify(record.method)},"path":${JSON.stringify(record.path)},"status":${status},"outcome":${JSON.stringify(record.outcome)},"reason":${json(record.reason)}`
  if (record.would_have_refused) line += ',"would_have_refused":true'
  if (record.forward_status != null) line += `,"forward_status":${record.forward_status}`
  if (record.forward_error != null)
    line += `,"forward_error":${JSON.stringify(record.forward_error)}`
  if (timings.verify_ms !== undefined) line += `,"verify_ms":${timings.verify_ms}`
  if (timings.record_ms !== undefined) line += `,"record_ms":${timings.record_ms}`
  if (timings.forward_ms !== undefined) line += `,"forward_ms":${timings.forward_ms}`
  ;(owned[streamSym] as DestinationStream).write(`${line},"msg":"attempt"}\n`)
}

const json = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v))

/** The same line's fields, for a logger whose format is not known here. */
export function attemptFields(
  record: AttemptRecord,
  status: number,
  timings: AttemptTimings,
  recorded: boolean,
): Record<string, unknown> {
  return {
    request_id: record.request_id,
    attempt: recorded ? record.id : null,
    endpoint: record.endpoint,
    kind: record.kind,
    method: record.method,
    path: record.path,
    status,
    outcome: record.outcome,
    reason: record.reason,
    would_have_refused: record.would_have_refused || undefined,
    forward_status: record.forward_status ?? undefined,
    forward_error: record.forward_error ?? undefined,
    ...timings,
  }
}

export function errorSummary(e: unknown): { type: string; code?: string; message: string } {
  const err = e as { name?: string; code?: string; message?: string }
  const out: { type: string; code?: string; message: string } = {
    type: err?.name ?? typeof e,
    message: String(err?.message ?? e)
      .split('\n')[0]!
      .slice(0, 200),
  }
  if (typeof err?.code === 'string') out.code = err.code
  return out
}
