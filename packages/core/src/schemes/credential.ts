/**
 * Shared by the credential schemes (bearer, api_key, basic): match a presented credential
 * against the configured ones in constant time, and name what is wrong with its shape.
 * @module
 */
import type { Credential } from '../config/types.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { ConfigError } from '../errors.js'
import type { ReasonCode } from '../verdict/reasons.js'

export type MatchResult =
  | { kind: 'ok'; credential: Credential }
  | { kind: 'revoked'; credential: Credential; why: 'retired' | 'expired' }
  | { kind: 'unknown' }

/**
 * Compares `presented` with every current and retired credential (each comparison constant
 * time; all of them are made, so timing does not tell which one matched).
 */
export function matchCredential(
  presented: string,
  current: readonly Credential[],
  retired: readonly Credential[],
  now: number,
): MatchResult {
  let result: MatchResult = { kind: 'unknown' }
  for (const c of current) {
    if (safeEqual(presented, c.value) && result.kind === 'unknown') {
      result = isExpired(c, now)
        ? { kind: 'revoked', credential: c, why: 'expired' }
        : { kind: 'ok', credential: c }
    }
  }
  for (const c of retired) {
    if (safeEqual(presented, c.value) && result.kind === 'unknown') {
      result = { kind: 'revoked', credential: c, why: 'retired' }
    }
  }
  return result
}

/**
 * The credential to sign with at `now`: of those valid, the newest, the one valid longest
 * (no `not_after` outlasts any date; the first in the list among equals). During a rotation's
 * overlap that is the new credential, not the old one about to expire.
 */
export function currentCredential<C extends { id?: string; not_after?: number }>(
  list: readonly C[],
  now: number,
  keyId?: string,
): C | undefined {
  if (keyId !== undefined) return list.find((c) => c.id === keyId)
  let best: C | undefined
  for (const c of list) {
    if (isExpired(c, now)) continue
    if (!best || (c.not_after ?? Infinity) > (best.not_after ?? Infinity)) best = c
  }
  return best ?? list[0]
}

/**
 * Whether a credential is past its `not_after` at `now`. The instant itself is past: the
 * overlap window is [added, not_after), so t = not_after−1 passes and t = not_after does not
 * (test matrix T-ROT-2).
 */
export function isExpired<C extends { not_after?: number }>(
  c: C,
  now: number,
): c is C & { not_after: number } {
  return c.not_after !== undefined && now >= c.not_after
}

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0\u202F\u2007\u00AD]/
const INVISIBLE_ALL = /[\u200B-\u200D\u2060\uFEFF\u00A0\u202F\u2007\u00AD]/g

/**
 * What is wrong with the shape of a credential value (independent of whether it is known):
 * whitespace or newlines around it, invisible characters, quotes, percent-encoding.
 * Returns the reason and the value with the defect removed, or null when the shape is fine.
 */
export function credentialShapeDefect(
  value: string,
): { reason: ReasonCode; cleaned: string } | null {
  if (INVISIBLE.test(value))
    return { reason: 'credential_invisible_chars', cleaned: value.replace(INVISIBLE_ALL, '') }
  if (value !== value.trim() || /[\r\n\t]/.test(value))
    return { reason: 'credential_whitespace', cleaned: value.trim().replace(/[\r\n\t]/g, '') }
  if (/^(["']).*\1$/s.test(value) && value.length >= 2)
    return { reason: 'credential_quoted', cleaned: value.slice(1, -1) }
  if (/%[0-9A-Fa-f]{2}/.test(value)) {
    try {
      return { reason: 'credential_url_encoded', cleaned: decodeURIComponent(value) }
    } catch {
      return null
    }
  }
  return null
}

/** The failed check for a credential that matched a retired or expired entry. */
export function revokedDetail(m: Extract<MatchResult, { kind: 'revoked' }>): string {
  const id = m.credential.id ? ` "${m.credential.id}"` : ''
  return m.why === 'retired'
    ? `the credential${id} is in the retired list`
    : `the credential${id} expired at ${new Date((m.credential.not_after ?? 0) * 1000).toISOString()}`
}

/**
 * The error sign() throws when the config holds nothing to sign with: a ConfigError (the CLI
 * prints one line and exits 2), not a bug.
 */
export function noSigner(scheme: string, field: string, keyId?: string): ConfigError {
  return new ConfigError(
    keyId !== undefined
      ? `${scheme}: no entry with id "${keyId}" in ${field} to sign with`
      : `${scheme}: no entry in ${field} to sign with`,
    { field: `auth.${field}` },
  )
}
