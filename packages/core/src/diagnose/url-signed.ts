/**
 * Schemes that sign the URL they called (Twilio, Mandrill): behind a TLS terminator or a proxy
 * the URL that arrives is not the one signed. Each form a hop makes of it (http for https, the
 * default port, a slash, the query dropped or re-ordered) is tried as the configured `url`;
 * one that verifies is `signature_wrong_payload`, with the `url:` to write. When none does,
 * the mismatch is said in the scheme's terms: the URL as configured at the provider.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { getScheme } from '../schemes/index.js'
import { type TwilioPolicy, twilioUrl } from '../schemes/twilio.js'
import { urlVariants } from './transforms/payload.js'
import { type Budget, type Finding, findings, step } from './transforms/types.js'
import { plainFix } from './wording.js'

/** Query orders tried: every permutation up to this many parameters, else sorted and reversed. */
const MAX_PERMUTED = 5

/** A URL as shown: scheme, host and path (a query may carry a credential). */
const shown = (u: string) => u.replace(/\?.*$/, '')

export async function urlSignedFindings(
  req: HttpRequest,
  endpoint: Endpoint,
  now: number,
  budget?: Budget,
): Promise<Finding[]> {
  if ((endpoint.auth as { scheme: string }).scheme !== 'twilio') return []
  const policy = endpoint.auth as unknown as TwilioPolicy
  const scheme = getScheme('twilio')
  if (!scheme) return []
  const received = twilioUrl(req, policy)
  const verifies = async (url: string) =>
    (await scheme.verify(req, { ...policy, url } as never, { now, endpoint })).every((c) => c.ok)
  for (const variant of urlVariants(received)) {
    if (budget && !budget.spend()) break
    if (!(await verifies(variant))) continue
    return findings(
      [
        step(
          'signature_wrong_payload',
          `The signature was computed over the URL ${shown(variant)}, but the request arrived as ${shown(received)}: a hop in front changed the URL (http vs https behind a TLS terminator, the port, a slash, the query).`,
          plainFix(
            `Set url: "${shown(variant)}" in this endpoint's auth (the URL exactly as configured at the provider), or make the proxy pass the original scheme, host and port.`,
          ),
          [`the signature verifies over ${shown(variant)}`],
        ),
      ],
      0.95,
    )
  }
  for (const order of queryOrders(received)) {
    if (budget && !budget.spend()) break
    if (!(await verifies(order.url))) continue
    return findings(
      [
        step(
          'signature_wrong_payload',
          `The signature was computed over the URL with its query parameters in another order (${order.names.join(', ')}), but the request arrived with ${queryNames(received).join(', ')}: a proxy in front re-ordered the query string.`,
          plainFix(
            `Make the proxy pass the query string as received (no re-ordering or normalizing), or set url: to the webhook URL exactly as configured in the Twilio console, query included (its parameters in the order ${order.names.join(', ')}).`,
          ),
          [
            `the signature verifies over ${shown(received)} with the query in the order ${order.names.join(', ')}`,
          ],
        ),
      ],
      0.95,
    )
  }
  return findings(
    [
      step(
        'signature_mismatch',
        `The signature does not match the URL as it arrived (${shown(received)}) nor any form a proxy makes of it: most likely the URL configured in the Twilio console differs from it in more than one way, or the Auth Token is not the one that signs.`,
        plainFix(
          `Set url: in this endpoint's auth to the webhook URL exactly as it is set in the Twilio console — scheme, host, port, path and query string, byte for byte — and check that the Auth Token configured is the account's current primary one (configured: ${policy.secrets.map((s) => fingerprint(s.value)).join(', ')}).`,
        ),
        [
          `tried ${shown(received)}${policy.url !== undefined ? ' (from the configured url:)' : ' (as received)'} and its variants: http/https, the port, a trailing slash, the query dropped or re-ordered`,
        ],
      ),
    ],
    0.55,
  )
}

function queryNames(url: string): string[] {
  const q = url.indexOf('?')
  return q === -1
    ? []
    : url
        .slice(q + 1)
        .split('&')
        .map((p) => decodeName(p.split('=')[0]!))
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

/** The URL with its query parameters in other orders (bounded), each with the names in order. */
export function queryOrders(url: string): { url: string; names: string[] }[] {
  const q = url.indexOf('?')
  if (q === -1) return []
  const head = url.slice(0, q)
  const params = url.slice(q + 1).split('&')
  if (params.length < 2) return []
  const orders: string[][] =
    params.length <= MAX_PERMUTED
      ? permutations(params)
      : [[...params].sort(), [...params].reverse()]
  const seen = new Set<string>([url])
  const out: { url: string; names: string[] }[] = []
  for (const o of orders) {
    const u = `${head}?${o.join('&')}`
    if (seen.has(u)) continue
    seen.add(u)
    out.push({ url: u, names: o.map((p) => decodeName(p.split('=')[0]!)) })
  }
  // The sorted order first: what a normalizing proxy most likely undid.
  const sorted = `${head}?${[...params].sort().join('&')}`
  out.sort((a, b) => (a.url === sorted ? -1 : b.url === sorted ? 1 : 0))
  return out
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]]
  const out: T[][] = []
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)]))
      out.push([item, ...rest])
  })
  return out
}
