/**
 * Probe: a few controlled variants of one request to one URL (at most six, never a redirect
 * followed) and what their answers say together: which hop answers, whether it reads the
 * credential at all (same answer with and without it → it does not), whether auth sits in
 * front of every path or behind the route, and whether the fixed request passes.
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  classifyResponse,
  credentialHeaders,
  credentialValues,
  detectOrigin,
  getHeader,
  type HttpRequest,
  type HttpResponse,
  type Origin,
  type ResponseClass,
  scrubShown,
  utf8,
  withoutHeader,
} from '@hookwarden/core'
import { headerConstructionFix } from './quick-fix.js'
import { type FixOutcome, type RedirectFinding, redirectFinding } from './replay.js'
import { parseTarget, type SendError, type SendOptions, type SentSummary, send } from './send.js'

export const MAX_PROBES = 6

export interface ProbeOptions extends SendOptions {
  /** The captured request to vary (its method, headers and body); without it a small JSON POST. */
  request?: HttpRequest
  /** The fixed request (default: the header-construction quick fix). */
  fix?: (request: HttpRequest) => FixOutcome | Promise<FixOutcome>
}

export type VariantName =
  | 'without-credentials'
  | 'captured'
  | 'fixed'
  | 'invalid-credential'
  | 'other-method'
  | 'unknown-path'

export interface ProbeVariant {
  name: VariantName
  purpose: string
  sent: SentSummary
  response: { status: number; class: ResponseClass; www_authenticate: string | null } | null
  origin: Origin | null
  redirect: RedirectFinding | null
  error: SendError | null
  elapsed_ms: number
}

export interface ProbeFinding {
  code: string
  summary: string
}

export interface ProbeResult {
  url: string
  answered_by: Origin | null
  /** true: the answer changes with the credential; false: it does not; null: cannot tell. */
  credential_read: boolean | null
  findings: ProbeFinding[]
  variants: ProbeVariant[]
}

interface Planned {
  name: VariantName
  purpose: string
  request: HttpRequest
  url: URL
}

function stripCredentials(req: HttpRequest): HttpRequest {
  let headers = req.headers
  for (const c of credentialHeaders(req)) headers = withoutHeader(headers, c.name)
  return { ...req, headers }
}

function defaultRequest(url: URL): HttpRequest {
  const body = utf8('{"event":"hookwarden.probe"}')
  return {
    method: 'POST',
    url: url.pathname + url.search,
    headers: [
      ['Host', url.host],
      ['Content-Type', 'application/json'],
      ['User-Agent', 'hookwarden-probe'],
    ],
    body,
  }
}

async function plan(url: URL, options: ProbeOptions): Promise<Planned[]> {
  const base = options.request ?? defaultRequest(url)
  const bare = stripCredentials(base)
  const out: Planned[] = [
    {
      name: 'without-credentials',
      purpose: 'the same request with every credential header removed',
      request: bare,
      url,
    },
  ]
  if (options.request) {
    out.push({
      name: 'captured',
      purpose: 'the request as captured',
      request: options.request,
      url,
    })
    const f = await (options.fix ?? headerConstructionFix)(options.request)
    const fixed = 'request' in f && 'fixes' in f ? f.request : (f as HttpRequest)
    if (
      JSON.stringify(fixed.headers) !== JSON.stringify(options.request.headers) ||
      fixed.method !== options.request.method
    )
      out.push({
        name: 'fixed',
        purpose: 'the captured request with its header construction fixed',
        request: fixed,
        url,
      })
  } else {
    const token = `hookwarden-probe-${randomBytes(12).toString('hex')}`
    out.push({
      name: 'invalid-credential',
      purpose: 'a Bearer token that cannot be valid',
      request: { ...bare, headers: [...bare.headers, ['Authorization', `Bearer ${token}`]] },
      url,
    })
  }
  out.push({
    name: 'other-method',
    purpose: 'DELETE without credentials: a method a webhook route should not allow',
    request: {
      ...bare,
      method: 'DELETE',
      body: new Uint8Array(),
      headers: withoutHeader(bare.headers, 'content-type'),
    },
    url,
  })
  const unknown = new URL(`/hookwarden-probe-${randomBytes(4).toString('hex')}`, url)
  out.push({
    name: 'unknown-path',
    purpose: 'a path that cannot exist, without credentials',
    request: { ...bare, url: unknown.pathname },
    url: unknown,
  })
  return out.slice(0, MAX_PROBES)
}

/** Two answers are "the same" when status, producer, challenge and body shape agree. */
function sameAnswer(a: ProbeVariant, b: ProbeVariant, bodies: Map<ProbeVariant, string>): boolean {
  if (!a.response || !b.response) return false
  return (
    a.response.status === b.response.status &&
    a.origin?.product === b.origin?.product &&
    a.response.www_authenticate === b.response.www_authenticate &&
    bodies.get(a) === bodies.get(b)
  )
}

function bodyShape(res: HttpResponse): string {
  return Buffer.from(res.body)
    .toString('utf8')
    .slice(0, 4096)
    .replace(/[0-9a-f]{6,}|\d+/gi, '#')
}

export async function probe(rawUrl: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const url = parseTarget(rawUrl, 'URL')
  const variants: ProbeVariant[] = []
  const bodies = new Map<ProbeVariant, string>()
  for (const p of await plan(url, options)) {
    const r = await send(p.request, p.url, options)
    const origin = r.response ? detectOrigin(r.response, { ...p.request, url: p.url.href }) : null
    const cls = r.response && origin ? classifyResponse(r.response, { origin }) : null
    const v: ProbeVariant = {
      name: p.name,
      purpose: p.purpose,
      sent: r.sent,
      response:
        r.response && cls
          ? {
              status: r.response.status,
              class: cls.class,
              www_authenticate: getHeader(r.response.headers, 'www-authenticate') ?? null,
            }
          : null,
      origin,
      redirect: r.response
        ? redirectFinding(r.response.status, getHeader(r.response.headers, 'location'), p.url)
        : null,
      error: r.error,
      elapsed_ms: r.elapsed_ms,
    }
    if (r.response) bodies.set(v, bodyShape(r.response))
    variants.push(v)
  }
  // The server outside may echo the credential sent (an error_description, a Location).
  const sent = options.request ?? { url: url.href, headers: [] }
  return scrubShown(analyse(url, variants, bodies), credentialValues(sent))
}

function analyse(
  url: URL,
  variants: ProbeVariant[],
  bodies: Map<ProbeVariant, string>,
): ProbeResult {
  const by = (n: VariantName) => variants.find((v) => v.name === n)
  const none = by('without-credentials')!
  const captured = by('captured') ?? by('invalid-credential')
  const fixed = by('fixed')
  const findings: ProbeFinding[] = []
  const main = captured?.response ? captured : none
  const answeredBy = main.origin
  const name = (o: Origin | null) =>
    o?.product
      ? `${o.product} (${o.layer})`
      : o
        ? `the ${o.layer === 'unknown' ? 'receiver' : o.layer}`
        : 'nobody'

  for (const v of variants) {
    if (v.error) findings.push({ code: v.error.code, summary: `${v.name}: ${v.error.message}` })
    if (v.redirect) findings.push({ code: 'redirect', summary: `${v.name}: ${v.redirect.finding}` })
  }
  if (main.response)
    findings.push({
      code: 'answered_by',
      summary: `${name(answeredBy)} answers ${main.response.status} (${main.response.class}); evidence: ${answeredBy?.evidence.slice(0, 2).join('; ')}`,
    })

  let credentialRead: boolean | null = null
  if (captured?.response && none.response) {
    if (sameAnswer(none, captured, bodies) && captured.response.class !== 'success') {
      credentialRead = false
      findings.push({
        code: 'credential_not_read',
        summary: `The answer is the same with and without the credential (${none.response.status}): ${name(captured.origin)} does not read it. It is dropped on the way, sent under a header or scheme it does not look at, or a hop in front answers before the receiver.`,
      })
    } else {
      credentialRead = true
      findings.push({
        code: 'credential_read',
        summary:
          none.response.status === captured.response.status
            ? `The answer changes with the credential (both ${none.response.status}, but ${none.response.www_authenticate !== captured.response.www_authenticate ? `the challenge goes from ${JSON.stringify(none.response.www_authenticate)} to ${JSON.stringify(captured.response.www_authenticate)}` : 'the body differs'}): ${name(captured.origin)} reads it and refuses it.`
            : `The answer changes with the credential (${none.response.status} without, ${captured.response.status} with): ${name(captured.origin)} reads it.`,
      })
    }
  }
  if (fixed?.response) {
    if (fixed.response.class === 'success')
      findings.push({
        code: 'fix_works',
        summary: `The fixed request is accepted (${fixed.response.status}): the header construction was the problem.`,
      })
    else if (captured?.response && fixed.response.status !== captured.response.status)
      findings.push({
        code: 'fix_changes_answer',
        summary: `The fixed request gets ${fixed.response.status} instead of ${captured.response.status}: the fix is read, something else is still wrong.`,
      })
  }
  const unknown = by('unknown-path')
  if (
    unknown?.response &&
    none.response &&
    (none.response.status === 401 || none.response.status === 403)
  ) {
    if (
      sameAnswer(none, unknown, bodies) ||
      (unknown.response.status === none.response.status &&
        unknown.origin?.product === none.origin?.product)
    )
      findings.push({
        code: 'auth_in_front',
        summary: `A path that cannot exist gets the same ${unknown.response.status}: authentication sits in front of every path (${name(unknown.origin)}), not in the route's handler.`,
      })
    else if (unknown.response.status === 404)
      findings.push({
        code: 'auth_per_route',
        summary: `A path that cannot exist gets 404 while this one gets ${none.response.status}: the route exists and checks credentials itself.`,
      })
  }
  const other = by('other-method')
  if (other?.response && none.response) {
    if (other.response.status === 405)
      findings.push({
        code: 'method_routed_first',
        summary: 'DELETE gets 405: the route exists and its method is checked before credentials.',
      })
    else if (other.response.status === none.response.status && other.response.status !== 404)
      findings.push({
        code: 'auth_before_routing',
        summary: `DELETE gets the same ${other.response.status}: credentials are checked before the method is.`,
      })
  }
  return {
    url: url.href,
    answered_by: answeredBy,
    credential_read: credentialRead,
    findings,
    variants,
  }
}
