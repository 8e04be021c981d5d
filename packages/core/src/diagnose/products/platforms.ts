/**
 * Hosting platforms whose front end answers before the code runs: Supabase Edge Functions'
 * gateway (it verifies a JWT by default), Azure App Service Authentication ("Easy Auth") and
 * the Azure Functions host's function keys, AWS Lambda function URLs (AWS_IAM), and the routers
 * of Railway, Fly.io and Render (their 502 when the app does not answer).
 * @module
 */
import {
  answered,
  bodyEv,
  ev,
  type Fingerprint,
  h,
  jsonField,
  jsonKeys,
  type Signals,
} from './types.js'

/** The `sb-*` / `x-sb-*` headers Supabase's gateway adds. */
function supabaseMarks(s: Signals): string[] {
  const out: string[] = []
  for (const k of s.headers.keys()) if (/^(x-)?sb-/.test(k)) out.push(ev(k, h(s, k)))
  return out
}

const SUPABASE_MESSAGES =
  /^(Missing authorization header|Invalid JWT|Invalid Token or Protected Header formatting|Auth header is not 'Bearer \{token\}'|Requested function was not found|Function failed to start.*|Unsupported JWT algorithm.*)$/i

export const supabase: Fingerprint = {
  product: 'supabase',
  layer: 'gateway',
  gatekeeper: true,
  answered(s) {
    const msg = jsonField(s, 'message')
    if (typeof msg !== 'string' || !SUPABASE_MESSAGES.test(msg) || (jsonKeys(s)?.length ?? 0) > 3)
      return null
    const marks = supabaseMarks(s)
    const onHost = s.host && /\.supabase\.(co|red|in)$/.test(s.host) ? `host: ${s.host}` : null
    if (!marks.length && !onHost) return null
    return answered(
      marks.length ? 100 : 90,
      `body: ${JSON.stringify(s.json).slice(0, 120)}`,
      ...marks.slice(0, 2),
      onHost,
      "the Edge Functions gateway's own answer: the function did not run",
    )
  },
  onPath(s) {
    const marks = supabaseMarks(s)
    return marks.length ? marks.slice(0, 3) : null
  },
}

/** Easy Auth's challenge: Entra ID's authorization_uri, or the app's azurewebsites.net realm. */
function easyAuthMarks(s: Signals): string[] {
  const out: string[] = []
  const www = (s.headers.get('www-authenticate') ?? []).find((v) =>
    /authorization_uri="https:\/\/login\.(windows\.net|microsoftonline\.com)\/|realm="[^"]*\.azurewebsites\.net"/i.test(
      v,
    ),
  )
  if (www) out.push(ev('WWW-Authenticate', www))
  if (h(s, 'x-ms-middleware-request-id'))
    out.push(ev('x-ms-middleware-request-id', h(s, 'x-ms-middleware-request-id')))
  const loc = h(s, 'location')
  if (loc && /\/\.auth\/login\/|login\.microsoftonline\.com\/[^/]+\/oauth2/i.test(loc))
    out.push(ev('location', loc))
  return out
}

export function isEasyAuth(s: Signals): boolean {
  return easyAuthMarks(s).length > 0
}

export const azureAppServiceAuth: Fingerprint = {
  product: 'azure-app-service-auth',
  layer: 'gateway',
  answered(s) {
    if (s.status !== 401 && s.status !== 403 && (s.status < 300 || s.status >= 400)) return null
    const marks = easyAuthMarks(s)
    if (!marks.length) return null
    return answered(
      100,
      ...marks,
      bodyEv(s, /You do not have permission to view this directory or page\.?/i),
      'App Service Authentication (Easy Auth) answered before the app ran',
    )
  },
}

export const azureFunctions: Fingerprint = {
  product: 'azure-functions',
  layer: 'application',
  answered(s) {
    // The Functions host answers a missing or wrong function key with an empty 401 and no
    // challenge, before the function runs.
    const onHost = s.host && /\.azurewebsites\.net$/.test(s.host)
    const path = s.request ? new URL(s.request.url, 'https://h.invalid').pathname : ''
    if (
      s.status !== 401 ||
      s.body.trim() !== '' ||
      h(s, 'www-authenticate') ||
      !onHost ||
      !path.startsWith('/api/')
    )
      return null
    const ctx = h(s, 'request-context')
    return answered(
      80,
      `host: ${s.host}, path ${path}`,
      ctx ? ev('request-context', ctx) : null,
      'an empty 401 without a challenge: the Functions host refused the function key',
    )
  },
}

const LAMBDA_URL_HOST = /\.lambda-url\.[\w-]+\.on\.aws$/

export function onLambdaUrl(s: Signals): boolean {
  return !!s.host && LAMBDA_URL_HOST.test(s.host)
}

export const awsLambdaUrl: Fingerprint = {
  product: 'aws-lambda-url',
  layer: 'gateway',
  answered(s) {
    if (!onLambdaUrl(s)) return null
    const type = h(s, 'x-amzn-errortype')
    const msg = jsonField(s, 'Message') ?? jsonField(s, 'message')
    if (!type && !(typeof msg === 'string' && jsonKeys(s)?.length === 1)) return null
    return answered(
      99,
      `host: ${s.host} (a Lambda function URL)`,
      type ? ev('x-amzn-ErrorType', type) : null,
      typeof msg === 'string' ? `body: ${JSON.stringify(s.json)}` : null,
    )
  },
}

export const railway: Fingerprint = {
  product: 'railway',
  layer: 'proxy',
  answered(s) {
    const marks = railwayMarks(s)
    if (!marks.length) return null
    const own =
      jsonField(s, 'status') === 'error' &&
      typeof jsonField(s, 'code') === 'number' &&
      typeof jsonField(s, 'message') === 'string'
    const fallback = h(s, 'x-railway-fallback')
    if (own || fallback)
      return answered(
        100,
        own ? `body: "message": "${String(jsonField(s, 'message')).slice(0, 80)}"` : null,
        fallback ? ev('x-railway-fallback', fallback) : null,
        ...marks.slice(0, 2),
      )
    return null
  },
  onPath(s) {
    const marks = railwayMarks(s)
    return marks.length ? marks.slice(0, 3) : null
  },
}

function railwayMarks(s: Signals): string[] {
  const out: string[] = []
  if (/^railway/i.test(h(s, 'server') ?? '')) out.push(ev('server', h(s, 'server')))
  for (const k of ['x-railway-edge', 'x-railway-request-id']) if (h(s, k)) out.push(ev(k, h(s, k)))
  return out
}

function flyMarks(s: Signals): string[] {
  const out: string[] = []
  if (/^Fly\//.test(h(s, 'server') ?? '')) out.push(ev('server', h(s, 'server')))
  const via = h(s, 'via')
  if (via && /fly\.io/i.test(via)) out.push(ev('via', via))
  if (h(s, 'fly-request-id')) out.push(ev('fly-request-id', h(s, 'fly-request-id')))
  return out
}

export const fly: Fingerprint = {
  product: 'fly',
  layer: 'proxy',
  answered(s) {
    // Fly's proxy answers with an empty body when it cannot reach a machine of the app.
    const marks = flyMarks(s)
    if (!marks.length || s.status < 500 || s.body.trim() !== '') return null
    return answered(85, ...marks.slice(0, 2), `an empty ${s.status}: the Fly proxy's own answer`)
  },
  onPath(s) {
    const marks = flyMarks(s)
    return marks.length ? marks : null
  },
}

export const render: Fingerprint = {
  product: 'render',
  layer: 'proxy',
  answered(s) {
    const id = h(s, 'rndr-id')
    const routing = h(s, 'x-render-routing')
    // x-render-routing names why Render's router answered itself (no-server, dynamic-error…).
    if (routing && !/^dynamic$/i.test(routing.trim()))
      return answered(95, ev('x-render-routing', routing), id ? ev('rndr-id', id) : null)
    return null
  },
  onPath(s) {
    return h(s, 'rndr-id') ? [ev('rndr-id', h(s, 'rndr-id'))] : null
  },
}

export const PLATFORMS: Fingerprint[] = [
  supabase,
  azureAppServiceAuth,
  azureFunctions,
  awsLambdaUrl,
  railway,
  fly,
  render,
]
