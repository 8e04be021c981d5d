/**
 * Servers that put an API in front of a database and verify a JWT themselves: Hasura (which
 * answers GraphQL errors with status 200) and PostgREST (also Supabase's REST API).
 * @module
 */
import { answered, ev, type Fingerprint, h, jsonField, jsonKeys, type Signals } from './types.js'

/** The first GraphQL error of a `{"errors": [...]}` body: its message and extensions.code. */
export function graphqlError(
  s: Signals,
): { message: string; code: string | null; path: string | null } | null {
  const errors = jsonField(s, 'errors')
  if (!Array.isArray(errors) || errors.length === 0) return null
  const first = errors[0] as { message?: unknown; extensions?: { code?: unknown; path?: unknown } }
  if (!first || typeof first !== 'object' || typeof first.message !== 'string') return null
  const ext = first.extensions
  return {
    message: first.message,
    code: typeof ext?.code === 'string' ? ext.code : null,
    path: typeof ext?.path === 'string' ? ext.path : null,
  }
}

/** Hasura's error codes are kebab-case words (invalid-jwt, invalid-headers, access-denied…). */
const HASURA_CODES =
  /^(invalid-jwt|invalid-headers|jwt-invalid-claims|jwt-missing-role-claims|access-denied|validation-failed|not-exists|not-supported|parse-failed|unexpected|constraint-violation|permission-denied|bad-request|invalid-json)$/

export const hasura: Fingerprint = {
  product: 'hasura',
  layer: 'application',
  answered(s) {
    const e = graphqlError(s)
    if (!e?.code || !HASURA_CODES.test(e.code) || e.path === null) return null
    return answered(
      95,
      `body: errors[0].extensions {"path": "${e.path}", "code": "${e.code}"} (Hasura's error shape)`,
      `message: "${e.message.slice(0, 90)}"`,
    )
  },
}

export const postgrest: Fingerprint = {
  product: 'postgrest',
  layer: 'application',
  answered(s) {
    const server = h(s, 'server') ?? ''
    const code = jsonField(s, 'code')
    const keys = jsonKeys(s)
    const own =
      typeof code === 'string' &&
      /^PGRST\d{3}$/.test(code) &&
      !!keys &&
      ['code', 'message'].every((k) => keys.includes(k))
    const byServer = /^postgrest\//i.test(server)
    if (own) return answered(100, `body: "code": "${code}"`, byServer ? ev('server', server) : null)
    if (byServer && s.status >= 400) return answered(90, ev('server', server))
    return null
  },
}

/**
 * A GraphQL answer (often status 200) whose first error is an authentication or permission
 * error: Hasura's invalid-jwt / invalid-headers / access-denied, Apollo's UNAUTHENTICATED.
 */
export function graphqlAuthError(s: Signals): { message: string; code: string | null } | null {
  const e = graphqlError(s)
  if (!e) return null
  const data = jsonField(s, 'data')
  if (data !== undefined && data !== null) return null
  const byCode =
    e.code !== null &&
    /^(invalid-jwt|invalid-headers|jwt-invalid-claims|jwt-missing-role-claims|access-denied|UNAUTHENTICATED|UNAUTHORIZED|FORBIDDEN)$/i.test(
      e.code,
    )
  const byWords =
    /Could not verify JWT|Missing 'Authorization'|\b(unauthenticated|not authenticated|invalid token|jwt expired)\b/i.test(
      e.message,
    )
  return byCode || byWords ? { message: e.message, code: e.code } : null
}

export const DATA_APIS: Fingerprint[] = [hasura, postgrest]
