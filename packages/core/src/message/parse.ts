/**
 * Capture text of any supported format → HttpRequest / HttpResponse, the format detected from
 * the content (contract §1).
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { type CaptureFormat, jsonFormat, sniffFormat } from './detect.js'
import { readJsonDoc } from './json-fields.js'
import { parseCurl } from './parse-curl.js'
import { parseCurlVerbose, verboseStart } from './parse-curl-verbose.js'
import { captureFromHar } from './parse-har.js'
import { captureFromJson } from './parse-json.js'
import { parseRawHttpRequest, parseRawHttpResponse } from './parse-raw-http.js'
import { binaryString } from './text.js'
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
 * Parses a capture of any format: raw HTTP request or response, curl command (with the
 * `curl -v` transcript below it, if pasted), `curl -v` transcript alone, HAR or JSON.
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
  const sniffed = sniffFormat(bytes)
  if (sniffed === 'curl' || sniffed === undefined) refusePowerShell(bytes, options)
  return withSource(parseSniffed(bytes, sniffed, options))
}

/** The request of a capture, stamped with the format it was read from (HttpRequest.source). */
function withSource(capture: ParsedCapture): ParsedCapture {
  const request = capture.request
  if (!request || capture.format === 'http-response') return capture
  request.source = { ...request.source, format: capture.format }
  return capture
}

function parseSniffed(
  bytes: Uint8Array,
  sniffed: ReturnType<typeof sniffFormat>,
  options: ParseOptions,
): ParsedCapture {
  switch (sniffed) {
    case 'http-request':
      return { format: 'http-request', request: parseRawHttpRequest(bytes, options.file) }
    case 'http-response':
      return { format: 'http-response', response: parseRawHttpResponse(bytes, options.file) }
    case 'curl':
      return { format: 'curl', request: parseCurl(bytes, options), ...responseAfterCommand(bytes) }
    case 'curl-verbose':
      return { format: 'curl-verbose', ...parseCurlVerbose(bytes, options) }
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

/**
 * `Invoke-WebRequest` / `Invoke-RestMethod` (Chrome's "Copy as PowerShell"), or `curl` as
 * PowerShell's alias for it (`curl -Uri … -Headers @{…}`): a language of its own, refused with
 * what to paste instead. `curl.exe` with curl's own options is curl.
 */
const POWERSHELL =
  /\b(?:Invoke-WebRequest|Invoke-RestMethod)\b|(?:^|[\s;|(])(?:curl|iwr|irm|wget)(?=\s)[^\n]*?\s-(?:Uri\b|Headers\s*@\{|UseBasicParsing\b|WebSession\b)/im

function refusePowerShell(bytes: Uint8Array, options: ParseOptions): void {
  const text = binaryString(bytes.subarray(0, 1 << 16))
  const m = POWERSHELL.exec(text)
  if (!m) return
  const at = m.index + (m[0].length - m[0].trimStart().length)
  const line = text.slice(0, at).split('\n').length
  throw new CaptureParseError(
    'PowerShell Invoke-WebRequest/Invoke-RestMethod is not supported: use Copy as cURL (bash), or a HAR',
    { ...where(options), line, column: 1 },
  )
}

/** The response of a `curl -v` transcript pasted below its command, when it parses. */
function responseAfterCommand(bytes: Uint8Array): { response?: HttpResponse } {
  const s = binaryString(bytes)
  const at = verboseStart(s)
  if (at <= 0) return {}
  try {
    const { response } = parseCurlVerbose(bytes.subarray(at))
    return response ? { response } : {}
  } catch {
    // The command alone is the capture; a transcript that does not parse adds nothing.
    return {}
  }
}

/** The request of a capture; CaptureParseError when the capture holds only a response. */
export function parseRequest(input: string | Uint8Array, options: ParseOptions = {}): HttpRequest {
  const capture = parseCapture(input, options)
  if (capture.request) return capture.request
  const what =
    capture.format === 'http-response'
      ? 'this is an HTTP response (it starts with a status line)'
      : 'this JSON capture holds only a response'
  throw new CaptureParseError(`not a request: ${what}`, { ...where(options), line: 1, column: 1 })
}

const NO_RESPONSE: Record<CaptureFormat, string> = {
  'http-request': 'this is an HTTP request (it starts with a request line)',
  'http-response': 'this is an HTTP response without a status line',
  curl: 'a curl command is a request',
  'curl-verbose': 'this curl -v transcript shows no response',
  har: 'this HAR entry has no response (the browser got none)',
  json: 'this JSON capture holds only a request',
}

/** The response of a capture; CaptureParseError when it holds only a request. */
export function parseResponse(
  input: string | Uint8Array,
  options: ParseOptions = {},
): HttpResponse {
  const bytes = asBytes(input)
  const blank = bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d)
  if (!blank && sniffFormat(bytes) === undefined) {
    throw new CaptureParseError(
      'not a response: expected raw HTTP (HTTP/1.1 401 Unauthorized …), HAR or JSON',
      { ...where(options), line: 1, column: 1 },
    )
  }
  const capture = parseCapture(bytes, options)
  if (capture.response) return capture.response
  throw new CaptureParseError(`not a response: ${NO_RESPONSE[capture.format]}`, {
    ...where(options),
    line: 1,
    column: 1,
  })
}
