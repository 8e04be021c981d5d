/**
 * The scheme registry. Nothing else switches on a scheme name.
 * @module
 */

import { apiKey } from './api-key.js'
import { basic } from './basic.js'
import { bearer } from './bearer.js'
import { hmac } from './hmac.js'
import { jwt } from './jwt.js'
import { PROVIDER_SCHEMES } from './provider-schemes.js'
import { standardWebhooks } from './standard-webhooks.js'
import type { Scheme } from './types.js'

// biome-ignore lint/suspicious/noExplicitAny: the registry holds schemes of every policy type
const registry = new Map<string, Scheme<any>>([
  [bearer.name, bearer],
  [apiKey.name, apiKey],
  [basic.name, basic],
  [jwt.name, jwt],
  [hmac.name, hmac],
  [standardWebhooks.name, standardWebhooks],
  ...PROVIDER_SCHEMES.map((s) => [s.name, s] as const),
])

// biome-ignore lint/suspicious/noExplicitAny: see above
export function getScheme(name: string): Scheme<any> | undefined {
  return registry.get(name)
}

/** Adds a scheme (provider schemes with code of their own, e.g. Ed25519 signatures). */
// biome-ignore lint/suspicious/noExplicitAny: see above
export function registerScheme(scheme: Scheme<any>): void {
  registry.set(scheme.name, scheme)
}

export function schemeNames(): string[] {
  return [...registry.keys()]
}
