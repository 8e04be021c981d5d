/**
 * Reading the files a user names: captures and configs, with errors that name the file.
 * @module
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  type Config,
  ConfigError,
  configFieldPosition,
  type Endpoint,
  type HttpRequest,
  type HttpResponse,
  InputError,
  loadConfigFile,
  parseCapture,
  parseRequest,
  parseResponse,
} from '@hookwarden/core'

export function readInput(file: string, what: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file)
  } catch (e) {
    throw new InputError(
      'ERR_READ',
      `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file },
    )
  }
}

/**
 * How a capture file is parsed: its name for error positions, the entry, and its directory
 * for a curl command's `@file` arguments (read as curl would, from beside the capture; the
 * working directory for standard input).
 */
export function captureOptions(
  file: string,
  entry?: number,
): { file: string; entry?: number; baseDir: string } {
  return {
    file,
    ...(entry !== undefined ? { entry } : {}),
    baseDir: file === '-' ? process.cwd() : dirname(resolve(file)),
  }
}

export function readRequest(file: string, entry?: number): HttpRequest {
  return parseRequestAt(readInput(file, 'request'), file, entry)
}

/**
 * The request of a capture's bytes, at `--entry`. A capture that holds one request (raw HTTP,
 * a JSON object) has no entry beyond 0: asked for one, it says so rather than answer with
 * its one request as if it were the entry asked for.
 */
export function parseRequestAt(bytes: Uint8Array, file: string, entry?: number): HttpRequest {
  const { format, request } = parseCapture(bytes, captureOptions(file, entry))
  if (entry !== undefined && entry > 0) {
    const single =
      format === 'http-request' ||
      format === 'http-response' ||
      (format === 'json' && /^\s*\{/.test(Buffer.from(bytes.subarray(0, 4096)).toString('latin1')))
    if (single)
      throw new InputError(
        'ERR_NO_ENTRY',
        `--entry ${entry}: the capture holds one request (${format === 'json' ? 'a JSON object, not a list' : 'raw HTTP'}); --entry picks one of a HAR, a JSON list, several curl commands or a curl -v -L transcript`,
        { file, field: '--entry' },
      )
  }
  // parseRequest's own words for a capture that holds no request.
  return request ?? parseRequest(bytes, captureOptions(file, entry))
}

export function readResponse(file: string, entry?: number): HttpResponse {
  return parseResponse(readInput(file, 'response'), captureOptions(file, entry))
}

/** Loads `--config`; a config the gateway would refuse for its paths is named on stderr. */
export function readConfig(file: string): Config {
  const config = loadConfigFile(file)
  for (const warning of sharedPathWarnings(config, file))
    process.stderr.write(`hookwarden: warning: ${warning}\n`)
  return config
}

/**
 * One line for each endpoint whose path an earlier endpoint already has. The CLI takes the
 * first match (contract §2), so the config still works here; `serve` refuses it (one path,
 * one endpoint), which the user should hear before deploying it.
 */
export function sharedPathWarnings(config: Config, file: string): string[] {
  const firstOn = new Map<string, Endpoint>()
  const warnings: string[] = []
  config.endpoints.forEach((endpoint, i) => {
    if (endpoint.path === undefined) return
    const first = firstOn.get(endpoint.path)
    if (!first) {
      firstOn.set(endpoint.path, endpoint)
      return
    }
    const at = configFieldPosition(file, ['endpoints', i, 'path'])
    warnings.push(
      `${at.line ? `${file}:${at.line}` : file}: ${at.field}: endpoints "${first.name}" and "${endpoint.name}" share the path ${endpoint.path}; a request to it is checked against "${first.name}" (the first), unless --endpoint names another, and hookwarden serve refuses this config (it routes one path to one endpoint)`,
    )
  })
  return warnings
}

/** `--now UNIX` → seconds; unusable → exit 2 naming the flag. */
export function parseNow(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000)
  // Whole seconds: every time check compares integers (a JWT's exp, a signed timestamp).
  if (!/^\d+$/.test(value))
    throw new ConfigError(
      `--now must be whole seconds since the epoch, got ${JSON.stringify(value)}`,
      { field: '--now' },
    )
  const now = Number(value)
  // 1e11 s is the year 5138: such a value is milliseconds (Date.now()), or a typo.
  if (now >= 1e11)
    throw new ConfigError(
      `--now must be seconds since the epoch, got ${JSON.stringify(value)}${now < 1e14 ? ' (milliseconds? divide by 1000)' : ''}`,
      { field: '--now' },
    )
  return now
}

/** `--entry N` → a HAR entry index; unusable → exit 2 naming the flag. */
export function parseEntry(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,6}$/.test(value))
    throw new ConfigError(
      `--entry must be an entry index (0, 1, …), got ${JSON.stringify(value)}`,
      {
        field: '--entry',
      },
    )
  return Number(value)
}
