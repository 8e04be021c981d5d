/**
 * HttpRequest → raw HTTP/1.1 text (bytes): the body appended byte for byte.
 * @module
 */
import type { HttpRequest, HttpResponse } from './types.js'

export function printRawHttpRequestBytes(req: HttpRequest): Uint8Array {
  const head = `${req.method} ${req.url} ${req.httpVersion ?? 'HTTP/1.1'}\r\n${req.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'utf8'), req.body])
}

/** As text; a body that is not valid UTF-8 is better printed with printRawHttpRequestBytes. */
export function printRawHttpRequest(req: HttpRequest): string {
  return Buffer.from(printRawHttpRequestBytes(req)).toString('utf8')
}

export function printRawHttpResponseBytes(res: HttpResponse): Uint8Array {
  const head = `${res.httpVersion ?? 'HTTP/1.1'} ${res.status}${res.statusText ? ` ${res.statusText}` : ''}\r\n${res.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'utf8'), res.body])
}
