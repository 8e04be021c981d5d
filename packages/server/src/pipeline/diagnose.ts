/**
 * The diagnosis stage: core's `diagnose()` when the build has it, else a diagnosis made of the
 * verdict alone (no near-miss causes), so the gateway works either way.
 * @module
 */
import * as core from '@hookwarden/core'
import type { Config, Endpoint, HttpRequest, HttpResponse, Verdict } from '@hookwarden/core'

/** The diagnosis shape of contract §3 (core's `Diagnosis`), as far as the gateway reads it. */
export interface Diagnosis {
  verdict: Verdict | null
  causes: { code: string; confidence: number; summary: string; fix: string; evidence: string[] }[]
  origin: { layer: string; product: string | null; evidence: string[] }
  response: { status: number; class: string } | null
  [more: string]: unknown
}

export interface DiagnoseInput {
  request: HttpRequest
  response?: HttpResponse
  endpoint?: Endpoint
  config?: Config
  /** Unix seconds. */
  now: number
  /** The verdict already computed, when there is one (saves a verification). */
  verdict?: Verdict | null
  /** Near-miss search budget in ms (the search runs on the event loop; keep it short). */
  budgetMs?: number
  /** Who the fix is worded for (`make`, `zapier`, `n8n`, `curl`, `code`); default: guessed. */
  sender?: string
}

type CoreDiagnose = (
  request: HttpRequest,
  options: Record<string, unknown>,
) => Diagnosis | Promise<Diagnosis>

function coreDiagnose(): CoreDiagnose | null {
  const fn = (core as unknown as Record<string, unknown>).diagnose
  return typeof fn === 'function' ? (fn as CoreDiagnose) : null
}

export function hasCoreDiagnose(): boolean {
  return coreDiagnose() !== null
}

export async function runDiagnosis(input: DiagnoseInput): Promise<Diagnosis> {
  const fn = coreDiagnose()
  if (fn) {
    const options: Record<string, unknown> = { now: input.now }
    if (input.response) options.response = input.response
    if (input.endpoint) options.endpoint = input.endpoint
    if (input.config) options.config = input.config
    if (input.budgetMs !== undefined) options.budget = { ms: input.budgetMs }
    if (input.sender !== undefined) options.sender = input.sender
    return await fn(input.request, options)
  }
  let verdict = input.verdict ?? null
  if (!verdict && input.endpoint)
    verdict = await core.verify(input.request, input.endpoint, { now: input.now })
  return {
    verdict,
    causes: [],
    origin: { layer: 'unknown', product: null, evidence: [] },
    response: input.response ? { status: input.response.status, class: 'other' } : null,
  }
}
