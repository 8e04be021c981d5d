/**
 * Rotation readiness: per endpoint and credential, who still uses what (from the store's
 * counts), and the warnings to act on before a rotation's overlap ends: an expiring credential
 * the senders still use, one with no successor, a retired or expired one still sent, a new one
 * nobody has switched to. `GET /api/rotations` answers this; the Overview shows it.
 * @module
 */
import type { Config, Endpoint } from '@hookwarden/core'
import { ROTATED_OUT_REASONS } from '../storage/types.js'
import { type LabelledCredential, labelledCredentials } from './credentials.js'
import type { CredentialUsage, UsageTotal } from './usage.js'

/** A credential whose `not_after` is closer than this is warned about. */
export const WARN_WITHIN_MS = 7 * 86_400_000
/** Closer than this, the warning is an error. */
export const URGENT_WITHIN_MS = 86_400_000

export interface ApiRotationCredential {
  /** The config's id, or the position in its list (`#2`, `retired #1`); never a value. */
  label: string
  id: string | null
  fingerprint: string
  /** Unix seconds, as in the config and /api/endpoints; null: no end. */
  not_after: number | null
  retired: boolean
  /** Past its `not_after` now: refused as credential_revoked. */
  expired: boolean
  /**
   * Accepted attempts that matched it, and when the newest was received (Unix ms). null when
   * hookwarden cannot tell: the endpoint has several credentials without an id.
   */
  accepted_24h: number | null
  accepted_7d: number | null
  last_matched_at: number | null
  /**
   * Refusals in the last 24 h that used it while retired or expired; null when they cannot be
   * told apart (several retired or expired credentials, none of them named by the record).
   */
  refused_24h: number | null
}

export interface ApiRotationEndpoint {
  name: string
  scheme: string
  credentials: ApiRotationCredential[]
  accepted_24h: number
  accepted_7d: number
  /**
   * Accepted attempts whose credential cannot be named: no id where several have none, or an
   * id the config no longer holds (a credential since removed).
   */
  accepted_unattributed_24h: number
  /** Refusals with reason credential_revoked or signature_previous_secret (a rotated-out credential). */
  revoked_refusals_24h: number
  revoked_refusals_7d: number
  revoked_refusals_by_reason_24h: Record<string, number>
}

export type RotationWarningCode =
  | 'credential_expiring_in_use'
  | 'credential_expiring_use_unknown'
  | 'credential_without_successor'
  | 'rotated_out_credential_used'
  | 'new_credential_unused'
  | 'credentials_without_id'

export interface ApiRotationWarning {
  code: RotationWarningCode
  level: 'error' | 'warn' | 'info'
  endpoint: string
  /** The credential's label, when the warning is about one. */
  credential: string | null
  /** One sentence: what is about to happen, and what to do. */
  message: string
}

export interface ApiRotations {
  /** Unix ms: the gateway's now. */
  now: number
  /** Unix ms when the counts were read from the store (reused for up to 30 s). */
  read_at: number
  /** Unix ms: start of the "24 h" and "7 d" windows (rounded down to 5 minutes). */
  day_since: number
  week_since: number
  /** Unix ms: counted from here on (later than week_since only when the week held too many attempts to read at once). */
  counted_since: number
  endpoints: ApiRotationEndpoint[]
  warnings: ApiRotationWarning[]
}

const LEVEL_ORDER = { error: 0, warn: 1, info: 2 } as const

export function rotationReadiness(
  config: Config,
  usage: CredentialUsage,
  now: number,
  only?: string,
): ApiRotations {
  const byEndpoint = new Map<string, UsageTotal[]>()
  for (const t of usage.totals) {
    const list = byEndpoint.get(t.endpoint)
    if (list) list.push(t)
    else byEndpoint.set(t.endpoint, [t])
  }
  const endpoints: ApiRotationEndpoint[] = []
  const warnings: ApiRotationWarning[] = []
  for (const endpoint of config.endpoints) {
    if (only !== undefined && endpoint.name !== only) continue
    const view = endpointView(endpoint, byEndpoint.get(endpoint.name) ?? [], now)
    endpoints.push(view.api)
    warnings.push(...endpointWarnings(view, now))
  }
  warnings.sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level])
  return {
    now,
    read_at: usage.read_at,
    day_since: usage.day_since,
    week_since: usage.week_since,
    counted_since: usage.counted_since,
    endpoints,
    warnings,
  }
}

interface CredentialView {
  c: LabelledCredential
  api: ApiRotationCredential
}

interface EndpointView {
  api: ApiRotationEndpoint
  credentials: CredentialView[]
  /** Rotated-out refusals of 24 h that no credential could be given. */
  revokedUnattributed: number
  /** The retired or expired credentials such a refusal may have used. */
  revokedCandidates: CredentialView[]
}

function endpointView(endpoint: Endpoint, totals: UsageTotal[], now: number): EndpointView {
  const credentials: CredentialView[] = labelledCredentials(endpoint).map((c) => ({
    c,
    api: {
      label: c.label,
      id: c.id,
      fingerprint: c.fingerprint,
      not_after: c.not_after,
      retired: c.retired,
      expired: c.not_after !== null && now >= c.not_after * 1000,
      accepted_24h: 0,
      accepted_7d: 0,
      last_matched_at: null,
      refused_24h: 0,
    },
  }))
  const byId = new Map<string, CredentialView>()
  for (const v of credentials) if (v.c.id !== null && !byId.has(v.c.id)) byId.set(v.c.id, v)
  // Without an id, an attempt names no credential: it is this one's when only one has no id.
  // A retired one without an id is never it (a retired credential is refused), but its
  // attempts from before it was retired cannot be told from the others': unknown.
  const unnamed = credentials.filter((v) => v.c.id === null && !v.c.retired)
  const withoutId = unnamed.length === 1 ? unnamed[0] : undefined
  for (const v of credentials)
    if (v.c.id === null && (v.c.retired || unnamed.length > 1)) {
      v.api.accepted_24h = null
      v.api.accepted_7d = null
    }
  const revokedCandidates = credentials.filter((v) => v.api.retired || v.api.expired)
  const onlyCandidate = revokedCandidates.length === 1 ? revokedCandidates[0] : undefined
  if (!onlyCandidate) for (const v of revokedCandidates) v.api.refused_24h = null
  const api: ApiRotationEndpoint = {
    name: endpoint.name,
    scheme: endpoint.auth.scheme,
    credentials: credentials.map((v) => v.api),
    accepted_24h: 0,
    accepted_7d: 0,
    accepted_unattributed_24h: 0,
    revoked_refusals_24h: 0,
    revoked_refusals_7d: 0,
    revoked_refusals_by_reason_24h: {},
  }
  let revokedUnattributed = 0
  for (const t of totals) {
    const named = t.key_id === null ? undefined : byId.get(t.key_id)
    if (t.outcome === 'accepted') {
      api.accepted_24h += t.day
      api.accepted_7d += t.week
      const v = t.key_id === null ? withoutId : named
      if (!v) {
        api.accepted_unattributed_24h += t.day
        continue
      }
      v.api.accepted_24h = (v.api.accepted_24h ?? 0) + t.day
      v.api.accepted_7d = (v.api.accepted_7d ?? 0) + t.week
      if (v.api.last_matched_at === null || t.last_at > v.api.last_matched_at)
        v.api.last_matched_at = t.last_at
      continue
    }
    if (t.reason === null || !(ROTATED_OUT_REASONS as readonly string[]).includes(t.reason))
      continue
    api.revoked_refusals_24h += t.day
    api.revoked_refusals_7d += t.week
    if (t.day > 0)
      api.revoked_refusals_by_reason_24h[t.reason] =
        (api.revoked_refusals_by_reason_24h[t.reason] ?? 0) + t.day
    // The record names the credential when the scheme said which one matched; else it is the
    // endpoint's one retired or expired credential, when it has only one.
    const v = named ?? onlyCandidate
    if (v) v.api.refused_24h = (v.api.refused_24h ?? 0) + t.day
    else revokedUnattributed += t.day
  }
  return { api, credentials, revokedUnattributed, revokedCandidates }
}

function endpointWarnings(view: EndpointView, now: number): ApiRotationWarning[] {
  const out: ApiRotationWarning[] = []
  const name = view.api.name
  const warn = (
    code: RotationWarningCode,
    level: ApiRotationWarning['level'],
    credential: string | null,
    message: string,
  ) => out.push({ code, level, endpoint: name, credential, message })
  const valid = view.credentials.filter((v) => !v.api.retired && !v.api.expired)
  const lead = `endpoint ${name}:`

  for (const v of valid) {
    if (v.api.not_after === null) continue
    const endsAt = v.api.not_after * 1000
    const left = endsAt - now
    if (left > WARN_WITHIN_MS) continue
    const level = left <= URGENT_WITHIN_MS ? 'error' : 'warn'
    const stops = `credential ${v.c.label} stops being accepted in ${spanWords(left)} (${utcWords(endsAt)})`
    const successors = valid.filter(
      (o) => o !== v && (o.api.not_after === null || o.api.not_after > (v.api.not_after ?? 0)),
    )
    if (successors.length === 0) {
      warn(
        'credential_without_successor',
        'error',
        v.c.label,
        `${lead} ${stops} and no other credential outlasts it: add the new credential beside it now (an overlap), or every attempt will be refused from then on`,
      )
      continue
    }
    const { accepted_24h: day, accepted_7d: week } = v.api
    if (day === null || week === null) {
      warn(
        'credential_expiring_use_unknown',
        level,
        v.c.label,
        `${lead} ${stops}, and hookwarden cannot tell whether the senders still use it (several credentials have no id): check the senders before then`,
      )
    } else if (day > 0) {
      warn(
        'credential_expiring_in_use',
        level,
        v.c.label,
        `${lead} ${stops} and ${day} of the last ${view.api.accepted_24h} accepted attempts (24 h) still used it: update the sender before then`,
      )
    } else if (week > 0) {
      warn(
        'credential_expiring_in_use',
        level,
        v.c.label,
        `${lead} ${stops} and ${times(week)} of the last 7 days still used it (none in the last 24 h): update the sender before then`,
      )
    }
  }

  for (const v of view.credentials) {
    const sent = v.api.refused_24h
    if (!sent || !(v.api.retired || v.api.expired)) continue
    const refused = `refused as ${reasonsWords(view.api.revoked_refusals_by_reason_24h)}`
    warn(
      'rotated_out_credential_used',
      'error',
      v.c.label,
      v.api.retired
        ? `${lead} credential ${v.c.label} is retired but was sent ${times(sent)} in the last 24 h (${refused}): update the sender to the current credential`
        : `${lead} credential ${v.c.label} stopped being accepted ${spanWords(now - (v.api.not_after ?? 0) * 1000)} ago (${utcWords((v.api.not_after ?? 0) * 1000)}) but was sent ${times(sent)} in the last 24 h (${refused}): update the sender to the current credential`,
    )
  }
  if (view.revokedUnattributed > 0) {
    const which =
      view.revokedCandidates.length > 1
        ? ` (one of ${view.revokedCandidates.map((v) => v.c.label).join(', ')})`
        : ''
    warn(
      'rotated_out_credential_used',
      'error',
      null,
      `${lead} a retired or expired credential${which} was sent ${times(view.revokedUnattributed)} in the last 24 h (refused as ${reasonsWords(view.api.revoked_refusals_by_reason_24h)}): update the sender to the current credential`,
    )
  }

  // A rotation under way: a valid credential with an end, and one that outlasts it.
  for (const old of valid) {
    if (old.api.not_after === null) continue
    const oldEnd = old.api.not_after
    for (const v of valid) {
      if (v === old || (v.api.not_after !== null && v.api.not_after <= oldEnd)) continue
      if (v.api.accepted_7d !== 0) continue
      // Said once per new credential, against the first credential it replaces.
      if (out.some((w) => w.code === 'new_credential_unused' && w.credential === v.c.label))
        continue
      const endsAt = oldEnd * 1000
      warn(
        'new_credential_unused',
        endsAt - now <= WARN_WITHIN_MS ? 'warn' : 'info',
        v.c.label,
        `${lead} the new credential ${v.c.label} has not been used yet (no accepted attempt of the last 7 days matched it): switch the senders to it before ${old.c.label} stops being accepted in ${spanWords(endsAt - now)} (${utcWords(endsAt)})`,
      )
    }
  }

  const unnamed = valid.filter((v) => v.c.id === null)
  const rotating = view.credentials.some((v) => v.api.retired || v.api.not_after !== null)
  if (unnamed.length > 1 && rotating)
    warn(
      'credentials_without_id',
      'info',
      null,
      `${lead} ${unnamed.length} credentials have no id, so hookwarden cannot tell which one an attempt used: give each an id in the config (\`{ value: …, id: "2026-11" }\`) to see who still sends the old one`,
    )
  return out
}

/** `14 times`, `once`. */
function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`
}

/** `2 days`, `5 h`, `12 min`: rounded down, as a deadline is read. */
export function spanWords(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h`
  return `${Math.floor(hours / 24)} days`
}

/** `2026-12-01 00:00 UTC`. */
export function utcWords(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** `credential_revoked`, or `credential_revoked / signature_previous_secret`. */
function reasonsWords(byReason: Record<string, number>): string {
  const codes = Object.keys(byReason)
  return codes.length > 0 ? codes.join(' / ') : 'credential_revoked'
}
