/**
 * jwt: every reason the scheme detects, interop with tokens that jose itself signs, the
 * RFC 8725 attacks (none, key confusion, hostile kid, embedded keys), clock boundaries,
 * rotation, and jwks_url caching against a real HTTP server on 127.0.0.1.
 * @module
 */

import { createHmac, generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { verify } from '../verdict/verify.js'
import { jwt } from './jwt.js'

const NOW = 1_796_000_000
const SECRET = 'hs256-secret-of-32-bytes-or-more!!'
const OLD_SECRET = 'hs256-old-secret-rotated-out-2026-10'

function endpoint(auth: Record<string, unknown>): Endpoint {
  return loadConfig(JSON.stringify({ auth: { scheme: 'jwt', ...auth } })).endpoints[0]!
}

function request(headers: [string, string][], url = '/hooks'): HttpRequest {
  return { method: 'POST', url, headers, body: new Uint8Array() }
}

const bearer = (token: string) => request([['Authorization', `Bearer ${token}`]])

function b64url(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
}

/** A compact HS token made by hand, for shapes jose refuses to produce. */
function handMade(header: unknown, payload: unknown, secret = SECRET, alg = 'sha256'): string {
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`
}

async function hs256(
  claims: Record<string, unknown> = {},
  secret = SECRET,
  header: Record<string, unknown> = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
    .sign(Buffer.from(secret))
}

const hsPolicy = endpoint({
  algorithms: ['HS256'],
  issuer: 'https://issuer.example',
  audience: ['webhooks', 'other'],
  secret: SECRET,
})

const claims = { iss: 'https://issuer.example', aud: 'webhooks', iat: NOW, exp: NOW + 300 }

describe('jwt: HS256', () => {
  it('accepts a token signed by jose', async () => {
    const v = await verify(bearer(await hs256(claims)), hsPolicy, { now: NOW })
    expect(v.ok).toBe(true)
    expect(v.checks.map((c) => c.name)).toEqual([
      'authorization_header',
      'jwt_format',
      'jwt_algorithm',
      'jwt_signature',
      'jwt_time',
      'jwt_issuer',
      'jwt_audience',
    ])
  })

  it('a BOM before Bearer, or a non-breaking space after it: credential_invisible_chars', async () => {
    const token = await hs256(claims)
    for (const value of [`\ufeffBearer ${token}`, `Bearer\u00a0${token}`]) {
      const v = await verify(request([['Authorization', value]]), hsPolicy, { now: NOW })
      expect(v.reason).toBe('credential_invisible_chars')
    }
  })

  it('refuses a one-byte change of the signature', async () => {
    const token = await hs256(claims)
    const sig = Buffer.from(token.split('.')[2]!, 'base64url')
    sig[5]! ^= 0x01
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${sig.toString('base64url')}`
    const v = await verify(bearer(forged), hsPolicy, { now: NOW })
    expect(v).toMatchObject({ ok: false, status: 401, reason: 'jwt_signature_invalid' })
    expect(v.www_authenticate).toBe('Bearer realm="hookwarden", error="invalid_token"')
  })

  it('another secret: signature invalid; a cut-short signature: credential_truncated; none: invalid', async () => {
    const other = await hs256(claims, 'another-secret-that-is-long-enough!!')
    expect((await verify(bearer(other), hsPolicy, { now: NOW })).reason).toBe(
      'jwt_signature_invalid',
    )
    const token = await hs256(claims)
    expect((await verify(bearer(token.slice(0, -6)), hsPolicy, { now: NOW })).reason).toBe(
      'credential_truncated',
    )
    expect(
      (await verify(bearer(token.slice(0, token.lastIndexOf('.') + 1)), hsPolicy, { now: NOW }))
        .reason,
    ).toBe('jwt_signature_invalid')
  })

  it('HS384 and HS512 verify when allowed, and are refused when not', async () => {
    const policy = endpoint({ algorithms: ['HS384', 'HS512'], secret: SECRET })
    for (const alg of ['HS384', 'HS512']) {
      const t = await new SignJWT({}).setProtectedHeader({ alg }).sign(Buffer.from(SECRET))
      expect((await verify(bearer(t), policy, { now: NOW })).ok).toBe(true)
    }
    expect((await verify(bearer(await hs256({})), policy, { now: NOW })).reason).toBe(
      'jwt_alg_not_allowed',
    )
  })
})

describe('jwt: alg none and algorithm confusion (RFC 8725 §2.1)', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s is refused', async (alg) => {
    const token = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}.`
    const v = await verify(bearer(token), hsPolicy, { now: NOW })
    expect(v.reason).toBe('jwt_alg_not_allowed')
  })

  it('an RS256 endpoint refuses HS256 tokens forged with its public key (PEM, DER, JWK)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'rsa1' }
    const rs = endpoint({ algorithms: ['RS256'], jwks: { keys: [jwk] } })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
    const der = publicKey.export({ type: 'spki', format: 'der' })
    const forgeries = [pem, der.toString('binary'), JSON.stringify(jwk)].map((secret) =>
      handMade({ alg: 'HS256', kid: 'rsa1' }, claims, secret),
    )
    for (const token of forgeries) {
      const v = await verify(bearer(token), rs, { now: NOW })
      expect(v.reason).toBe('jwt_alg_not_allowed')
    }
    // The genuine RS256 token passes: the refusal is about the algorithm, not the key.
    const genuine = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa1' })
      .sign(privateKey)
    expect((await verify(bearer(genuine), rs, { now: NOW })).ok).toBe(true)
  })

  it('why config refuses a public key in secret: jose itself accepts the forgery when given the PEM as HMAC secret', async () => {
    // CVE-2016-10555 in one line: an HS256 token whose HMAC key is the issuer's public PEM.
    // jose treats a Uint8Array as an HMAC secret, so with the PEM bytes as "secret" and no
    // allow-list it verifies the forgery. That is why config/load.ts refuses `secret:` values
    // that look like public keys and any HS/public-key mix in `algorithms` (see load.test.ts).
    const { publicKey } = await generateKeyPair('RS256', { extractable: true })
    const pem = await exportSPKI(publicKey)
    const forged = handMade({ alg: 'HS256' }, { sub: 'attacker' }, pem)
    const { payload } = await jwtVerify(forged, new TextEncoder().encode(pem))
    expect(payload.sub).toBe('attacker')
    // hookwarden never loads such a config.
    expect(() => endpoint({ algorithms: ['HS256'], secret: pem })).toThrow(
      /looks like a public key/,
    )
  })
})

describe('jwt: interop with tokens that jose signs', () => {
  const cases = [
    ['RS256', {}],
    ['PS256', {}],
    ['ES256', {}],
    ['ES384', {}],
    ['EdDSA', { crv: 'Ed25519' }],
  ] as const

  it.each(cases)(
    '%s: accepted; a one-byte change of the signature is refused',
    async (alg, opts) => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { ...opts, extractable: true })
      const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-1` }
      const policy = endpoint({
        algorithms: [alg],
        jwks: { keys: [jwk] },
        issuer: claims.iss,
        audience: 'webhooks',
      })
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg, kid: `${alg}-1` })
        .sign(privateKey)
      const ok = await verify(bearer(token), policy, { now: NOW })
      expect(ok.ok).toBe(true)
      expect(ok.key_id).toBe(`${alg}-1`)

      const sig = Buffer.from(token.split('.')[2]!, 'base64url')
      sig[sig.length >> 1]! ^= 0x80
      const changed = `${token.slice(0, token.lastIndexOf('.'))}.${sig.toString('base64url')}`
      expect((await verify(bearer(changed), policy, { now: NOW })).reason).toBe(
        'jwt_signature_invalid',
      )

      // With the algorithm removed from the allow-list the same valid token fails (T-JWT-8).
      const other = alg === 'RS256' ? 'PS256' : 'RS256'
      const narrowed = endpoint({ algorithms: [other], jwks: { keys: [jwk] } })
      expect((await verify(bearer(token), narrowed, { now: NOW })).reason).toBe(
        'jwt_alg_not_allowed',
      )
    },
  )

  it('ES256 with r = s = 0 ("psychic signature", CVE-2022-21449) is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const policy = endpoint({ algorithms: ['ES256'], jwks: { keys: [await exportJWK(publicKey)] } })
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
    const zero = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(64).toString('base64url')}`
    expect((await verify(bearer(zero), policy, { now: NOW })).reason).toBe('jwt_signature_invalid')
  })

  it('several keys without kid: each is tried', async () => {
    const a = await generateKeyPair('ES256', { extractable: true })
    const b = await generateKeyPair('ES256', { extractable: true })
    const policy = endpoint({
      algorithms: ['ES256'],
      jwks: { keys: [await exportJWK(a.publicKey), await exportJWK(b.publicKey)] },
    })
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(b.privateKey)
    expect((await verify(bearer(token), policy, { now: NOW })).ok).toBe(true)
  })
})

describe('jwt: published vector', () => {
  // RFC 7515 Appendix A.3: ES256 over the classic "joe" claims (exp 1300819380).
  const rfc7515a3 =
    'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q'
  const key = {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  }

  it('RFC 7515 A.1 (HS256, binary key given as base64url) verifies with secret_encoding: base64url', async () => {
    const token =
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    const k =
      'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow'
    const policy = endpoint({ algorithms: ['HS256'], secret: k, secret_encoding: 'base64url' })
    expect((await verify(bearer(token), policy, { now: 1_300_819_000 })).ok).toBe(true)
    // The same string used as UTF-8 text is another key.
    const asText = endpoint({ algorithms: ['HS256'], secret: k })
    expect((await verify(bearer(token), asText, { now: 1_300_819_000 })).reason).toBe(
      'jwt_signature_invalid',
    )
    // sign() uses the decoded bytes too.
    const signed = await jwt.sign(request([]), policy.auth as never, { now: NOW })
    expect((await verify(signed, policy, { now: NOW })).ok).toBe(true)
    // A secret that is not strict in the declared encoding does not load.
    expect(() =>
      endpoint({ algorithms: ['HS256'], secret: 'not base64!', secret_encoding: 'base64' }),
    ).toThrow(/is not strict base64/)
  })

  it('RFC 7515 A.3 verifies before exp, is expired at exp, and fails without ES256 allowed', async () => {
    const policy = endpoint({ algorithms: ['ES256'], jwks: { keys: [key] }, issuer: 'joe' })
    expect((await verify(bearer(rfc7515a3), policy, { now: 1_300_819_000 })).ok).toBe(true)
    expect((await verify(bearer(rfc7515a3), policy, { now: 1_300_819_380 })).reason).toBe(
      'jwt_expired',
    )
    const narrowed = endpoint({ algorithms: ['ES384'], jwks: { keys: [key] } })
    expect((await verify(bearer(rfc7515a3), narrowed, { now: 1_300_819_000 })).reason).toBe(
      'jwt_alg_not_allowed',
    )
  })
})

describe('jwt: kid and embedded keys are attacker input (RFC 8725 §3.10)', () => {
  let server: Server
  let hits = 0
  let url = ''
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++
      res.end('{"keys":[]}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it.each([
    ['a path', '../../dev/null'],
    ['SQL', "' OR 1=1--"],
    ['10 KB', 'x'.repeat(10_000)],
    ['a number', 42],
    ['an object', { $ne: null }],
  ])('kid: %s → jwt_unknown_kid', async (_what, kid) => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const policy = endpoint({
      algorithms: ['ES256'],
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] },
    })
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: kid as string })
      .sign(privateKey)
    expect((await verify(bearer(token), policy, { now: NOW })).reason).toBe('jwt_unknown_kid')
  })

  it('jku, x5u, x5c and an embedded jwk are ignored: no fetch, the attacker key is not used', async () => {
    const trusted = await generateKeyPair('ES256', { extractable: true })
    const attacker = await generateKeyPair('ES256', { extractable: true })
    const policy = endpoint({
      algorithms: ['ES256'],
      jwks: { keys: [{ ...(await exportJWK(trusted.publicKey)), kid: 'k1' }] },
    })
    const token = await new SignJWT(claims)
      .setProtectedHeader({
        alg: 'ES256',
        kid: 'k1',
        jku: `${url}/jwks.json`,
        x5u: `${url}/cert.pem`,
        jwk: await exportJWK(attacker.publicKey),
      })
      .sign(attacker.privateKey)
    expect((await verify(bearer(token), policy, { now: NOW })).reason).toBe('jwt_signature_invalid')
    expect(hits).toBe(0)
  })
})

describe('jwt: jwks_url', () => {
  let server: Server
  let fetches = 0
  let jwks: { keys: JWK[] } = { keys: [] }
  let base = ''
  let signer: CryptoKey
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    signer = privateKey
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'remote-1', use: 'sig' }] }
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.statusCode = 404
        res.end()
        return
      }
      fetches++
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(jwks))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('fetches once, then serves verifies from the cache; an unknown kid inside the cooldown does not refetch', async () => {
    const policy = endpoint({ algorithms: ['RS256'], jwks_url: `${base}/.well-known/jwks.json` })
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'remote-1' })
      .sign(signer)
    for (let i = 0; i < 5; i++)
      expect((await verify(bearer(token), policy, { now: NOW })).ok).toBe(true)
    expect(fetches).toBe(1)
    const unknown = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'remote-2' })
      .sign(signer)
    const v = await verify(bearer(unknown), policy, { now: NOW })
    expect(v.reason).toBe('jwt_unknown_kid')
    expect(fetches).toBe(1)
  })

  it('a key rotated in at the issuer is fetched once the 30 s cooldown has passed', async () => {
    const policy = endpoint({ algorithms: ['RS256'], jwks_url: `${base}/.well-known/jwks.json` })
    const before = fetches
    const old = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'remote-1' })
      .sign(signer)
    expect((await verify(bearer(old), policy, { now: NOW })).ok).toBe(true)
    expect(fetches).toBe(before + 1)

    const next = await generateKeyPair('RS256', { extractable: true })
    jwks = { keys: [...jwks.keys, { ...(await exportJWK(next.publicKey)), kid: 'remote-3' }] }
    const rotated = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'remote-3' })
      .sign(next.privateKey)
    // Inside the cooldown the unknown kid is refused without a fetch…
    expect((await verify(bearer(rotated), policy, { now: NOW })).reason).toBe('jwt_unknown_kid')
    expect(fetches).toBe(before + 1)
    // …and after it (jose's cache clock is Date.now, so only Date is faked) the set is refetched.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 })
    try {
      expect((await verify(bearer(rotated), policy, { now: NOW })).ok).toBe(true)
    } finally {
      vi.useRealTimers()
    }
    expect(fetches).toBe(before + 2)
  })

  it('an unreachable JWKS is jwt_jwks_unavailable (503), not a refusal of the token', async () => {
    const policy = endpoint({ algorithms: ['RS256'], jwks_url: `${base}/missing.json` })
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'remote-1' })
      .sign(signer)
    const v = await verify(bearer(token), policy, { now: NOW })
    expect(v).toMatchObject({
      ok: false,
      status: 503,
      reason: 'jwt_jwks_unavailable',
      www_authenticate: null,
    })
  })

  it('uses ctx.fetch when given', async () => {
    let calls = 0
    const policy = endpoint({ algorithms: ['RS256'], jwks_url: `${base}/.well-known/jwks.json` })
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'remote-1' })
      .sign(signer)
    const counting: typeof fetch = (input, init) => {
      calls++
      return fetch(input, init)
    }
    expect((await verify(bearer(token), policy, { now: NOW, fetch: counting })).ok).toBe(true)
    expect(calls).toBe(1)
  })
})

describe('jwt: claims at ctx.now', () => {
  const leeway = 30
  const policy = endpoint({ algorithms: ['HS256'], secret: SECRET, leeway })
  const at = async (c: Record<string, unknown>) =>
    (await verify(bearer(await hs256(c)), policy, { now: NOW })).reason

  it('exp and nbf boundaries with leeway (T-CLK-2)', async () => {
    expect(await at({ exp: NOW - leeway + 1 })).toBe(null)
    expect(await at({ exp: NOW - leeway })).toBe('jwt_expired')
    expect(await at({ nbf: NOW + leeway })).toBe(null)
    expect(await at({ nbf: NOW + leeway + 1 })).toBe('jwt_not_yet_valid')
  })

  it('max_age: iat required; too old → jwt_expired; in the future beyond leeway → jwt_not_yet_valid (jose boundaries)', async () => {
    const aged = endpoint({ algorithms: ['HS256'], secret: SECRET, leeway, max_age: 600 })
    const r = async (c: Record<string, unknown>) =>
      (await verify(bearer(await hs256(c)), aged, { now: NOW })).reason
    expect(await r({ iat: NOW - 600 - leeway })).toBe(null)
    expect(await r({ iat: NOW - 600 - leeway - 1 })).toBe('jwt_expired')
    expect(await r({ iat: NOW + leeway })).toBe(null)
    expect(await r({ iat: NOW + leeway + 1 })).toBe('jwt_not_yet_valid')
    expect(await r({})).toBe('jwt_malformed')
    // Without max_age, iat is not checked (as jose does without maxTokenAge).
    expect(await at({ iat: NOW + 10_000 })).toBe(null)
  })

  it('exp == now is expired without leeway', async () => {
    const strict = endpoint({ algorithms: ['HS256'], secret: SECRET })
    expect((await verify(bearer(await hs256({ exp: NOW })), strict, { now: NOW })).reason).toBe(
      'jwt_expired',
    )
    expect((await verify(bearer(await hs256({ exp: NOW + 1 })), strict, { now: NOW })).ok).toBe(
      true,
    )
  })

  it('exp, nbf or iat in milliseconds is timestamp_milliseconds (an exp in ms would never expire)', async () => {
    for (const c of [
      { exp: (NOW - 3600) * 1000 },
      { exp: (NOW + 3600) * 1000 },
      { nbf: (NOW - 60) * 1000, exp: NOW + 60 },
      { iat: NOW * 1000, exp: NOW + 60 },
    ]) {
      const v = await verify(bearer(await hs256(c)), hsPolicy, { now: NOW })
      expect(v, JSON.stringify(c)).toMatchObject({ ok: false, reason: 'timestamp_milliseconds' })
    }
  })

  it('a non-numeric exp is malformed', async () => {
    expect(
      (
        await verify(bearer(handMade({ alg: 'HS256' }, { exp: '1796000300' })), policy, {
          now: NOW,
        })
      ).reason,
    ).toBe('jwt_malformed')
  })

  it('issuer: wrong or missing', async () => {
    expect(
      (
        await verify(bearer(await hs256({ ...claims, iss: 'https://evil.example' })), hsPolicy, {
          now: NOW,
        })
      ).reason,
    ).toBe('jwt_wrong_issuer')
    const { iss: _iss, ...noIss } = claims
    expect((await verify(bearer(await hs256(noIss)), hsPolicy, { now: NOW })).reason).toBe(
      'jwt_wrong_issuer',
    )
  })

  it('audience: string, list, missing, list without a match', async () => {
    const r = async (aud: unknown) =>
      (await verify(bearer(await hs256({ ...claims, aud })), hsPolicy, { now: NOW })).reason
    expect(await r('other')).toBe(null)
    expect(await r(['x', 'webhooks'])).toBe(null)
    expect(await r(undefined)).toBe('jwt_wrong_audience')
    expect(await r(['x', 'y'])).toBe('jwt_wrong_audience')
    expect(await r('webhooks2')).toBe('jwt_wrong_audience')
  })

  it('scopes: scope string or scp array; a missing scope is 403 insufficient_scope with scope=', async () => {
    const scoped = endpoint({ algorithms: ['HS256'], secret: SECRET, scopes: ['webhooks:write'] })
    const r = async (c: Record<string, unknown>) =>
      verify(bearer(await hs256(c)), scoped, { now: NOW })
    expect((await r({ scope: 'read webhooks:write' })).ok).toBe(true)
    expect((await r({ scp: ['webhooks:write'] })).ok).toBe(true)
    // Auth0's RBAC puts them in `permissions`.
    expect((await r({ permissions: ['webhooks:write'] })).ok).toBe(true)
    const missing = await r({ scope: 'webhooks:read' })
    expect(missing).toMatchObject({ ok: false, status: 403, reason: 'jwt_insufficient_scope' })
    expect(missing.www_authenticate).toBe(
      'Bearer realm="hookwarden", error="insufficient_scope", scope="webhooks:write"',
    )
    // A scope-less token that is also expired is a 401: identity problems come before rights.
    expect((await r({ exp: NOW - 1 })).reason).toBe('jwt_expired')
  })
})

describe('jwt: malformed tokens and header construction', () => {
  it.each([
    ['two parts', 'eyJhbGciOiJIUzI1NiJ9.e30'],
    ['a JWE (5 parts)', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aaaa.bbbb.cccc'],
    ['not base64url', 'eyJhbGciOiJIUzI1NiJ9.e30+.abc'],
    ['header not JSON', `${b64url('not json')}.${b64url({})}.abc`],
    ['payload an array', `${b64url({ alg: 'HS256' })}.${b64url([1, 2])}.abc`],
    ['no alg', `${b64url({ typ: 'JWT' })}.${b64url({})}.abc`],
    [
      'invalid UTF-8 in claims',
      `${b64url({ alg: 'HS256' })}.${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.abc`,
    ],
  ])('%s → jwt_malformed', async (_name, token) => {
    expect((await verify(bearer(token), hsPolicy, { now: NOW })).reason).toBe('jwt_malformed')
  })

  it('an unknown crit extension and b64:false are refused', async () => {
    const crit = handMade({ alg: 'HS256', crit: ['exp'], exp: 1 }, claims)
    expect((await verify(bearer(crit), hsPolicy, { now: NOW })).reason).toBe('jwt_malformed')
    const b64 = handMade({ alg: 'HS256', b64: false, crit: ['b64'] }, claims)
    expect((await verify(bearer(b64), hsPolicy, { now: NOW })).reason).toBe('jwt_malformed')
  })

  it('Bearer header construction codes (shared with bearer)', async () => {
    const token = await hs256(claims)
    const r = async (headers: [string, string][], url?: string) =>
      await verify(request(headers, url), hsPolicy, { now: NOW })
    expect((await r([])).reason).toBe('credentials_missing')
    expect((await r([])).www_authenticate).toBe('Bearer realm="hookwarden"')
    expect((await r([['Authorization', token]])).reason).toBe('scheme_prefix_missing')
    expect((await r([['Authorization', `Bearer${token}`]])).reason).toBe('scheme_prefix_missing')
    expect((await r([['Authorization', `Bearer Bearer ${token}`]])).reason).toBe(
      'scheme_prefix_malformed',
    )
    expect((await r([['Authorization', `Basic ${token}`]])).reason).toBe('scheme_mismatch')
    expect((await r([['Authorization', `Bearer ${token}\n`]])).reason).toBe('credential_whitespace')
    const dup = await r([
      ['Authorization', `Bearer ${token}`],
      ['authorization', `Bearer ${token}`],
    ])
    expect(dup).toMatchObject({
      status: 400,
      reason: 'duplicate_auth_header',
      www_authenticate: 'Bearer realm="hookwarden", error="invalid_request"',
    })
    expect((await r([], `/hooks?access_token=${token}`)).reason).toBe('credential_in_query')
    // A JWT in a cookie or under another query name is the token in the wrong place.
    expect((await r([['Cookie', `session=abc; access_token=${token}`]])).reason).toBe(
      'credential_in_header',
    )
    expect((await r([], `/hooks?jwt=${token}`)).reason).toBe('credential_in_query')
    expect((await r([['Cookie', 'session=abc']])).reason).toBe('credentials_missing')
    expect((await r([['Authorization', `bearer  ${token}`]])).ok).toBe(true)
  })
})

describe('jwt: rotation of HS secrets', () => {
  const policy = endpoint({
    algorithms: ['HS256'],
    secrets: [
      { value: SECRET, id: '2026-11' },
      {
        value: 'overlap-secret-valid-until-dec-2026!!',
        id: '2026-10',
        not_after: '2026-12-01T00:00:00Z',
      },
    ],
    retired: [{ value: OLD_SECRET, id: '2026-09' }],
  })
  const notAfter = Date.parse('2026-12-01T00:00:00Z') / 1000

  it('the current secret and the overlap secret verify, named by key_id', async () => {
    const a = await verify(bearer(await hs256({}, SECRET)), policy, { now: NOW })
    expect(a).toMatchObject({ ok: true, key_id: '2026-11' })
    const b = await verify(
      bearer(await hs256({}, 'overlap-secret-valid-until-dec-2026!!')),
      policy,
      { now: notAfter - 1 },
    )
    expect(b).toMatchObject({ ok: true, key_id: '2026-10' })
  })

  it('past not_after and a retired secret → credential_revoked', async () => {
    const late = await verify(
      bearer(await hs256({}, 'overlap-secret-valid-until-dec-2026!!')),
      policy,
      { now: notAfter + 1 },
    )
    expect(late).toMatchObject({ ok: false, status: 401, reason: 'credential_revoked' })
    const retired = await verify(bearer(await hs256({}, OLD_SECRET)), policy, { now: NOW })
    expect(retired.reason).toBe('credential_revoked')
    expect(retired.checks.at(-1)!.detail).toContain('2026-09')
    expect(retired.checks.at(-1)!.key_id).toBe('2026-09')
  })
})

describe('jwt: sign()', () => {
  it('signs with the first current secret; verify accepts it', async () => {
    const policy = endpoint({
      algorithms: ['HS256'],
      secret: SECRET,
      issuer: 'i',
      audience: 'a',
      scopes: ['w'],
    })
    const signed = await jwt.sign(request([]), policy.auth as never, { now: NOW })
    expect((await verify(signed, policy, { now: NOW + 10 })).ok).toBe(true)
  })

  it('signs with an inline private JWK; refuses when only public keys are configured', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const priv = { ...(await exportJWK(privateKey)), kid: 'p1' }
    const policy = endpoint({ algorithms: ['ES256'], jwks: { keys: [priv] } })
    const signed = await jwt.sign(request([]), policy.auth as never, { now: NOW })
    expect((await verify(signed, policy, { now: NOW })).ok).toBe(true)

    const { d: _d, ...pub } = priv
    const publicOnly = endpoint({ algorithms: ['ES256'], jwks: { keys: [pub] } })
    await expect(jwt.sign(request([]), publicOnly.auth as never, { now: NOW })).rejects.toThrow(
      /only public keys/,
    )
  })

  it('never puts the secret in a detail', async () => {
    const v = await verify(bearer(await hs256({}, OLD_SECRET)), hsPolicy, { now: NOW })
    expect(JSON.stringify(v)).not.toContain(SECRET)
    expect(JSON.stringify(v)).not.toContain(OLD_SECRET)
  })
})
