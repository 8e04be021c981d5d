/**
 * bearer (RFC 6750): header construction, RFC 6750 §3.1 answers, shapes, rotation, sign.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { ConfigError } from '../errors.js'
import type { HttpRequest } from '../message/types.js'
import { verify } from '../verdict/verify.js'
import { bearer } from './bearer.js'

const NOW = 1_796_000_000
const TOKEN = 'tok_live_4f9a1c2e8b7d6a5f'
const OVERLAP = 'tok_live_overlap_0a1b2c3d'
const OLD = 'tok_live_retired_9z8y7x6w'
const NOT_AFTER = '2026-12-01T00:00:00Z'
const notAfter = Date.parse(NOT_AFTER) / 1000

const endpoint = loadConfig(
  JSON.stringify({
    auth: {
      scheme: 'bearer',
      tokens: [
        { value: TOKEN, id: '2026-11' },
        { value: OVERLAP, id: '2026-10', not_after: NOT_AFTER },
      ],
      retired: [{ value: OLD, id: '2026-09' }],
    },
  }),
).endpoints[0]!

const request = (headers: [string, string][], url = '/hooks'): HttpRequest => ({
  method: 'POST',
  url,
  headers,
  body: new Uint8Array(),
})
const auth = (value: string, now = NOW) =>
  verify(request([['Authorization', value]]), endpoint, { now })

describe('bearer', () => {
  it('accepts Bearer, bearer, BEARER and several spaces (RFC 9110 §11.1, RFC 6750 1*SP)', async () => {
    for (const v of [
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
      `BEARER ${TOKEN}`,
      `Bearer   ${TOKEN}`,
    ]) {
      expect(await auth(v)).toMatchObject({ ok: true, status: 200, key_id: '2026-11' })
    }
  })

  it('no credentials → 401, bare challenge without error= (RFC 6750 §3.1)', async () => {
    const v = await verify(request([]), endpoint, { now: NOW })
    expect(v).toMatchObject({
      status: 401,
      reason: 'credentials_missing',
      www_authenticate: 'Bearer realm="hookwarden"',
    })
  })

  it('invalid_request cases → 400 with error="invalid_request" (T-RFC-3)', async () => {
    const cases: [[string, string][], string, string][] = [
      [
        [
          ['Authorization', `Bearer ${TOKEN}`],
          ['Authorization', `Bearer ${TOKEN}`],
        ],
        '/hooks',
        'duplicate_auth_header',
      ],
      [
        [
          ['Authorization', `Bearer ${TOKEN}`],
          ['authorization', `Bearer ${TOKEN}`],
        ],
        '/hooks',
        'duplicate_auth_header',
      ],
      [
        [['Authorization', `Bearer ${TOKEN}`]],
        `/hooks?access_token=${TOKEN}`,
        'duplicate_auth_header',
      ],
      [[], `/hooks?access_token=${TOKEN}`, 'credential_in_query'],
      // Without Authorization: under another query name, or the configured token in a cookie.
      [[], `/hooks?token=${TOKEN}`, 'credential_in_query'],
      [[], `/hooks?x=1&key=${OLD}`, 'credential_in_query'],
      [[['Cookie', `theme=dark; sid=${TOKEN}`]], '/hooks', 'credential_in_header'],
      // Two lines merged into one by a proxy or a logger (RFC 9110 §5.3 joins with ", ").
      [[['Authorization', `Bearer ${OLD}x, Bearer ${TOKEN}`]], '/hooks', 'duplicate_auth_header'],
    ]
    // An ordinary cookie or query is still "no credentials" (401).
    for (const [headers, url] of [
      [[['Cookie', 'theme=dark; sid=abc123def456']], '/hooks?page=2'],
    ] as [[string, string][], string][])
      expect(await verify(request(headers, url), endpoint, { now: NOW })).toMatchObject({
        status: 401,
        reason: 'credentials_missing',
      })
    for (const [headers, url, reason] of cases) {
      const v = await verify(request(headers, url), endpoint, { now: NOW })
      expect(v).toMatchObject({
        status: 400,
        reason,
        www_authenticate: 'Bearer realm="hookwarden", error="invalid_request"',
      })
    }
  })

  it.each([
    ['no prefix', TOKEN, 'scheme_prefix_missing'],
    ['glued prefix (Bearer{{token}})', `Bearer${TOKEN}`, 'scheme_prefix_missing'],
    ['Bearer twice', `Bearer Bearer ${TOKEN}`, 'scheme_prefix_malformed'],
    ['Bearer:', `Bearer: ${TOKEN}`, 'scheme_prefix_malformed'],
    ['Token scheme', `Token ${TOKEN}`, 'scheme_mismatch'],
    ['Basic scheme', 'Basic dXNlcjpwYXNz', 'scheme_mismatch'],
    ['trailing newline', `Bearer ${TOKEN}\n`, 'credential_whitespace'],
    ['zero-width space', `Bearer ${TOKEN}\u200b`, 'credential_invisible_chars'],
    ['NBSP', `Bearer ${TOKEN}\u00a0`, 'credential_invisible_chars'],
    ['BOM before the scheme', `\ufeffBearer ${TOKEN}`, 'credential_invisible_chars'],
    ['NBSP after the scheme', `Bearer\u00a0${TOKEN}`, 'credential_invisible_chars'],
    ['quotes', `Bearer "${TOKEN}"`, 'credential_quoted'],
    ['percent-encoded', 'Bearer tok_live%2F4f9a', 'credential_url_encoded'],
    ['unknown', 'Bearer tok_live_0000000000000000', 'credential_unknown'],
    ['retired', `Bearer ${OLD}`, 'credential_revoked'],
    ['nothing after Bearer', 'Bearer ', 'credentials_missing'],
  ])('%s → %s, with a challenge', async (_what, value, reason) => {
    const v = await auth(value)
    expect(v.reason).toBe(reason)
    expect(v.status).toBe(401)
    expect(v.www_authenticate).toMatch(/^Bearer realm="hookwarden"/)
    if (reason !== 'credentials_missing')
      expect(v.www_authenticate).toContain('error="invalid_token"')
    expect(JSON.stringify(v)).not.toContain(TOKEN)
  })
})

describe('bearer rotation', () => {
  it('current, overlap window, past not_after, retired', async () => {
    expect(await auth(`Bearer ${TOKEN}`)).toMatchObject({ ok: true, key_id: '2026-11' })
    expect(await auth(`Bearer ${OVERLAP}`, notAfter - 1)).toMatchObject({
      ok: true,
      key_id: '2026-10',
    })
    const at = await auth(`Bearer ${OVERLAP}`, notAfter)
    expect(at.reason).toBe('credential_revoked')
    expect(at.checks[0]!.detail).toContain('"2026-10" expired at 2026-12-01T00:00:00.000Z')
    const retired = await auth(`Bearer ${OLD}`)
    expect(retired.reason).toBe('credential_revoked')
    expect(retired.checks[0]!.detail).toContain('"2026-09" is in the retired list')
  })

  it('sign with an unknown key id is a ConfigError (exit 2 in the CLI), not a bug', () => {
    expect(() =>
      bearer.sign(request([]), endpoint.auth as never, { now: NOW, keyId: 'nope' }),
    ).toThrow(ConfigError)
    expect(() =>
      bearer.sign(request([]), endpoint.auth as never, { now: NOW, keyId: 'nope' }),
    ).toThrow(/no entry with id "nope" in tokens/)
  })

  it('sign uses the newest token during the overlap, not the one about to expire, and after it', async () => {
    const e = loadConfig(
      JSON.stringify({
        auth: { scheme: 'bearer', tokens: [{ value: OVERLAP, not_after: NOT_AFTER }, TOKEN] },
      }),
    ).endpoints[0]!
    const before = bearer.sign(request([]), e.auth as never, { now: notAfter - 1 })
    expect(before.headers).toEqual([['Authorization', `Bearer ${TOKEN}`]])
    const after = bearer.sign(request([['authorization', 'x']]), e.auth as never, { now: notAfter })
    expect(after.headers).toEqual([['authorization', `Bearer ${TOKEN}`]])
    expect((await verify(after, e, { now: notAfter })).ok).toBe(true)
  })
})
