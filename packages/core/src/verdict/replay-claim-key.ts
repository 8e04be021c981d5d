/**
 * The keys replay protection claims in the nonce store, and their format's version.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { getHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'

/**
 * The version of the claim key format, written into the memory store's snapshot. Bump it with
 * any change to the bytes of a key (replay-claim-key.test.ts pins them), and keep recognising the
 * previous format: claims are shared with gateways of other versions (Redis) and carried across
 * a restart (the snapshot), and a claim under a key nobody looks up again lets a copy of a
 * message accepted just before the upgrade through.
 * - 1: the id-keyed release (7188628): `endpoint\0id:<id>` when the scheme reads a message id,
 *   else `endpoint\0sig:<MAC in hex>:<timestamp>` (hmac) — see legacyClaimKey.
 * - 2: the signed message (b77bcd0): `endpoint\0sig:<MAC bytes as latin1>:<timestamp>` (hmac,
 *   standard_webhooks), `endpoint\0msg:<sha-256 hex of the signed message>` (public keys).
 */
export const REPLAY_KEY_FORMAT = 2

export const claimKey = (endpoint: Endpoint, key: string): string => `${endpoint.name}\u0000${key}`

const MAC_BYTES: Record<string, number> = { sha1: 20, sha256: 32, sha512: 64 }

/**
 * The key a gateway of the id-keyed release (7188628) claims for a request this build accepted
 * with `key` (this build's key, without the endpoint), or null when that release claimed the
 * same key as this one (or none). Claimed beside this build's key in a shared Redis during a
 * rolling upgrade, so that each release refuses an exact copy of a message the other accepted.
 * Remove, with RedisNonceStore's legacy claim, once no gateway of that release remains.
 */
export function legacyClaimKey(
  request: HttpRequest,
  endpoint: Endpoint,
  key: string,
): string | null {
  const auth = endpoint.auth as { scheme: string; id?: { header: string }; algorithm?: string }
  switch (auth.scheme) {
    case 'standard_webhooks': {
      // The svix-* names are read only when webhook-signature is absent (as verify does).
      const prefix =
        getHeader(request.headers, 'webhook-signature') !== undefined ? 'webhook' : 'svix'
      return idKey(endpoint, getHeader(request.headers, `${prefix}-id`))
    }
    case 'hmac': {
      if (auth.id) return idKey(endpoint, getHeader(request.headers, auth.id.header))
      // `sig:<MAC as latin1>:<timestamp>` → `sig:<MAC as hex>:<timestamp>`; the timestamp may
      // hold any character, so the MAC is cut by its length, not at a colon.
      const bytes = MAC_BYTES[auth.algorithm ?? '']
      if (bytes === undefined || !key.startsWith('sig:') || key[4 + bytes] !== ':') return null
      const mac = Buffer.from(key.slice(4, 4 + bytes), 'latin1').toString('hex')
      return claimKey(endpoint, `sig:${mac}${key.slice(4 + bytes)}`)
    }
    case 'ed25519':
    case 'ecdsa':
    case 'rsa':
      // Without an id header the key (the signed message's hash) did not change.
      return auth.id ? idKey(endpoint, getHeader(request.headers, auth.id.header)) : null
    default:
      return null
  }
}

const idKey = (endpoint: Endpoint, id: string | undefined) =>
  id === undefined ? null : claimKey(endpoint, `id:${id}`)
