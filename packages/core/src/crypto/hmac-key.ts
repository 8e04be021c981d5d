/**
 * Turns a configured secret string into HMAC key bytes, by the policy's `secret_encoding`:
 * `utf8` as is (Stripe keys with the whole `whsec_…` string), `base64`, `hex`, or `whsec`
 * (Standard Webhooks / Svix: drop `whsec_`, then strict base64).
 * @module
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import type { SecretEncoding } from '../config/types.js'
import { ConfigError } from '../errors.js'
import { decodeStrict } from './encoding.js'

/** The key bytes of `secret`, or null when it does not decode strictly in `encoding`. */
export function decodeSecret(secret: string, encoding: SecretEncoding): Buffer | null {
  switch (encoding) {
    case 'utf8':
      return Buffer.from(secret, 'utf8')
    case 'base64':
      return decodeStrict(secret, 'base64')
    case 'hex':
      return decodeStrict(secret, 'hex')
    case 'whsec':
      // The reference libraries accept the secret with or without its `whsec_` prefix.
      return decodeStrict(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
  }
}

/**
 * What is wrong with `secret` under `encoding`, in words for a config error, or null.
 * Never repeats the secret.
 */
export function secretProblem(secret: string, encoding: SecretEncoding): string | null {
  const key = decodeSecret(secret, encoding)
  if (key === null) {
    if (encoding === 'whsec') {
      return 'is not a whsec_ secret: what follows whsec_ must be strict base64 (A-Z a-z 0-9 + /, padded with =)'
    }
    return `is not strict ${encoding}`
  }
  if (key.length === 0) return 'is empty'
  return null
}

/**
 * The key as a KeyObject (node:crypto then skips copying the key on every createHmac).
 * Throws ConfigError for a secret that does not decode (a config built in code; the loader
 * reports those with their line first). `field` names it in the message.
 */
export function hmacKey(secret: string, encoding: SecretEncoding, field = 'secret'): KeyObject {
  const key = decodeSecret(secret, encoding)
  if (key === null || key.length === 0)
    throw new ConfigError(`${field} ${secretProblem(secret, encoding)}`, { field })
  return createSecretKey(key)
}
