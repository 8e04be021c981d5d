/**
 * Which credential was used: the key variants a signature may have been made with (the
 * configured secret with a stray newline, a `whsec_` secret used undecoded or decoded when it
 * should not be, a retired or expired secret, another endpoint's secret), and the same
 * question for tokens and keys (another environment or tenant, cut short).
 * @module
 */

import type {
  AuthPolicy,
  Credential,
  Endpoint,
  HmacPolicy,
  SecretEncoding,
} from '../../config/types.js'
import { decodeStrict } from '../../crypto/encoding.js'
import { decodeSecret } from '../../crypto/hmac-key.js'
import { safeEqual } from '../../crypto/safe-equal.js'
import { fingerprint } from '../../redact/fingerprint.js'
import { isExpired } from '../../schemes/credential.js'
import { plainFix } from '../wording.js'
import { type Step, step } from './types.js'

/** One key to try, with the steps that separate it from the configured one. */
export interface KeyVariant {
  key: Buffer
  steps: Step[]
  /** A configured, current secret used as configured. */
  identity: boolean
  /** Which credential it came from, by fingerprint or id (never the value). */
  label: string
}

function label(c: Credential, i: number): string {
  return c.id !== undefined ? `secret "${c.id}"` : `secret #${i + 1}`
}

/** The step for a credential that is valid on another endpoint of the same config. */
export function otherEndpointStep(self: Endpoint, other: Endpoint, what: string): Step {
  const evidence = [
    `it matches endpoint ${other.name}${other.environment ? ` (environment ${other.environment})` : ''}${other.tenant ? ` (tenant ${other.tenant})` : ''}`,
  ]
  if (other.environment !== undefined && other.environment !== self.environment) {
    return step(
      'credential_wrong_environment',
      `The ${what} belongs to the ${other.environment} environment (endpoint ${other.name}), not to ${self.environment ?? 'this endpoint'}${self.environment ? ` (endpoint ${self.name})` : ''}.`,
      plainFix(
        `Use the ${what} of ${self.environment ?? `endpoint ${self.name}`}: each environment has its own; the one sent is ${other.environment}'s.`,
      ),
      evidence,
    )
  }
  if (other.tenant !== undefined && other.tenant !== self.tenant) {
    return step(
      'credential_wrong_tenant',
      `The ${what} belongs to tenant ${other.tenant} (endpoint ${other.name}), not to ${self.tenant ?? 'this endpoint'}${self.tenant ? ` (endpoint ${self.name})` : ''}.`,
      plainFix(
        `Use tenant ${self.tenant ?? self.name}'s ${what}; the one sent is ${other.tenant}'s.`,
      ),
      evidence,
    )
  }
  return step(
    'credential_unknown',
    `The ${what} belongs to endpoint ${other.name}, not to ${self.name}.`,
    plainFix(`Use the ${what} configured for endpoint ${self.name}.`),
    evidence,
  )
}

/** The other endpoints of the config with the same scheme (the places a wrong credential comes from). */
export function siblings(all: readonly Endpoint[] | undefined, self: Endpoint): Endpoint[] {
  return (all ?? []).filter(
    (e) => e !== self && e.name !== self.name && e.auth.scheme === self.auth.scheme,
  )
}

/** `policy` with its credential lists taken from `other` (same scheme), everything else kept. */
export function withCredentialsOf(policy: AuthPolicy, other: AuthPolicy): AuthPolicy | null {
  if (policy.scheme !== other.scheme) return null
  switch (policy.scheme) {
    case 'bearer':
      return {
        ...policy,
        tokens: [...(other as typeof policy).tokens, ...(other as typeof policy).retired],
        retired: [],
      }
    case 'api_key':
      return {
        ...policy,
        keys: [...(other as typeof policy).keys, ...(other as typeof policy).retired],
        retired: [],
      }
    case 'basic':
      return {
        ...policy,
        users: [...(other as typeof policy).users, ...(other as typeof policy).retired],
        retired: [],
      }
    case 'jwt': {
      const o = other as typeof policy
      const p: typeof policy = { ...policy, secrets: [...o.secrets, ...o.retired], retired: [] }
      if (o.jwks) p.jwks = o.jwks
      return p
    }
    default: {
      // Signature schemes and presets that keep their keys in `secrets` (hmac,
      // standard_webhooks, providers): the other endpoint's secrets, everything else kept.
      const mine = policy as unknown as { secrets?: unknown; retired?: unknown }
      const theirs = other as unknown as { secrets?: unknown[]; retired?: unknown[] }
      if (!Array.isArray(mine.secrets) || !Array.isArray(theirs.secrets)) return null
      return {
        ...policy,
        secrets: [...theirs.secrets, ...(theirs.retired ?? [])],
        retired: [],
      } as AuthPolicy
    }
  }
}

/** `presented` is the start of a configured credential (copied short): the step, else null. */
export function truncationStep(presented: string, credentials: readonly Credential[]): Step | null {
  if (presented.length < 4) return null
  for (const c of credentials) {
    if (
      c.value.length > presented.length &&
      safeEqual(c.value.slice(0, presented.length), presented)
    ) {
      return step(
        'credential_truncated',
        `The credential sent is the first ${[...presented].length} of the ${[...c.value].length} characters of a configured one: it was cut short when copied.`,
        plainFix(
          'Copy the whole credential again (check the field did not cut it at a length limit or a line break).',
        ),
        [
          `sent ${fingerprint(presented)}; configured ${fingerprint(c.value)}${c.id ? ` ("${c.id}")` : ''}`,
        ],
      )
    }
  }
  return null
}

function lenientBase64(text: string): Buffer | null {
  return /^[A-Za-z0-9+/_-]+=*$/.test(text) ? Buffer.from(text, 'base64') : null
}

const ENC_WORDS: Record<SecretEncoding, string> = {
  utf8: 'as is (its text as UTF-8 bytes)',
  base64: 'base64-decoded',
  hex: 'hex-decoded',
  whsec: 'base64-decoded after whsec_',
}

/** Every key a sender plausibly signed with, identity first. */
export function keyVariants(
  policy: HmacPolicy,
  now: number,
  self: Endpoint | undefined,
  others: readonly { endpoint: Endpoint; policy: HmacPolicy }[],
): KeyVariant[] {
  const out: KeyVariant[] = []
  const seen: Buffer[] = []
  const push = (key: Buffer | null, steps: Step[], identity: boolean, lbl: string) => {
    if (!key || key.length === 0) return
    if (seen.some((k) => k.equals(key))) return
    seen.push(key)
    out.push({ key, steps, identity, label: lbl })
  }
  const enc = policy.secret_encoding
  const current = policy.secrets.filter((c) => !isExpired(c, now))
  current.forEach((c, i) => {
    push(decodeSecret(c.value, enc), [], true, label(c, i))
  })

  policy.secrets.forEach((c, i) => {
    if (isExpired(c, now)) {
      push(
        decodeSecret(c.value, enc),
        [
          step(
            'credential_revoked',
            `The signature was made with ${label(c, i)}, which expired at ${new Date(c.not_after * 1000).toISOString()} (the end of its rotation window).`,
            plainFix('Sign with the current secret: the rotation window of the old one is over.'),
            [`matches ${label(c, i)} (${fingerprint(c.value)})`],
          ),
        ],
        false,
        label(c, i),
      )
    }
  })
  policy.retired.forEach((c, i) => {
    push(
      decodeSecret(c.value, enc),
      [
        step(
          'signature_previous_secret',
          `The signature was made with a retired secret (${c.id !== undefined ? `"${c.id}"` : `retired #${i + 1}`}): the sender still has the old one.`,
          plainFix('Update the signing secret on the sender to the current one (it was rotated).'),
          [`matches retired ${label(c, i)} (${fingerprint(c.value)})`],
        ),
      ],
      false,
      `retired ${label(c, i)}`,
    )
  })

  policy.secrets.forEach((c, i) => {
    const v = c.value
    const ev = [`configured ${label(c, i)} is ${fingerprint(v)}, used ${ENC_WORDS[enc]}`]
    // The secret's encoding: whsec_ used undecoded, or decoded where it is taken as is.
    const alt: [Buffer | null, string, string?][] = []
    if (enc === 'whsec') {
      alt.push([
        Buffer.from(v, 'utf8'),
        'The sender used the whole whsec_… secret as the HMAC key, without base64-decoding it.',
      ])
      if (v.startsWith('whsec_'))
        alt.push([
          Buffer.from(v.slice(6), 'utf8'),
          'The sender used the text after whsec_ as the HMAC key, without base64-decoding it.',
        ])
      // Buffer.from('whsec_…', 'base64') decodes leniently: "whsec_" turns into key bytes too.
      alt.push([
        lenientBase64(v.startsWith('whsec_') ? v : `whsec_${v}`),
        'The sender base64-decoded the whole secret, whsec_ prefix included, instead of what follows whsec_.',
      ])
    } else if (enc === 'utf8') {
      // Senders decode leniently (Buffer.from(…, 'base64') skips what is not base64), so do we here.
      if (v.startsWith('whsec_')) {
        alt.push([
          lenientBase64(v.slice(6)),
          'The sender base64-decoded the whsec_ secret, but this endpoint uses the whole string as the key (as Stripe does).',
        ])
        alt.push([
          Buffer.from(v.slice(6), 'utf8'),
          'The sender used the secret without its whsec_ prefix, but this endpoint uses the whole string, whsec_ included, as the key (as Stripe does).',
          'Use the whole secret, whsec_ prefix included, as the HMAC key (its text as UTF-8 bytes).',
        ])
      }
      alt.push([
        decodeStrict(v, 'base64') ?? lenientBase64(v),
        'The sender base64-decoded the secret, but this endpoint uses its text as the key.',
      ])
      alt.push([
        decodeStrict(v, 'hex'),
        'The sender hex-decoded the secret, but this endpoint uses its text as the key.',
      ])
    } else {
      alt.push([
        Buffer.from(v, 'utf8'),
        `The sender used the secret's text as the key, but this endpoint ${ENC_WORDS[enc]} it first.`,
      ])
    }
    for (const [key, summary, fix] of alt) {
      push(
        key,
        [
          step(
            'signature_secret_encoding',
            summary,
            plainFix(
              fix ??
                (enc === 'whsec'
                  ? 'Base64-decode what follows whsec_ and use those bytes as the HMAC key (the standardwebhooks/svix libraries do this for you).'
                  : 'Use the secret exactly as configured as the HMAC key; do not decode it.'),
            ),
            ev,
          ),
        ],
        false,
        label(c, i),
      )
    }
    // Whitespace around the secret (a newline from a file or an env var).
    {
      const base = enc === 'whsec' ? null : v
      const spaced: [string, string][] =
        base === null
          ? []
          : [
              [`${base}\n`, 'a trailing newline'],
              [`${base}\r\n`, 'a trailing CRLF'],
              [`${base} `, 'a trailing space'],
              [` ${base}`, 'a leading space'],
            ]
      if (v !== v.trim()) spaced.push([v.trim(), 'no whitespace (the configured secret has some)'])
      for (const [s, what] of spaced) {
        push(
          decodeSecret(s, enc) ?? (enc === 'utf8' ? Buffer.from(s, 'utf8') : null),
          [
            step(
              'signature_secret_whitespace',
              `The sender's secret has ${what}: the key differs from the configured one by whitespace.`,
              plainFix(
                'Remove the newline or spaces from the signing secret (often a trailing newline in an env var or a file).',
              ),
              ev,
            ),
          ],
          false,
          label(c, i),
        )
      }
    }
  })

  for (const o of others) {
    if (!self) break
    const stepFor = otherEndpointStep(self, o.endpoint, 'signing secret')
    for (const c of o.policy.secrets) {
      push(
        decodeSecret(c.value, o.policy.secret_encoding),
        [stepFor],
        false,
        `endpoint ${o.endpoint.name}`,
      )
    }
  }
  return out
}
