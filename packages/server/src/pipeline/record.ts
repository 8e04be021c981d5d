/**
 * The record of one attempt: redacted headers and target, the body's size and SHA-256, the
 * body itself only when the endpoint stores bodies, the verdict's checks.
 * @module
 */
import * as crypto from 'node:crypto'
import type { Endpoint, HttpRequest, Verdict } from '@hookwarden/core'
import { scrubKnownBytes } from '../known-secrets.js'
import type { GatewayMetrics } from '../metrics.js'
import {
  bodyCarriesCredential,
  type EndpointScope,
  redactHeaders,
  redactTarget,
  requestCredentials,
} from '../redact.js'
import type { AttemptRecord, AttemptStore, Outcome } from '../storage/types.js'

export interface RecordInput {
  id: string
  receivedAt: number
  kind: AttemptRecord['kind']
  endpoint: Endpoint | null
  /** Whose credential headers to redact (the inspector redacts for every endpoint). */
  redactFor?: EndpointScope
  request: HttpRequest
  requestId: string
  status: number
  outcome: Outcome
  reason: string | null
  verdict: Verdict | null
  wouldHaveRefused?: boolean
  storeBody: boolean
  diagnosisSkipped?: string | null
  /** Declared size when the body was not read (413). */
  bodySize?: number
}

/** crypto.hash (Node ≥ 20.12) is one call into OpenSSL: measured 0.4 µs under the Hash object's. */
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'hex') => string }).hash
const sha256Hex = oneShot
  ? (data: Uint8Array) => oneShot('sha256', data, 'hex')
  : (data: Uint8Array) => crypto.createHash('sha256').update(data).digest('hex')

export function buildRecord(input: RecordInput): AttemptRecord {
  const scope = input.redactFor ?? input.endpoint
  const body = input.request.body
  // Gathered once, and only when something could hold a copy of them (redactHeaders).
  let ownValues: readonly string[] | undefined
  const own = () => {
    ownValues ??= requestCredentials(input.request.headers, scope)
    return ownValues
  }
  const keep =
    input.storeBody &&
    input.kind !== 'health' &&
    body.length > 0 &&
    !bodyCarriesCredential(input.endpoint)
  // Where the body carries a credential (a body_secret or Mailgun token, the inspector's
  // whatever-was-sent), a plain SHA-256 of it would let a reader of the record confirm a
  // guessed secret: that hash is taken over the body with its credentials fingerprinted.
  const credentialInBody =
    input.bodySize === undefined &&
    body.length > 0 &&
    (input.kind === 'inspect' || bodyCarriesCredential(input.endpoint))
  const scrubbed = keep || credentialInBody ? scrubKnownBytes(body, own()).body : body
  return {
    id: input.id,
    received_at: input.receivedAt,
    endpoint: input.endpoint?.name ?? null,
    tenant: input.endpoint?.tenant ?? null,
    environment: input.endpoint?.environment ?? null,
    method: input.request.method,
    path: redactTarget(input.request.url, scope, own),
    headers: redactHeaders(input.request.headers, scope, own),
    body_size: input.bodySize ?? body.length,
    // Not read (413): no hash stands for bytes nobody saw ('' in the row, null in the API).
    body_sha256: input.bodySize !== undefined ? '' : sha256Hex(credentialInBody ? scrubbed : body),
    body: keep ? new Uint8Array(scrubbed) : null,
    outcome: input.outcome,
    status: input.status,
    reason: input.reason,
    would_have_refused: input.wouldHaveRefused ?? false,
    checks: input.verdict?.checks ?? [],
    diagnosis: null,
    diagnosis_skipped: input.diagnosisSkipped ?? null,
    key_id: input.verdict?.key_id ?? null,
    forward_status: null,
    forward_latency_ms: null,
    forward_error: null,
    request_id: input.requestId,
    kind: input.kind,
  }
}

/** Inserts and times the insert; rethrows the store's error for the caller to answer 503. */
export async function recordAttempt(
  store: AttemptStore,
  record: AttemptRecord,
  metrics: GatewayMetrics,
): Promise<number> {
  const started = performance.now()
  try {
    await store.insert(record)
  } catch (e) {
    metrics.storeErrors.inc()
    throw e
  }
  const seconds = (performance.now() - started) / 1000
  metrics.recordSeconds.observe(seconds)
  return seconds * 1000
}
