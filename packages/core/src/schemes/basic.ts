/**
 * HTTP Basic (RFC 7617): `Authorization: Basic base64(user-id ":" password)`, UTF-8.
 * The first colon splits user-id and password, so a password may hold colons and a user-id
 * may not. Names the usual defects: not base64, `user:pass` sent unencoded, no colon, a
 * newline encoded with the credentials (`echo` without `-n`), Bearer sent where Basic is
 * expected.
 * @module
 */
import type { BasicPolicy, BasicUser } from '../config/types.js'
import { decodeStrict } from '../crypto/encoding.js'
import { safeEqual } from '../crypto/safe-equal.js'
import { getAllHeaders, withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { parseAuthorization } from './authorization.js'
import { hiddenScheme } from './bearer.js'
import { credentialShapeDefect, currentCredential, isExpired, noSigner } from './credential.js'
import type { Check, Scheme } from './types.js'

const NAME = 'authorization_header'
const utf8Fatal = new TextDecoder('utf-8', { fatal: true })
const latin1 = new TextDecoder('latin1')

export const basic: Scheme<BasicPolicy> = {
  name: 'basic',

  verify(req, policy, ctx) {
    const values = getAllHeaders(req.headers, 'authorization')
    if (values.length > 1)
      return [fail('duplicate_auth_header', `${values.length} Authorization headers were sent`)]
    if (values.length === 0) return [fail('credentials_missing', 'no Authorization header')]

    const parsed = parseAuthorization(values[0]!, 'Basic')
    if (parsed.reason) {
      const hidden = hiddenScheme(values[0]!, 'Basic') ?? parsed
      return [fail(hidden.reason, hidden.detail)]
    }
    const decoded = decodeUserPass(parsed.credential)
    if ('reason' in decoded) return [fail(decoded.reason, decoded.detail)]
    const { username, password } = decoded

    // Every configured user is compared, username and password both, with no early exit: a
    // known user with a wrong password takes as long as an unknown user (T-TIM-1). The pair
    // read the other way round too: username and password swapped in the sender's fields.
    let found: { user: BasicUser; retired: boolean } | null = null
    let userKnown = false
    let swapped: BasicUser | null = null
    // Swapped, the username (no colon) is what follows the last colon.
    const text = `${username}:${password}`
    const last = text.lastIndexOf(':')
    const [swappedName, swappedPass] = [text.slice(last + 1), text.slice(0, last)]
    for (const [list, retired] of [
      [policy.users, false],
      [policy.retired, true],
    ] as const) {
      for (const user of list) {
        const name = user.username.normalize('NFC')
        const pass = user.password.normalize('NFC')
        const nameOk = safeEqual(username, name)
        const passOk = safeEqual(password, pass)
        const swappedNameOk = safeEqual(swappedName, name)
        const swappedPassOk = safeEqual(swappedPass, pass)
        const swappedOk = swappedNameOk && swappedPassOk
        if (nameOk) userKnown = true
        if (nameOk && passOk && !found) found = { user, retired }
        if (swappedOk && !retired && !swapped) swapped = user
      }
    }
    // A username is named only when it is a configured one: what else stands there may be a
    // password or another endpoint's token put in the wrong field (contract §3).
    const who = userKnown ? `user ${JSON.stringify(username.slice(0, 64))}` : ''
    if (!found) {
      return [
        fail(
          'basic_wrong_credentials',
          swapped
            ? `the username and password are swapped: user ${JSON.stringify(swapped.username.slice(0, 64))}'s password was sent as the username`
            : userKnown
              ? `${who} is known; the password ${fingerprint(password)} is wrong`
              : `user ${fingerprint(username)} is not configured`,
        ),
      ]
    }
    const { user, retired } = found
    const id = user.id ?? user.username
    if (retired)
      return [
        fail('credential_revoked', `${who} (${JSON.stringify(id)}) is in the retired list`, id),
      ]
    if (isExpired(user, ctx.now)) {
      return [
        fail(
          'credential_revoked',
          `${who} (${JSON.stringify(id)}) expired at ${new Date(user.not_after * 1000).toISOString()}`,
          id,
        ),
      ]
    }
    return [
      {
        name: NAME,
        ok: true,
        reason: null,
        detail: `Basic credentials of ${who} match`,
        key_id: id,
      },
    ]
  },

  sign(req, policy, options): HttpRequest {
    const user = currentCredential(policy.users, options.now, options.keyId)
    if (!user) throw noSigner('basic', 'users', options.keyId)
    const token = Buffer.from(`${user.username}:${user.password}`, 'utf8').toString('base64')
    return { ...req, headers: withHeader(req.headers, 'Authorization', `Basic ${token}`) }
  },

  // RFC 7617 §2.1: charset="UTF-8" tells the client to send NFC-normalized UTF-8.
  challenge: (policy) => ({
    scheme: 'Basic',
    params: { realm: policy.realm ?? 'hookwarden', charset: 'UTF-8' },
  }),
}

type Decoded =
  | { username: string; password: string }
  | { reason: NonNullable<Check['reason']>; detail: string }

/** token68 → user-id and password (NFC), or the reason it cannot be read. */
export function decodeUserPass(credential: string): Decoded {
  const bytes = decodeStrict(credential, 'base64')
  if (!bytes) {
    const shape = credentialShapeDefect(credential)
    // Percent-encoding only counts when what is under it is base64 (`…%3D`); a raw `user:p%40ss` is raw.
    if (
      shape &&
      (shape.reason !== 'credential_url_encoded' || decodeStrict(shape.cleaned, 'base64'))
    ) {
      return { reason: shape.reason, detail: `Basic credentials ${fingerprint(credential)}` }
    }
    const raw = rawSeparator(credential)
    if (raw) {
      return {
        reason: 'basic_raw_credentials',
        detail:
          raw === '|'
            ? `"user|password" (Zapier's Basic Auth field syntax) was sent as is (${fingerprint(credential)}); the header needs base64("user:password")`
            : `"user:password" was sent as is (${fingerprint(credential)}); it must be base64-encoded`,
      }
    }
    // `Basic a, Basic b`: two header lines merged by a proxy (base64 never holds ", ").
    if (/,[ \t]*basic[ \t]/i.test(credential))
      return {
        reason: 'duplicate_auth_header',
        detail: 'two Authorization values were joined by a comma into one header',
      }
    const why = /\{\{|\$\{/.test(credential)
      ? 'it is an unrendered template placeholder ({{…}}), not the encoded credentials'
      : /[-_]/.test(credential) && /^[A-Za-z0-9_-]+=*$/.test(credential)
        ? 'it uses the base64url alphabet (- _) where standard base64 (+ /) is required'
        : credential.length % 4 !== 0 && /^[A-Za-z0-9+/]+$/.test(credential)
          ? 'its "=" padding is missing'
          : 'it holds characters outside the base64 alphabet'
    return { reason: 'basic_not_base64', detail: `the Basic credentials are not base64: ${why}` }
  }
  let text: string
  try {
    text = utf8Fatal.decode(bytes)
  } catch {
    // Before RFC 7617 clients often sent ISO-8859-1; read it so that the comparison can still match.
    text = latin1.decode(bytes)
  }
  const colon = text.indexOf(':')
  if (colon === -1)
    return {
      reason: 'basic_no_colon',
      detail: `the decoded credentials (${fingerprint(text)}) hold no ":" between user-id and password`,
    }
  const username = text.slice(0, colon).normalize('NFC')
  const password = text.slice(colon + 1).normalize('NFC')
  // `echo "user:pass" | base64` encodes the newline too.
  if (/[\r\n\t]/.test(text))
    return {
      reason: 'credential_whitespace',
      detail:
        'the encoded credentials hold a newline or tab (was the value made with echo without -n?)',
    }
  // RFC 7617 §2: user-id and password MUST NOT contain control characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching CTLs is the point
  if (/[\x00-\x1f\x7f]/.test(text))
    return {
      reason: 'basic_wrong_credentials',
      detail: 'the decoded credentials hold a control character (RFC 7617 §2 forbids them)',
    }
  return { username, password }
}

/**
 * The separator of credentials typed as is, `user:pass` or Zapier's `user|pass`, or null. A
 * `|` never occurs in any base64 alphabet, so it alone tells; a `:` counts as it always did.
 */
export function rawSeparator(credential: string): ':' | '|' | null {
  if (credential.includes(':')) return ':'
  const bar = credential.indexOf('|')
  return bar > 0 && bar < credential.length - 1 ? '|' : null
}

function fail(reason: Check['reason'], detail: string, keyId?: string): Check {
  return keyId
    ? { name: NAME, ok: false, reason, detail, key_id: keyId }
    : { name: NAME, ok: false, reason, detail }
}
