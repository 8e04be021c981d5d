/**
 * What the gateway answers, as data: status, headers and body. The plugins only copy an
 * Answer onto the Fastify reply, so every answer of the pipeline can be read in one place.
 * @module
 */
import { buildProblem, type Header, type ProblemBody, type Verdict } from '@hookwarden/core'

export interface Answer {
  status: number
  headers: Header[]
  /** JSON bodies are objects; relayed upstream bodies are bytes. */
  body: unknown
}

const PROBLEM = 'application/problem+json'

export function jsonAnswer(status: number, body: unknown, headers: Header[] = []): Answer {
  return {
    status,
    headers: [['Content-Type', 'application/json; charset=utf-8'], ...headers],
    body,
  }
}

export function problemAnswer(
  problem: ProblemBody | GatewayProblem,
  headers: Header[] = [],
): Answer {
  return { status: problem.status, headers: [['Content-Type', PROBLEM], ...headers], body: problem }
}

/** The refusal of a verdict, under the endpoint's `explain`, with WWW-Authenticate on a 401. */
export function refusalAnswer(
  verdict: Verdict,
  explain: 'safe' | 'full' | 'none',
  ids: { attempt: string; request_id: string },
): Answer {
  const problem = buildProblem(verdict.reason!, explain, ids)
  const headers: Header[] = []
  if (verdict.www_authenticate) headers.push(['WWW-Authenticate', verdict.www_authenticate])
  else if (verdict.status === 401) headers.push(['WWW-Authenticate', 'Bearer realm="hookwarden"'])
  // A refusal the sender cannot fix (the JWKS could not be fetched): tell it when to retry.
  if (verdict.status === 503) headers.push(['Retry-After', '30'])
  return problemAnswer(problem, headers)
}

/** Answers the gateway gives that are not about the caller's credentials. */
export interface GatewayProblem {
  type: string
  title: string
  status: number
  reason?: string
  detail?: string
  attempt?: string
  request_id?: string
}

const GATEWAY_PROBLEMS = {
  store_unavailable: [
    503,
    'The gateway cannot record attempts right now',
    'The attempt was not accepted; retry after the time given.',
  ],
  nonce_store_unavailable: [
    503,
    'The gateway cannot check for replays right now',
    'The attempt was not accepted; retry after the time given.',
  ],
  upstream_unavailable: [
    502,
    'The upstream did not answer',
    'The attempt was verified and recorded, but the upstream could not be reached.',
  ],
  upstream_timeout: [
    504,
    'The upstream did not answer in time',
    'The attempt was verified and recorded, but the upstream was too slow.',
  ],
  upstream_answer_unusable: [
    502,
    "The upstream's answer could not be relayed",
    'The attempt was verified, recorded and forwarded; the upstream began an answer that could not be relayed.',
  ],
  shutting_down: [
    503,
    'The gateway is shutting down',
    'The attempt was not accepted; retry after the time given.',
  ],
  gateway_busy: [
    503,
    'The gateway is busy',
    'The attempt was not accepted; retry after the time given.',
  ],
  internal_error: [
    500,
    'The gateway failed',
    'This is a bug in the gateway; the attempt was not accepted.',
  ],
  bad_request: [400, 'The request could not be read', 'Send a well-formed HTTP request.'],
  unauthorized: [
    401,
    'The admin token is missing or wrong',
    'Send "Authorization: Bearer <admin token>".',
  ],
  not_found: [404, 'Not found', 'Check the URL.'],
  conflict: [409, 'The action is not possible', ''],
} as const

export type GatewayProblemName = keyof typeof GATEWAY_PROBLEMS

export function gatewayProblem(
  name: GatewayProblemName,
  extra: { detail?: string; attempt?: string; request_id?: string } = {},
): GatewayProblem {
  const [status, title, hint] = GATEWAY_PROBLEMS[name]
  const p: GatewayProblem = {
    type: `https://hookwarden.dev/problems/${name}`,
    title,
    status,
    reason: name,
  }
  const detail = extra.detail ?? hint
  if (detail) p.detail = detail
  if (extra.attempt) p.attempt = extra.attempt
  if (extra.request_id) p.request_id = extra.request_id
  return p
}

/** A problem+json for a reason-table code the gateway decides itself (413, 429, 404). */
export function reasonAnswer(
  reason:
    | 'payload_too_large'
    | 'rate_limited'
    | 'route_not_found'
    | 'method_not_allowed'
    | 'request_incomplete',
  ids: { attempt?: string; request_id: string; detail?: string },
  headers: Header[] = [],
): Answer {
  const { detail, ...rest } = ids
  const problem = buildProblem(reason, 'full', rest)
  return problemAnswer(detail ? { ...problem, detail } : problem, headers)
}
