/**
 * Probe: a few controlled variants of one request to one URL (at most six, never a redirect
 * followed) and what their answers say together: which hop answers, whether it needs a
 * credential at all, whether it reads the one sent (an answer that changes with it says so; the
 * same answer with and without says less), whether auth sits in front of every path or behind
 * the route, and whether the fixed request passes. Each finding says how bad it is: `fail` for
 * what stops or endangers the webhook, which the CLI turns into exit 1.
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  CREDENTIAL_QUERY,
  classifyResponse,
  credentialHeaders,
  credentialValues,
  detectOrigin,
  diagnose,
  getHeader,
  type HttpRequest,
  type HttpResponse,
  type Origin,
  type ResponseClass,
  requestQuery,
  scrubShown,
  utf8,
  withoutHeader,
} from '@hookwarden/core'
import { headerConstructionFix } from './quick-fix.js'
import { withCapturedHeaderBytes } from './raw-head.js'
import {
  type FixOutcome,
  type RedirectFinding,
  redirectFinding,
  refuseMissingBody,
} from './replay.js'
import { parseTarget, type SendError, type SendOptions, type SentSummary, send } from './send.js'

export const MAX_PROBES = 6

export interface ProbeOptions extends SendOptions {
  /** The captured request to vary (its method, headers, query and body); without it a small JSON POST. */
  request?: HttpRequest
  /** The bytes `request` was parsed from (raw HTTP): header values are sent as those bytes. */
  capture?: Uint8Array
  /** The fixed request (default: the header-construction quick fix). */
  fix?: (request: HttpRequest) => FixOutcome | Promise<FixOutcome>
}

export type VariantName =
  | 'without-credentials'
  | 'captured'
  | 'as-given'
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

/**
 * How a finding weighs: `fail` stops or endangers the webhook (the CLI exits 1), `warn` may,
 * `ok` is the endpoint behaving, `info` is how it is built.
 */
export type FindingLevel = 'ok' | 'info' | 'warn' | 'fail'

export interface ProbeFinding {
  code: string
  level: FindingLevel
  summary: string
  /** What to change, when the finding is something to change. */
  fix?: string
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

/** What each variant sent and got, for the analysis (the variants keep summaries only). */
interface Exchange {
  request: HttpRequest
  response: HttpResponse | null
  body: string
}

function queryPieces(query: string): string[] {
  return query.split('&').filter((p) => p !== '')
}

function queryName(piece: string): string {
  const raw = piece.split('=')[0]!
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

const isCredentialPiece = (piece: string) => CREDENTIAL_QUERY.test(queryName(piece))

function withQuery(url: URL, pieces: string[]): URL {
  const u = new URL(url.href)
  u.search = pieces.length ? `?${pieces.join('&')}` : ''
  return u
}

function at(request: HttpRequest, url: URL): HttpRequest {
  return { ...request, url: `${url.pathname}${url.search}` }
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
  const captured = options.request
  // The URL given, with the capture's query parameters it does not name itself: a key in
  // `?api_key=` is part of the credential the capture sends.
  const given = queryPieces(url.search.slice(1))
  const named = new Set(given.map(queryName))
  const extra = captured
    ? queryPieces(requestQuery(captured)).filter((p) => !named.has(queryName(p)))
    : []
  const full = withQuery(url, [...given, ...extra])
  const bareUrl = withQuery(
    url,
    [...given, ...extra].filter((p) => !isCredentialPiece(p)),
  )
  const inQuery = bareUrl.search !== full.search
  const base = captured ?? defaultRequest(url)
  const bare = stripCredentials(base)
  const out: Planned[] = [
    {
      name: 'without-credentials',
      purpose: `the same request with every credential header${inQuery ? ' and query parameter' : ''} removed`,
      request: at(bare, bareUrl),
      url: bareUrl,
    },
  ]
  if (captured) {
    out.push({
      name: 'captured',
      purpose: 'the request as captured',
      request: at(captured, full),
      url: full,
    })
    const f = await (options.fix ?? headerConstructionFix)(captured)
    const fixed = 'request' in f && 'fixes' in f ? f.request : (f as HttpRequest)
    if (
      JSON.stringify(fixed.headers) !== JSON.stringify(captured.headers) ||
      fixed.method !== captured.method
    )
      out.push({
        name: 'fixed',
        purpose: 'the captured request with its header construction fixed',
        request: at(fixed, full),
        url: full,
      })
  } else if (inQuery) {
    out.push({
      name: 'as-given',
      purpose: 'the URL as given, with the credential in its query',
      request: at(bare, full),
      url: full,
    })
  } else {
    const token = `hookwarden-probe-${randomBytes(12).toString('hex')}`
    out.push({
      name: 'invalid-credential',
      purpose: 'a Bearer token that cannot be valid',
      request: at(
        { ...bare, headers: [...bare.headers, ['Authorization', `Bearer ${token}`]] },
        bareUrl,
      ),
      url: bareUrl,
    })
  }
  out.push({
    name: 'other-method',
    purpose: 'DELETE without credentials: a method a webhook route should not allow',
    request: at(
      {
        ...bare,
        method: 'DELETE',
        body: new Uint8Array(),
        headers: withoutHeader(bare.headers, 'content-type'),
      },
      bareUrl,
    ),
    url: bareUrl,
  })
  const unknown = new URL(`/hookwarden-probe-${randomBytes(4).toString('hex')}`, url)
  out.push({
    name: 'unknown-path',
    purpose: 'a path that cannot exist, without credentials',
    request: at(bare, unknown),
    url: unknown,
  })
  return out.slice(0, MAX_PROBES)
}

/** Two answers are "the same" when status, producer, challenge and body shape agree. */
function sameAnswer(a: ProbeVariant, b: ProbeVariant, ex: Map<ProbeVariant, Exchange>): boolean {
  if (!a.response || !b.response) return false
  return (
    a.response.status === b.response.status &&
    a.origin?.product === b.origin?.product &&
    a.response.www_authenticate === b.response.www_authenticate &&
    ex.get(a)?.body === ex.get(b)?.body
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
  if (options.request) refuseMissingBody(options.request)
  const request =
    options.request && options.capture
      ? withCapturedHeaderBytes(options.request, options.capture)
      : options.request
  const planned = await plan(url, { ...options, ...(request ? { request } : {}) })
  const variants: ProbeVariant[] = []
  const exchanges = new Map<ProbeVariant, Exchange>()
  for (const p of planned) {
    const r = await send(p.request, p.url, options)
    const origin = r.response ? detectOrigin(r.response, { ...p.request, url: p.url.href }) : null
    const cls =
      r.response && origin ? classifyResponse(r.response, { origin, request: p.request }) : null
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
        ? redirectFinding(
            r.response.status,
            getHeader(r.response.headers, 'location'),
            p.url,
            p.request.method,
          )
        : null,
      error: r.error,
      elapsed_ms: r.elapsed_ms,
    }
    exchanges.set(v, {
      request: { ...p.request, url: p.url.href },
      response: r.response,
      body: r.response ? bodyShape(r.response) : '',
    })
    variants.push(v)
  }
  // The server outside may echo the credential sent (an error_description, a Location).
  // The made-up token is no secret, and scrubbing it would mangle every word it shares.
  const secrets = new Set(
    planned
      .filter((p) => p.name !== 'invalid-credential')
      .flatMap((p) => credentialValues({ url: p.url.href, headers: p.request.headers })),
  )
  const result = await analyse(url, variants, exchanges)
  return scrubShown(
    result,
    [...secrets].sort((a, b) => b.length - a.length),
  )
}

const name = (o: Origin | null) =>
  o?.product
    ? `${o.product} (${o.layer})`
    : o
      ? `the ${o.layer === 'unknown' ? 'receiver' : o.layer}`
      : 'nobody'

const AUTH_CLASSES = new Set<ResponseClass>(['authentication', 'authorization'])

// The causes of diagnose (the same reading of an answer as replay's and diagnose's) that say
// what a refusal is when it is not about the credential's value.
const ANSWER_CAUSES = new Set([
  'scheme_mismatch',
  'method_not_allowed',
  'ip_not_allowed',
  'insufficient_scope',
  'rate_limited',
  'payload_too_large',
  'credentials_missing',
  'header_name_wrong',
])

async function analyse(
  url: URL,
  variants: ProbeVariant[],
  ex: Map<ProbeVariant, Exchange>,
): Promise<ProbeResult> {
  const by = (n: VariantName) => variants.find((v) => v.name === n)
  const none = by('without-credentials')!
  const withCred = by('captured') ?? by('as-given') ?? by('invalid-credential')
  // The user's own credential, not a made-up one: its refusal is the webhook's failure.
  const real = withCred !== undefined && withCred.name !== 'invalid-credential'
  const fixed = by('fixed')
  const findings: ProbeFinding[] = []
  const main = withCred?.response ? withCred : none
  const answeredBy = main.origin

  for (const v of variants) {
    if (v.error)
      findings.push({ code: v.error.code, level: 'fail', summary: `${v.name}: ${v.error.message}` })
    if (v.redirect)
      findings.push({
        code: 'redirect',
        // The webhook URL itself redirecting stops a sender that follows none.
        level: v === none || v === withCred ? 'fail' : 'warn',
        summary: `${v.name}: ${v.redirect.finding}`,
      })
  }
  if (main.response)
    findings.push({
      code: 'answered_by',
      level: 'info',
      summary: `${name(answeredBy)} answers ${main.response.status} (${main.response.class}); evidence: ${answeredBy?.evidence.slice(0, 2).join('; ')}`,
    })

  const fromAnswer = await answerFindings(main, ex, real, by('unknown-path'))
  // A WAF, firewall or IP rule refused the request (its block page, an IP rule's words): no
  // credential was looked at, so nothing here may say what the receiver does with one.
  const blocked = fromAnswer.some((f) => f.code === 'ip_not_allowed')

  let credentialRead: boolean | null = null
  const n = none.response
  const c = withCred?.response
  if (n?.class === 'success') {
    const same = withCred !== undefined && sameAnswer(none, withCred, ex)
    findings.push({
      code: 'no_auth_required',
      level: 'fail',
      summary: `A request without any credential is accepted (${n.status})${same ? ', just as the one with it' : ''}: ${name(none.origin)} does not require authentication here, so anyone who knows the URL can call it.`,
      fix: 'Have the receiver (or hookwarden serve in front of it) refuse a request without a valid credential.',
    })
    if (same) credentialRead = false
    else if (withCred && c && c.class !== 'success') {
      credentialRead = true
      findings.push({
        code: 'credential_read',
        level: 'fail',
        summary: `The request with the credential gets ${c.status} while the one without is accepted: ${name(withCred.origin)} reads the credential and refuses it, yet lets a request without any through.`,
      })
    }
  } else if (withCred && n && c && AUTH_CLASSES.has(n.class)) {
    if (c.class === 'success') {
      credentialRead = true
      findings.push({
        code: 'credential_read',
        level: 'ok',
        summary: `Accepted with the credential (${c.status}), refused without it (${n.status}): ${name(withCred.origin)} reads it and accepts it.`,
      })
    } else if (sameAnswer(none, withCred, ex)) {
      const scheme = /^\s*([A-Za-z][\w.~+-]*)/.exec(n.www_authenticate ?? '')?.[1]
      const gist = scheme ? `, a ${scheme} challenge` : ''
      if (blocked) {
        credentialRead = false
        findings.push({
          code: 'credential_not_read',
          level: real ? 'fail' : 'info',
          summary: `The answer is the same with and without the ${real ? 'credential' : 'made-up token'} (${n.status}, same body): ${name(withCred.origin)} refuses the request before any credential is looked at (its block, below).`,
        })
      } else if (real) {
        credentialRead = false
        findings.push({
          code: 'credential_not_read',
          level: 'fail',
          summary: `The answer is the same with and without the credential (${n.status}${gist}, same body): nothing shows that ${name(withCred.origin)} reads it. Either it never sees it (dropped on the way, sent under a header or scheme it does not look at, or a hop in front answers before the receiver), or it refuses this credential with the very answer it gives to none.`,
        })
      } else if (scheme && !/^bearer$/i.test(scheme)) {
        findings.push({
          code: 'credential_not_distinguished',
          level: 'info',
          summary: `A made-up Bearer token gets the same ${n.status} as no token at all, and the challenge asks for ${scheme}: ${name(withCred.origin)} most likely takes no Bearer token at all. Probe with the real request (--request FILE) to see what it does with the credential the sender uses.`,
        })
      } else {
        findings.push({
          code: 'credential_not_distinguished',
          level: 'info',
          summary: `A made-up Bearer token gets the same ${n.status} as no token at all (${name(withCred.origin)}${gist}). Most likely it reads the token and refuses the invalid one without saying more, which is common and correct; it may also never see the token (dropped on the way, or a hop in front answers first). A made-up token cannot tell these apart: probe with the real request (--request FILE).`,
        })
      }
    } else {
      credentialRead = true
      const change =
        n.status !== c.status
          ? `${n.status} without, ${c.status} with`
          : n.www_authenticate !== c.www_authenticate
            ? `both ${n.status}, but the challenge goes from ${JSON.stringify(n.www_authenticate)} to ${JSON.stringify(c.www_authenticate)}`
            : none.origin?.product !== withCred.origin?.product
              ? `both ${n.status}, but from ${name(none.origin)} without and ${name(withCred.origin)} with`
              : `both ${n.status}, but the body differs`
      findings.push({
        code: 'credential_read',
        level: real ? 'fail' : 'ok',
        summary: real
          ? `The answer changes with the credential (${change}): ${name(withCred.origin)} reads it and refuses it, so the credential itself (its value, or how it is built) is what is wrong.`
          : `The answer changes with the made-up token (${change}): ${name(withCred.origin)} reads the token and refuses an invalid one, as it should.`,
      })
    }
  }

  findings.push(...fromAnswer)

  if (fixed?.response) {
    if (fixed.response.class === 'success')
      findings.push({
        code: 'fix_works',
        level: 'ok',
        summary: `The fixed request is accepted (${fixed.response.status}): the header construction was the problem.`,
      })
    else if (c && fixed.response.status !== c.status)
      findings.push({
        code: 'fix_changes_answer',
        level: 'info',
        summary: `The fixed request gets ${fixed.response.status} instead of ${c.status}: the fix is read, something else is still wrong.`,
      })
  }
  // Where authentication sits only means something when a request without credentials is refused.
  const refused = n !== null && n !== undefined && (n.status === 401 || n.status === 403)
  const unknown = by('unknown-path')
  if (unknown?.response && refused && blocked) {
    const alike =
      sameAnswer(none, unknown, ex) ||
      (unknown.response.status === n.status && unknown.origin?.product === none.origin?.product)
    findings.push({
      code: alike ? 'block_in_front' : 'block_per_route',
      level: 'info',
      summary: alike
        ? `A path that cannot exist is refused the same way (${unknown.response.status}): the rule that blocks applies to every path, in front of the receiver.`
        : `A path that cannot exist gets ${unknown.response.status} from ${name(unknown.origin)} while this one gets ${n.status} from ${name(none.origin)}: the rule that blocks applies to this route (or to this request), in front of the receiver. Whether the receiver checks credentials on the route shows only once the block is lifted.`,
    })
  } else if (unknown?.response && refused) {
    if (
      sameAnswer(none, unknown, ex) ||
      (unknown.response.status === n.status && unknown.origin?.product === none.origin?.product)
    )
      findings.push({
        code: 'auth_in_front',
        level: 'info',
        summary: `A path that cannot exist gets the same ${unknown.response.status}: authentication sits in front of every path (${name(unknown.origin)}), not in the route's handler.`,
      })
    else if (unknown.response.status === 404)
      findings.push({
        code: 'auth_per_route',
        level: 'ok',
        summary: `A path that cannot exist gets 404 while this one gets ${n.status}: the route exists and checks credentials itself.`,
      })
  }
  const other = by('other-method')
  // Behind a block, the method and the credential are both unread: nothing to tell apart.
  if (other?.response && refused && !blocked) {
    if (other.response.status === 405)
      findings.push({
        code: 'method_routed_first',
        level: 'ok',
        summary: 'DELETE gets 405: the route exists and its method is checked before credentials.',
      })
    else if (other.response.status === n.status)
      findings.push({
        code: 'auth_before_routing',
        level: 'info',
        summary: `DELETE without credentials gets the same ${other.response.status}: credentials are checked before the method is.`,
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

/**
 * What the main answer is when it is no plain verdict on the credential: a 404 (no route at
 * this URL), a challenge for another scheme than the one sent, a 405, 429, WAF block… read by
 * diagnose, as replay and diagnose --response read it.
 */
async function answerFindings(
  main: ProbeVariant,
  ex: Map<ProbeVariant, Exchange>,
  real: boolean,
  unknown: ProbeVariant | undefined,
): Promise<ProbeFinding[]> {
  const e = ex.get(main)
  const res = e?.response
  if (!e || !res || !main.response || main.response.class === 'success') return []
  if (res.status >= 300 && res.status < 400) return []
  const d = await diagnose(e.request, { response: res, now: Math.floor(Date.now() / 1000) })
  const out: ProbeFinding[] = []
  if (main.response.class === 'not_found') {
    const fix = d.causes.find((x) => x.code === 'route_not_found')?.fix
    const everywhere = unknown?.response?.status === 404 && unknown !== main
    out.push({
      code: 'route_not_found',
      level: 'fail',
      summary: `${name(main.origin)} answers 404 to ${new URL(main.sent.url).pathname}${everywhere ? ', as it does to a path that cannot exist' : ''}: no route answers at this URL, so no credential is looked at. Check the URL (path, trailing slash, stage or version prefix, host) before the credential.`,
      ...(fix ? { fix } : {}),
    })
  }
  for (const cause of d.causes) {
    if (!ANSWER_CAUSES.has(cause.code) || cause.confidence < 0.5) continue
    // A made-up token cannot have been dropped on the way in any way that matters.
    if (!real && (cause.code === 'credentials_missing' || cause.code === 'header_name_wrong'))
      continue
    out.push({
      code: cause.code,
      level: cause.code === 'scheme_mismatch' && !real ? 'warn' : 'fail',
      summary: cause.summary,
      fix: cause.fix,
    })
  }
  return out
}
