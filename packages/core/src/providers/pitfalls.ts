/**
 * The mistakes that recur across providers, as rows the presets share. Each names the reason
 * code a near miss of that kind is reported under, so the diagnosis can rank it.
 * @module
 */
import type { Pitfall } from './types.js'

export const BODY_PARSED: Pitfall = {
  code: 'signature_body_modified',
  title: 'The body was parsed and re-serialized before the signature was checked',
  fix: 'Verify the raw bytes as received: in Express use express.raw({ type: "*/*" }) on this route instead of express.json(); never JSON.stringify(req.body).',
  when: { kind: ['json', 'form'] },
}

export const BODY_NEWLINE: Pitfall = {
  code: 'signature_body_modified',
  title: 'A proxy or framework changed the body (a trailing newline, CRLF, re-encoding)',
  fix: 'Forward the body byte for byte; disable body rewriting and charset conversion in the proxy.',
  when: { kind: ['bytes'] },
}

export const SECRET_WHITESPACE: Pitfall = {
  code: 'signature_secret_whitespace',
  title: 'The secret was pasted with a space or a trailing newline',
  fix: 'Trim the secret where it is stored (an .env line, a file written with echo).',
}

export const PREVIOUS_SECRET: Pitfall = {
  code: 'signature_previous_secret',
  title: 'The secret was rolled and the receiver still has the old one (or the reverse)',
  fix: 'Configure both secrets during the overlap: the new one in secrets:, the old one with not_after: or in retired:.',
}

export const SHA256_PREFIX_HEX: Pitfall = {
  code: 'signature_wrong_encoding',
  title: 'The sha256= value is hex, not base64',
  fix: 'Compare the lowercase hex digest after sha256=.',
}

export const SHA256_PREFIX_B64: Pitfall = {
  code: 'signature_wrong_encoding',
  title: 'The sha256= value is base64, not hex (unlike GitHub)',
  fix: 'Compare the base64 digest after sha256=.',
}

export const HEX_NOT_BASE64: Pitfall = {
  code: 'signature_wrong_encoding',
  title: 'The signature is lowercase hex, not base64',
  fix: 'Encode the HMAC digest as hex.',
}

export const BASE64_NOT_HEX: Pitfall = {
  code: 'signature_wrong_encoding',
  title: 'The signature is base64, not hex',
  fix: "Encode the HMAC digest as base64 (digest('base64')).",
}

export const WHSEC_DECODE: Pitfall = {
  code: 'signature_secret_encoding',
  title: 'The whsec_ secret was used as a string instead of base64-decoding what follows whsec_',
  fix: 'Drop whsec_ and base64-decode the rest; the bytes are the HMAC key (the standardwebhooks/svix libraries do this).',
}

export const TIMESTAMP_WINDOW: Pitfall = {
  code: 'timestamp_out_of_window',
  title: 'The timestamp is outside the window: a replay, a queued retry or a wrong clock',
  fix: 'Check the receiver clock (NTP); answer quickly and process asynchronously so retries are re-signed.',
  when: { kind: ['past'] },
}

export const TIMESTAMP_MS: Pitfall = {
  code: 'timestamp_milliseconds',
  title: 'Seconds and milliseconds confused in the timestamp',
  fix: 'Use the unit the provider sends (see the preset) when building the signed payload and checking the window.',
}

export const URL_REWRITTEN: Pitfall = {
  code: 'signature_wrong_payload',
  title:
    'The URL is part of the signature and a proxy changed it (http vs https, host, port, path, query)',
  fix: 'Set url: to the exact URL configured at the provider; keep the query string as sent.',
}

export const PAYLOAD_BODY_ONLY: Pitfall = {
  code: 'signature_wrong_payload',
  title:
    'The body alone was signed where the timestamp is part of the signed payload (or the reverse)',
  fix: 'Build the signed payload exactly as the preset says (timestamp, separator, raw body).',
}

/** A token or API key configured where a public-key scheme needs the provider's public key. */
export function notThePublicKey(title: string, fix: string): Pitfall {
  return { code: 'signature_mismatch', title, fix, when: { key_unreadable: true } }
}

export const API_KEY_NOT_SECRET: Pitfall = {
  code: 'signature_mismatch',
  title: 'The API key was configured instead of the webhook signing secret',
  fix: "Copy the webhook's own signing secret from the provider's webhook settings.",
}
