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
import { knownLabels, knownSecretValues } from '../known-secrets.js'

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
  return scrubShown(await diagnose(input.request, options), knownSecretValues(), knownLabels())
}

/**
 * The upstream refused (401/403) what this gateway verified and forwarded: the hop that
 * answered is the application behind the gateway, and the cause is on that hop's side — the
 * credential it checks was stripped here, or its own secret is not the gateway's (rotated on
 * one side only). Put first; core's reading of the answer follows it.
 */
export function explainUpstreamRefusal(
  diagnosis: Diagnosis,
  endpoint: Endpoint,
  status: number,
): Diagnosis {
  // Origin and path only: a query of the forward URL may carry a key of the upstream's.
  const upstream = endpoint.forward ? endpoint.forward.replace(/[?#].*$/, '') : 'the upstream'
  const stripped = endpoint.strip_credentials
  const cause = stripped
    ? {
        code: 'credentials_missing' as const,
        confidence: 0.9,
        summary: `The upstream (${upstream}) answered ${status} to a request hookwarden had verified: it checks a credential of its own, and strip_credentials: true removed the credential and signature headers before forwarding.`,
        fix: `Either set strip_credentials: false on endpoint ${endpoint.name}, so that the upstream gets the credential it checks, or switch off the upstream's own check: the gateway verifies in front of it.`,
        evidence: [`upstream answered ${status}`, 'strip_credentials: true'],
      }
    : {
        code: 'credential_unknown' as const,
        confidence: 0.8,
        summary: `The upstream (${upstream}) answered ${status} to a request hookwarden had verified with the same credential: the upstream checks it against a secret or token of its own that is not the gateway's (rotated on one side only, or another environment's).`,
        fix: `Give the upstream the credential configured for endpoint ${endpoint.name} (or the gateway the upstream's): both sides must hold the same secret; after a rotation, update both.`,
        evidence: [
          `upstream answered ${status}`,
          `hookwarden accepted the same request for endpoint ${endpoint.name}`,
        ],
      }
  return {
    ...diagnosis,
    causes: [cause, ...diagnosis.causes.filter((c) => c.code !== cause.code)],
    origin: {
      layer: 'application',
      product: null,
      evidence: [
        `answered ${status} by the upstream behind this gateway (${upstream}); hookwarden verified the request, forwarded it and relayed the answer`,
        ...diagnosis.origin.evidence.filter((e) => !e.startsWith('answered ')),
      ],
    },
  }
}
