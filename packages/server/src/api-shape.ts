/**
 * The JSON the dashboard API answers for an attempt and an endpoint (typed once here; the web
 * app mirrors it). Records are already redacted; endpoints are shown without a secret.
 *
 * The API, same origin as the dashboard. Auth: `Authorization: Bearer <admin token>` or the
 * `hookwarden_admin` cookie (HttpOnly, SameSite=Strict) set by `POST /api/session {token}` or
 * `POST /login` (form); without it every route answers 401 problem+json.
 * - `GET /api/attempts?endpoint&outcome=accepted|rejected&reason&tenant&environment&limit(1..1000)&before=<id>&since&until`
 *   → `{attempts: ApiAttempt[] (no diagnosis, no body), next_before: id | null}`, newest first;
 *   any other parameter is a 400 naming it
 * - `GET /api/attempts/:id` → ApiAttempt with `diagnosis` and `body_base64`; the count of a
 *   source's refusals past its limit is on its window's full record (`refusals_past_limit`)
 * - `POST /api/attempts/:id/replay` → `{attempt, endpoint, ok, status, latency_ms, error}`;
 *   409 when the body was not stored or the endpoint has no upstream
 * - `GET /api/compare?a=<id>&b=<id>` → `{a, b: ApiAttempt, same, differences: [{kind, field, good,
 *   bad, note, auth}] (authentication-relevant first), checks: [{name, a, b, detail}]}`
 * - `GET /api/endpoints` → `{endpoints: ApiEndpoint[], public_diagnose}`
 * - `GET /api/reasons` → `{reasons: [{code, title, status}]}`, every reason code in words
 * - `GET /api/stats?since=<unix ms>&bucket=<ms>` → `{since, bucket_ms, rows: [{bucket, endpoint, outcome, reason, count}]}`
 * - `GET /api/rotations?endpoint` → ApiRotations (rotations/readiness.ts): per endpoint and
 *   credential (label, id, fingerprint, not_after, retired, expired, accepted_24h, accepted_7d,
 *   last_matched_at, refused_24h), the endpoint's rotated-out refusals, and `warnings`; the
 *   counts are read at most every 30 s
 * - `POST /api/diagnose {request, response?, endpoint? | auth?, sender?, now?}` → Diagnosis
 *   (contract §3); open without the token when `public_diagnose: true`
 * - `GET /api/events` → text/event-stream, `event: attempt` + `data: AttemptSummary` per attempt
 * - `GET|POST|DELETE /api/session` → `{admin: boolean}`
 * A route that reads a query (attempts, compare, stats, rotations) answers any other parameter
 * 400, naming it and the ones it takes.
 * Errors are problem+json `{type, title, status, reason, detail?, request_id}`.
 * `status` of an attempt is the gateway's own answer (200 when it verified); a forwarded
 * attempt's caller got `forward_status`, or 502/504 when `forward_error` is set.
 * @module
 */
import { type Endpoint, fingerprint } from '@hookwarden/core'
import { fullRecordOf } from './storage/compact-row.js'
import type { AttemptRecord } from './storage/types.js'

export interface ApiCause {
  code: string
  summary: string
  fix: string
  confidence: number
}

/**
 * An attempt as the API shows it: the record without its body bytes, plus `has_body`, the
 * diagnosis's first cause (`cause`, for list views) and, for one attempt, `body_base64`.
 * Past a source's limit of refusals: the window's full record has `refusals_past_limit` (how
 * many later refusals of the window were recorded as compact rows), `limit_window_until`
 * (unix ms) and `refusals_past_limit_by_status` (`{"429": 37}`), null on every other record;
 * a compact row has `counted_into`, the id of that full record, null on every other record.
 */
export type ApiAttempt = Omit<
  AttemptRecord,
  | 'body'
  | 'body_sha256'
  | 'refusals_past_limit'
  | 'limit_window_until'
  | 'refusals_past_limit_by_status'
> & {
  /** null when the body was not read (413). */
  body_sha256: string | null
  has_body: boolean
  cause: ApiCause | null
  body_base64?: string | null
  refusals_past_limit: number | null
  limit_window_until: number | null
  refusals_past_limit_by_status: Record<string, number> | null
  counted_into: string | null
}

function topCause(diagnosis: unknown): ApiCause | null {
  const c = (diagnosis as { causes?: Partial<ApiCause>[] } | null)?.causes?.[0]
  if (!c || typeof c.code !== 'string') return null
  return {
    code: c.code,
    summary: String(c.summary ?? ''),
    fix: String(c.fix ?? ''),
    confidence: Number(c.confidence ?? 0),
  }
}

/** One attempt: `full` includes the diagnosis and the stored body (base64). */
export function apiAttempt(r: AttemptRecord, full: boolean): ApiAttempt {
  const { body, ...rest } = r
  const out: ApiAttempt = {
    ...rest,
    body_sha256: r.body_sha256 || null,
    has_body: body !== null && body !== undefined,
    cause: topCause(r.diagnosis),
    refusals_past_limit: r.refusals_past_limit ?? null,
    limit_window_until: r.limit_window_until ?? null,
    refusals_past_limit_by_status: r.refusals_past_limit_by_status ?? null,
    counted_into: fullRecordOf(r),
  }
  if (full) out.body_base64 = body ? Buffer.from(body).toString('base64') : null
  else delete (out as Partial<ApiAttempt>).diagnosis
  return out
}

export interface ApiCredential {
  id: string | null
  fingerprint: string
  not_after: number | null
  retired: boolean
}

export interface ApiEndpoint {
  name: string
  path: string | null
  scheme: string
  provider: string | null
  environment: string | null
  tenant: string | null
  /** Upstream origin and path only (userinfo and query dropped). */
  forward: string | null
  explain: string
  enforce: boolean
  store_body: boolean
  strip_credentials: boolean
  credentials: ApiCredential[]
  health_path: string
}

function safeUrl(url: string | undefined): string | null {
  if (!url) return null
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return null
  }
}

/** An endpoint's credentials as the API shows them: current ones in config order, then retired. */
export function credentialsOf(endpoint: Endpoint): ApiCredential[] {
  const auth = endpoint.auth as unknown as Record<string, unknown>
  const out: ApiCredential[] = []
  const add = (items: unknown, retired: boolean) => {
    if (!Array.isArray(items)) return
    for (const c of items as {
      value?: string
      password?: string
      id?: string
      not_after?: number
    }[]) {
      const secret = c.value ?? c.password
      if (typeof secret !== 'string') continue
      out.push({
        id: c.id ?? null,
        fingerprint: fingerprint(secret),
        not_after: c.not_after ?? null,
        retired,
      })
    }
  }
  for (const list of ['tokens', 'keys', 'secrets', 'users']) add(auth[list], false)
  add(auth.retired, true)
  return out
}

export function apiEndpoint(e: Endpoint): ApiEndpoint {
  return {
    name: e.name,
    path: e.path ?? null,
    scheme: e.auth.scheme,
    provider: e.provider ?? null,
    environment: e.environment ?? null,
    tenant: e.tenant ?? null,
    forward: safeUrl(e.forward),
    explain: e.explain,
    enforce: e.enforce,
    store_body: e.store_body,
    strip_credentials: e.strip_credentials,
    credentials: credentialsOf(e),
    health_path: `/health/auth/${encodeURIComponent(e.name)}`,
  }
}
