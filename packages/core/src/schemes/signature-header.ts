/**
 * Reads and writes a signature header by its format: `single` (`sha256=<hex>`), `list`
 * (`v1,AAA v1,BBB`, other versions such as `v1a` ignored) or `pairs` (`t=123,v1=abc,v1=def`).
 * Parsing only splits text; decoding and comparing are the scheme's.
 * @module
 */
import type { SignatureFormat } from '../config/types.js'

/** More signatures than this in one header is refused as malformed (each costs a compare). */
export const MAX_SIGNATURES = 16
/** A longer signature header is refused before it is split. */
export const MAX_HEADER_LENGTH = 8192

export interface ParsedSignatures {
  /** The signature texts, prefix and version removed, in header order. */
  signatures: string[]
  /** The timestamp carried inside the header (`pairs` with `timestamp_key`), as sent. */
  timestamp?: string
  /**
   * Every timestamp, in order, when the header holds it more than once: two headers a proxy
   * joined with a comma. `timestamp` is the first one read, or with `last_timestamp` the last
   * (stripe-node); with `exact_keys` one written after a space is listed but not read.
   */
  timestamps?: string[]
}

/** A parse failure: what is wrong, in words (never the signature itself). */
export interface SignatureHeaderError {
  error: string
}

export function parseSignatureHeader(
  value: string,
  format: SignatureFormat,
  prefix: string | undefined,
): ParsedSignatures | SignatureHeaderError {
  if (value.length > MAX_HEADER_LENGTH)
    return { error: `is ${value.length} characters long (at most ${MAX_HEADER_LENGTH})` }
  switch (format.kind) {
    case 'single': {
      const sig = stripPrefix(value.trim(), prefix)
      if (sig === null) return { error: `does not start with "${prefix}"` }
      if (sig === '') return { error: 'holds no signature' }
      return { signatures: [sig] }
    }
    case 'list':
      return parseList(value, format, prefix)
    case 'pairs':
      return parsePairs(value, format, prefix)
  }
}

function stripPrefix(sig: string, prefix: string | undefined): string | null {
  if (!prefix) return sig
  return sig.startsWith(prefix) ? sig.slice(prefix.length) : null
}

function parseList(
  value: string,
  format: Extract<SignatureFormat, { kind: 'list' }>,
  prefix: string | undefined,
): ParsedSignatures | SignatureHeaderError {
  const { separator, version } = format
  const signatures: string[] = []
  let otherVersions: string[] | undefined
  let count = 0
  // A scan with indexOf instead of split/trim/Set: this runs on every request.
  for (let start = 0; start <= value.length; ) {
    let stop = separator === '' ? -1 : value.indexOf(separator, start)
    if (stop === -1) stop = value.length
    let token = value.slice(start, stop)
    start = stop + Math.max(separator.length, 1)
    if (token.length > 0 && (token.charCodeAt(0) <= 32 || token.charCodeAt(token.length - 1) <= 32))
      token = token.trim()
    if (token === '') continue
    if (++count > MAX_SIGNATURES) return { error: `holds more than ${MAX_SIGNATURES} signatures` }
    let sig = token
    if (version !== undefined) {
      if (!(token.startsWith(version) && token.charCodeAt(version.length) === 44)) {
        // Another scheme's signature (v1a = Ed25519): not ours to check, as in the reference library.
        const comma = token.indexOf(',')
        if (otherVersions === undefined) otherVersions = []
        otherVersions.push(comma === -1 ? '(none)' : token.slice(0, Math.min(comma, 16)))
        continue
      }
      sig = token.slice(version.length + 1)
    }
    if (prefix) {
      if (!sig.startsWith(prefix))
        return { error: `has a signature that does not start with "${prefix}"` }
      sig = sig.slice(prefix.length)
    }
    if (sig === '') return { error: 'has an empty signature' }
    signatures.push(sig)
  }
  if (signatures.length === 0) {
    if (version !== undefined) {
      const found = otherVersions ? ` (found: ${[...new Set(otherVersions)].join(', ')})` : ''
      return { error: `holds no "${version},<signature>" entry${found}` }
    }
    return { error: 'holds no signature' }
  }
  return { signatures }
}

function parsePairs(
  value: string,
  format: Extract<SignatureFormat, { kind: 'pairs' }>,
  prefix: string | undefined,
): ParsedSignatures | SignatureHeaderError {
  const signatures: string[] = []
  let timestamp: string | undefined
  // Every timestamp value, spaced ones included, for the diagnosis of joined headers.
  const timestamps: string[] = []
  // exact_keys: the first pair whose key is ours only once its spaces are trimmed (`, v1=`).
  let spaced: { key: string; written: string } | undefined
  let count = 0
  for (const raw of value.split(format.pair_separator)) {
    const pair = raw.trim()
    if (pair === '') continue
    if (++count > MAX_SIGNATURES + 8)
      return { error: `holds more than ${MAX_SIGNATURES + 8} key=value pairs` }
    const eq = pair.indexOf('=')
    if (eq <= 0) return { error: `has entry ${count}, which is not key=value` }
    const key = pair.slice(0, eq).trim()
    const val = pair.slice(eq + 1).trim()
    // Other keys (Stripe's v0=) are not ours to check.
    if (key !== format.timestamp_key && key !== format.signature_key) continue
    // stripe-node splits on the separator and compares each key as it stands.
    const written = raw.slice(0, raw.indexOf('=') + 1)
    if (format.exact_keys === true && written !== `${key}=`) {
      spaced ??= { key, written }
      if (key === format.timestamp_key) timestamps.push(val)
      continue
    }
    if (key === format.timestamp_key) {
      // Two headers joined by a proxy (`t=1,v1=a,t=2,v1=b`): one timestamp is read, the first
      // or (last_timestamp) the last, and every signature.
      timestamps.push(val)
      if (timestamp === undefined || format.last_timestamp === true) timestamp = val
      continue
    }
    if (signatures.length === MAX_SIGNATURES)
      return { error: `holds more than ${MAX_SIGNATURES} signatures` }
    const stripped = stripPrefix(val, prefix)
    if (stripped === null)
      return { error: `has a ${key}= value that does not start with "${prefix}"` }
    if (stripped === '') return { error: `has an empty ${key}= value` }
    signatures.push(stripped)
  }
  // No signature, or no timestamp but one written after a space: the space is the cause.
  const lacking = signatures.length === 0 || (timestamp === undefined && timestamps.length > 0)
  if (lacking && spaced !== undefined) return { error: spaceError(spaced, format) }
  if (signatures.length === 0) return { error: `holds no ${format.signature_key}= signature` }
  if (timestamp === undefined) return { signatures }
  return timestamps.length > 1 ? { signatures, timestamp, timestamps } : { signatures, timestamp }
}

/**
 * A key of ours written with a space (exact_keys), which left the header without it: what the
 * receiver makes of it, and the header to write instead.
 */
function spaceError(
  spaced: { key: string; written: string },
  format: Extract<SignatureFormat, { kind: 'pairs' }>,
): string {
  const sep = format.pair_separator
  const shape = [format.timestamp_key, format.signature_key]
    .filter((k) => k !== undefined)
    .map((k) => `${k}=…`)
    .join(sep)
  return `has a space in its ${spaced.key}= key (${JSON.stringify(`${sep}${spaced.written}`)}): keys are read as sent, as stripe-node reads them, so ${JSON.stringify(spaced.written.slice(0, -1))} is another key and the header holds no ${spaced.key}= value; write "${shape}" with no space after the ${JSON.stringify(sep)}`
}

/** The header value that carries `signature` (already encoded) in `format`. */
export function formatSignatureHeader(
  signature: string,
  format: SignatureFormat,
  prefix: string | undefined,
  timestamp: string | undefined,
): string {
  const sig = `${prefix ?? ''}${signature}`
  switch (format.kind) {
    case 'single':
      return sig
    case 'list':
      return format.version !== undefined ? `${format.version},${sig}` : sig
    case 'pairs': {
      const parts = [`${format.signature_key}=${sig}`]
      if (format.timestamp_key !== undefined && timestamp !== undefined)
        parts.unshift(`${format.timestamp_key}=${timestamp}`)
      return parts.join(format.pair_separator)
    }
  }
}
