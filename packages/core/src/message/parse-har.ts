/**
 * HAR 1.2 (browser devtools "Save all as HAR") → the request and, when the browser got one,
 * the response of one entry.
 * @module
 */

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
import { type JsonNode, member } from './json-source.js'
import type { Capture, HttpRequest, HttpResponse } from './types.js'

export interface HarParseOptions {
  /** File name for error positions. */
  file?: string
  /** Index into `log.entries`; default 0. */
  entry?: number
}

/**
 * Parses entry `entry` (default 0) of a HAR file. HTTP/2 pseudo-headers are dropped; a
 * response with status 0 (blocked or never answered) counts as no response; base64 content is
 * decoded; a form posted as `postData.params` without `text` is re-encoded as
 * `application/x-www-form-urlencoded` (as URLSearchParams and browsers serialize it); a first
 * entry that is a CORS preflight gives way to the request it cleared (without `entry`).
 *
 * @example
 * const { request, response } = parseHar(readFileSync('session.har'), { entry: 3 })
 */
export function parseHar(input: string | Uint8Array, options: HarParseOptions = {}): Capture {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  return captureFromHar(readJsonDoc(bytes, options.file), options.entry)
}

/** True when a located JSON tree has the HAR shape `{log: {...}}`. */
export function isHar(doc: JsonDoc): boolean {
  return member(doc.root, 'log')?.type === 'object'
}

/** @internal the located tree is already parsed by format detection. */
export function captureFromHar(doc: JsonDoc, entry?: number): Capture {
  const log = member(doc.root, 'log')
  if (log?.type !== 'object')
    throw fieldError(
      doc,
      log ?? doc.root,
      'log',
      'must be an object (a HAR file is {"log": {"entries": [...]}})',
    )
  const entries = member(log, 'entries')
  if (entries?.type !== 'array')
    throw fieldError(doc, entries ?? log, 'log.entries', 'must be a list of entries')
  if (entries.items.length === 0)
    throw fieldError(doc, entries, 'log.entries', 'is empty: the HAR file holds no request')
  const preflight = entry === undefined ? afterPreflight(doc, entries.items) : null
  const index = entry ?? preflight?.index ?? 0
  const item = entries.items[index]
  const path = `log.entries[${index}]`
  if (item === undefined)
    throw fieldError(
      doc,
      entries,
      path,
      `does not exist: the HAR file holds ${entries.items.length} entr${entries.items.length === 1 ? 'y' : 'ies'}`,
    )
  if (item.type !== 'object') throw fieldError(doc, item, path, 'must be an object')
  const request = member(item, 'request')
  if (request?.type !== 'object')
    throw fieldError(doc, request ?? item, childPath(path, 'request'), 'must be an object')
  const read = readRequest(doc, request, childPath(path, 'request'))
  if (preflight) read.captureNotes = [...(read.captureNotes ?? []), preflight.note]
  const creator = member(log, 'creator')
  const tool = creator?.type === 'object' ? stringOf(member(creator, 'name')) : undefined
  read.source = tool ? { format: 'har', creator: tool } : { format: 'har' }
  const out: Capture = { request: read }
  const response = member(item, 'response')
  if (response?.type === 'object') {
    const res = readResponse(doc, response, childPath(path, 'response'))
    if (res) out.response = res
  }
  return out
}

/**
 * A first entry that is a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`, as
 * Chrome records before a cross-origin POST): it carries no credentials, so the entry after it
 * for the same URL is the request meant. Null when entry 0 is no preflight.
 */
function afterPreflight(
  doc: JsonDoc,
  items: readonly JsonNode[],
): { index: number | undefined; note: string } | null {
  const first = items[0]
  const req = first?.type === 'object' ? member(first, 'request') : undefined
  if (req?.type !== 'object' || stringOf(member(req, 'method'))?.toUpperCase() !== 'OPTIONS')
    return null
  const headers = readHeaders(doc, member(req, 'headers'), 'log.entries[0].request.headers')
  const wanted = headers.find(([n]) => /^access-control-request-method$/i.test(n))?.[1]?.trim()
  if (!wanted) return null
  const url = stringOf(member(req, 'url'))
  for (let i = 1; i < items.length; i++) {
    const r = items[i]?.type === 'object' ? member(items[i]!, 'request') : undefined
    if (r?.type !== 'object' || stringOf(member(r, 'url')) !== url) continue
    const method = stringOf(member(r, 'method'))?.toUpperCase()
    if (method === 'OPTIONS') continue
    return {
      index: i,
      note: `entry 0 is a CORS preflight (OPTIONS, Access-Control-Request-Method: ${wanted}); read entry ${i}, the ${method} it cleared (--entry 0 reads the preflight)`,
    }
  }
  return {
    index: undefined,
    note: `entry 0 is a CORS preflight (OPTIONS, Access-Control-Request-Method: ${wanted}), which carries no credentials, and no later entry is for the same URL: pass --entry N for the request itself`,
  }
}

function stringOf(node: JsonNode | undefined): string | undefined {
  return node?.type === 'string' ? node.value : undefined
}

function httpVersion(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  if (/^HTTP\/\d(?:\.\d)?$/i.test(text))
    return text.toUpperCase().replace(/^HTTP\/([23])\.0$/, 'HTTP/$1')
  if (/^h[23]$/i.test(text)) return `HTTP/${text[1]}`
  return undefined
}

function readRequest(doc: JsonDoc, node: JsonNode, path: string): HttpRequest {
  const url = stringField(doc, node, path, 'url', true)
  const method = stringField(doc, node, path, 'method', true).toUpperCase()
  const req: HttpRequest = {
    method,
    url,
    headers: readHeaders(doc, member(node, 'headers'), childPath(path, 'headers')),
    body: new Uint8Array(0),
  }
  const version = httpVersion(stringField(doc, node, path, 'httpVersion'))
  if (version) req.httpVersion = version
  const postData = member(node, 'postData')
  const postPath = childPath(path, 'postData')
  if (postData?.type === 'object') {
    const text = member(postData, 'text')
    const params = member(postData, 'params')
    if (text === undefined && params?.type === 'array' && params.items.length > 0) {
      const pairs = readHeaders(doc, params, childPath(postPath, 'params'))
      // As a browser serializes a form (application/x-www-form-urlencoded): `!'()~` are
      // percent-encoded too, which encodeURIComponent leaves as they are.
      req.body = new Uint8Array(
        Buffer.from(
          new URLSearchParams(pairs.map(([n, v]): [string, string] => [n, v])).toString(),
          'utf8',
        ),
      )
    } else {
      req.body = readBody(
        doc,
        text,
        childPath(postPath, 'text'),
        stringField(doc, postData, postPath, 'encoding'),
      )
    }
  } else if (postData !== undefined && postData.type !== 'null') {
    throw fieldError(doc, postData, postPath, 'must be an object')
  }
  // DevTools drops postData for large or binary bodies but keeps their size; a HAR written by
  // another tool may keep only the Content-Length header.
  const size = member(node, 'bodySize')
  if (req.body.length === 0 && size?.type === 'number' && size.value > 0)
    req.bodyNotCaptured = size.value
  else markBodyNotCaptured(req)
  return req
}

function readResponse(doc: JsonDoc, node: JsonNode, path: string): HttpResponse | undefined {
  const statusNode = member(node, 'status')
  const statusPath = childPath(path, 'status')
  if (
    statusNode?.type !== 'number' ||
    !Number.isInteger(statusNode.value) ||
    statusNode.value < 0 ||
    statusNode.value > 999
  ) {
    throw fieldError(doc, statusNode ?? node, statusPath, 'must be an HTTP status number')
  }
  // Chrome writes status 0 for a request that was blocked or never answered.
  if (statusNode.value === 0) return undefined
  const res: HttpResponse = {
    status: statusNode.value,
    headers: readHeaders(doc, member(node, 'headers'), childPath(path, 'headers')),
    body: new Uint8Array(0),
  }
  const reason = stringField(doc, node, path, 'statusText')
  if (reason) res.statusText = reason
  const version = httpVersion(stringField(doc, node, path, 'httpVersion'))
  if (version) res.httpVersion = version
  const content = member(node, 'content')
  if (content?.type === 'object') {
    const contentPath = childPath(path, 'content')
    res.body = readBody(
      doc,
      member(content, 'text'),
      childPath(contentPath, 'text'),
      stringField(doc, content, contentPath, 'encoding'),
    )
  }
  return res
}
