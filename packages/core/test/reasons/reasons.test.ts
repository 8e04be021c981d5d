/**
 * Every reason code the bearer, api_key, basic and jwt schemes detect, produced from a captured
 * request: `<code>.http` (or `<code>--<variant>.http`; `accepted--*.http` must pass) verified
 * against `hookwarden.yaml` at a fixed clock. Asserts the status and the WWW-Authenticate of
 * RFC 6750 §3.1 / RFC 9110 §11: no credentials → 401 without error=; invalid_request → 400;
 * a bad credential → 401 invalid_token; a missing scope → 403 insufficient_scope.
 * JWT captures are made by `node generate-jwt.mjs`.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfigFile } from '../../src/config/load.js'
import { selectEndpoint } from '../../src/config/select.js'
import { parseRequest } from '../../src/message/parse.js'
import { REASONS, type ReasonCode } from '../../src/verdict/reasons.js'
import { verify } from '../../src/verdict/verify.js'

const DIR = fileURLToPath(new URL('.', import.meta.url))
const NOW = 1_796_000_000
const config = loadConfigFile(`${DIR}hookwarden.yaml`)
const captures = readdirSync(DIR)
  .filter((f) => f.endsWith('.http'))
  .sort()

/** What the schemes covered here can answer; each needs at least one capture. */
const DETECTED: ReasonCode[] = [
  'credentials_missing',
  'header_name_wrong',
  'credential_in_query',
  'credential_in_header',
  'scheme_prefix_missing',
  'scheme_prefix_malformed',
  'scheme_mismatch',
  'duplicate_auth_header',
  'credential_whitespace',
  'credential_invisible_chars',
  'credential_quoted',
  'credential_url_encoded',
  'credential_truncated',
  'credential_unknown',
  'credential_revoked',
  'basic_not_base64',
  'basic_raw_credentials',
  'basic_no_colon',
  'basic_wrong_credentials',
  'jwt_malformed',
  'jwt_expired',
  'jwt_not_yet_valid',
  'jwt_signature_invalid',
  'jwt_alg_not_allowed',
  'jwt_wrong_issuer',
  'jwt_wrong_audience',
  'jwt_unknown_kid',
  'jwt_insufficient_scope',
]

// RFC 9110 §11: challenge = auth-scheme [ 1*SP #auth-param ], auth-param = token "=" ( token / quoted-string ).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const PARAM = `${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*")`
const CHALLENGE = new RegExp(`^${TOKEN}(?: ${PARAM}(?:, ${PARAM})*)?$`)

function paramsOf(challenge: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of challenge.matchAll(/([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    // RFC 9110 §11.2: auth-param names are case-insensitive and occur once per challenge.
    expect(out.has(m[1]!.toLowerCase())).toBe(false)
    out.set(m[1]!.toLowerCase(), m[2]!)
  }
  return out
}

describe('a captured request per reason code', () => {
  it('every detected code has a capture, and every capture names a known code', () => {
    const named = new Set(captures.map((f) => f.replace(/(--.*)?\.http$/, '')))
    expect(DETECTED.filter((c) => !named.has(c))).toEqual([])
    expect([...named].filter((c) => c !== 'accepted' && !Object.hasOwn(REASONS, c))).toEqual([])
  })

  it.each(captures)('%s', async (file) => {
    const code = file.replace(/(--.*)?\.http$/, '')
    const request = parseRequest(readFileSync(`${DIR}${file}`), { file })
    const endpoint = selectEndpoint(config, request)
    const v = await verify(request, endpoint, { now: NOW })

    if (code === 'accepted') {
      expect(v).toMatchObject({ ok: true, status: 200, reason: null, www_authenticate: null })
      return
    }
    expect(v.reason).toBe(code)
    const spec = REASONS[code as ReasonCode]
    expect(v.status).toBe(spec.status)
    expect(v.problem).toMatchObject({ status: spec.status })

    const www = v.www_authenticate
    // RFC 9110 §15.5.2: every 401 carries a challenge that parses.
    if (v.status === 401) expect(www).toMatch(CHALLENGE)
    if (www === null) return
    expect(www).toMatch(CHALLENGE)
    const scheme = www.split(' ')[0]
    const params = paramsOf(www)
    expect(params.get('realm')).toBeTruthy()
    if (scheme === 'Basic') expect(params.get('charset')).toBe('UTF-8')
    if (scheme !== 'Bearer') {
      expect(params.has('error')).toBe(false)
      return
    }
    // RFC 6750 §3.1.
    if (code === 'credentials_missing') expect(params.has('error')).toBe(false)
    else if (v.status === 400) expect(params.get('error')).toBe('invalid_request')
    else if (v.status === 403) {
      expect(params.get('error')).toBe('insufficient_scope')
      expect(params.get('scope')).toBe('webhooks:write')
    } else expect(params.get('error')).toBe('invalid_token')
  })
})
