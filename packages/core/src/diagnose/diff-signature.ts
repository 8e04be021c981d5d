/**
 * The parts of a signature header for `diff`: the label (`sha256=`, `v1,`, `v1=`), the
 * timestamp some formats carry (`t=` of Stripe-Signature, `ts=` of Paddle-Signature) and the
 * signatures. The label and the timestamp are not secret, so a difference in them can be named
 * (a `t=` in milliseconds) instead of hidden in "the credentials differ in length". The preset
 * that names the header gives its format; other headers are read by their shape.
 * @module
 */
import type { SignatureFormat } from '../config/types.js'
import { decodeStrict, type Encoding } from '../crypto/encoding.js'
import { listProviders } from '../providers/registry.js'

export interface SignatureParts {
  /** What precedes each signature: `sha256=`, `v1,`, `v1=` (pairs), or `` for none. */
  label: string
  /** The timestamp inside the header, with its key (`t`), when the format carries one. */
  timestamp: { key: string; value: string } | null
  signatures: string[]
}

/** A header that holds a signature (not a bearer token or an API key). */
export const SIGNATURE_HEADER = /sig|hmac|signature|^x-trello-webhook$/i

/** Labels a single signature is commonly written after: `sha256=<hex>`, Slack's `v0=<hex>`. */
const SINGLE_LABEL = /^((?:sha(?:1|224|256|384|512)|md5|v\d+)[=,])(.+)$/is
const LIST_ITEM = /^(v\d+[a-z]?),(\S+)$/
/** The key of a `key=value` pair, with the `=` after it. */
const PAIR_KEY = /^\s*([A-Za-z][\w-]{0,15})=/

/**
 * A `key=value` pair, its value without trailing whitespace. The value is cut by trimEnd, not
 * by `(.*?)\s*$`: that pattern retries the rest of a run of spaces from each space in it,
 * seconds of CPU on a 64 KiB header (trimEnd strips the same characters as `\s`).
 */
function pairOf(part: string): [key: string, value: string] | null {
  const m = PAIR_KEY.exec(part)
  return m ? [m[1]!, part.slice(m[0].length).trimEnd()] : null
}

function presetPairs(name: string): Extract<SignatureFormat, { kind: 'pairs' }> | null {
  const n = name.toLowerCase()
  for (const p of listProviders()) {
    const format = p.auth.format as SignatureFormat | undefined
    if (format?.kind === 'pairs' && String(p.auth.header).toLowerCase() === n) return format
  }
  return null
}

/** The parts of a signature header value, or null when it has no shape this knows. */
export function signatureParts(name: string, value: string): SignatureParts | null {
  const v = value.trim()
  if (v === '') return null
  const preset = presetPairs(name)
  const separator = preset?.pair_separator ?? (/^[\w-]+=[^;]*;[\w-]+=/.test(v) ? ';' : ',')
  const pairs = v.split(separator).map(pairOf)
  if (pairs.length >= 2 && pairs.every((p) => p !== null)) {
    const tsKey =
      preset?.timestamp_key ?? pairs.map((p) => p![0]).find((k) => /^(t|ts|timestamp)$/i.test(k))
    const ts = pairs.find((p) => p![0] === tsKey)
    const sigs = pairs.filter((p) => p![0] !== tsKey)
    return {
      label: [...new Set(sigs.map((p) => `${p![0]}=`))].join(separator),
      timestamp: ts && tsKey ? { key: tsKey, value: ts[1] } : null,
      signatures: sigs.map((p) => p![1]),
    }
  }
  const items = v.split(/\s+/).map((t) => LIST_ITEM.exec(t))
  if (items.every((m) => m !== null))
    return {
      label: [...new Set(items.map((m) => `${m![1]},`))].join(' '),
      timestamp: null,
      signatures: items.map((m) => m![2]!),
    }
  const single = SINGLE_LABEL.exec(v)
  if (single) return { label: single[1]!, timestamp: null, signatures: [single[2]!] }
  return { label: '', timestamp: null, signatures: [v] }
}

/** How a signature is written, and the bytes it stands for when it decodes. */
export interface SignatureEncoding {
  name: Encoding | 'unpadded base64' | 'upper-case hex' | 'text'
  bytes: Buffer | null
}

export function signatureEncoding(sig: string): SignatureEncoding {
  if (/^(?:[0-9a-f]{2})+$/.test(sig)) return { name: 'hex', bytes: decodeStrict(sig, 'hex') }
  if (/^(?:[0-9A-F]{2})+$/.test(sig))
    return { name: 'upper-case hex', bytes: decodeStrict(sig, 'hex') }
  const b64 = decodeStrict(sig, 'base64')
  if (b64 && /[+/=]/.test(sig)) return { name: 'base64', bytes: b64 }
  const url = decodeStrict(sig, 'base64url')
  if (url && /[-_]/.test(sig)) return { name: 'base64url', bytes: url }
  if (b64) return { name: 'base64', bytes: b64 }
  // Letters and digits only, length not a multiple of 4: base64 with its `=` dropped (or base64url).
  if (url) return { name: 'unpadded base64', bytes: url }
  return { name: 'text', bytes: null }
}
