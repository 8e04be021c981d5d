/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature:
 * v1,<base64> v1,<base64>`, HMAC-SHA256 over `{id}.{timestamp}.{body}` with the base64 key of a
 * `whsec_` secret. A thin policy builder over the HMAC scheme: one verify path for both.
 * Requests with Svix's own header names (`svix-id`, …) are read too, as the Svix libraries do.
 * @module
 */
import type { HmacPolicy, StandardWebhooksPolicy } from '../config/types.js'
import { type CompiledHmac, compileHmac, hmacReplayKey, signHmac, verifyHmac } from './hmac.js'
import type { Scheme } from './types.js'

/** The HMAC policy a Standard Webhooks policy stands for, with headers named `<prefix>-id` etc. */
export function standardWebhooksHmacPolicy(
  policy: StandardWebhooksPolicy,
  headerPrefix = 'webhook',
): HmacPolicy {
  return {
    scheme: 'hmac',
    header: `${headerPrefix}-signature`,
    algorithm: 'sha256',
    encoding: 'base64',
    payload: '{id}.{timestamp}.{body}',
    // Other versions (v1a = Ed25519) are skipped, as the reference library does.
    format: { kind: 'list', separator: ' ', version: 'v1' },
    secret_encoding: 'whsec',
    timestamp: {
      header: `${headerPrefix}-timestamp`,
      unit: 'seconds',
      tolerance: policy.tolerance,
    },
    id: { header: `${headerPrefix}-id` },
    secrets: policy.secrets,
    retired: policy.retired,
  }
}

const compiled = new WeakMap<StandardWebhooksPolicy, CompiledHmac>()

function compileStandardWebhooks(policy: StandardWebhooksPolicy): CompiledHmac {
  let c = compiled.get(policy)
  if (c === undefined) {
    c = {
      ...compileHmac(standardWebhooksHmacPolicy(policy)),
      fallback: compileHmac(standardWebhooksHmacPolicy(policy, 'svix')),
    }
    compiled.set(policy, c)
  }
  return c
}

export const standardWebhooks: Scheme<StandardWebhooksPolicy> = {
  name: 'standard_webhooks',
  verify: (req, policy, ctx) => verifyHmac(req, compileStandardWebhooks(policy), ctx),
  sign: (req, policy, options) => {
    const c = compileStandardWebhooks(policy)
    return signHmac(req, policy.header_prefix === 'svix' ? c.fallback! : c, options)
  },
  challenge: () => ({
    scheme: 'HMAC',
    params: { realm: 'hookwarden', header: 'webhook-signature' },
  }),
  replayKey: (req, policy) => hmacReplayKey(req, compileStandardWebhooks(policy)),
}
