/**
 * A raw capture whose Content-Length disagrees with the bytes of its body (message/framing.ts):
 * counted in characters where bytes are meant (JavaScript's `body.length` on a UTF-8 body), or
 * stale after the body was edited. A receiver reads Content-Length bytes, so it checks a body
 * cut short, or waits for bytes that never come.
 * @module
 */
import { lengthMismatchText } from '../../message/framing.js'
import type { LengthMismatch } from '../../message/types.js'
import type { ReasonCode } from '../../verdict/reasons.js'
import { type Step, step } from './types.js'

/**
 * The step that names the disagreement, under `code`: `request_incomplete` when the body holds
 * fewer bytes than declared; `content_length_mismatch` when it holds more.
 */
export function lengthMismatchStep(m: LengthMismatch, code: ReasonCode): Step {
  const chars = m.held > m.declared && m.chars === m.declared
  const summary =
    m.held > m.declared
      ? chars
        ? `Content-Length says ${m.declared}, but the body holds ${m.held} bytes: it counts the body's characters (JavaScript's body.length), not its bytes, so a receiver reads ${m.declared} bytes and checks a body cut short.`
        : `Content-Length says ${m.declared}, but the body holds ${m.held} bytes: a receiver reads ${m.declared} bytes and checks a body cut short (the rest is read as the start of another request).`
      : `Content-Length says ${m.declared}, but the capture holds ${m.held} bytes: a receiver waits for the rest until its timeout (408), or the capture was cut short.`
  return step(
    code,
    summary,
    {
      code: chars
        ? 'Count bytes, not characters: set Content-Length to Buffer.byteLength(body) (not body.length), or let the HTTP client set it.'
        : 'Send Content-Length as the exact length of the body in bytes, or let the HTTP client set it (do not set it by hand).',
      make: 'In the HTTP module, remove the Content-Length header you added: Make sets it from the body.',
      zapier:
        'Remove the Content-Length header from the Headers of the Webhooks by Zapier action: Zapier sets it from the body.',
      n8n: 'In the HTTP Request node, remove the Content-Length header you added: n8n sets it from the body.',
      curl: 'Remove `-H "Content-Length: …"`: curl sets it from the body it sends.',
    },
    [lengthMismatchText(m)],
  )
}
