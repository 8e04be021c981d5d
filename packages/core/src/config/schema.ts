/**
 * The config schema (contract §1) in zod. Credential lists accept strings or
 * `{ value, id, not_after }`; every scheme's defaults are applied here.
 * @module
 */
import { z } from 'zod'

const notAfter = z.union([z.string(), z.number(), z.date()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v * 1000 : v instanceof Date ? v.getTime() : Date.parse(v)
  if (Number.isNaN(ms)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z',
    })
    return z.NEVER
  }
  return Math.floor(ms / 1000)
})

/** The longest retention.days: 100 years. Beyond it a day count means "forever": leave it out. */
export const MAX_RETENTION_DAYS = 36_500

/**
 * What is wrong with an http(s) URL the gateway will call (`forward`, `jwks_url`), in words
 * for a config error, or null. Never quotes the URL: its query may hold a credential.
 */
export function httpUrlProblem(
  url: string,
  about: { what: string; example: string },
): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]
  if (scheme === undefined)
    return `must be an absolute http:// or https:// URL such as ${about.example} (${about.what}), not a path or a bare host`
  if (!/^https?$/i.test(scheme)) return `must be an http:// or https:// URL (${about.what})`
  const authority = /^https?:\/\/([^/?#]*)/i.exec(url)?.[1]
  if (authority === undefined)
    return `must be written ${scheme.toLowerCase()}://HOST[:PORT]/PATH, such as ${about.example}`
  // The client would drop it silently, and the URL is shown in diagnoses.
  if (authority.includes('@'))
    return "must not carry user:password (it would not be sent); have the upstream trust the gateway, or keep the sender's credential (strip_credentials: false)"
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority)
  const host = hostPort?.[1] ?? ''
  const port = hostPort?.[2]
  if (host === '' || host === '[]')
    return `names no host: write ${scheme.toLowerCase()}://HOST[:PORT]/PATH, such as ${about.example}`
  if (port !== undefined && port !== '') {
    if (!/^\d+$/.test(port))
      return 'has a port that is not a number: write HOST:PORT with PORT from 1 to 65535'
    if (Number(port) < 1 || Number(port) > 65535)
      return `has port ${Number(port)}, which is out of range: a port is from 1 to 65535`
  }
  try {
    new URL(url)
  } catch {
    return 'is not a valid URL: check the host name (letters, digits, dots and hyphens, or an IP address) and that spaces are percent-encoded (%20)'
  }
  return null
}

const secretString = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  // An empty secret would let an empty credential through (Basic "make:", an empty key).
  .min(1, 'is empty')

export const credential = z
  .union([
    secretString,
    z
      .object({ value: secretString, id: z.string().optional(), not_after: notAfter.optional() })
      .strict(),
  ])
  .transform((c) => (typeof c === 'string' ? { value: c } : c))

const credentials = z.array(credential)

const basicUser = z
  .object({
    username: z.string().min(1, 'is empty'),
    password: secretString,
    id: z.string().optional(),
    not_after: notAfter.optional(),
  })
  .strict()

const bearer = z
  .object({
    scheme: z.literal('bearer'),
    tokens: credentials.min(1, 'needs at least one token'),
    retired: credentials.default([]),
  })
  .strict()

const apiKey = z
  .object({
    scheme: z.literal('api_key'),
    header: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    keys: credentials.min(1, 'needs at least one key'),
    retired: credentials.default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.header === undefined) === (v.query === undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['header'],
        message: 'give exactly one of header or query',
      })
    }
  })
  .transform((v) =>
    v.header === undefined && v.query === undefined ? { ...v, header: 'X-API-Key' } : v,
  )

const basic = z
  .object({
    scheme: z.literal('basic'),
    realm: z.string().optional(),
    users: z.array(basicUser).min(1, 'needs at least one user'),
    retired: z.array(basicUser).default([]),
  })
  .strict()

const timestamp = z
  .object({
    header: z.string().min(1).optional(),
    unit: z.enum(['seconds', 'milliseconds']).default('seconds'),
    tolerance: z.number().nonnegative().default(300),
    one_sided: z.boolean().optional(),
  })
  .strict()

const format = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single') }).strict(),
  z
    .object({
      kind: z.literal('list'),
      separator: z.string().default(' '),
      version: z.string().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pairs'),
      pair_separator: z.string().default(','),
      signature_key: z.string(),
      timestamp_key: z.string().optional(),
      exact_keys: z.boolean().optional(),
      last_timestamp: z.boolean().optional(),
    })
    .strict(),
])

const hmac = z
  .object({
    scheme: z.literal('hmac'),
    header: z.string().min(1, 'must name the signature header'),
    header_aliases: z.array(z.string().min(1)).optional(),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64', 'base64url']).default('hex'),
    prefix: z.string().optional(),
    payload: z.string().default('{body}'),
    format: format.default({ kind: 'single' }),
    secret_encoding: z.enum(['utf8', 'base64', 'hex', 'whsec']).default('utf8'),
    timestamp: timestamp.optional(),
    id: z
      .object({ header: z.string().min(1) })
      .strict()
      .optional(),
    secrets: credentials.min(1, 'needs at least one secret'),
    retired: credentials.default([]),
  })
  .strict()

const standardWebhooks = z
  .object({
    scheme: z.literal('standard_webhooks'),
    secrets: credentials.min(1, 'needs at least one secret'),
    retired: credentials.default([]),
    tolerance: z.number().nonnegative().default(300),
    header_prefix: z.enum(['webhook', 'svix']).default('webhook'),
  })
  .strict()

const stringOrList = z.union([z.string(), z.array(z.string()).min(1)])

const jwt = z
  .object({
    scheme: z.literal('jwt'),
    issuer: stringOrList.optional(),
    audience: stringOrList.optional(),
    algorithms: z.array(z.string()).min(1, 'must name the allowed algorithms'),
    jwks: z
      .object({ keys: z.array(z.record(z.unknown())) })
      .passthrough()
      .optional(),
    jwks_url: z
      .string()
      .superRefine((u, ctx) => {
        const problem = httpUrlProblem(u, {
          what: 'where the gateway fetches the JWKS',
          example: 'https://issuer.example/.well-known/jwks.json',
        })
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem })
      })
      .optional(),
    secret: credential.optional(),
    secrets: credentials.default([]),
    retired: credentials.default([]),
    leeway: z.number().nonnegative().default(0),
    max_age: z.number().positive().optional(),
    secret_encoding: z.enum(['utf8', 'base64', 'base64url', 'hex']).default('utf8'),
    scopes: z.array(z.string()).default([]),
  })
  .strict()
  .transform((v) => {
    const { secret, ...rest } = v
    return { ...rest, secrets: secret ? [secret, ...v.secrets] : v.secrets }
  })

/** Built-in auth schemas by scheme name; extension schemes register theirs. */
export const authSchemas = new Map<string, z.ZodTypeAny>([
  ['bearer', bearer],
  ['api_key', apiKey],
  ['basic', basic],
  ['hmac', hmac],
  ['standard_webhooks', standardWebhooks],
  ['jwt', jwt],
])

export function registerAuthSchema(scheme: string, schema: z.ZodTypeAny): void {
  authSchemas.set(scheme, schema)
}

export const endpointFields = z
  .object({
    name: z.string().min(1).optional(),
    path: z.string().startsWith('/', 'must start with /').optional(),
    environment: z.string().optional(),
    tenant: z.string().optional(),
    forward: z
      .string()
      .superRefine((u, ctx) => {
        const problem = httpUrlProblem(u, {
          what: 'the upstream the gateway forwards to',
          example: 'http://127.0.0.1:3000/orders',
        })
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem })
      })
      .optional(),
    explain: z.enum(['safe', 'full', 'none']).default('safe'),
    enforce: z.boolean().default(true),
    store_body: z.boolean().default(false),
    strip_credentials: z.boolean().default(false),
    auth: z.record(z.unknown(), {
      required_error: 'is required',
      invalid_type_error: 'must be a mapping',
    }),
  })
  .strict()

export const topLevel = z
  .object({
    endpoints: z.array(z.unknown()).optional(),
    auth: z.unknown().optional(),
    admin: z
      .object({
        // It opens every record and the replay button: no guessable word. Its length (16 or
        // more) is checked by the loader once `env:NAME` or `file:PATH` is resolved.
        token: z.string().optional(),
      })
      .strict()
      .optional(),
    public_diagnose: z.boolean().optional(),
    retention: z
      .object({
        days: z
          .number()
          .refine((d) => d > 0 && d <= MAX_RETENTION_DAYS, {
            message: `must be a number of days greater than 0 and at most ${MAX_RETENTION_DAYS} (100 years); to keep attempts of any age, leave days out`,
          })
          .optional(),
        max_rows: z
          .number()
          .refine((n) => Number.isInteger(n) && n >= 1 && n <= Number.MAX_SAFE_INTEGER, {
            message: `must be a whole number of rows from 1 to ${Number.MAX_SAFE_INTEGER} (the largest whole number the stores hold exactly); to keep any number, leave max_rows out`,
          })
          .optional(),
      })
      .strict()
      .optional(),
  })
  .passthrough()
