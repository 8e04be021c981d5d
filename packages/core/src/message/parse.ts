/**
 * Capture text of any supported format → HttpRequest / HttpResponse, the format detected from
 * the content (contract §1).
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { parseRawHttpRequest, parseRawHttpResponse } from './parse-raw-http.js'
import type { HttpRequest, HttpResponse } from './types.js'

export interface ParseOptions {
  /** File name for error positions. */
  file?: string
  /** HAR entry index (default 0). */
  entry?: number
}

function asBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input
}

export function parseRequest(input: string | Uint8Array, options: ParseOptions = {}): HttpRequest {
  const bytes = asBytes(input)
  if (bytes.length === 0) throw new CaptureParseError('the capture is empty', options.file ? { file: options.file } : {})
  return parseRawHttpRequest(bytes, options.file)
}

export function parseResponse(input: string | Uint8Array, options: ParseOptions = {}): HttpResponse {
  const bytes = asBytes(input)
  if (bytes.length === 0) throw new CaptureParseError('the capture is empty', options.file ? { file: options.file } : {})
  return parseRawHttpResponse(bytes, options.file)
}
