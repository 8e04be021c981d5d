/**
 * Re-sends a stored attempt to its endpoint's configured upstream (never anywhere else):
 * the stored body bytes and the recorded headers, credential headers left out (the record
 * only holds their fingerprints).
 * @module
 */
import type { Endpoint, Header, HttpRequest } from '@hookwarden/core'
import { isCredentialHeader } from '../redact.js'
import type { AttemptRecord } from '../storage/types.js'
import type { Forwarder, ForwardResult } from './forward.js'

export type ReplayRefusal = 'not_accepted' | 'no_endpoint' | 'no_upstream' | 'no_body'

/**
 * Why the attempt must not be re-sent, or null. Only what the gateway accepted is ever sent
 * upstream: a refused attempt (a forged or unauthenticated request among them) never reaches
 * it, and neither does one a report-only endpoint (`enforce: false`) forwarded although its
 * checks failed (recorded as "would have refused").
 */
export function replayRefusal(
  record: AttemptRecord,
  endpoint: Endpoint | undefined,
): ReplayRefusal | null {
  if (record.outcome !== 'accepted' || record.would_have_refused) return 'not_accepted'
  if (!endpoint || record.kind !== 'endpoint') return 'no_endpoint'
  if (!endpoint.forward) return 'no_upstream'
  if (record.body === null && record.body_size > 0) return 'no_body'
  return null
}

export async function replayAttempt(
  record: AttemptRecord,
  endpoint: Endpoint,
  forwarder: Forwarder,
  requestId: string,
): Promise<ForwardResult> {
  const headers: Header[] = record.headers.filter(([n]) => !isCredentialHeader(n, endpoint))
  const request: HttpRequest = {
    method: record.method,
    url: record.path,
    headers,
    body: record.body ?? new Uint8Array(0),
  }
  return forwarder.forward({
    request,
    endpoint,
    requestId,
    source: '127.0.0.1',
    strip: true,
    extraHeaders: [['X-Hookwarden-Replay-Of', record.id]],
  })
}
