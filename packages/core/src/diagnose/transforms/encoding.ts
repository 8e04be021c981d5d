/**
 * How the received signature may have been written: hex, base64 or base64url (with or without
 * padding), with or without the expected prefix, and which hash made it (a decoded length of
 * 20, 32 or 64 bytes is sha1, sha256 or sha512). Decoding each received signature every way
 * once turns the encoding and algorithm dimensions of the search into a lookup.
 * @module
 */
import type { HmacAlgorithm, HmacPolicy } from '../../config/types.js'
import type { Encoding } from '../../crypto/encoding.js'
import { parseSignatureHeader } from '../../schemes/signature-header.js'
import { headerFix, plainFix } from '../wording.js'
import { type Step, step } from './types.js'

export const ALGORITHM_BY_LENGTH: Record<number, HmacAlgorithm> = {
  20: 'sha1',
  32: 'sha256',
  64: 'sha512',
}

/** One way to read one received signature: its bytes and the steps that reading implies. */
export interface SignatureTarget {
  bytes: Buffer
  algorithm: HmacAlgorithm
  encoding: Encoding
  steps: Step[]
}

export interface ReadSignatures {
  targets: SignatureTarget[]
  /** The timestamp from inside the header (`t=` pairs), as sent. */
  timestamp?: string
  /** Every `t=` in order when the header holds several (headers joined by a proxy). */
  timestamps?: string[]
  /** Why the header does not parse as configured (then targets come from a looser reading). */
  parseError?: string
}

const ENCODINGS: Encoding[] = ['hex', 'base64', 'base64url']
/** A digest labelled with its algorithm, as GitHub and Meta write it: `sha1=`, `sha256=`. */
const ALGORITHM_LABEL = /^sha(?:1|256|512)=/

function lenientDecode(text: string, encoding: Encoding): Buffer | null {
  switch (encoding) {
    case 'hex':
      return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : null
    case 'base64':
      return /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : null
    case 'base64url':
      return /^[A-Za-z0-9_-]+={0,2}$/.test(text)
        ? Buffer.from(text.replace(/=+$/, ''), 'base64url')
        : null
  }
}

function encodingStep(sent: Encoding, expected: Encoding, policy: HmacPolicy): Step {
  return step(
    'signature_wrong_encoding',
    `The signature is written in ${sent}, but this endpoint expects ${expected} (the bytes are right, only their encoding differs).`,
    {
      code: `Encode the HMAC digest as ${expected} (e.g. digest('${expected}')), not ${sent}.`,
      make: `In Make, hash with the ${expected === 'hex' ? 'hex' : 'base64'} output: sha256(text; "${expected === 'base64url' ? 'base64' : expected}"; key) — and put the result in the ${policy.header} header.`,
      n8n: `In the Crypto node, set Encoding to ${expected === 'hex' ? 'HEX' : 'BASE64'} for the HMAC.`,
    },
    [`the received signature decodes as ${sent} to a digest of the right length`],
  )
}

export function algorithmStep(sent: HmacAlgorithm, policy: HmacPolicy): Step {
  return step(
    'signature_wrong_algorithm',
    `The signature was made with HMAC-${sent.toUpperCase()}, but this endpoint expects HMAC-${policy.algorithm.toUpperCase()}.`,
    {
      code: `Use HMAC-${policy.algorithm.toUpperCase()} (createHmac('${policy.algorithm}', secret)), not ${sent}.`,
      make: `In Make, use the ${policy.algorithm} function (e.g. ${policy.algorithm}(text; "hex"; key)), not ${sent}.`,
      n8n: `In the Crypto node, set Type to ${policy.algorithm.toUpperCase()}, not ${sent.toUpperCase()}.`,
    },
    [`the signature is ${sent === 'sha1' ? 20 : sent === 'sha256' ? 32 : 64} bytes long: ${sent}`],
  )
}

/**
 * The signature header's value as a sender writes it, placeholders for what varies:
 * `sha256=<hex>`, `v1,<base64>`, `t=<timestamp>,v1=<hex>`.
 */
export function signatureShape(policy: HmacPolicy): string {
  const sig = `${policy.prefix ?? ''}<${policy.encoding}>`
  const f = policy.format
  switch (f.kind) {
    case 'single':
      return sig
    case 'list':
      return f.version !== undefined ? `${f.version},${sig}` : sig
    case 'pairs': {
      const v = `${f.signature_key}=${sig}`
      return f.timestamp_key !== undefined
        ? `${f.timestamp_key}=<timestamp>${f.pair_separator}${v}`
        : v
    }
  }
}

function formatStep(policy: HmacPolicy, why: string): Step {
  return step(
    'signature_header_malformed',
    `The ${policy.header} header is not in the expected format: it ${why}.`,
    headerFix(
      policy.header,
      signatureShape(policy),
      'Write the header in the format this endpoint reads:',
    ),
    [`${policy.header} ${why}`],
  )
}

/** Every reading of the received signature header, the configured one first. */
export function readSignatures(value: string, policy: HmacPolicy): ReadSignatures {
  const parsed = parseSignatureHeader(value, policy.format, policy.prefix)
  let texts: string[]
  let headerSteps: Step[] = []
  let timestamp: string | undefined
  let timestamps: string[] | undefined
  let parseError: string | undefined
  if (!('error' in parsed)) {
    texts = parsed.signatures
    timestamp = parsed.timestamp
    timestamps = parsed.timestamps
  } else {
    parseError = parsed.error
    const loose = parseSignatureHeader(value, policy.format, undefined)
    if (!('error' in loose) && policy.prefix) {
      texts = loose.signatures
      timestamp = loose.timestamp
      // `sha1=<hex>` where `sha256=` is expected: another algorithm, labelled as such. The
      // algorithm step says so; relabelling it would not make it verify.
      const other = ALGORITHM_LABEL.test(policy.prefix)
        ? texts.every((t) => ALGORITHM_LABEL.test(t) && !t.startsWith(policy.prefix!))
        : false
      if (other) texts = texts.map((t) => t.replace(ALGORITHM_LABEL, ''))
      else headerSteps = [formatStep(policy, `lacks the "${policy.prefix}" prefix`)]
    } else {
      // Anything that looks like a signature: tokens with any short `x=` / `v1,` label removed.
      texts = value
        .trim()
        .split(/[\s,;]+/)
        .map((t) => t.replace(/^[A-Za-z0-9]{1,8}[=:]/, ''))
        .filter((t) => t.length >= 16)
      headerSteps = [formatStep(policy, parsed.error)]
      // The timestamp beside them (`t=…` written with another separator, or beside no `v1=`):
      // there, so that a malformed header is not also told as a missing timestamp.
      const key = policy.format.kind === 'pairs' ? policy.format.timestamp_key : undefined
      if (key) {
        const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        timestamp = new RegExp(`(?:^|[\\s,;])${k}=(\\d{1,16})(?![^\\s,;])`).exec(value)?.[1]
      }
    }
  }
  const targets: SignatureTarget[] = []
  for (const text of texts.slice(0, 16)) {
    const order = [policy.encoding, ...ENCODINGS.filter((e) => e !== policy.encoding)]
    for (const enc of order) {
      const bytes = lenientDecode(text, enc)
      if (!bytes) continue
      const algorithm = ALGORITHM_BY_LENGTH[bytes.length]
      if (!algorithm) continue
      // The same bytes under two encodings (no +/ or -_ in the text): keep the first reading.
      if (targets.some((t) => t.bytes.equals(bytes))) continue
      const steps = [...headerSteps]
      if (enc !== policy.encoding) steps.push(encodingStep(enc, policy.encoding, policy))
      targets.push({ bytes, algorithm, encoding: enc, steps })
    }
  }
  const out: ReadSignatures = { targets }
  if (timestamp !== undefined) out.timestamp = timestamp
  if (timestamps !== undefined) out.timestamps = timestamps
  if (parseError !== undefined) out.parseError = parseError
  return out
}

/** A header carrying a signature under another name (`X_Signature`, `X-Hub-Signature`). */
export function signatureHeaderNameStep(sent: string, policy: HmacPolicy): Step {
  const underscore = sent.includes('_')
  return step(
    'header_name_wrong',
    `The signature was sent in the ${sent} header, but this endpoint reads ${policy.header}.${underscore ? ' Header names with "_" are dropped by nginx (unless underscores_in_headers on) and Apache.' : ''}`,
    headerFix(policy.header, signatureShape(policy), `Rename the header ${sent}:`),
    [`header ${sent} holds a signature that verifies`],
  )
}

export const noSignatureFix = (policy: HmacPolicy) =>
  plainFix(`Send the ${policy.header} header with the signature.`)
