/**
 * The verdict: the ordered checks and the HTTP answer a receiver should give.
 * @module
 */
import type { Check } from '../schemes/types.js'
import type { ProblemBody } from './problem.js'
import type { ReasonCode } from './reasons.js'

export interface Verdict {
  ok: boolean
  /** Status to answer: 200 when ok, else the reason's status (400/401/403…). */
  status: number
  /** The first failed check's reason, null when ok. */
  reason: ReasonCode | null
  /** `WWW-Authenticate` for a 401 (and a 403 insufficient_scope), else null. */
  www_authenticate: string | null
  endpoint: string | null
  /** The id of the credential that matched, when it has one. */
  key_id: string | null
  checks: Check[]
  /** The problem+json body under the endpoint's `explain` (null when ok). */
  problem: ProblemBody | null
}
