/**
 * The diagnosis (contract §3 `diagnose --json`): the verdict, the ranked causes, which hop
 * answered and what class of failure the response is.
 * @module
 */
import type { ReasonCode } from '../verdict/reasons.js'
import type { Verdict } from '../verdict/types.js'

/** Who the fix is worded for: `--sender make|zapier|n8n|curl|code`. */
export type Sender = 'make' | 'zapier' | 'n8n' | 'curl' | 'code'

export interface Cause {
  code: ReasonCode
  /** 0..1; causes are sorted by it, highest first. */
  confidence: number
  /** One sentence. Never a secret: fingerprints only. */
  summary: string
  /** What to change, in the sender's terms. */
  fix: string
  evidence: string[]
}

export type OriginLayer = 'gateway' | 'proxy' | 'application' | 'unknown'

export interface Origin {
  layer: OriginLayer
  /** `cloudflare`, `aws-api-gateway`, `nginx`, `make`, `n8n`, … or null. */
  product: string | null
  evidence: string[]
}

export type ResponseClass =
  | 'success'
  | 'authentication'
  | 'authorization'
  | 'not_found'
  | 'method_not_allowed'
  | 'gone'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'server_error'
  | 'other'

export interface ResponseSummary {
  status: number
  class: ResponseClass
  /** What the class means for the sender, in words. */
  meaning?: string
}

export interface Diagnosis {
  /** The verify object (contract §3), or null without a config. */
  verdict: Verdict | null
  causes: Cause[]
  origin: Origin
  /** null without a response. */
  response: ResponseSummary | null
  /** How many near-miss candidates were tried (for the bench and for honesty). */
  candidates_tried?: number
  /** Set when the search stopped at its budget. */
  budget_exhausted?: boolean
  /**
   * What reading the capture chose for the user (HttpRequest.captureNotes: a HAR's CORS
   * preflight skipped…), credentials fingerprinted. Absent when there is none.
   */
  notes?: string[]
}
