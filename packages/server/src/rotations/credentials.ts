/**
 * An endpoint's credentials with the label that names them wherever a value may not appear:
 * the config's `id`, or, without one, its position (`#2`, `retired #1`), the way verdict
 * details name a key (`key #2`). The rotations view, its warnings and the expiry gauge's
 * `credential` label all use it.
 * @module
 */
import type { Endpoint } from '@hookwarden/core'
import { type ApiCredential, credentialsOf } from '../api-shape.js'

export interface LabelledCredential extends ApiCredential {
  /** The id, or the position in its list (1-based): `#2`, `retired #1`. Never a value. */
  label: string
}

export function labelledCredentials(endpoint: Endpoint): LabelledCredential[] {
  let current = 0
  let retired = 0
  return credentialsOf(endpoint).map((c) => {
    const n = c.retired ? ++retired : ++current
    return { ...c, label: c.id ?? (c.retired ? `retired #${n}` : `#${n}`) }
  })
}
