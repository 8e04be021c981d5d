/**
 * Header-construction diagnoses, with a config (near-miss search) and without one (the request
 * alone): the scheme word with no token, invisible characters before the scheme, two header
 * lines merged with a comma, a `+` read as a space in a query, a JWT cut short, two spaces
 * after the scheme, an unrendered template placeholder, a JWT time that is no date.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'
import { inspectJwt } from './transforms/jwt.js'

const NOW = 1767225600
const TOKEN = 'hw_live_7Qm2Xv9KpL4sT8nR3bW6yZ1cJ5dF0gH2'
const OLD = 'hw_live_1Aa2Bb3Cc4Dd5Ee6Ff7Gg8Hh9Ii0Jj1Kk'
const KEY = 'ak+9Rz/Lq2Wm8Xp4Nv6Ty0Hs3Bd5=='
const req = (headers: [string, string][], url = '/hooks'): HttpRequest => ({
  method: 'POST',
  url,
  headers: [['Host', 'receiver.example.org'], ...headers],
  body: Buffer.from('{}'),
})
const bearer = loadConfig(`auth:\n  scheme: bearer\n  tokens: ["${TOKEN}"]\n`)
const basic = loadConfig('auth:\n  scheme: basic\n  users: [{ username: make, password: pw }]\n')
const apiKeyQuery = loadConfig(`auth:\n  scheme: api_key\n  query: api_key\n  keys: ["${KEY}"]\n`)
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const JWT_HEADER = b64u({ alg: 'RS256', kid: 'acme-2025-11', typ: 'JWT' })
const JWT_PAYLOAD = b64u({ sub: 'make', exp: NOW + 600 })

const codes = async (headers: [string, string][], config = bearer, url?: string) =>
  (await diagnose(req(headers, url), { config, now: NOW })).causes.map((c) => c.code)
const alone = async (headers: [string, string][]) =>
  (await diagnose(req(headers), { now: NOW })).causes

describe('the scheme word with nothing after it', () => {
  it('with a config: credentials_missing on top, "Bearer" is not taken for a token', async () => {
    for (const value of ['Bearer', 'Bearer ']) {
      const d = await diagnose(req([['Authorization', value]]), { config: bearer, now: NOW })
      expect(d.verdict?.reason).toBe('credentials_missing')
      expect(d.causes[0]).toMatchObject({ code: 'credentials_missing' })
      expect(d.causes[0]?.summary).toContain('only the scheme')
      expect(d.causes.map((c) => c.code)).not.toContain('credential_unknown')
      expect(d.causes.map((c) => c.code)).not.toContain('scheme_prefix_missing')
    }
  })

  it('a token in another header still wins over the empty Authorization', async () => {
    expect(
      (
        await codes([
          ['Authorization', 'Bearer'],
          ['X-Auth-Token', TOKEN],
        ])
      )[0],
    ).toBe('header_name_wrong')
  })

  it('without a config: credentials_missing, not a bare value without a scheme', async () => {
    const causes = await alone([['Authorization', 'Bearer']])
    expect(causes.map((c) => c.code)).toEqual(['credentials_missing'])
  })
})

describe('invisible characters anywhere in the Authorization value', () => {
  it.each([
    ['a BOM before the scheme', `\ufeffBearer ${TOKEN}`, 'before "Bearer"'],
    ['a zero-width space before the scheme', `\u200bBearer ${TOKEN}`, 'before "Bearer"'],
    ['a non-breaking space after the scheme', `Bearer\u00a0${TOKEN}`, 'between "Bearer"'],
  ])('%s → credential_invisible_chars, with and without a config', async (_w, value, where) => {
    const d = await diagnose(req([['Authorization', value]]), { config: bearer, now: NOW })
    expect(d.verdict?.reason).toBe('credential_invisible_chars')
    expect(d.causes[0]?.code).toBe('credential_invisible_chars')
    expect(d.causes[0]?.summary).toContain(where)
    const causes = await alone([['Authorization', value]])
    expect(causes[0]?.code).toBe('credential_invisible_chars')
    expect(causes[0]?.summary).toContain(where)
    expect(JSON.stringify(d)).not.toContain(TOKEN)
  })

  it('Basic with a BOM before the scheme, with a config', async () => {
    const value = `\ufeffBasic ${Buffer.from('make:pw').toString('base64')}`
    expect((await codes([['Authorization', value]], basic))[0]).toBe('credential_invisible_chars')
  })
})

describe('two Authorization lines merged into one with a comma', () => {
  const value = `Bearer ${OLD}, Bearer ${TOKEN}`
  it('with a config: duplicate_auth_header, the working credential found', async () => {
    const d = await diagnose(req([['Authorization', value]]), { config: bearer, now: NOW })
    expect(d.verdict?.reason).toBe('duplicate_auth_header')
    expect(d.causes[0]).toMatchObject({ code: 'duplicate_auth_header', confidence: 0.95 })
    expect(JSON.stringify(d)).not.toContain(TOKEN)
  })

  it('without a config: duplicate_auth_header', async () => {
    expect((await alone([['Authorization', value]]))[0]?.code).toBe('duplicate_auth_header')
  })

  it('neither credential is known: both causes said', async () => {
    expect(await codes([['Authorization', `Bearer ${OLD}, Bearer ${OLD}x`]])).toEqual([
      'duplicate_auth_header',
      'credential_unknown',
    ])
  })
})

describe('a "+" in a key sent unencoded in the query string', () => {
  it('is read as a space; the near miss names credential_url_encoded', async () => {
    const d = await diagnose(req([], `/hooks?api_key=${KEY}`), { config: apiKeyQuery, now: NOW })
    expect(d.verdict?.reason).toBe('credential_unknown')
    expect(d.causes[0]).toMatchObject({ code: 'credential_url_encoded', confidence: 0.95 })
    expect(d.causes[0]?.fix).toContain('%2B')
  })

  it('percent-encoded, it verifies', async () => {
    const d = await diagnose(req([], `/hooks?api_key=${encodeURIComponent(KEY)}`), {
      config: apiKeyQuery,
      now: NOW,
    })
    expect(d.verdict?.ok).toBe(true)
  })
})

describe('a JWT cut short, without a config', () => {
  it.each([
    ['after its header', JWT_HEADER, 'first part'],
    ['after its payload', `${JWT_HEADER}.${JWT_PAYLOAD}`, 'second part'],
    ['with an empty signature', `${JWT_HEADER}.${JWT_PAYLOAD}.`, 'second part'],
  ])('%s → credential_truncated', async (_w, token, words) => {
    const causes = await alone([['Authorization', `Bearer ${token}`]])
    expect(causes[0]?.code).toBe('credential_truncated')
    expect(causes[0]?.summary).toContain(words)
  })

  it('an ordinary opaque token is not taken for a JWT fragment', async () => {
    expect(await alone([['Authorization', `Bearer ${TOKEN}`]])).toEqual([])
  })
})

describe('two spaces after the scheme', () => {
  it('with a config that accepts it (RFC 6750 1*SP): still accepted', async () => {
    const d = await diagnose(req([['Authorization', `Bearer  ${TOKEN}`]]), {
      config: bearer,
      now: NOW,
    })
    expect(d.verdict?.ok).toBe(true)
    expect(d.causes).toEqual([])
  })

  it('without a config, after an n8n 403: credential_whitespace beats credential_unknown', async () => {
    const d = await diagnose(req([['Authorization', `Bearer  ${TOKEN}`]]), {
      now: NOW,
      response: {
        status: 403,
        headers: [
          ['WWW-Authenticate', 'Basic realm="Webhook"'],
          ['Content-Type', 'application/json; charset=utf-8'],
        ],
        body: Buffer.from('Authorization data is wrong!\r\n'),
      },
    })
    expect(d.causes[0]?.code).toBe('credential_whitespace')
    expect(d.causes[0]?.confidence).toBeGreaterThan(0.6)
    expect(d.causes[0]?.confidence).toBeLessThan(0.8)
  })

  it('a tab after Bearer is not called standard: RFC 9110 asks for a space', async () => {
    const d = await diagnose(req([['Authorization', `Bearer\t${TOKEN}`]]), { now: NOW })
    expect(d.causes[0]?.code).toBe('credential_whitespace')
    expect(d.causes[0]?.summary).toContain('a tab')
    expect(d.causes[0]?.summary).toContain('RFC 9110')
    expect(d.causes[0]?.summary).not.toContain('the standard allows it')
  })
})

describe('an unrendered template placeholder', () => {
  it('Basic {{…}} is named a placeholder, not base64url, with and without a config', async () => {
    const value = 'Basic {{connection.basic_auth}}'
    const d = await diagnose(req([['Authorization', value]]), { config: basic, now: NOW })
    expect(d.causes[0]?.code).toBe('basic_not_base64')
    expect(d.causes[0]?.summary).toContain('{{connection.basic_auth}}')
    expect(d.causes[0]?.summary).not.toContain('base64url')
    const causes = await alone([['Authorization', value]])
    expect(causes[0]?.summary).toContain('template placeholder')
  })

  it('Bearer {{…}} too', async () => {
    const d = await diagnose(req([['Authorization', 'Bearer {{1.access_token}}']]), {
      config: bearer,
      now: NOW,
    })
    expect(d.causes[0]?.summary).toContain('template placeholder {{1.access_token}}')
  })

  it(
    'a shell variable left unexpanded ($NAME or $' +
      '{NAME}) is named the same way; a $ inside a token is not',
    async () => {
      // Built from pieces: these strings are the literal placeholders a sender sent.
      const braced = `$${'{'}ORDERS_TOKEN}`
      for (const [value, shown] of [
        ['Bearer $ORDERS_TOKEN', '$ORDERS_TOKEN'],
        [`Bearer ${braced}`, braced],
      ]) {
        const causes = await alone([['Authorization', value]])
        expect(causes[0]?.summary, value).toContain(`template placeholder ${shown}`)
      }
      const real = await alone([['Authorization', 'Bearer tok$live_9f8e7d6c5b4a']])
      expect(real.map((c) => c.summary).join(' ')).not.toContain('template placeholder')
    },
  )
})

describe('JWT times that are no date', () => {
  const token = (claims: Record<string, unknown>) =>
    `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u(claims)}.c2ln`
  it('exp = 1e300 is not called milliseconds', () => {
    const r = inspectJwt(token({ exp: 1e300, iat: -1e300 }), NOW)
    expect(r.problems.map((p) => p.code)).toEqual(['jwt_malformed', 'jwt_malformed'])
    expect(r.problems.map((p) => p.summary).join(' ')).not.toContain('milliseconds,')
    expect(r.problems[0]?.summary).toContain('no date at all')
  })

  it('exp in milliseconds is still called milliseconds', () => {
    const r = inspectJwt(token({ exp: NOW * 1000 }), NOW)
    expect(r.problems[0]?.summary).toContain('milliseconds')
  })
})
