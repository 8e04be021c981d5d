/**
 * The gateway's pino logger: JSON lines, one per attempt (with its request id), secrets never
 * logged. Request bodies and headers are not logged at all; the redact paths are a second
 * belt for anything a plugin might pass by mistake.
 * @module
 */
import { type DestinationStream, type Logger, pino } from 'pino'
import { BatchedDestination } from './log-destination.js'

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

export function createLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? process.env.HOOKWARDEN_LOG_LEVEL ?? 'info',
      base: { service: 'hookwarden' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Errors are logged by code and message only: undici and parser errors may quote input.
      serializers: { err: (e: unknown) => errorSummary(e) },
    },
    options.destination ?? new BatchedDestination(),
  )
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
