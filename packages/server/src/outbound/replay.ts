/**
 * Replay: re-send a captured request to a URL byte for byte (Host rewritten to the target),
 * optionally fixed first, and read the answer: its class, which hop wrote it, and whether it
 * is a redirect that would drop the credential.
 * @module
 */
import {
  classifyResponse,
  credentialStrippingHints,
  credentialValues,
  detectOrigin,
  getHeader,
  type HttpRequest,
  type HttpResponse,
  InputError,
  missingBody,
  type Origin,
  type ResponseSummary,
  requestPath,
  requestQuery,
  type StrippingHint,
  scrubShown,
} from '@hookwarden/core'
import { withCapturedHeaderBytes } from './raw-head.js'
import { parseTarget, type SendError, type SendOptions, type SentSummary, send } from './send.js'

export interface ReplayOptions extends SendOptions {
  /** Where to send: a full URL, or an origin (`http://127.0.0.1:3000`) to keep the capture's path. */
  to: string
  /**
   * Turns the captured request into the fixed one (`--fix`). Returns the request and, when it
   * knows, what it changed.
   */
  fix?: (request: HttpRequest) => FixOutcome | Promise<FixOutcome>
  /**
   * The bytes the request was parsed from, when a raw HTTP capture: header values that were
   * not UTF-8 are sent as those bytes, not as their Latin-1 reading encoded in UTF-8.
   */
  capture?: Uint8Array
}

/**
 * A fixed request, and (when known) what was changed; `note`: why nothing was, when the fixer
 * knows (the endpoint's config accepts the request as captured).
 */
export type FixOutcome = HttpRequest | { request: HttpRequest; fixes: string[]; note?: string }

export interface RedirectFinding {
  status: number
  location: string
  /** Why following it would lose the credential. */
  finding: string
}

export interface ReplayResult {
  target: string
  fixed: boolean
  fixes: string[]
  /** Why `--fix` changed nothing, when the fixer said (null otherwise). */
  fix_note: string | null
  sent: SentSummary
  response:
    | (ResponseSummary & {
        status_text?: string
        headers: [string, string][]
        body_bytes: number
        truncated: boolean
      })
    | null
  origin: Origin | null
  hints: StrippingHint[]
  redirect: RedirectFinding | null
  error: SendError | null
  elapsed_ms: number
}

/** `to` as given when it names a path; the capture's path and query on `to`'s origin when not. */
export function replayTarget(request: HttpRequest, to: string): URL {
  const target = parseTarget(to)
  const bare = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\/?$/i.test(to.trim())
  if (!bare) return target
  const q = requestQuery(request)
  return new URL(`${requestPath(request)}${q ? `?${q}` : ''}`, target.origin)
}

export function redirectFinding(
  status: number,
  location: string | undefined,
  from: URL,
  method = 'POST',
): RedirectFinding | null {
  if (status < 300 || status >= 400 || status === 304 || !location) return null
  let to: URL | null = null
  try {
    to = new URL(location, from)
  } catch {
    to = null
  }
  // 301 and 302 turn a POST into a GET in practice (RFC 9110 §15.4.2), 303 every method.
  const becomesGet =
    method !== 'GET' &&
    method !== 'HEAD' &&
    (status === 303 || ((status === 301 || status === 302) && method === 'POST'))
  const lost = becomesGet ? `, and turns the ${method} into a GET without its body` : ''
  // fetch and curl -L drop Authorization only when the origin changes (scheme, host or port).
  const why = !to
    ? 'the Location cannot be parsed'
    : to.origin !== from.origin
      ? `it leads to another origin (${to.origin}): a client that follows it drops Authorization there (RFC 9110 §15.4)${lost}`
      : becomesGet
        ? `it stays on this origin, so a client that follows it keeps Authorization${lost}`
        : 'it stays on this origin, so a client that follows it keeps Authorization, the method and the body; but many webhook senders follow no redirect and count it as a failed delivery'
  return {
    status,
    location,
    finding: `${status} redirect to ${to?.href ?? location}: not followed. ${why[0]!.toUpperCase()}${why.slice(1)}. Send the webhook to the final URL directly.`,
  }
}

/** True when `location` resolves to the origin of `from`. */
function sameOrigin(location: string | undefined, from: URL): boolean {
  try {
    return location !== undefined && new URL(location, from).origin === from.origin
  } catch {
    return false
  }
}

/**
 * A capture that declares a body it does not hold (none of it, or fewer bytes than its
 * Content-Length) cannot be sent as captured: what it holds in its place would earn an answer
 * about another request (a signature refused over 0 bytes reads as a wrong secret). Unusable
 * input, said in one line.
 */
export function refuseMissingBody(request: HttpRequest, file?: string): void {
  const missing = missingBody(request)
  if (!missing) return
  throw new InputError(
    'ERR_BODY_NOT_CAPTURED',
    missing.held === 0
      ? `the capture declares a ${missing.declared}-byte body (Content-Length) but holds none, so it cannot be sent as captured: capture it with its body, or delete the Content-Length line to send it without one`
      : `the capture declares a ${missing.declared}-byte body (Content-Length) but holds ${missing.held} bytes of it, so it cannot be sent as captured: capture the whole body, or correct its Content-Length`,
    { ...(file ? { file } : {}), field: '--request' },
  )
}

/** A Set-Cookie as `name=… ; attributes`: a session cookie is a credential too. */
function redactCookie(v: string): string {
  const eq = v.indexOf('=')
  const semi = v.indexOf(';')
  return eq === -1 ? v : `${v.slice(0, eq)}=…${semi === -1 ? '' : v.slice(semi)}`
}

export async function replay(request: HttpRequest, options: ReplayOptions): Promise<ReplayResult> {
  refuseMissingBody(request)
  const target = replayTarget(request, options.to)
  let outgoing = options.capture ? withCapturedHeaderBytes(request, options.capture) : request
  let fixes: string[] = []
  let fixNote: string | null = null
  if (options.fix) {
    const r = await options.fix(outgoing)
    if ('request' in r && 'fixes' in r) {
      outgoing = r.request
      fixes = r.fixes
      fixNote = r.note ?? null
    } else outgoing = r as HttpRequest
  }
  const result = await send(outgoing, target, options)
  const res = result.response
  const origin = res ? detectOrigin(res, { ...outgoing, url: target.href }) : null
  const summary = res && origin ? classifyResponse(res, { origin, request: outgoing }) : null
  // The server outside may echo the credential sent (an error_description, a Location).
  return scrubShown<ReplayResult>(
    {
      target: target.href,
      fixed: options.fix !== undefined,
      fixes,
      fix_note: fixNote,
      sent: result.sent,
      response:
        res && summary
          ? {
              ...summary,
              ...(res.statusText ? { status_text: res.statusText } : {}),
              headers: res.headers.map(([n, v]) => [
                n,
                /^set-cookie$/i.test(n) ? redactCookie(v) : v,
              ]),
              body_bytes: res.body.length,
              truncated: result.truncated,
            }
          : null,
      origin,
      hints: res && origin ? hintsFor(outgoing, target, res, origin) : [],
      redirect: res
        ? redirectFinding(res.status, getHeader(res.headers, 'location'), target, outgoing.method)
        : null,
      error: result.error,
      elapsed_ms: result.elapsed_ms,
    },
    credentialValues(outgoing),
  )
}

/**
 * core's stripping hints, less the redirect one when the redirect stays on the origin: that
 * hint says a client drops Authorization, which fetch and curl -L do only across origins
 * (redirectFinding says what a same-origin redirect does lose).
 */
function hintsFor(
  request: HttpRequest,
  target: URL,
  res: HttpResponse,
  origin: Origin,
): StrippingHint[] {
  const hints = credentialStrippingHints({ ...request, url: target.href }, res, origin)
  const location = getHeader(res.headers, 'location')
  if (res.status < 300 || res.status >= 400 || !sameOrigin(location, target)) return hints
  return hints.filter((h) => !h.evidence[0]?.startsWith(`${res.status} Location:`))
}
