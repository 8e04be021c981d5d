/**
 * Which endpoint a request is for (contract §2): `--endpoint NAME`, else the first whose
 * `path` matches the request's path, else the only endpoint.
 * @module
 */
import { ConfigError } from '../errors.js'
import { requestPath } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { nearRoute } from './near-route.js'
import type { Config, Endpoint } from './types.js'

export function selectEndpoint(
  config: Config,
  request: HttpRequest | null,
  name?: string,
): Endpoint {
  if (name !== undefined) {
    const e = config.endpoints.find((x) => x.name === name)
    if (!e)
      throw new ConfigError(
        `no endpoint named "${name}" (endpoints: ${config.endpoints.map((x) => x.name).join(', ')})`,
        { field: 'endpoint' },
      )
    return e
  }
  if (request) {
    const path = requestPath(request)
    const hit = config.endpoints.find((e) => e.path !== undefined && e.path === path)
    if (hit) return hit
  }
  if (config.endpoints.length === 1) return config.endpoints[0]!
  // A near miss (a trailing slash, a proxy's prefix…) is named, with the fix, not just refused.
  const near = request ? nearRoute(requestPath(request), config.endpoints) : null
  throw new ConfigError(
    `no endpoint's path matches ${request ? requestPath(request) : 'the request'}${near ? ` (${near.hint})` : ''}; name one with --endpoint (${config.endpoints.map((x) => x.name).join(', ')})`,
    { field: 'endpoint' },
  )
}
