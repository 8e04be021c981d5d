/**
 * sign(request, endpoint) → a request that verify() accepts: for tests, canaries and replays.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { ConfigError } from '../errors.js'
import type { HttpRequest } from '../message/types.js'
import { isExpired } from '../schemes/credential.js'
import { getScheme } from '../schemes/index.js'
import type { SignOptions } from '../schemes/types.js'

/** The credential lists a scheme signs with, by the field that holds them. */
const LISTS = ['secrets', 'tokens', 'keys', 'users'] as const

type Listed = { id?: string; not_after?: number }

/**
 * Refuses, as a config error, what would otherwise sign a request that verify() refuses or
 * fail deep inside a scheme: a `--key-id` that no entry has, or a list whose every entry is
 * past its `not_after` (a `--key-id` still picks an expired one on purpose, to test
 * `credential_revoked`).
 */
function checkSigner(endpoint: Endpoint, now: number, keyId: string | undefined): void {
  const auth = endpoint.auth as unknown as Record<string, unknown>
  const field = LISTS.find((f) => Array.isArray(auth[f]) && (auth[f] as unknown[]).length > 0)
  if (!field) return
  const list = auth[field] as Listed[]
  const where = { field: `endpoints.${endpoint.name}.auth.${field}` }
  if (keyId !== undefined) {
    if (!list.some((c) => c.id === keyId)) {
      const retired = Array.isArray(auth.retired) ? (auth.retired as Listed[]) : []
      if (retired.some((c) => c.id === keyId))
        throw new ConfigError(
          `"${keyId}" is a retired credential of endpoint "${endpoint.name}" (under retired:); it is kept only to be recognised, never to sign with`,
          where,
        )
      const ids = list.map((c) => c.id).filter((id) => id !== undefined)
      throw new ConfigError(
        `no entry with id "${keyId}" in ${field} of endpoint "${endpoint.name}" to sign with (${ids.length ? `ids: ${ids.join(', ')}` : 'no entry has an id'})`,
        where,
      )
    }
    return
  }
  if (list.every((c) => isExpired(c, now))) {
    const last = Math.max(...list.map((c) => c.not_after ?? 0))
    throw new ConfigError(
      `every entry in ${field} of endpoint "${endpoint.name}" is past its not_after (the last ended ${new Date(last * 1000).toISOString()}); add a current one, or pass --key-id to sign with an expired one on purpose`,
      where,
    )
  }
}

export async function sign(
  request: HttpRequest,
  endpoint: Endpoint,
  options: Partial<SignOptions> = {},
): Promise<HttpRequest> {
  const scheme = getScheme(endpoint.auth.scheme)
  if (!scheme)
    throw new ConfigError(`unknown scheme "${endpoint.auth.scheme}"`, {
      field: `endpoints.${endpoint.name}.auth.scheme`,
    })
  const now = options.now ?? Math.floor(Date.now() / 1000)
  checkSigner(endpoint, now, options.keyId)
  return scheme.sign(request, endpoint.auth, { ...options, now })
}

/**
 * What a user should know about the credential a `sign` picks (null: nothing): `--key-id`
 * naming one past its `not_after` signs a request that verify refuses as credential_revoked.
 */
export function signerNotice(
  endpoint: Endpoint,
  now: number,
  keyId: string | undefined,
): string | null {
  if (keyId === undefined) return null
  const auth = endpoint.auth as unknown as Record<string, unknown>
  for (const field of LISTS) {
    const list = auth[field]
    if (!Array.isArray(list)) continue
    const c = (list as Listed[]).find((x) => x.id === keyId)
    if (c && isExpired(c, now))
      return `"${keyId}" is past its not_after (${new Date(c.not_after! * 1000).toISOString()}): verify refuses this request as credential_revoked`
  }
  return null
}
