/**
 * The diagnosis stage: core's `diagnose()` (near-miss search, origin, response class) with the
 * gateway's bounds — a time budget, since the search runs on the event loop.
 * @module
 */
import {
  type Config,
  type DiagnoseOptions,
  type Diagnosis,
  diagnose,
  type Endpoint,
  type HttpRequest,
  type HttpResponse,
  type Sender,
  scrubShown,
  type Verdict,
} from '@hookwarden/core'
import { knownSecretValues } from '../known-secrets.js'

export type { Diagnosis }

export interface DiagnoseInput {
  request: HttpRequest
  response?: HttpResponse
  endpoint?: Endpoint
  config?: Config
  /** Unix seconds. */
  now: number
  /** The verdict already computed, when there is one (saves core a verification). */
  verdict?: Verdict | null
  /** Near-miss search budget in ms (the search runs on the event loop; keep it short). */
  budgetMs?: number
  /** Who the fix is worded for (`make`, `zapier`, `n8n`, `curl`, `code`); default: guessed. */
  sender?: string
}

export async function runDiagnosis(input: DiagnoseInput): Promise<Diagnosis> {
  const options: DiagnoseOptions = { now: input.now }
  if (input.response) options.response = input.response
  if (input.endpoint) options.endpoint = input.endpoint
  if (input.config) options.config = input.config
  if (input.budgetMs !== undefined) options.budget = { ms: input.budgetMs }
  if (input.sender !== undefined) options.sender = input.sender as Sender
  if (input.verdict && input.endpoint) options.verdict = input.verdict
  // Core fingerprints what it quotes; a credential it quotes as ordinary text (a header it does
  // not know as one) is fingerprinted here, as in the record's headers.
  return scrubShown(await diagnose(input.request, options), knownSecretValues())
}
