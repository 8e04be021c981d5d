/**
 * Pieces the provider schemes share: the timestamp check in any unit (seconds, milliseconds,
 * RFC 3339), failed checks, key labels that never show a key, and CRC-32 (PayPal).
 * @module
 */

import type { Credential } from '../config/types.js'
import { getAllHeaders } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import type { ReasonCode } from '../verdict/reasons.js'
import { isExpired } from './credential.js'
import { checkTimestamp } from './hmac.js'
import type { Check } from './types.js'

export interface ProviderTimestamp {
  header: string
  unit: 'seconds' | 'milliseconds' | 'rfc3339'
  /** Seconds either side of now; 0 = not checked (the provider documents no window). */
  tolerance: number
}

export function fail(name: string, reason: ReasonCode, detail: string): Check {
  return { name, ok: false, reason, detail }
}

export function pass(name: string, detail: string, credential?: Credential): Check {
  const c: Check = { name, ok: true, reason: null, detail }
  if (credential?.id !== undefined) c.key_id = credential.id
  return c
}

/**
 * The one signature header a provider sends: its value, or the failed check when it is absent
 * or was sent more than once (two values cannot be told apart from a joined one).
 */
export function oneSignatureHeader(req: HttpRequest, header: string): string | Check {
  const values = getAllHeaders(req.headers, header)
  if (values.length === 0) return fail('signature', 'signature_missing', `no ${header} header`)
  if (values.length > 1)
    return fail(
      'signature',
      'signature_header_malformed',
      `${header} was sent ${values.length} times`,
    )
  return values[0]!
}

/** `key "2026-11"` or `key #2`: names a credential in details without its value. */
export function label(kind: string, credential: Credential, index: number): string {
  return credential.id !== undefined ? `${kind} "${credential.id}"` : `${kind} #${index + 1}`
}

/** The one rule for every scheme: a credential is refused from its not_after on. */
export const expired = isExpired

/** The timestamp check for the provider schemes (RFC 3339 included). */
export function checkProviderTimestamp(
  raw: string | undefined,
  tp: ProviderTimestamp,
  now: number,
): Check {
  const source = `${tp.header} header`
  if (tp.unit !== 'rfc3339') {
    if (tp.tolerance === 0) {
      return raw === undefined
        ? fail('timestamp', 'timestamp_missing', `no ${source}`)
        : pass('timestamp', 'present (no window documented)')
    }
    return checkTimestamp(
      raw,
      { header: tp.header, unit: tp.unit, tolerance: tp.tolerance },
      now,
      source,
    )
  }
  if (raw === undefined) return fail('timestamp', 'timestamp_missing', `no ${source}`)
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i.test(raw.trim())
    ? Date.parse(raw.trim())
    : Number.NaN
  if (Number.isNaN(ms)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw
    return fail(
      'timestamp',
      'timestamp_malformed',
      `${source} is ${JSON.stringify(shown)}, not an RFC 3339 date-time`,
    )
  }
  if (tp.tolerance === 0) return pass('timestamp', 'present (no window documented)')
  const age = now - ms / 1000
  if (Math.abs(age) <= tp.tolerance) return pass('timestamp', `inside the ${tp.tolerance} s window`)
  const direction = age > 0 ? 'in the past' : 'in the future'
  return fail(
    'timestamp',
    'timestamp_out_of_window',
    `the timestamp is ${Math.round(Math.abs(age))} s ${direction} (tolerance ${tp.tolerance} s)`,
  )
}

/** The timestamp text to sign with at `now`, in the unit. */
export function timestampText(unit: ProviderTimestamp['unit'], now: number): string {
  if (unit === 'seconds') return String(Math.floor(now))
  if (unit === 'milliseconds') return String(Math.floor(now * 1000))
  return new Date(Math.floor(now) * 1000).toISOString().replace('.000Z', 'Z')
}

let table: Uint32Array | undefined

/** CRC-32 (IEEE) of `bytes`, as an unsigned integer. */
export function crc32(bytes: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
