/**
 * The problem+json body (RFC 9457) a rejected caller receives. `explain` decides how much it
 * names (contract §5): `safe` names header-construction and time problems and answers every
 * credential-matching failure as `invalid_credentials`; `full` names everything; `none` names
 * nothing.
 * @module
 */
import type { ExplainMode } from '../config/types.js'
import { REASONS, type ReasonCode } from './reasons.js'

export interface ProblemBody {
  type: string
  title: string
  status: number
  reason?: string
  hint?: string
  /** This occurrence in words, where the gateway has more to say than the reason's hint. */
  detail?: string
  attempt?: string
  request_id?: string
}

/** The reason an outside caller is told under `explain`. */
export function publicReason(reason: ReasonCode, explain: ExplainMode): ReasonCode | null {
  if (explain === 'none') return null
  if (explain === 'full') return reason
  return REASONS[reason].explain === 'credential' ? 'invalid_credentials' : reason
}

export function buildProblem(
  reason: ReasonCode,
  explain: ExplainMode,
  ids: { attempt?: string; request_id?: string } = {},
): ProblemBody {
  const shown = publicReason(reason, explain)
  const status = REASONS[reason].status
  const body: ProblemBody = shown
    ? {
        type: `https://hookwarden.dev/reasons/${shown}`,
        title: REASONS[shown].title,
        status,
        reason: shown,
        hint: REASONS[shown].hint,
      }
    : {
        type: 'about:blank',
        title: status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Unauthorized',
        status,
      }
  if (ids.attempt) body.attempt = ids.attempt
  if (ids.request_id) body.request_id = ids.request_id
  return body
}
