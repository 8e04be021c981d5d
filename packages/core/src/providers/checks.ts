/**
 * Config checks that catch the classic wrong secret before the first request: whitespace
 * pasted around it, an API key where the webhook signing secret belongs, a `whsec_` secret
 * that is not strict base64 where the scheme base64-decodes it.
 * @module
 */
import { secretProblem } from '../crypto/hmac-key.js'

type SecretCheck = (value: string) => string | null

/** Leading or trailing whitespace, or a line break: the provider never signs with it. */
export const noWhitespace: SecretCheck = (v) =>
  v !== v.trim() || /[\r\n\t]/.test(v)
    ? 'has whitespace or a line break around it; remove it (the provider does not sign with it)'
    : null

/** Every check in turn; the first problem wins. */
export function all(...checks: SecretCheck[]): SecretCheck {
  return (v) => {
    for (const c of checks) {
      const p = c(v)
      if (p) return p
    }
    return null
  }
}

/** Stripe: the endpoint's `whsec_…` signing secret, used as is — not an API key. */
export const stripeSecret: SecretCheck = all(noWhitespace, (v) => {
  const key = /^(sk|pk|rk)_(test|live)_/.exec(v)
  if (key) {
    const kind = key[1] === 'pk' ? 'publishable' : key[1] === 'rk' ? 'restricted' : 'secret'
    return `is a Stripe ${kind} API key (${key[1]}_${key[2]}_…), not the webhook signing secret: copy the endpoint's whsec_… secret from Developers → Webhooks`
  }
  return v.startsWith('whsec_')
    ? null
    : 'must be the endpoint signing secret, which starts with whsec_'
})

/** Standard Webhooks / Svix: `whsec_` + strict base64 (the part after whsec_ is the key). */
export const whsecSecret: SecretCheck = all(noWhitespace, (v) => secretProblem(v, 'whsec'))

/** A hex key (Adyen HMAC keys). */
export const hexSecret: SecretCheck = all(noWhitespace, (v) => secretProblem(v, 'hex'))

/** A base64 key (Microsoft Teams outgoing webhooks, Airtable). */
export const base64Secret: SecretCheck = all(noWhitespace, (v) => secretProblem(v, 'base64'))

/** Twilio: the Auth Token (32 hex characters), not the Account SID or an API key SID. */
export const twilioToken: SecretCheck = all(noWhitespace, (v) => {
  if (/^AC[0-9a-f]{32}$/i.test(v)) return 'is an Account SID (AC…), not the Auth Token'
  if (/^SK[0-9a-f]{32}$/i.test(v)) return 'is an API key SID (SK…), not the Auth Token'
  return null
})
