/**
 * What kind of failure a response is (contract §3 `response.class`) and what that means for
 * the sender: 401 "who are you?" is not 403 "I know, and no", nor 404 "wrong address", nor
 * 410 "gone for good", nor 429 "slow down".
 * @module
 */
import { getAllHeaders, getHeader } from '../message/headers.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import { detectOrigin, readSignals } from './origin.js'
import { problemDetail } from './problem-detail.js'
import { edgeBlock } from './products/blocks.js'
import { graphqlAuthError } from './products/data-apis.js'
import { parseChallenges } from './products/types.js'
import { echoedCredential } from './stripping.js'
import type { Origin, ResponseClass, ResponseSummary } from './types.js'

export { type Challenge, parseChallenges } from './products/types.js'

export interface ClassifyContext {
  /** Who answered, when already known (else worked out from the response). */
  origin?: Origin
  /** Statuses of the earlier attempts of the same delivery, oldest first (retry history). */
  previousStatuses?: readonly number[]
  /** The request answered, when known: its scheme is weighed against the challenges. */
  request?: HttpRequest
}

export function responseClass(status: number): ResponseClass {
  if (status >= 200 && status < 300) return 'success'
  switch (status) {
    case 401:
      return 'authentication'
    case 403:
      return 'authorization'
    case 404:
      return 'not_found'
    case 405:
      return 'method_not_allowed'
    case 410:
      return 'gone'
    case 413:
      return 'payload_too_large'
    case 415:
      return 'unsupported_media_type'
    case 429:
      return 'rate_limited'
  }
  return status >= 500 && status < 600 ? 'server_error' : 'other'
}

export function classifyResponse(
  response: HttpResponse,
  context: ClassifyContext = {},
): ResponseSummary {
  const status = response.status
  const cls = responseClass(status)
  const origin = context.origin ?? detectOrigin(response)
  return {
    status,
    class: cls,
    meaning: meaningOf(response, cls, origin, context.previousStatuses ?? [], context.request),
  }
}

function who(origin: Origin): string {
  if (origin.product) return `${origin.product} (${origin.layer})`
  return origin.layer === 'unknown' ? 'the receiver' : `the ${origin.layer}`
}

/**
 * The scheme and the parameters that name no value of the sender's (`error`, `realm`,
 * `scope`), never the raw challenge: a receiver may quote the credential it refused in
 * `error_description`, and a cut taken before the caller's scrub would print most of it.
 */
export function challengeGist(www: string): string {
  const scheme = /^\s*([A-Za-z][\w.~+-]*)/.exec(www)?.[1] ?? ''
  const params: string[] = []
  for (const name of ['error', 'realm', 'scope']) {
    const v = new RegExp(`[\\s,]${name}\\s*=\\s*(?:"([^"]*)"|([^\\s,]*))`, 'i').exec(
      ` ${www.slice(scheme.length)}`,
    )
    const value = v ? (v[1] ?? v[2] ?? '') : null
    // A short word names a realm or an error; anything longer or token-like is left out.
    if (value !== null && /^[\w .:/@-]{0,40}$/.test(value) && !/[A-Za-z0-9_-]{20,}/.test(value))
      params.push(`${name}="${value}"`)
  }
  return [scheme, params.join(', ')].filter(Boolean).join(' ')
}

/** The scheme word of the request's Authorization, as sent, or null. */
function sentScheme(request: HttpRequest | undefined): string | null {
  if (!request) return null
  for (const v of getAllHeaders(request.headers, 'authorization')) {
    const m = /^\s*([A-Za-z][\w.~+-]*)(?:[ \t]|$)/.exec(v)
    if (m) return m[1]!
  }
  return null
}

/** `Basic`, `Basic and Bearer`, `Basic, Bearer and Digest`. */
function andList(words: readonly string[]): string {
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

/**
 * What the challenges of a 401 say. The most specific first: a challenge that names an error
 * (RFC 6750 §3: a token came and was refused); then, when several schemes are offered, whether
 * the request's is among them (then the scheme is not what was refused); then a bare Bearer
 * challenge (no credential reached it) or the one scheme asked for.
 */
function challengeWords(res: HttpResponse, request: HttpRequest | undefined): string {
  const challenges = parseChallenges(getAllHeaders(res.headers, 'www-authenticate'))
  if (challenges.length === 0)
    return 'It sent no WWW-Authenticate challenge (RFC 9110 requires one), so it does not say which scheme it wants. '
  const schemes: string[] = []
  for (const c of challenges)
    if (!schemes.some((x) => x.toLowerCase() === c.scheme.toLowerCase())) schemes.push(c.scheme)
  const sent = sentScheme(request)
  const sentOffered = sent !== null && schemes.some((x) => x.toLowerCase() === sent.toLowerCase())
  const others =
    schemes.length > 1
      ? `It offers ${andList(schemes)} (${challenges.length} challenges, RFC 9110 §11.6.1)${sentOffered ? `, the request's ${sent} among them` : ''}. `
      : ''
  const erring = challenges.find((c) => c.params.error !== undefined)
  if (erring) {
    const gist = challengeGist(erring.text)
    if (erring.params.error!.toLowerCase() === 'insufficient_scope')
      return `${others}Its ${erring.scheme} challenge names an error (${gist}): a token arrived and was read, but it lacks the scope this resource requires; a token granted that scope is the fix, not another scheme. `
    return `${others}Its ${erring.scheme} challenge names an error (${gist}): a credential arrived and was refused. `
  }
  if (schemes.length > 1) {
    if (sentOffered)
      return `${others}The scheme is not what it refused: the ${sent} credential itself was refused, or did not arrive. `
    return `${others}${sent ? `The request sent ${sent}, none of them: ` : ''}a credential of another scheme does not satisfy it. `
  }
  const only = challenges[0]!
  if (/^bearer$/i.test(only.scheme)) {
    const echo = request ? echoedCredential(request, res) : null
    return echo
      ? `Its Bearer challenge carries no error code, which RFC 6750 reserves for a request without a credential; yet ${echo}, and was refused without a code. `
      : 'Its Bearer challenge carries no error code, which is what a receiver answers when no credential reached it at all. '
  }
  if (sentOffered)
    return `It asks for ${only.scheme} credentials (${challengeGist(only.text)}), the scheme the request used: the credentials themselves were refused, or did not arrive. `
  return `It asks for ${only.scheme} credentials (${challengeGist(only.text)}): a credential of another scheme does not satisfy it. `
}

function meaningOf(
  res: HttpResponse,
  cls: ResponseClass,
  origin: Origin,
  previous: readonly number[],
  request: HttpRequest | undefined,
): string {
  const status = res.status
  const by = who(origin)
  switch (cls) {
    case 'success': {
      // A refusal in disguise: a WAF's block page or a GraphQL auth error sent with 2xx.
      const s = readSignals(res)
      const block = edgeBlock(s, origin.product)
      if (block)
        return `${status} from ${by}, but the body is its block page: the request was refused and not delivered, whatever the status says.`
      const gql = graphqlAuthError(s)
      if (gql)
        return `${status} from ${by}, but the body is a GraphQL error refusing the credential ("${gql.message.slice(0, 80)}"): GraphQL servers answer errors with 200, so the webhook was not processed.`
      return `Accepted by ${by}: authentication is not the problem.`
    }
    case 'authentication': {
      let m = `401 Unauthorized from ${by}: it did not accept the credentials, or did not see any. `
      m += challengeWords(res, request)
      m += 'Retrying the same request cannot succeed: fix the credential first.'
      if (origin.product === 'n8n')
        m += ' (n8n answers 403, not 401, when credentials are present but wrong.)'
      return m
    }
    case 'authorization': {
      let m = `403 Forbidden from ${by}: `
      if (origin.product === 'n8n')
        return `${m}n8n answers 403 for wrong credentials ("Authorization data is wrong!"), so here it means the credential is wrong, not that it lacks a right.`
      if (
        origin.product === 'django' &&
        /not provided/i.test(Buffer.from(res.body).toString('utf8'))
      )
        return `${m}Django REST framework answers 403 instead of 401 when its authenticator sends no challenge; it means no credential reached the view.`
      if (origin.layer === 'gateway' && origin.product)
        m += `a WAF, access policy or gateway rule refused the request before it reached the receiver (IP, bot rule, missing or invalid access token). `
      else
        m +=
          'it understood who is calling and refuses anyway (missing scope or right, IP not allowed, CSRF middleware), or it refuses for a reason unrelated to credentials. '
      if (/csrf|authenticity/i.test(origin.evidence.join(' ')))
        m += 'Here CSRF protection answered before the webhook handler: exempt the webhook route. '
      if ((origin.product === 'envoy' || origin.product === 'istio') && res.body.length === 0)
        m +=
          'An empty 403 from Envoy can also mean its external authorization service failed or is unreachable (ext_authz answers 403 on error by default). '
      return `${m}Unlike a 401, repeating it with the same credentials will not help (RFC 9110 §15.5.4).`
    }
    case 'not_found': {
      const said = problemDetail(res)
      return `404 Not Found from ${by}: nothing listens at this URL and method. Check the path (a trailing slash, a stage or version prefix); some receivers answer 404 instead of 403 to hide a resource. Not an authentication failure.${said ? ` It says: "${said}"` : ''}`
    }
    case 'method_not_allowed':
      return `405 Method Not Allowed from ${by}: the URL exists but not for this method (POST where GET is expected, or a redirect turned POST into GET).`
    case 'gone':
      if (origin.product === 'make')
        return '410 Gone from Make: the scenario listening on this webhook is switched off (Make deactivates an instant-trigger scenario after an error, and a webhook with no scenario for 5 days). Turn the scenario back on; every delivery until then is lost.'
      return `410 Gone from ${by}: the endpoint was removed or disabled on purpose. Stop sending and ask for the new URL; many senders disable a webhook on 410.`
    case 'payload_too_large':
      return `413 Payload Too Large from ${by}: the body is over its size limit. Not an authentication failure.`
    case 'unsupported_media_type':
      return `415 Unsupported Media Type from ${by}: the Content-Type is not one it accepts (JSON sent as form data, or the reverse).`
    case 'rate_limited': {
      const retryAfter = getHeader(res.headers, 'retry-after')
      let m = `429 Too Many Requests from ${by}: it is throttling the sender${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}. `
      if (origin.product === 'make')
        m += 'Make throttles a webhook above about 300 requests per 10 seconds. '
      const unauth = previous.filter((s) => s === 401 || s === 403).length
      if (unauth >= 3)
        m += `This follows ${unauth} rejected attempts (401/403): a retry storm. The sender keeps retrying a request that cannot succeed; stop retrying 401s and fix the credential, and the 429s go away. `
      else
        m +=
          'If it follows many retries of a 401, it is a retry storm: a 401 never succeeds on retry, so stop retrying it and fix the credential. '
      return m.trim()
    }
    case 'server_error':
      return `${status} from ${by}: the receiver or a hop failed (${status === 502 || status === 504 ? 'the upstream did not answer in time or refused the connection' : 'an internal error'}). Not an authentication failure; a retry later may succeed.`
    default:
      if (status === 407)
        return "407 Proxy Authentication Required: a forward proxy on the sender's side wants Proxy-Authorization. The receiver never saw the request."
      if (status >= 300 && status < 400)
        return `${status} redirect to ${getHeader(res.headers, 'location') ?? '(no Location)'}: clients drop Authorization when they follow a redirect to another origin, and many turn POST into GET on 301/302. Send to the final URL directly.`
      if (status === 400)
        return `400 Bad Request from ${by}: the request is malformed (RFC 6750 invalid_request: a duplicated or malformed credential, or a body it cannot parse).`
      if (status === 419)
        return '419 from Laravel: CSRF protection refused the request before the handler ran. Exempt the webhook route from VerifyCsrfToken.'
      if (status === 422)
        return `422 from ${by}: the body was understood but refused (Rails answers 422 for an invalid CSRF authenticity token).`
      return `${status} from ${by}.`
  }
}
