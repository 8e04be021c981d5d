/**
 * A credential that was sent but never arrived: when the request carries one and the answer
 * says none reached the receiver, name the hops known to drop it on the way (Apache/PHP-FPM
 * and Authorization, nginx and header names with underscores, CloudFront, redirects).
 * @module
 */
import { getAllHeaders, getHeader, requestUrl } from '../message/headers.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { CREDENTIAL_HEADER, NOT_CREDENTIAL } from '../redact/scrub.js'
import { readSignals } from './origin.js'
import { parseChallenges } from './products/types.js'
import type { Origin } from './types.js'

export interface StrippingHint {
  code: 'credentials_missing' | 'header_name_wrong'
  /** 0..1, for the caller that ranks causes. */
  confidence: number
  summary: string
  fix: string
  evidence: string[]
}

/** The headers of `request` that carry a credential, with their values fingerprinted. */
export function credentialHeaders(request: HttpRequest): { name: string; redacted: string }[] {
  const out: { name: string; redacted: string }[] = []
  for (const [name, value] of request.headers) {
    if (!CREDENTIAL_HEADER.test(name) || NOT_CREDENTIAL.test(name) || value.trim() === '') continue
    out.push({ name, redacted: redactValue(name, value) })
  }
  return out
}

/** A credential header value as printable text: the scheme word kept, the secret fingerprinted. */
export function redactValue(name: string, value: string): string {
  if (/^(proxy-)?authorization$/i.test(name)) {
    const m = /^(\s*[A-Za-z][\w.~+-]*)(\s+)([\s\S]*)$/.exec(value)
    if (
      m &&
      /^(bearer|basic|token|digest|negotiate|apikey|hmac|signature|jwt)$/i.test(m[1]!.trim()) &&
      m[3]
    )
      return `${m[1]}${m[2]}${fingerprint(m[3])}`
  }
  return fingerprint(value)
}

const NONE_ARRIVED = [
  /missing (the )?(authorization|auth) (header|token)/i,
  /authorization (header|field|token) (is )?(missing|required|not (found|provided|present|set))/i,
  /\bauthorization (is )?(missing|not (found|provided|present|set))/i,
  /no (authorization|auth|bearer) (header|token)/i,
  /no (api )?key (was )?found( in request)?/i,
  /credentials were not provided/i,
  /\bJwt is missing\b/,
  /empty token/i,
  /missing (api[ _-]?key|token|credentials|bearer|signature)/i,
  /no (token|credentials|signature) (was |were )?(found|provided|present|sent)/i,
  /Authorization is required!/,
  /no authorization token was found/i,
  /missing subscription key/i,
  /Failed to resolve API Key variable/i,
  /Authorization field missing/i,
]

/** Why the answer says no credential arrived, or null. */
function noneArrived(response: HttpResponse): string | null {
  const s = readSignals(response)
  for (const re of NONE_ARRIVED) {
    const m = re.exec(s.body)
    if (m) return `the answer says none arrived: "${m[0]}"`
  }
  // Every challenge, in one field or several: a bare Bearer among them says "none came" only
  // when no challenge names an error.
  const challenges = parseChallenges(getAllHeaders(response.headers, 'www-authenticate'))
  const bare = challenges.find((c) => /^bearer$/i.test(c.scheme))
  if (response.status === 401 && bare && !challenges.some((c) => c.params.error !== undefined))
    return `WWW-Authenticate: ${bare.text.slice(0, 80)} carries no error code, which RFC 6750 §3 reserves for a request with no credential at all`
  return null
}

/** Shortest credential (or part after the scheme) taken as echoed when the answer holds it. */
const ECHO_MIN = 8

/**
 * Where the answer quotes back the Authorization (or another credential header) the request
 * sent, or null: then that header reached whatever wrote the answer, and nothing on the way
 * dropped it. The diagnosis reads an answer whose echoes are already fingerprinted (index.ts:
 * scrubResponse), so a value's fingerprint counts as much as the value.
 */
export function echoedCredential(request: HttpRequest, response: HttpResponse): string | null {
  const s = readSignals(response)
  const texts: [string, string][] = [
    ['body', s.body],
    ...getAllHeaders(response.headers, 'www-authenticate').map((v): [string, string] => [
      'WWW-Authenticate',
      v,
    ]),
  ]
  for (const [name, value] of request.headers) {
    if (!CREDENTIAL_HEADER.test(name) || NOT_CREDENTIAL.test(name)) continue
    const whole = value.trim()
    const afterScheme = /^[A-Za-z][\w.~+-]*[ \t]+(\S[\s\S]*)$/.exec(whole)?.[1]?.trim()
    const forms = [whole, afterScheme]
      .filter((v): v is string => !!v && v.length >= ECHO_MIN)
      .flatMap((v) => [v, fingerprint(v)])
    for (const [where, text] of texts)
      if (forms.some((f) => text.includes(f)))
        return `the answer's ${where} quotes back the ${name} sent (${redactValue(name, value)}): it arrived`
  }
  return null
}

function onPath(origin: Origin, response: HttpResponse, product: RegExp, server: RegExp): boolean {
  if (origin.product && product.test(origin.product)) return true
  if (origin.evidence.some((e) => product.test(e))) return true
  return server.test(getHeader(response.headers, 'server') ?? '')
}

export function credentialStrippingHints(
  request: HttpRequest,
  response: HttpResponse,
  origin: Origin,
): StrippingHint[] {
  const creds = credentialHeaders(request)
  if (creds.length === 0) return []
  const hints: StrippingHint[] = []
  const sent = creds.map((c) => `sent ${c.name}: ${c.redacted}`)

  // A redirect: whoever follows it drops Authorization (RFC 9110 §15.4), POST may become GET.
  const location = getHeader(response.headers, 'location')
  if (response.status >= 300 && response.status < 400 && location) {
    const from = requestUrl(request)
    let to: URL | null = null
    try {
      to = new URL(location, from)
    } catch {
      to = null
    }
    const kind = !to
      ? 'to an unparseable Location'
      : from.protocol === 'http:' && to.protocol === 'https:'
        ? 'from http to https'
        : to.host !== from.host
          ? `to another host (${to.host})`
          : to.pathname === `${from.pathname}/` || `${to.pathname}/` === from.pathname
            ? 'to the same path with a trailing slash changed'
            : 'to another path'
    // Clients (fetch, curl -L, undici) drop Authorization only when the origin changes; on the
    // same origin the credential goes along, and what is lost is the method or the body.
    const sameOrigin = to !== null && to.origin === from.origin
    const postToGet =
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && request.method === 'POST')
    const lost = sameOrigin
      ? postToGet
        ? 'a client that follows it keeps the Authorization header (same origin) but turns the POST into a GET without the body'
        : 'a client that follows it keeps the Authorization header (same origin), but many senders do not follow redirects at all'
      : `a client that follows it drops the Authorization header${postToGet ? ' and turns the POST into a GET' : ''}, so the credential never reaches the final URL`
    hints.push({
      code: 'credentials_missing',
      confidence: sameOrigin ? 0.6 : 0.8,
      summary: `The receiver answered ${response.status}, a redirect ${kind}; ${lost}.`,
      fix: `Send the webhook to the final URL ${to ? to.href : location} directly, so that no redirect is followed.`,
      evidence: [`${response.status} Location: ${location}`, ...sent],
    })
  }

  // Header names with underscores: nginx ignores them unless underscores_in_headers is on.
  const underscored = creds.filter((c) => c.name.includes('_'))
  if (underscored.length && response.status >= 400) {
    const viaNginx = onPath(origin, response, /nginx|openresty/i, /nginx|openresty/i)
    const viaApache = onPath(origin, response, /apache/i, /apache/i)
    const hop = viaNginx
      ? 'nginx'
      : viaApache
        ? 'Apache'
        : 'a proxy (nginx and Apache both do this by default)'
    hints.push({
      code: 'header_name_wrong',
      confidence: viaNginx || viaApache ? 0.85 : 0.5,
      summary: `The credential travels in ${underscored.map((c) => c.name).join(', ')}, a header name with an underscore; ${hop} silently drops such headers, so the receiver never sees it.`,
      fix: `Send it as ${underscored.map((c) => c.name.replace(/_/g, '-')).join(', ')} (hyphens, not underscores)${viaNginx ? ", or set 'underscores_in_headers on;' in the nginx server block" : ''}.`,
      evidence: [
        ...underscored.map((c) => `sent ${c.name}: ${c.redacted}`),
        ...(viaNginx ? ['nginx is on the path'] : viaApache ? ['Apache is on the path'] : []),
      ],
    })
  }

  const none = noneArrived(response)
  // The answer quotes the credential back: it was not dropped on the way, whatever else the
  // answer says (a bare Bearer challenge is then a receiver that refuses without a code).
  if (!none || echoedCredential(request, response)) return hints.sort(byConfidence)
  const auth = creds.find((c) => /^authorization$/i.test(c.name))

  if (auth) {
    const server = getHeader(response.headers, 'server') ?? ''
    const powered = getHeader(response.headers, 'x-powered-by') ?? ''
    const php = /php/i.test(powered) || origin.product === 'laravel' || /php/i.test(server)
    const apache = onPath(origin, response, /apache/i, /apache/i)
    if (apache || php || origin.product === null) {
      const ev = [none, `sent ${auth.name}: ${auth.redacted}`]
      if (apache) ev.push(`Apache on the path${server ? ` (server: ${server})` : ''}`)
      if (php) ev.push(`PHP behind it${powered ? ` (x-powered-by: ${powered})` : ''}`)
      const seen = apache || php
      const confidence = seen ? 0.8 : GUESS
      hints.push({
        code: 'credentials_missing',
        confidence,
        // Printed on its own by replay, without the number: a guess says it is one.
        summary: seen
          ? 'The Authorization header was sent but the application did not get it: Apache with PHP-FPM or CGI drops Authorization before PHP sees it unless told to pass it on.'
          : `The Authorization header was sent, yet the answer reads as if none arrived. Nothing in it names the server, so this is a guess (confidence ${Math.round(confidence * 100)}%): Apache with PHP-FPM or CGI drops Authorization before PHP sees it unless told to pass it on.`,
        fix: "On the receiver's Apache: 'CGIPassAuth On' (Apache 2.4.13+), or 'RewriteEngine On' + 'RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]' (in .htaccess), or with proxy_fcgi 'SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1'.",
        evidence: ev,
      })
    }
    if (onPath(origin, response, /cloudfront/i, /^cloudfront$/i)) {
      hints.push({
        code: 'credentials_missing',
        confidence: 0.7,
        summary:
          'The request passed through CloudFront, which does not forward the Authorization header to the origin unless its cache or origin request policy includes it.',
        fix: 'In the CloudFront distribution, add Authorization to the cache policy (or the origin request policy) of this path.',
        evidence: [none, `sent ${auth.name}: ${auth.redacted}`, 'CloudFront is on the path'],
      })
    }
    if (origin.layer === 'application' && onPath(origin, response, /envoy|istio/i, /envoy/i)) {
      hints.push({
        code: 'credentials_missing',
        confidence: 0.4,
        summary:
          "The request passed through Envoy; its jwt_authn filter removes the token after checking it unless 'forward: true' is set, so the application behind it sees none.",
        fix: "In the Envoy JWT provider, set 'forward: true' (or read the verified claims from the forwarded payload header).",
        evidence: [none, 'Envoy is on the path'],
      })
    }
    const local = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\//i.test(request.url)
    if (/^http:\/\//i.test(request.url) && !local) {
      hints.push({
        code: 'credentials_missing',
        confidence: 0.45,
        summary:
          'The request goes to an http:// URL; if the receiver redirects it to https://, the client drops Authorization while following the redirect.',
        fix: `Send to ${request.url.replace(/^http:/i, 'https:')} directly.`,
        evidence: [none, `url: ${request.url.replace(/[?#].*$/, '')}`],
      })
    }
  }
  return hints.sort(byConfidence)
}

/** The Apache/PHP hint when nothing in the answer names Apache or PHP. */
const GUESS = 0.35

function byConfidence(a: StrippingHint, b: StrippingHint): number {
  return b.confidence - a.confidence
}
