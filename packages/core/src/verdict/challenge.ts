/**
 * Builds the `WWW-Authenticate` value of a 401 (RFC 9110 §11.6.1, RFC 6750 §3): the scheme's
 * challenge plus `error=` from the reason table. A request with no credentials at all gets
 * the challenge without an error code (RFC 6750 §3.1).
 * @module
 */
import type { SchemeChallenge } from '../schemes/types.js'
import { REASONS, type ReasonCode } from './reasons.js'

function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`
}

export function buildChallenge(
  challenge: SchemeChallenge,
  reason: ReasonCode | null,
  extra: { scope?: string; description?: string } = {},
): string {
  const params: [string, string][] = Object.entries(challenge.params)
  const spec = reason ? REASONS[reason] : null
  if (spec?.challenge && challenge.scheme === 'Bearer') {
    params.push(['error', spec.challenge])
    if (extra.description) params.push(['error_description', extra.description])
    if (spec.challenge === 'insufficient_scope' && extra.scope) params.push(['scope', extra.scope])
  }
  if (params.length === 0) return challenge.scheme
  return `${challenge.scheme} ${params.map(([k, v]) => `${k}=${quote(v)}`).join(', ')}`
}
