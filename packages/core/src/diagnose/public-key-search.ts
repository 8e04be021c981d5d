/**
 * The near-miss search for public-key signatures (Ed25519, ECDSA, RSA): nobody but the
 * provider holds the private key, so what can be wrong on the receiver's side is the message
 * verified — above all a body changed after signing (CRLF stripped, JSON re-serialized, a
 * newline added). Each body variant is run through the scheme's own verifier, bounded by the
 * search budget; when none verifies, the mismatch is said in public-key terms.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { getHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { getScheme } from '../schemes/index.js'
import type { PublicKeyPolicy } from '../schemes/public-key.js'
import { bodyHints, bodyVariants } from './transforms/body.js'
import { type Budget, type Finding, findings, step } from './transforms/types.js'
import { plainFix } from './wording.js'

const PUBLIC_KEY_SCHEMES = new Set(['ed25519', 'ecdsa', 'rsa'])

/** Body variants at most (each is one signature verification). */
const MAX_VARIANTS = 64

export function isPublicKeyPolicy(auth: { scheme: string }): auth is PublicKeyPolicy {
  return PUBLIC_KEY_SCHEMES.has(auth.scheme)
}

/** The findings for a public-key signature that does not verify as received. */
export async function publicKeyFindings(
  req: HttpRequest,
  endpoint: Endpoint,
  now: number,
  budget: Budget,
): Promise<Finding[]> {
  const auth = endpoint.auth as unknown as { scheme: string }
  if (!isPublicKeyPolicy(auth)) return []
  const policy = auth
  const scheme = getScheme(policy.scheme)
  if (!scheme) return []
  let tried = 0
  for (const variant of bodyVariants(
    req.body,
    { curlDataUrlencode: req.curlDataUrlencode === true },
    budget,
  )) {
    if (tried >= MAX_VARIANTS || !budget.spend()) break
    tried++
    const checks = await scheme.verify({ ...req, body: variant.bytes }, policy, {
      now,
      endpoint,
    })
    if (checks.length > 0 && checks.every((c) => c.ok)) {
      // The provider signs, not the sender the user controls: the fix is on the way in.
      const fix = plainFix(
        `The provider signed the body it sent; a hop between it and this verifier changed it. Verify the signature over the raw request bytes as received (${messageWords(policy)}): find the hop that rewrote the body (a proxy, a framework that parsed it, a capture tool) and have it pass the bytes through unchanged.`,
      )
      return findings([{ ...variant.step, fix }], 0.95)
    }
  }
  const keys = policy.public_keys.map((k) => fingerprint(k.value)).join(', ')
  return findings(
    [
      step(
        'signature_mismatch',
        `The ${policy.scheme} signature does not verify with the configured public key, and no near miss of the body explains it: most likely the key is another account's or application's, or the message was changed in a way not tried.`,
        plainFix(
          `Verify with the provider's public key over the exact bytes received (${messageWords(policy)}), never over a parsed and re-serialized body; and check that the configured public key is the one the provider shows for this account (configured: ${keys}).`,
        ),
        [
          `tried ${tried} body re-serializations with the ${policy.scheme} verifier${budget.exhausted ? ' — the search stopped at its budget' : ''}`,
          ...bodyHints(req.body, getHeader(req.headers, 'content-type')),
        ],
      ),
    ],
    0.55,
  )
}

/** `{timestamp}{body}` as words: `the X-Signature-Timestamp value, then the raw body`. */
function messageWords(policy: PublicKeyPolicy): string {
  const parts: string[] = []
  let at = 0
  for (const m of policy.payload.matchAll(/\{([^{}]+)\}/g)) {
    if (m.index > at) parts.push(JSON.stringify(policy.payload.slice(at, m.index)))
    const name = m[1]!
    parts.push(
      name === 'body'
        ? 'the raw body'
        : name === 'timestamp' && policy.timestamp
          ? `the ${policy.timestamp.header} value`
          : name === 'id' && policy.id
            ? `the ${policy.id.header} value`
            : name.startsWith('header:')
              ? `the ${name.slice(7)} value`
              : name === 'crc32'
                ? 'the CRC32 of the raw body'
                : `the ${name}`,
    )
    at = m.index + m[0].length
  }
  if (at < policy.payload.length) parts.push(JSON.stringify(policy.payload.slice(at)))
  return parts.join(', then ')
}
