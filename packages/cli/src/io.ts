/**
 * Reading the files a user names: captures and configs, with errors that name the file.
 * @module
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  type Config,
  ConfigError,
  type HttpRequest,
  type HttpResponse,
  InputError,
  loadConfigFile,
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
  return parseRequest(readInput(file, 'request'), captureOptions(file, entry))
}

export function readResponse(file: string, entry?: number): HttpResponse {
  return parseResponse(readInput(file, 'response'), captureOptions(file, entry))
}

export function readConfig(file: string): Config {
  return loadConfigFile(file)
}

/** `--now UNIX` → seconds; unusable → exit 2 naming the flag. */
export function parseNow(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000)
  if (!/^\d+(\.\d+)?$/.test(value))
    throw new ConfigError(`--now must be seconds since the epoch, got ${JSON.stringify(value)}`, {
      field: '--now',
    })
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
