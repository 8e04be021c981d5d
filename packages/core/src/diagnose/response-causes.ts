/**
 * What the response alone says about the cause: a 404/405/413/429/410 is not authentication
 * at all; a 403 is a missing right, an edge WAF's block or an IP rule, not a wrong credential;
 * a 401 whose challenge asks for another scheme than the one sent, or whose gateway found no
 * credential under the one header name it reads; a credential sent but stripped on the way,
 * or dropped by a redirect the client followed first.
 * @module
 */
import { getAllHeaders, getHeader } from '../message/headers.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import type { Verdict } from '../verdict/types.js'
import { followedRedirects, readSignals } from './origin.js'
import { platformFindings } from './platform-causes.js'
import { problemDetail } from './problem-detail.js'
import {
  apiGatewayNoSuchResource,
  cloudfrontMethodRefused,
  edgeBlock,
  gatewaySaysMissing,
  type NoSuchResource,
  productName,
} from './products/blocks.js'
import { graphqlAuthError } from './products/data-apis.js'
import type { Signals } from './products/types.js'
import { statedReasonFindings } from './stated-reason.js'
import { credentialHeaders, credentialStrippingHints } from './stripping.js'
import { type Finding, findings, step } from './transforms/types.js'
import type { Origin, ResponseSummary } from './types.js'
import { headerFix, plainFix } from './wording.js'

function bodyText(res: HttpResponse): string {
  return Buffer.from(
    res.body.buffer,
    res.body.byteOffset,
    Math.min(res.body.byteLength, 65536),
  ).toString('utf8')
}

export function responseFindings(
  req: HttpRequest,
  res: HttpResponse,
  summary: ResponseSummary,
  origin: Origin,
  verdict: Verdict | null,
  /** The diagnosis's clock (unix seconds): a receiver's "expired" is weighed against it. */
  now?: number,
): Finding[] {
  const out: Finding[] = []
  const meaning = summary.meaning ?? `${summary.status} from the receiver.`
  const by = origin.product ? `${origin.product} (${origin.layer})` : 'the receiver'
  const ev = [`${summary.status} from ${by}`, ...origin.evidence.slice(0, 3)]
  const signals = readSignals(res, req)
  // What the hop or framework that answered means by it, and the reason it states itself.
  out.push(...platformFindings(req, signals, origin, ev))
  if (summary.class === 'authentication' || summary.class === 'authorization')
    out.push(...statedReasonFindings(signals, by, ev, now))
  const explained = out.length > 0
  switch (summary.class) {
    case 'success':
      out.push(...disguisedRefusal(signals, origin, by, ev, now))
      break
    case 'not_found': {
      // The receiver's own words, when it gave them (hookwarden's 404 names the endpoint meant).
      const said = problemDetail(res)
      out.push(
        ...findings(
          [
            step(
              'route_not_found',
              meaning,
              said
                ? plainFix(`Change the webhook URL as the receiver says: ${said}`)
                : origin.product === 'n8n'
                  ? {
                      code: "Activate the n8n workflow that holds this webhook (its production URL /webhook/… answers only while the workflow is active; /webhook-test/… only while the editor listens), and check the Webhook node's HTTP method and path.",
                      n8n: "Open the workflow with this Webhook node and switch it to Active: the production URL /webhook/… answers only while it is active (the test URL /webhook-test/… only while you listen for a test event). Check the node's HTTP Method and Path match the request.",
                    }
                  : plainFix(
                      'Check the webhook URL: the path (a trailing slash, a stage or version prefix) and the host.',
                    ),
              ev,
            ),
          ],
          0.8,
        ),
      )
      break
    }
    case 'method_not_allowed':
      out.push(
        ...findings(
          [
            step(
              'method_not_allowed',
              meaning,
              plainFix(
                `Send ${req.method === 'GET' ? 'POST' : 'the method the receiver expects'} to the final URL (no redirect).`,
              ),
              ev,
            ),
          ],
          0.8,
        ),
      )
      break
    case 'payload_too_large':
      out.push(
        ...findings(
          [
            step(
              'payload_too_large',
              meaning,
              plainFix(
                'Send a smaller body, or raise the size limit on the receiver (e.g. nginx client_max_body_size).',
              ),
              ev,
            ),
          ],
          0.8,
        ),
      )
      break
    case 'rate_limited':
      out.push(
        ...findings(
          [
            step(
              'rate_limited',
              meaning,
              plainFix(
                'Slow down and honour Retry-After; if 401s came first, stop retrying them and fix the credential.',
              ),
              ev,
            ),
          ],
          0.8,
        ),
      )
      break
    case 'gone':
      out.push(
        ...findings(
          [
            step(
              'endpoint_disabled',
              meaning,
              {
                code: 'The endpoint is switched off or removed: turn it back on, or ask the receiver for the new URL.',
                make: 'In Make, open the scenario with this webhook and switch it back ON (Make turns an instant-trigger scenario off after its first error, then answers 410); fix the error first or it switches off again.',
              },
              ev,
            ),
          ],
          0.85,
        ),
      )
      break
    case 'server_error':
      out.push(...serverErrorFindings(res, origin, ev))
      break
    case 'authorization': {
      const text = bodyText(res)
      const www = getHeader(res.headers, 'www-authenticate') ?? ''
      const noResource = apiGatewayNoSuchResource(signals, origin.product)
      const methodRefused = cloudfrontMethodRefused(signals, origin.product)
      const block = edgeBlock(signals, origin.product)
      if (noResource) {
        out.push(...noSuchResourceFindings(req, res, noResource, ev))
      } else if (methodRefused) {
        out.push(
          ...findings(
            [
              step(
                'method_not_allowed',
                `CloudFront refused the ${req.method} (403): the distribution's cache behaviour allows only GET and HEAD (its default), so it never forwarded the request.`,
                plainFix(
                  'Have the receiver set Allowed HTTP methods to GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE on the cache behaviour of this path, or send to an origin URL that is not behind it.',
                ),
                [methodRefused, ...ev],
              ),
            ],
            0.85,
          ),
        )
      } else if (block) {
        out.push(...edgeBlockFindings(block, summary.status, ev))
      } else if (explained) {
        // The platform's own meaning, or the receiver's stated reason, says it already.
      } else if (
        /\bIP\b|ip address|not (in the )?allow|allow ?list|whitelist|forbidden for your (ip|address)|1020/i.test(
          text,
        )
      ) {
        out.push(
          ...findings(
            [
              step(
                'ip_not_allowed',
                `${meaning} The body points at an IP rule.`,
                plainFix(
                  "Send from an address on the receiver's allow list (Make, Zapier and n8n Cloud publish theirs), or have it added.",
                ),
                ev,
              ),
            ],
            0.75,
          ),
        )
      } else if (origin.product === 'n8n') {
        out.push(
          ...findings(
            [
              step(
                'credential_unknown',
                meaning,
                {
                  code: 'Check the credential: n8n answers 403 when the credential is present but wrong.',
                  n8n: 'In the Webhook node, check Authentication and the credential it uses; n8n answers 403 when the credential sent does not match.',
                },
                ev,
              ),
            ],
            0.6,
          ),
        )
      } else {
        out.push(
          ...findings(
            [
              step(
                'insufficient_scope',
                meaning,
                plainFix(
                  /insufficient_scope/i.test(www)
                    ? `Use a credential with the required right${/scope="([^"]*)"/.exec(www) ? ` (scope ${/scope="([^"]*)"/.exec(www)![1]})` : ''}.`
                    : 'Use a credential that has the right to call this endpoint, or check IP and CSRF rules on the receiver; retrying the same request will not help.',
                ),
                ev,
              ),
            ],
            /insufficient_scope/i.test(www) ? 0.8 : 0.5,
          ),
        )
      }
      break
    }
    case 'authentication': {
      out.push(...credentialUnderOtherName(req, res, origin))
      const challenge = (getHeader(res.headers, 'www-authenticate') ?? '').trim()
      const wanted = /^([A-Za-z][\w.~+-]*)/.exec(challenge)?.[1]
      const sentScheme = getAllHeaders(req.headers, 'authorization')
        .map((v) => /^\s*([A-Za-z][\w.~+-]*)[ \t]/.exec(v)?.[1])
        .find((s) => s !== undefined)
      // A 401 may offer several schemes (one header or several, RFC 9110 §11.6.1): the
      // request's own among them is no mismatch.
      const offered = challengeSchemes(getAllHeaders(res.headers, 'www-authenticate'))
      if (
        wanted &&
        sentScheme &&
        /^(basic|bearer|digest)$/i.test(wanted) &&
        !offered.includes(sentScheme.toLowerCase())
      ) {
        out.push(
          ...findings(
            [
              step(
                'scheme_mismatch',
                `${by[0]!.toUpperCase()}${by.slice(1)} answered 401 asking for ${wanted} credentials (WWW-Authenticate: ${challenge.slice(0, 60)}), but the request sent ${sentScheme}: that hop has its own ${wanted} protection in front of the receiver.`,
                plainFix(
                  `Either send the ${wanted} credentials this hop asks for, or have its ${wanted} protection lifted for the webhook path.`,
                ),
                ev,
              ),
            ],
            0.6,
          ),
        )
      }
      break
    }
  }
  out.push(...redirectFindings(req, res, summary))
  if (
    summary.class === 'authentication' ||
    summary.class === 'authorization' ||
    (summary.status >= 300 && summary.status < 400)
  ) {
    for (const h of credentialStrippingHints(req, res, origin)) {
      out.push({
        code: h.code,
        confidence: h.confidence,
        summary: h.summary,
        fix: plainFix(h.fix),
        evidence: h.evidence,
      })
    }
    if (
      verdict?.ok &&
      (summary.class === 'authentication' || summary.class === 'authorization') &&
      !out.some((f) => f.confidence >= 0.6)
    ) {
      out.push(
        ...findings(
          [
            step(
              'credential_unknown',
              `The request verifies against this config, yet ${by} answered ${summary.status}: the receiver does not accept what hookwarden.yaml accepts (another credential configured there), or a hop dropped the credential.`,
              plainFix(
                "Compare the receiver's configured credential with this config (by fingerprint), and check every hop forwards the credential header.",
              ),
              ev,
            ),
          ],
          0.45,
        ),
      )
    }
  }
  return out
}

/** A 403 that an edge WAF wrote: refused for who or where the sender is, not its credential. */
function edgeBlockFindings(
  block: NonNullable<ReturnType<typeof edgeBlock>>,
  status: number,
  ev: string[],
): Finding[] {
  const ref = block.reference
    ? ` Quote ${block.reference}: it finds the rule that matched in ${block.by}'s logs.`
    : ''
  return findings(
    [
      step(
        'ip_not_allowed',
        `${block.by[0]!.toUpperCase()}${block.by.slice(1)} refused the request (${status}) with its own block page before it reached the receiver: ${block.rules} matched who or where the request comes from (IP address, country, bot or reputation score) or how it looks, not the credential, which was never checked.`,
        plainFix(
          block.fix
            ? `${block.fix}${ref}`
            : `Ask the receiver's owner to allow-list the sender's IP addresses in ${block.by} (Make, Zapier and n8n Cloud publish theirs) or to relax the rule that matched; sending it again unchanged will not help.${ref}`,
        ),
        unique([...block.evidence, ...(block.reference ? [block.reference] : []), ...ev]),
      ),
    ],
    0.8,
  )
}

/**
 * The auth schemes a set of WWW-Authenticate values offers, lower case: each comma-separated
 * piece that starts with a token not followed by `=` starts a challenge (the rest are its
 * parameters).
 */
export function challengeSchemes(values: readonly string[]): string[] {
  const out: string[] = []
  for (const value of values)
    for (const piece of value.split(',')) {
      const m = /^\s*([A-Za-z][\w.~+-]*)(?:\s+(?!=)|\s*$)/.exec(piece)
      if (m && !/^\s*[\w.~+-]+\s*=/.test(piece)) out.push(m[1]!.toLowerCase())
    }
  return out
}

function unique(list: string[]): string[] {
  return [...new Set(list)]
}

/**
 * API Gateway's "Missing Authentication Token" (or, to a request with an Authorization header
 * it cannot parse as SigV4, IncompleteSignatureException): no resource or method at this URL,
 * or an AWS_IAM method.
 */
function noSuchResourceFindings(
  req: HttpRequest,
  res: HttpResponse,
  answer: NoSuchResource,
  ev: string[],
): Finding[] {
  const said = answer.said
  const words = answer.sigv4
    ? `IncompleteSignatureException (it read the Authorization header as an AWS SigV4 signature and found it incomplete), which it sends where "Missing Authentication Token" would come to a request without one`
    : '"Missing Authentication Token"'
  const path = new URL(req.url, 'https://h.invalid').pathname
  // The invoke URL of a REST API starts with the stage; a custom domain's base path hides it.
  const stage =
    /^\/(prod|production|dev|development|stag(?:e|ing)|test|v\d+|live|default)(?=\/|$)/i.exec(
      path,
    )?.[0]
  // Webhooks are POSTed: a GET here, or a POST a redirect turned into a GET, is the method.
  const turnedToGet = followedRedirects(res, req).some(
    (r) => req.method === 'POST' && [301, 302, 303].includes(r.status),
  )
  const methodWrong = req.method === 'GET' || req.method === 'HEAD' || turnedToGet
  const method = turnedToGet ? 'GET (a redirect turned the POST into it)' : req.method
  const routeStep = step(
    'route_not_found',
    `AWS API Gateway answered 403 ${words}: despite the words, that is its answer for a path or method no resource of the deployed stage defines (${method} ${path}); no authorizer ran and the credential was not looked at.`,
    plainFix(
      `Check the invoke URL against the API: the stage prefix (${stage ? `${stage} here: is the API deployed to that stage?` : 'e.g. /prod, missing here?'}), the resource path after it (spelling, a trailing slash, a path parameter), and that ${req.method} is defined on that resource; after a change, deploy the API to the stage again.`,
    ),
    unique([said, ...ev]),
  )
  const methodStep = step(
    'method_not_allowed',
    `AWS API Gateway answered 403 ${answer.sigv4 ? 'IncompleteSignatureException' : '"Missing Authentication Token"'} to a ${method}: its answer when the resource exists but not for this method.`,
    plainFix(
      `Send POST to the final URL${turnedToGet ? ' directly, so that no redirect is followed' : ''}, or define the method on the resource and deploy the stage.`,
    ),
    unique([said, ...ev]),
  )
  const out = findings(methodWrong ? [methodStep, routeStep] : [routeStep], 0.85)
  const sigv4Fix = plainFix(
    'Sign the request with AWS Signature Version 4 (an Authorization: AWS4-HMAC-SHA256 … header), or have the method use an authorizer the sender can satisfy (a Lambda or Cognito authorizer, an API key) instead of AWS_IAM.',
  )
  if (answer.sigv4)
    out.push(
      ...findings(
        [
          step(
            'scheme_mismatch',
            'If the resource exists and its method uses AWS_IAM authorization, API Gateway wants an AWS SigV4 signature in Authorization, not the credential sent.',
            sigv4Fix,
            [
              said,
              'on a method with AWS_IAM authorization this answer means the Authorization header is not SigV4',
            ],
          ),
        ],
        0.5,
      ),
    )
  // On a method with AWS_IAM authorization the same answer means the SigV4 signature is missing.
  else if (getAllHeaders(req.headers, 'authorization').length === 0)
    out.push(
      ...findings(
        [
          step(
            'credentials_missing',
            'If this method uses AWS_IAM authorization, "Missing Authentication Token" also means the request carries no SigV4 signature.',
            sigv4Fix,
            [
              said,
              'on a method with AWS_IAM authorization this answer means no SigV4 signature came',
            ],
          ),
        ],
        0.45,
      ),
    )
  return out
}

/**
 * The gateway says no credential reached it, yet the request carries one: it is under a name
 * the gateway does not read (Kong key-auth reads apikey, APIM Ocp-Apim-Subscription-Key…).
 */
function credentialUnderOtherName(req: HttpRequest, res: HttpResponse, origin: Origin): Finding[] {
  const missing = gatewaySaysMissing(readSignals(res, req), origin.product)
  if (!missing) return []
  const sent = credentialHeaders(req).filter((c) => !/^cookie$/i.test(c.name))
  // Sent under the right name, it was stripped or malformed: other findings say which.
  if (sent.length === 0 || sent.some((c) => c.name.toLowerCase() === missing.header.toLowerCase()))
    return []
  const names = sent.map((c) => c.name).join(', ')
  const bearer = sent.some((c) => /^authorization$/i.test(c.name) && /^bearer\s/i.test(c.redacted))
  return findings(
    [
      step(
        'header_name_wrong',
        `${missing.by} answered that no credential reached it (${missing.said.replace(/^body: /, '')}), yet the request carries one in ${names}: ${missing.why}, so the credential is under a name it does not read.`,
        headerFix(
          missing.header,
          missing.value,
          `Send the credential under ${missing.header}${bearer && !/^authorization$/i.test(missing.header) ? ' (the key alone, without "Bearer ")' : ''}:`,
        ),
        [
          missing.said,
          ...sent.map((c) => `sent ${c.name}: ${c.redacted}`),
          `${missing.by} reads ${missing.header}`,
        ],
      ),
    ],
    0.8,
  )
}

/**
 * The capture shows the client followed a redirect first (`curl -i -L`): one to another scheme,
 * host or port loses Authorization, and 301/302/303 turn a POST into a GET, so the final answer
 * is to a request the sender never meant.
 */
function redirectFindings(
  req: HttpRequest,
  res: HttpResponse,
  summary: ResponseSummary,
): Finding[] {
  const redirects = followedRedirects(res, req)
  if (redirects.length === 0 || summary.class === 'success') return []
  const out: Finding[] = []
  const target = redirects[redirects.length - 1]!.location
  const auth = credentialHeaders(req).filter((c) => /^(authorization|cookie)$/i.test(c.name))
  const dropped = redirects.find((r) => r.crossOrigin)
  const refused = summary.class === 'authentication' || summary.class === 'authorization'
  if (dropped && auth.length && refused)
    out.push(
      ...findings(
        [
          step(
            'credentials_missing',
            `The client first got a ${dropped.status} redirect ${dropped.kind} and followed it; a client drops Authorization when a redirect changes the scheme, host or port, so the final ${summary.status} answered a request without the credential.`,
            plainFix(
              `Send the webhook to the final URL ${target} directly, so that no redirect is followed.`,
            ),
            [
              `${dropped.status} Location: ${dropped.location}`,
              ...auth.map((c) => `sent ${c.name}: ${c.redacted}`),
            ],
          ),
        ],
        0.8,
      ),
    )
  const toGet = redirects.find((r) => [301, 302, 303].includes(r.status))
  if (toGet && req.method === 'POST' && summary.class !== 'server_error')
    out.push(
      ...findings(
        [
          step(
            'method_not_allowed',
            `The client followed a ${toGet.status} redirect ${toGet.kind}, and on ${toGet.status} it resends a POST as a GET without its body, so the final ${summary.status} answered a GET the receiver does not expect.`,
            plainFix(
              `Send the POST to the final URL ${target} directly (a 307 or 308 keeps the method, if the receiver must redirect).`,
            ),
            [`${toGet.status} Location: ${toGet.location}`, `request method ${req.method}`],
          ),
        ],
        summary.class === 'method_not_allowed' || summary.class === 'not_found' ? 0.85 : 0.6,
      ),
    )
  return out
}

/** What each hop's 5xx says went wrong with the application behind it. */
const UPSTREAM_WORDS: Record<number, string> = {
  502: 'it could not connect to the application behind it, or got no valid answer from it (down, crashed, or listening on another port)',
  503: 'it has no healthy instance of the application behind it to send the request to (stopped, crashed, scaled to zero or in maintenance)',
  504: 'it waited for the application behind it and gave up (the handler is too slow or hangs)',
  520: 'the origin server sent it an empty or unexpected answer',
  521: "the origin server refused its connection (down, or refusing Cloudflare's addresses)",
  522: 'its connection to the origin server timed out',
  523: 'it could not reach the origin server (its DNS or route)',
  524: 'the origin server took the connection but did not answer within 100 s',
  525: 'the TLS handshake with the origin server failed',
  526: "the origin server's TLS certificate is not valid",
  527: 'its Railgun connection to the origin server failed',
  530: 'it could not resolve or reach the origin server (the 1xxx code in the body says which)',
}
const TIMEOUT = /time(d)?[ -]?out/i

/**
 * Every 5xx is a cause: a hop's 502/503/504 (or Cloudflare's 52x) says the application behind
 * it is down or slow (upstream_unavailable); any other 5xx, and the application's own, says the
 * receiver failed while handling the request (server_error). Neither is authentication.
 */
function serverErrorFindings(res: HttpResponse, origin: Origin, ev: string[]): Finding[] {
  const hopWords = !!UPSTREAM_WORDS[res.status]
  if (hopWords && origin.layer !== 'application') return upstreamFindings(res, origin, ev)
  return receiverFailed(res, origin, ev)
}

/** What an application (or a hop, for a 500 of its own) says with each status. */
const FAILED_WORDS: Record<number, string> = {
  500: 'it failed while handling the request (an unhandled error in the webhook handler, or a database or downstream call that failed)',
  501: 'it does not implement this method',
  502: 'a call it made to a service behind it failed',
  503: 'it says it cannot take the request now (maintenance, overload, or a dependency it needs is down)',
  504: 'a call it made to a service behind it timed out',
}

function receiverFailed(res: HttpResponse, origin: Origin, ev: string[]): Finding[] {
  const by = origin.product
    ? productName(origin.product)
    : origin.layer === 'unknown'
      ? 'the receiver'
      : `the ${origin.layer}`
  const words = FAILED_WORDS[res.status] ?? 'it failed while handling the request'
  const retry = getHeader(res.headers, 'retry-after')
  return findings(
    [
      step(
        'server_error',
        `${by[0]!.toUpperCase()}${by.slice(1)} answered ${res.status}: ${words}. The request reached it; the answer is not about the credential (a refused credential is a 401 or 403).`,
        plainFix(
          `Ask the receiver to look this request up in its logs (the time, a request id) and fix the error; check that the body is what the handler expects (Content-Type, field names), since a handler that trips over an unexpected payload answers ${res.status === 500 ? '500' : 'this way'}. Then send again${retry ? ` (Retry-After: ${retry})` : ''}: the sender's retries succeed once it is fixed.`,
        ),
        ev,
      ),
    ],
    origin.layer === 'application' ? 0.75 : 0.6,
  )
}

/**
 * A 502/503/504 (or Cloudflare's 52x) that a proxy or gateway wrote: the hop in front is fine,
 * the application behind it was down, slow or refused the connection. Not authentication.
 * Nothing named the hop: a 503 is then the receiver's own as often as a hop's (less sure).
 */
function upstreamFindings(res: HttpResponse, origin: Origin, ev: string[]): Finding[] {
  const hop = origin.layer === 'gateway' || origin.layer === 'proxy'
  // "first byte timeout", "upstream request timeout", "Endpoint request timed out": a timeout
  // whatever the status.
  const said = `${res.statusText ?? ''} ${res.body.byteLength < 300 ? bodyText(res) : ''}`
  const timedOut = TIMEOUT.test(said) || [504, 522, 524].includes(res.status)
  const words = TIMEOUT.test(said) ? UPSTREAM_WORDS[504]! : UPSTREAM_WORDS[res.status]!
  const by = origin.product
    ? productName(origin.product)
    : hop
      ? `the ${origin.layer}`
      : 'a proxy or gateway'
  const status = `${res.status}${res.statusText && TIMEOUT.test(res.statusText) ? ` "${res.statusText}"` : ''}`
  const retry = getHeader(res.headers, 'retry-after')
  return findings(
    [
      step(
        'upstream_unavailable',
        `${by[0]!.toUpperCase()}${by.slice(1)} answered ${status}: ${words}. ${timedOut ? 'The handler may have run, but its answer did not come back in time' : 'The request never reached the webhook handler'}; the credential was not the problem.`,
        plainFix(
          `Ask the receiver to check that the application behind ${by} is running and healthy, that ${by} forwards to the right host and port, and that its timeouts cover how long the handler takes; then send again${retry ? ` (Retry-After: ${retry})` : ''}. A retry later may succeed on its own.`,
        ),
        ev,
      ),
    ],
    origin.product && hop ? 0.8 : hop || res.status !== 503 ? 0.6 : 0.5,
  )
}

/**
 * A 2xx that is a refusal in disguise: a WAF block page sent with status 200 (F5 ASM's
 * default), or a GraphQL server's authentication error (Hasura answers them 200).
 */
function disguisedRefusal(
  s: Signals,
  origin: Origin,
  by: string,
  ev: string[],
  now?: number,
): Finding[] {
  const block = edgeBlock(s, origin.product)
  if (block) return edgeBlockFindings(block, s.status, ev)
  const gql = graphqlAuthError(s)
  if (!gql) return []
  const stated = statedReasonFindings(s, by, ev, now)
  if (stated.length) return stated
  return findings(
    [
      step(
        'credential_unknown',
        `${by[0]!.toUpperCase()}${by.slice(1)} answered ${s.status}, but the body is a GraphQL error that refuses the credential ("${gql.message.slice(0, 90)}"${gql.code ? `, code ${gql.code}` : ''}): GraphQL servers answer errors with 200, so the webhook was not processed.`,
        plainFix(
          'Check the credential against the GraphQL server\'s auth settings (its JWT secret or JWKS, the claims it requires); treat a 200 with an "errors" array and no "data" as a failure.',
        ),
        ev,
      ),
    ],
    0.7,
  )
}
