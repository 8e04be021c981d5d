/** Same-origin calls to the gateway API (the admin cookie rides along; never stored here). @module */

export interface Check {
  name: string
  ok: boolean
  reason: string | null
  detail?: string
}
export interface Cause {
  code: string
  confidence: number
  summary: string
  fix: string
  evidence: string[]
}
export interface Diagnosis {
  verdict: { ok: boolean; status: number; reason: string | null; checks: Check[] } | null
  causes: Cause[]
  origin: { layer: string; product: string | null; evidence: string[] }
  response: { status: number; class: string; meaning?: string } | null
  /** How the capture was read (a HAR's CORS preflight skipped…); absent when nothing to say. */
  notes?: string[]
}
export interface Problem {
  title?: string
  detail?: string
  reason?: string
}

/** JSON in, JSON out; a problem+json answer becomes a thrown Error with its words. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  return (await apiAt<T>(path, body)).data
}

/**
 * As api(), with the gateway's clock when it answered: its Date header in Unix ms (whole
 * seconds, so never later than the answer), NaN without one.
 */
export async function apiAt<T>(path: string, body?: unknown): Promise<{ data: T; at: number }> {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const data = (await res.json().catch(() => null)) as unknown
  if (!res.ok) {
    const p = (data ?? {}) as Problem
    throw new Error(p.detail ?? p.title ?? `HTTP ${res.status}`)
  }
  return { data: data as T, at: Date.parse(res.headers.get('date') ?? '') }
}
