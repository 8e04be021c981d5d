/**
 * The request id every answer carries (contract §5): the caller's own `X-Request-Id` when it
 * is sane, else the trace-id of a valid `traceparent`, else a new one. Caller values are
 * validated, never logged raw (a log-injection vector otherwise).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Header } from '@hookwarden/core'
import { holdsCredential } from './known-secrets.js'

// Visible ASCII without quote or backslash: safe in a header, a log line and a JSON string.
const SAFE_ID = /^[!#-[\]-~]{1,200}$/
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

function firstValue(
  headers: readonly Header[],
  name: string,
): { value: string; count: number } | null {
  let value: string | null = null
  let count = 0
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== name) continue
    count++
    value ??= v
  }
  return value === null ? null : { value, count }
}

/** The trace-id of a valid W3C traceparent, or null. */
export function traceIdOf(headers: readonly Header[]): string | null {
  const tp = firstValue(headers, 'traceparent')
  // Two traceparent headers are invalid (W3C trace-context §3.2).
  if (!tp || tp.count > 1) return null
  const m = TRACEPARENT.exec(tp.value.trim())
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return null
  return m[2]!
}

export function requestIdFor(headers: readonly Header[]): string {
  const own = firstValue(headers, 'x-request-id')
  // The id is logged, stored and echoed as is: one that holds a credential (a token pasted
  // into the wrong field) is replaced, like any other unsafe value.
  if (own && SAFE_ID.test(own.value.trim()) && !holdsCredential(own.value.trim()))
    return own.value.trim()
  const trace = traceIdOf(headers)
  return trace !== null && !holdsCredential(trace) ? trace : randomUUID()
}

/** The same from Node's flat rawHeaders, without building the whole header list. */
export function requestIdFromRaw(rawHeaders: readonly string[]): string {
  const wanted: Header[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    // Cheap length test first: only two names matter.
    if ((name.length === 12 || name.length === 11) && /^(x-request-id|traceparent)$/i.test(name)) {
      wanted.push([name, rawHeaders[i + 1]!])
    }
  }
  return requestIdFor(wanted)
}
