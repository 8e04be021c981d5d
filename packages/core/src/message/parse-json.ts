/**
 * Plain JSON captures → HttpRequest / HttpResponse: `{method, url, headers, body}`,
 * `{status, headers, body}`, `{request, response}`, or a list of those (`entry` picks one).
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { markBodyNotCaptured } from './framing.js'
import {
  childPath,
  fieldError,
  type JsonDoc,
  readBody,
  readHeaders,
  readJsonDoc,
  stringField,
} from './json-fields.js'
import { type JsonNode, jsonLineColumn, member } from './json-source.js'
import type { Capture, HttpRequest, HttpResponse } from './types.js'

export interface JsonCaptureOptions {
  /** File name for error positions. */
  file?: string
  /** Index when the top level is a list (Make shows bundles as a list); default 0. */
  entry?: number
}

/**
 * Parses a JSON capture. `headers` may be an object, a list of `[name, value]` pairs or a list
 * of `{name, value}` objects (Make's HTTP module log); `data` is read as `body`, `statusCode`
 * as `status`, and Make's `qs` list is appended to the URL. A body that is not a string is
 * taken as the exact JSON text typed in the file.
 *
 * @example
 * parseJsonCapture('{"method":"POST","url":"https://h/hooks","headers":[["X-Sig","ab"]],"body":"{}"}')
 * // → { request: { method: 'POST', url: 'https://h/hooks', headers: [['X-Sig', 'ab']], body: <{}> } }
 */
export function parseJsonCapture(
  input: string | Uint8Array,
  options: JsonCaptureOptions = {},
): Capture {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  return captureFromJson(readJsonDoc(bytes, options.file), options.entry)
}

/** @internal the located tree is already parsed by format detection. */
export function captureFromJson(doc: JsonDoc, entry?: number): Capture {
  let node = doc.root
  let path = ''
  if (node.type === 'array') {
    const index = entry ?? 0
    const item = node.items[index]
    if (item === undefined) {
      throw fieldError(
        doc,
        node,
        `[${index}]`,
        node.items.length === 0
          ? 'does not exist: the list is empty'
          : `does not exist: the list holds ${node.items.length}`,
      )
    }
    node = item
    path = `[${index}]`
  }
  if (node.type !== 'object') {
    throw fieldError(
      doc,
      node,
      path || '(top level)',
      'must be an object with "method" and "url" (a request) or "status" (a response)',
    )
  }
  const request = member(node, 'request')
  const response = member(node, 'response')
  if (request?.type === 'object' || response?.type === 'object') {
    const out: Capture = {}
    if (request?.type === 'object')
      out.request = readRequest(doc, request, childPath(path, 'request'))
    if (response?.type === 'object')
      out.response = readResponse(doc, response, childPath(path, 'response'))
    return out
  }
  if (member(node, 'url') !== undefined || member(node, 'method') !== undefined)
    return { request: readRequest(doc, node, path) }
  if (member(node, 'status') !== undefined || member(node, 'statusCode') !== undefined)
    return { response: readResponse(doc, node, path) }
  throw new CaptureParseError(
    'not a capture: a JSON request needs "method" and "url", a response "status"',
    {
      ...(doc.file !== undefined ? { file: doc.file } : {}),
      ...jsonLineColumn(doc.text, node.start),
    },
  )
}

function readRequest(doc: JsonDoc, node: JsonNode, path: string): HttpRequest {
  let url = stringField(doc, node, path, 'url', true)
  if (url === '') throw fieldError(doc, member(node, 'url'), childPath(path, 'url'), 'is empty')
  const qs = member(node, 'qs')
  if (qs !== undefined) {
    const pairs = readHeaders(doc, qs, childPath(path, 'qs'))
    if (pairs.length > 0) {
      const query = pairs
        .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
        .join('&')
      url += `${url.includes('?') ? '&' : '?'}${query}`
    }
  }
  const method = (stringField(doc, node, path, 'method') ?? 'GET').toUpperCase()
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/.test(method))
    throw fieldError(
      doc,
      member(node, 'method'),
      childPath(path, 'method'),
      `${JSON.stringify(method)} is not an HTTP method`,
    )
  const bodyKey = member(node, 'body') !== undefined ? 'body' : 'data'
  const req: HttpRequest = {
    method,
    url,
    headers: readHeaders(doc, member(node, 'headers'), childPath(path, 'headers')),
    body: readBody(
      doc,
      member(node, bodyKey),
      childPath(path, bodyKey),
      stringField(doc, node, path, 'encoding'),
    ),
  }
  const version = stringField(doc, node, path, 'httpVersion')
  if (version !== undefined && /^HTTP\/\d(?:\.\d)?$/i.test(version))
    req.httpVersion = version.toUpperCase()
  markBodyNotCaptured(req)
  return req
}

function readResponse(doc: JsonDoc, node: JsonNode, path: string): HttpResponse {
  const statusKey = member(node, 'status') !== undefined ? 'status' : 'statusCode'
  const statusNode = member(node, statusKey)
  const statusPath = childPath(path, statusKey)
  const statusText =
    statusNode?.type === 'number' || statusNode?.type === 'string' ? String(statusNode.value) : ''
  if (!/^[1-9]\d\d$/.test(statusText))
    throw fieldError(
      doc,
      statusNode ?? node,
      statusPath,
      'must be a 3-digit HTTP status such as 401',
    )
  const bodyKey = member(node, 'body') !== undefined ? 'body' : 'data'
  const res: HttpResponse = {
    status: Number(statusText),
    headers: readHeaders(doc, member(node, 'headers'), childPath(path, 'headers')),
    body: readBody(
      doc,
      member(node, bodyKey),
      childPath(path, bodyKey),
      stringField(doc, node, path, 'encoding'),
    ),
  }
  const reason =
    stringField(doc, node, path, 'statusText') ?? stringField(doc, node, path, 'statusMessage')
  if (reason) res.statusText = reason
  const version = stringField(doc, node, path, 'httpVersion')
  if (version !== undefined && /^HTTP\/\d(?:\.\d)?$/i.test(version))
    res.httpVersion = version.toUpperCase()
  return res
}
