/**
 * What the sender may have signed around the body: the body alone, `{timestamp}.{body}`,
 * `{id}.{timestamp}.{body}` (Standard Webhooks), `v0:{timestamp}:{body}` (Slack), the URL and
 * the body (Twilio-like), …; any one that verifies where the configured template does not is
 * `signature_wrong_payload`.
 * @module
 */
import type { HmacPolicy } from '../../config/types.js'
import type { Header } from '../../message/types.js'
import { compilePayload, type PayloadValues, type Segment } from '../../schemes/payload.js'
import { plainFix } from '../wording.js'
import { type Step, step } from './types.js'

export interface PayloadVariant {
  template: string
  segments: Segment[]
  values: PayloadValues
  steps: Step[]
}

const TEMPLATES = [
  '{body}',
  '{timestamp}.{body}',
  '{id}.{timestamp}.{body}',
  'v0:{timestamp}:{body}',
  '{timestamp}:{body}',
  '{timestamp}{body}',
  '{url}{body}',
  '{method}{url}{body}',
  '{id}.{body}',
]

/** A timestamp or id from headers whose names say so, for templates the policy does not fill. */
function guess(headers: readonly Header[], re: RegExp): string | undefined {
  for (const [n, v] of headers) if (re.test(n)) return v.trim()
  return undefined
}

function describe(template: string): string {
  return template === '{body}' ? 'the body alone' : `"${template}"`
}

/**
 * The forms a signed URL takes when a hop changes it: http and https swapped (a TLS terminator),
 * the default port written or dropped, a trailing slash, the query dropped.
 */
export function urlVariants(url: string): string[] {
  const m = /^(https?):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?$/i.exec(url)
  if (!m) return []
  const [, scheme, authority, path, query = ''] = m
  const other = scheme!.toLowerCase() === 'https' ? 'http' : 'https'
  const port = /:(\d+)$/.exec(authority!)?.[1]
  const host = port ? authority!.slice(0, -port.length - 1) : authority!
  const defaultPort = (s: string) => (s.toLowerCase() === 'https' ? '443' : '80')
  const out = new Set<string>([
    `${other}://${authority}${path}${query}`,
    `${other}://${host}${path}${query}`,
    port
      ? `${scheme}://${host}${path}${query}`
      : `${scheme}://${host}:${defaultPort(scheme!)}${path}${query}`,
    `${scheme}://${authority}${path!.endsWith('/') ? path!.slice(0, -1) : `${path}/`}${query}`,
  ])
  if (query) out.add(`${scheme}://${authority}${path}`)
  out.delete(url)
  // A brace would read as a placeholder in a template.
  return [...out].filter((u) => !/[{}]/.test(u))
}

/** A URL as evidence: scheme, host and path; a query may carry a credential. */
const shownUrl = (u: string) => u.replace(/\?.*$/, '?…')

export function payloadVariants(
  policy: HmacPolicy,
  headers: readonly Header[],
  located: PayloadValues,
  url?: string,
): PayloadVariant[] {
  const values: PayloadValues = {
    timestamp: located.timestamp ?? guess(headers, /timestamp|(^|-)time$|(^|-)ts$/i),
    id:
      located.id ??
      guess(headers, /(^|-)(webhook|svix|message|msg|delivery|event)-?id$|delivery$/i),
  }
  const out: PayloadVariant[] = [
    {
      template: policy.payload,
      segments: compilePayload(policy.payload),
      values: located,
      steps: [],
    },
  ]
  // The URL the template signs, changed on the way (Square, or any "{url}{body}" scheme).
  const literal = /https?:\/\/[^\s{}]+/i.exec(policy.payload)?.[0]
  const signed = literal ?? (policy.payload.includes('{url}') ? url : undefined)
  for (const variant of signed ? urlVariants(signed) : []) {
    const t = literal
      ? policy.payload.replace(literal, variant)
      : policy.payload.replaceAll('{url}', variant)
    out.push({
      template: t,
      segments: compilePayload(t),
      values: located,
      steps: [
        step(
          'signature_wrong_payload',
          `The signature was computed over the URL ${shownUrl(variant)}, but this endpoint signs ${shownUrl(signed!)}: a hop in front changed the URL (http vs https, the port, a slash, the query), or the sender has another URL on file.`,
          plainFix(
            literal
              ? `Set the URL in payload: to the one the sender signs, byte for byte (${shownUrl(variant)}), or register the URL this endpoint signs with the sender.`
              : `Put the URL the sender signs in the template literally: payload: "${policy.payload.replaceAll('{url}', shownUrl(variant))}" (or make the proxy pass the original scheme, host and port).`,
          ),
          [
            `signing ${shownUrl(variant)} instead of ${shownUrl(signed!)} reproduces the received signature`,
          ],
        ),
      ],
    })
  }
  // The timestamp signed in the other unit than the header sends (Date.now() in the
  // basestring, seconds in the header): the configured template over the other number.
  const ts = located.timestamp?.trim()
  if (policy.payload.includes('{timestamp}') && ts !== undefined && /^\d{1,16}$/.test(ts)) {
    const unit = policy.timestamp?.unit ?? 'seconds'
    const other = unit === 'seconds' ? `${ts}000` : ts.length > 3 ? ts.slice(0, -3) : undefined
    if (other !== undefined) {
      const signedUnit = unit === 'seconds' ? 'milliseconds' : 'seconds'
      out.push({
        template: policy.payload,
        segments: compilePayload(policy.payload),
        values: { ...located, timestamp: other },
        steps: [
          step(
            'timestamp_milliseconds',
            `The signature was computed with the timestamp in ${signedUnit}, while the timestamp sent is in ${unit}: the signed string and the header disagree.`,
            plainFix(
              `Put the same timestamp, in ${unit}, in the signed string and in the header (${unit === 'seconds' ? 'Math.floor(Date.now() / 1000)' : 'Date.now()'} for both).`,
            ),
            [`signing the timestamp as ${signedUnit} reproduces the received signature`],
          ),
        ],
      })
    }
  }
  for (const t of TEMPLATES) {
    if (t === policy.payload) continue
    if (t.includes('{timestamp}') && values.timestamp === undefined) continue
    if (t.includes('{id}') && values.id === undefined) continue
    out.push({
      template: t,
      segments: compilePayload(t),
      values,
      steps: [
        step(
          'signature_wrong_payload',
          `The signature was computed over ${describe(t)}, but this endpoint signs ${describe(policy.payload)}.`,
          plainFix(
            `Compute the HMAC over ${describe(policy.payload)}${policy.payload.includes('{timestamp}') ? ` (the timestamp exactly as sent in the header)` : ''}, not over ${describe(t)}.`,
          ),
          [`signing ${describe(t)} reproduces the received signature`],
        ),
      ],
    })
  }
  return out
}
