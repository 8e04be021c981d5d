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

export function payloadVariants(
  policy: HmacPolicy,
  headers: readonly Header[],
  located: PayloadValues,
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
