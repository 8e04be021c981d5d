/**
 * What the response alone says about the cause: a 404/405/413/429/410 is not authentication
 * at all; a 403 is a missing right or an IP rule, not a wrong credential; a 401 whose challenge
 * asks for another scheme than the one sent; a credential sent but stripped on the way.
 * @module
 */
import { getAllHeaders, getHeader } from '../message/headers.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import type { Verdict } from '../verdict/types.js'
import { problemDetail } from './problem-detail.js'
import { credentialStrippingHints } from './stripping.js'
import { type Finding, findings, step } from './transforms/types.js'
import type { Origin, ResponseSummary } from './types.js'
import { plainFix } from './wording.js'

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
): Finding[] {
  const out: Finding[] = []
  const meaning = summary.meaning ?? `${summary.status} from the receiver.`
  const by = origin.product ? `${origin.product} (${origin.layer})` : 'the receiver'
  const ev = [`${summary.status} from ${by}`, ...origin.evidence.slice(0, 3)]
  switch (summary.class) {
    case 'not_found': {
      // The receiver's own words, when it gave them (hookwarden's 404 names the endpoint meant).
      const said = problemDetail(res)
      out.push(
        ...findings(
          [
            step(
              'route_not_found',
              meaning,
              plainFix(
                said
                  ? `Change the webhook URL as the receiver says: ${said}`
                  : 'Check the webhook URL: the path (a trailing slash, a stage or version prefix) and the host.',
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
    case 'authorization': {
      const text = bodyText(res)
      const www = getHeader(res.headers, 'www-authenticate') ?? ''
      if (
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
      const challenge = (getHeader(res.headers, 'www-authenticate') ?? '').trim()
      const wanted = /^([A-Za-z][\w.~+-]*)/.exec(challenge)?.[1]
      const sentScheme = getAllHeaders(req.headers, 'authorization')
        .map((v) => /^\s*([A-Za-z][\w.~+-]*)[ \t]/.exec(v)?.[1])
        .find((s) => s !== undefined)
      if (
        wanted &&
        sentScheme &&
        /^(basic|bearer|digest)$/i.test(wanted) &&
        wanted.toLowerCase() !== sentScheme.toLowerCase()
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
