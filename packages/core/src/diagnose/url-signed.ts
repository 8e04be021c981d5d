/**
 * Schemes that sign the URL they called (Twilio, Mandrill): behind a TLS terminator or a proxy
 * the URL that arrives is not the one signed. Each form a hop makes of it (http for https, the
 * default port, a slash, the query) is tried as the configured `url`; one that verifies is
 * `signature_wrong_payload`, with the `url:` to write.
 * @module
 */
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { getScheme } from '../schemes/index.js'
import { type TwilioPolicy, twilioUrl } from '../schemes/twilio.js'
import { urlVariants } from './transforms/payload.js'
import { type Finding, findings, step } from './transforms/types.js'
import { plainFix } from './wording.js'

export async function urlSignedFindings(
  req: HttpRequest,
  endpoint: Endpoint,
  now: number,
): Promise<Finding[]> {
  if ((endpoint.auth as { scheme: string }).scheme !== 'twilio') return []
  const policy = endpoint.auth as unknown as TwilioPolicy
  const scheme = getScheme('twilio')
  if (!scheme) return []
  const received = twilioUrl(req, policy)
  const shown = (u: string) => u.replace(/\?.*$/, '')
  for (const variant of urlVariants(received)) {
    const checks = await scheme.verify(req, { ...policy, url: variant } as never, { now, endpoint })
    if (!checks.every((c) => c.ok)) continue
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
  return []
}
