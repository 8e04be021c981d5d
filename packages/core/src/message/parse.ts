/**
 * Capture text of any supported format → HttpRequest / HttpResponse, the format detected from
 * the content (contract §1).
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { type CaptureFormat, jsonFormat, sniffFormat } from './detect.js'
import { readJsonDoc } from './json-fields.js'
import { parseCurl } from './parse-curl.js'
import { captureFromHar } from './parse-har.js'
import { captureFromJson } from './parse-json.js'
import { parseRawHttpRequest, parseRawHttpResponse } from './parse-raw-http.js'
import type { Capture, HttpRequest, HttpResponse } from './types.js'

export interface ParseOptions {
  /** File name for error positions. */
  file?: string
  /** HAR entry, item of a JSON list, or curl command of a multi-command paste (default 0). */
  entry?: number
  /**
   * Directory against which a curl command's `@file` arguments are read (the CLI passes the
   * capture's directory). Without it, `@file` is an error: never set it for pasted text.
   */
  baseDir?: string
}

export interface ParsedCapture extends Capture {
  format: CaptureFormat
}

function asBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input
}

function where(options: ParseOptions): { file?: string } {
  return options.file !== undefined ? { file: options.file } : {}
}

/**
 * Parses a capture of any format: raw HTTP request or response, curl command, HAR or JSON.
 * Throws CaptureParseError (with file, line, column or field) and nothing else.
 *
 * @example
 * const { format, request, response } = parseCapture(readFileSync('attempt.har'), { file: 'attempt.har' })
 */
export function parseCapture(
  input: string | Uint8Array,
  options: ParseOptions = {},
): ParsedCapture {
  const bytes = asBytes(input)
  if (bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d)) {
    throw new CaptureParseError('the capture is empty', where(options))
  }
  switch (sniffFormat(bytes)) {
    case 'http-request':
      return { format: 'http-request', request: parseRawHttpRequest(bytes, options.file) }
    case 'http-response':
      return { format: 'http-response', response: parseRawHttpResponse(bytes, options.file) }
    case 'curl':
      return { format: 'curl', request: parseCurl(bytes, options) }
    case 'json-like': {
      const doc = readJsonDoc(bytes, options.file)
      const format = jsonFormat(doc)
      const capture =
        format === 'har' ? captureFromHar(doc, options.entry) : captureFromJson(doc, options.entry)
      return { format, ...capture }
    }
    case undefined:
      throw new CaptureParseError('not a request: expected raw HTTP, a curl command, HAR or JSON', {
        ...where(options),
        line: 1,
        column: 1,
      })
  }
}

/** The request of a capture; CaptureParseError when the capture holds only a response. */
export function parseRequest(input: string | Uint8Array, options: ParseOptions = {}): HttpRequest {
  const capture = parseCapture(input, options)
  if (capture.request) return capture.request
  throw new CaptureParseError(
    `not a request: this ${describe(capture.format)} holds only a response`,
    { ...where(options), line: 1, column: 1 },
  )
}

/** The response of a capture; CaptureParseError when it holds only a request. */
export function parseResponse(
  input: string | Uint8Array,
  options: ParseOptions = {},
): HttpResponse {
  const bytes = asBytes(input)
  const sniffed = bytes.length > 0 ? sniffFormat(bytes) : undefined
  if (
    sniffed === undefined &&
    !bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d)
  ) {
    throw new CaptureParseError(
      'not a response: expected raw HTTP (HTTP/1.1 401 Unauthorized …), HAR or JSON',
      { ...where(options), line: 1, column: 1 },
    )
  }
  const capture = parseCapture(bytes, options)
  if (capture.response) return capture.response
  const what =
    capture.format === 'har'
      ? 'this HAR entry has no response (status 0: the browser got none)'
      : `this ${describe(capture.format)} holds only a request`
  throw new CaptureParseError(`not a response: ${what}`, { ...where(options), line: 1, column: 1 })
}

function describe(format: CaptureFormat): string {
  switch (format) {
    case 'http-request':
      return 'raw HTTP text'
    case 'http-response':
      return 'raw HTTP text'
    case 'curl':
      return 'curl command'
    case 'har':
      return 'HAR entry'
    case 'json':
      return 'JSON capture'
  }
}
