/**
 * The near miss behind a 404: a path that is no endpoint's (nor its contract check's,
 * /health/auth/<name>), but differs from one only in the ways webhook URLs go wrong when
 * pasted into a sender (a trailing slash, a doubled slash, percent-encoding, a prefix that a
 * proxy in front did not strip, letter case). The 404 then says which endpoint was meant and
 * what to change in the URL, instead of "check the URL"; diagnose says the same offline.
 *
 * What it may reveal: only a path the caller already all but sent. Never for an endpoint with
 * `explain: none`; letter case only under `explain: full`, because a path can carry a secret
 * (a token in the URL) and its case is part of that secret.
 * @module
 */
import type { Endpoint } from './types.js'

export interface NearRoute {
  endpoint: Endpoint
  /** Which of the endpoint's paths was meant: its own, or its contract check's. */
  kind: 'endpoint' | 'health'
  /** What was meant and the fix, e.g. `endpoint "orders" is at /hooks/orders: remove …`. */
  hint: string
  /** One sentence for a 404's `detail`: what was received, then the hint. */
  detail: string
}

/** Longest received path quoted back in a detail (the rest is cut with an ellipsis). */
const QUOTE_MAX = 200

/** The endpoint `path` was probably meant for, or null. `path` is raw, without the query. */
export function nearRoute(path: string, endpoints: readonly Endpoint[]): NearRoute | null {
  // Each endpoint's own path, and the path of its contract check (/health/auth/<name>).
  const candidates = endpoints
    .filter((e) => e.explain !== 'none')
    .flatMap((endpoint) => [
      ...(endpoint.path !== undefined
        ? [
            {
              endpoint,
              kind: 'endpoint' as const,
              at: endpoint.path,
              what: `endpoint "${endpoint.name}" is at`,
            },
          ]
        : []),
      {
        endpoint,
        kind: 'health' as const,
        at: `/health/auth/${endpoint.name}`,
        what: `the contract check of endpoint "${endpoint.name}" is at`,
      },
    ])
  if (candidates.length === 0) return null
  const squeezed = path.replace(/\/{2,}/g, '/')
  const trimmed = squeezed.length > 1 ? squeezed.replace(/\/+$/, '') : squeezed
  const decoded = decodedOrNull(path)
  const found = (c: (typeof candidates)[number], fix: string): NearRoute => {
    const hint = `${c.what} ${c.at}: ${fix}`
    return {
      endpoint: c.endpoint,
      kind: c.kind,
      hint,
      detail: `No endpoint at ${quote(path)}; ${hint}.`,
    }
  }
  for (const c of candidates) {
    const { at } = c
    if (path === at) return null
    if (trimmed === at)
      return found(
        c,
        squeezed !== path
          ? trimmed !== squeezed
            ? 'remove the doubled and the trailing slashes from the webhook URL'
            : 'remove the doubled slash from the webhook URL'
          : 'remove the trailing slash from the webhook URL',
      )
    if (decoded === at)
      return found(
        c,
        'the webhook URL percent-encodes characters of the path; send them as written',
      )
    if (path.length > at.length && path.endsWith(at) && at.startsWith('/')) {
      const prefix = path.slice(0, path.length - at.length)
      return found(
        c,
        `the URL carries the extra prefix ${quote(prefix)}. A proxy in front that forwards it should strip it; otherwise remove it from the webhook URL`,
      )
    }
  }
  for (const c of candidates) {
    if (c.endpoint.explain === 'full' && path.toLowerCase() === c.at.toLowerCase())
      return found(c, 'paths are case-sensitive; use its letter case in the webhook URL')
  }
  return null
}

function decodedOrNull(path: string): string | null {
  if (!path.includes('%')) return null
  try {
    return decodeURIComponent(path)
  } catch {
    return null
  }
}

function quote(text: string): string {
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text
}
