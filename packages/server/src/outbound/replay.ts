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
  type Origin,
  type ResponseSummary,
  requestPath,
  requestQuery,
  type StrippingHint,
  scrubShown,
} from '@hookwarden/core'
import { parseTarget, type SendError, type SendOptions, type SentSummary, send } from './send.js'

export interface ReplayOptions extends SendOptions {
  /** Where to send: a full URL, or an origin (`http://127.0.0.1:3000`) to keep the capture's path. */
  to: string
  /**
   * Turns the captured request into the fixed one (`--fix`). Returns the request and, when it
   * knows, what it changed.
   */
  fix?: (request: HttpRequest) => FixOutcome | Promise<FixOutcome>
}

/** A fixed request, and (when known) what was changed. */
export type FixOutcome = HttpRequest | { request: HttpRequest; fixes: string[] }

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
): RedirectFinding | null {
  if (status < 300 || status >= 400 || status === 304 || !location) return null
  let to: URL | null = null
  try {
    to = new URL(location, from)
  } catch {
    to = null
  }
  const why = !to
    ? 'the Location cannot be parsed'
    : to.origin !== from.origin
      ? `it leads to another origin (${to.origin}); clients drop Authorization there (RFC 9110 §15.4), and many drop it on any redirect`
      : 'clients (Make, curl -L, fetch) commonly drop Authorization on a redirect and turn POST into GET on 301/302'
  return {
    status,
    location,
    finding: `${status} redirect to ${to?.href ?? location}: not followed. ${why[0]!.toUpperCase()}${why.slice(1)}. Send the webhook to the final URL directly.`,
  }
}

/** A Set-Cookie as `name=… ; attributes`: a session cookie is a credential too. */
function redactCookie(v: string): string {
  const eq = v.indexOf('=')
  const semi = v.indexOf(';')
  return eq === -1 ? v : `${v.slice(0, eq)}=…${semi === -1 ? '' : v.slice(semi)}`
}

export async function replay(request: HttpRequest, options: ReplayOptions): Promise<ReplayResult> {
  const target = replayTarget(request, options.to)
  let outgoing = request
  let fixes: string[] = []
  if (options.fix) {
    const r = await options.fix(request)
    if ('request' in r && 'fixes' in r) {
      outgoing = r.request
      fixes = r.fixes
    } else outgoing = r as HttpRequest
  }
  const result = await send(outgoing, target, options)
  const res = result.response
  const origin = res ? detectOrigin(res, { ...outgoing, url: target.href }) : null
  const summary = res && origin ? classifyResponse(res, { origin }) : null
  // The server outside may echo the credential sent (an error_description, a Location).
  return scrubShown<ReplayResult>(
    {
      target: target.href,
      fixed: options.fix !== undefined,
      fixes,
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
      hints:
        res && origin
          ? credentialStrippingHints({ ...outgoing, url: target.href }, res, origin)
          : [],
      redirect: res
        ? redirectFinding(res.status, getHeader(res.headers, 'location'), target)
        : null,
      error: result.error,
      elapsed_ms: result.elapsed_ms,
    },
    credentialValues(outgoing),
  )
}
