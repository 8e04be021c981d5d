/** The attempt as the dashboard reads it from /api/attempts, and how it is put in words. @module */
import type { Check, Diagnosis } from './client.js'

export interface Attempt {
  id: string
  received_at: number
  endpoint: string | null
  method: string
  path: string
  outcome: string
  status: number
  reason: string | null
  cause?: { summary: string; fix: string; code: string } | null
  headers?: [string, string][]
  checks?: Check[]
  diagnosis?: Diagnosis | null
  forward_status?: number | null
  forward_error?: string | null
  body_base64?: string | null
}

/** A stored body shown as text (lossy for binary; never interpreted as HTML). */
export function bodyText(b64: string): string {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes)
}

export const words = (a: Attempt) =>
  a.cause?.summary || (a.reason ? a.reason.replaceAll('_', ' ') : a.outcome === 'accepted' ? 'verified' : '')
export const when = (ms: number) => new Date(ms).toLocaleString()

