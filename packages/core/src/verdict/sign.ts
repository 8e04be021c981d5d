/**
 * sign(request, endpoint) → a request that verify() accepts: for tests, canaries and replays.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import { ConfigError } from '../errors.js'
import type { HttpRequest } from '../message/types.js'
import { getScheme } from '../schemes/index.js'
import type { SignOptions } from '../schemes/types.js'

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
  return scheme.sign(request, endpoint.auth, {
    now: options.now ?? Math.floor(Date.now() / 1000),
    ...options,
  })
}
