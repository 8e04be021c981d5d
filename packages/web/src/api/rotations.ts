/** GET /api/rotations (the gateway's rotations/readiness.ts), and what the Overview shows of it. @module */

export interface RotationCredential {
  /** The config's id, or its position (`#2`, `retired #1`); never a value. */
  label: string
  id: string | null
  fingerprint: string
  /** Unix seconds; null: no end. */
  not_after: number | null
  retired: boolean
  expired: boolean
  /** null: hookwarden cannot tell (several credentials without an id). */
  accepted_24h: number | null
  accepted_7d: number | null
  /** Unix ms. */
  last_matched_at: number | null
  refused_24h: number | null
}

export interface RotationEndpoint {
  name: string
  scheme: string
  credentials: RotationCredential[]
  accepted_24h: number
  accepted_7d: number
  accepted_unattributed_24h: number
  revoked_refusals_24h: number
  revoked_refusals_7d: number
  revoked_refusals_by_reason_24h: Record<string, number>
}

export interface RotationWarning {
  code: string
  level: 'error' | 'warn' | 'info'
  endpoint: string
  credential: string | null
  message: string
}

export interface Rotations {
  now: number
  read_at: number
  day_since: number
  week_since: number
  counted_since: number
  endpoints: RotationEndpoint[]
  warnings: RotationWarning[]
}

/** The endpoints worth a table: more than one credential (a rotation is possible, or under way). */
export function rotatingEndpoints(r: Rotations): RotationEndpoint[] {
  return r.endpoints.filter((e) => e.credentials.length > 1)
}

/** Whether the panel has anything to say at all. */
export function rotationsToShow(r: Rotations | null): boolean {
  return r !== null && (r.warnings.length > 0 || rotatingEndpoints(r).length > 0)
}

/** A credential's state in words: `until 1 Dec 2026, 01:00`, `retired`, `expired 28 Nov …`, `no end`. */
export function validityWords(c: RotationCredential): string {
  if (c.retired) return 'retired'
  if (c.not_after === null) return 'no end'
  const at = new Date(c.not_after * 1000).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  })
  return c.expired ? `expired ${at}` : `until ${at}`
}
