/**
 * jwt verify names the real cause when the key is right: an ECDSA signature in DER (converted
 * and verified), an RSA signature cut short (its length from the key's modulus), a JWKS key
 * with the token's kid that is for encryption or another algorithm (the kids listed), a
 * jwks_url that answers 500, HTML, other JSON or a redirect (against a real HTTP server), an
 * absurd exp, an issuer off by a trailing slash. Tokens and keys are made with jose and
 * node:crypto, as senders make them.
 * @module
 */

import { sign as cryptoSign, verify as cryptoVerify, KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { verify } from '../verdict/verify.js'
import { derToP1363, unmatchedKey } from './jwt.js'

const NOW = 1_796_000_000
const claims = { iss: 'https://issuer.example', aud: 'webhooks', iat: NOW, exp: NOW + 300 }

function endpoint(auth: Record<string, unknown>): Endpoint {
  return loadConfig(JSON.stringify({ auth: { scheme: 'jwt', ...auth } })).endpoints[0]!
}
const bearer = (token: string): HttpRequest => ({
  method: 'POST',
  url: '/hooks',
  headers: [['Authorization', `Bearer ${token}`]],
  body: new Uint8Array(),
})
const signingInput = (token: string) => token.slice(0, token.lastIndexOf('.'))
const withSignature = (token: string, sig: Buffer) =>
  `${signingInput(token)}.${sig.toString('base64url')}`

const EC = [
  ['ES256', 'sha256', 64],
  ['ES384', 'sha384', 96],
  ['ES512', 'sha512', 132],
] as const

describe('jwt: an ECDSA signature in DER', () => {
  it.each(EC)(
    '%s signed by node:crypto with its default DER encoding: signature_wrong_encoding, named with the kid',
    async (alg, hash, bytes) => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
      const policy = endpoint({
        algorithms: [alg],
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'ec-1', use: 'sig', alg }] },
      })
      const good = await new SignJWT(claims)
        .setProtectedHeader({ alg, kid: 'ec-1' })
        .sign(privateKey)
      // What a sender does with crypto.sign and no dsaEncoding: DER, as OpenSSL makes it.
      const der = cryptoSign(hash, Buffer.from(signingInput(good)), KeyObject.from(privateKey))
      expect(der[0]).toBe(0x30)
      expect(der.length).not.toBe(bytes)
      const v = await verify(bearer(withSignature(good, der)), policy, { now: NOW })
      expect(v).toMatchObject({ ok: false, status: 401, reason: 'signature_wrong_encoding' })
      const check = v.checks.find((c) => !c.ok)!
      expect(check.detail).toContain(`ASN.1 DER (${der.length} bytes)`)
      expect(check.detail).toContain(`${bytes}-byte r||s`)
      expect(check.detail).toContain('converted, it verifies with kid "ec-1"')
      expect(check.key_id).toBe('ec-1')
    },
  )

  it('a DER signature by another key is still jwt_signature_invalid, and says DER', async () => {
    const mine = await generateKeyPair('ES256', { extractable: true })
    const other = await generateKeyPair('ES256', { extractable: true })
    const policy = endpoint({
      algorithms: ['ES256'],
      jwks: { keys: [{ ...(await exportJWK(mine.publicKey)), kid: 'ec-1' }] },
    })
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(other.privateKey)
    const der = cryptoSign(
      'sha256',
      Buffer.from(signingInput(token)),
      KeyObject.from(other.privateKey),
    )
    const v = await verify(bearer(withSignature(token, der)), policy, { now: NOW })
    expect(v.reason).toBe('jwt_signature_invalid')
    expect(v.checks.find((c) => !c.ok)?.detail).toContain('even converted it does not verify')
  })

  it('derToP1363 gives what node:crypto verifies as ieee-p1363, and refuses what is not DER', async () => {
    for (const [alg, hash, bytes] of EC) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
      for (let i = 0; i < 20; i++) {
        const data = Buffer.from(`message ${i}`)
        const der = cryptoSign(hash, data, KeyObject.from(privateKey))
        const p1363 = derToP1363(der, alg)!
        expect(p1363.length).toBe(bytes)
        expect(
          cryptoVerify(
            hash,
            data,
            { key: KeyObject.from(publicKey), dsaEncoding: 'ieee-p1363' },
            p1363,
          ),
        ).toBe(true)
      }
    }
    expect(derToP1363(Buffer.alloc(64), 'ES256')).toBe(null)
    expect(derToP1363(Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01]), 'ES256')).toBe(null)
    expect(derToP1363(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 'ES256')).toBe(null)
    expect(derToP1363(Buffer.alloc(70, 0x30), 'RS256')).toBe(null)
  })
})

describe('jwt: an RSA signature cut short', () => {
  it.each([
    [2048, 342],
    [3072, 512],
  ])(
    '%i-bit key: a signature short of %i characters is credential_truncated',
    async (bits, chars) => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', {
        extractable: true,
        modulusLength: bits,
      })
      const policy = endpoint({
        algorithms: ['RS256'],
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'rsa1' }] },
      })
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'rsa1' })
        .sign(privateKey)
      expect(token.length - token.lastIndexOf('.') - 1).toBe(chars)
      const cut = await verify(bearer(token.slice(0, -10)), policy, { now: NOW })
      expect(cut.reason).toBe('credential_truncated')
      expect(cut.checks.find((c) => !c.ok)?.detail).toContain(
        `${chars - 10} characters where RS256 with the ${bits}-bit key "rsa1" makes ${chars}`,
      )
      // A changed character of the same length is a bad signature, not a cut one.
      const sig = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
      sig[9]! ^= 1
      expect((await verify(bearer(withSignature(token, sig)), policy, { now: NOW })).reason).toBe(
        'jwt_signature_invalid',
      )
    },
  )
})

describe('jwt: a JWKS key with the token kid that cannot verify it', () => {
  let rsa: JWK
  let signer: CryptoKey
  let token: string
  beforeAll(async () => {
    const kp = await generateKeyPair('RS256', { extractable: true })
    rsa = await exportJWK(kp.publicKey)
    signer = kp.privateKey
    token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rsa1' }).sign(signer)
  })
  const refusal = async (keys: JWK[], algorithms = ['RS256', 'RS512']) => {
    const v = await verify(bearer(token), endpoint({ algorithms, jwks: { keys } }), { now: NOW })
    return { reason: v.reason, detail: v.checks.find((c) => !c.ok)?.detail ?? '' }
  }

  it('"use": "enc": the key is named for encryption, and the kids are listed', async () => {
    const r = await refusal([
      { ...rsa, kid: 'rsa1', use: 'enc' },
      { ...rsa, kid: 'rsa0', use: 'sig' },
    ])
    expect(r.reason).toBe('jwt_unknown_kid')
    expect(r.detail).toContain('the JWKS key with kid "rsa1" has "use": "enc" (for encryption)')
    expect(r.detail).toContain('the JWKS has kids "rsa1", "rsa0"')
    expect(r.detail).not.toContain('no key in the JWKS has kid')
  })

  it('"alg": "RS512" on an RS256 token: jwt_alg_not_allowed naming both algorithms', async () => {
    const r = await refusal([{ ...rsa, kid: 'rsa1', alg: 'RS512' }])
    expect(r.reason).toBe('jwt_alg_not_allowed')
    expect(r.detail).toContain(
      'the JWKS key with kid "rsa1" is for "alg": "RS512", but the token is signed with RS256',
    )
  })

  it('"key_ops" without verify; an EC key under the kid; no such kid at all', async () => {
    expect((await refusal([{ ...rsa, kid: 'rsa1', key_ops: ['encrypt'] }])).detail).toContain(
      '"key_ops": ["encrypt"] without "verify"',
    )
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)
    const kty = await refusal([{ ...ec, kid: 'rsa1' }])
    expect(kty).toMatchObject({ reason: 'jwt_alg_not_allowed' })
    expect(kty.detail).toContain('is a "EC" key, which cannot verify RS256')
    const none = await refusal([{ ...rsa, kid: 'rsa9' }])
    expect(none).toMatchObject({ reason: 'jwt_unknown_kid' })
    expect(none.detail).toBe('no key in the JWKS has kid "rsa1"; the JWKS has kid "rsa9"')
  })

  it('unmatchedKey: curve, and a token without kid', () => {
    const p384 = { kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'e' }
    expect(unmatchedKey('ES256', 'e', [p384])).toMatchObject({
      reason: 'jwt_alg_not_allowed',
      kind: 'crv',
    })
    expect(unmatchedKey('RS256', undefined, [{ ...p384, use: 'enc' }])).toMatchObject({
      kind: 'use',
      kids: ['e'],
    })
    expect(unmatchedKey('RS256', undefined, [])).toMatchObject({
      kind: 'none',
      detail:
        'the token names no kid and no key in the JWKS fits RS256; the JWKS has 0 keys, none with a kid',
    })
  })
})

describe('jwt: what a failing jwks_url answered', () => {
  let server: Server
  let base = ''
  let token = ''
  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('RS256')
    token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .sign(privateKey)
    server = createServer((req, res) => {
      if (req.url === '/500') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('oops')
      } else if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html>login</html>')
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/moved/jwks.json?sig=abc' }).end()
      } else if (req.url === '/discovery') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"x"}')
      } else res.writeHead(404).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const refusal = async (path: string) => {
    const v = await verify(
      bearer(token),
      endpoint({ algorithms: ['RS256'], jwks_url: `${base}${path}` }),
      { now: NOW },
    )
    expect(v).toMatchObject({ ok: false, status: 503, reason: 'jwt_jwks_unavailable' })
    return v.checks.find((c) => !c.ok)?.detail
  }

  it('500, an HTML page, other JSON, 404: the status and the content type', async () => {
    expect(await refusal('/500')).toBe(
      'jwks_url answered 500 Internal Server Error (text/plain), not 200 with a JWKS',
    )
    expect(await refusal('/html')).toBe('jwks_url answered 200 with text/html, not a JSON JWKS')
    expect(await refusal('/discovery')).toContain('answered 200 with JSON that is not a JWKS')
    expect(await refusal('/nothing')).toBe('jwks_url answered 404 Not Found, not 200 with a JWKS')
  })

  it('a redirect: its target (origin and path only), and that it is not followed', async () => {
    expect(await refusal('/redirect')).toBe(
      `jwks_url answered 302 Found, a redirect to ${base}/moved/jwks.json, which is not followed (keys are fetched from the configured address only)`,
    )
  })

  it('nothing listening: the connection error', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const v = await verify(
      bearer(token),
      endpoint({ algorithms: ['RS256'], jwks_url: `http://127.0.0.1:${port}/jwks` }),
      { now: NOW },
    )
    expect(v.checks.find((c) => !c.ok)?.detail).toBe('jwks_url could not be reached (ECONNREFUSED)')
  })
})

describe('jwt: claims named closely', () => {
  const SECRET = 'hs256-secret-of-32-bytes-or-more!!'
  const policy = endpoint({
    algorithms: ['HS256'],
    secret: SECRET,
    issuer: 'https://issuer.example',
  })
  const hs = (c: Record<string, unknown>) =>
    new SignJWT(c).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(SECRET))

  it('exp 1e300 (or a time past the year 9999 in ms) is malformed, not milliseconds', async () => {
    for (const c of [{ exp: 1e300 }, { nbf: 1e17 }, { iat: -1e300 }]) {
      const v = await verify(bearer(await hs({ ...claims, ...c })), policy, { now: NOW })
      expect(v.reason, JSON.stringify(c)).toBe('jwt_malformed')
      expect(v.checks.find((x) => !x.ok)?.detail).toContain(
        'is no date, neither in seconds nor in milliseconds',
      )
    }
    // Milliseconds stay milliseconds.
    expect(
      (await verify(bearer(await hs({ ...claims, exp: NOW * 1000 })), policy, { now: NOW })).reason,
    ).toBe('timestamp_milliseconds')
  })

  it('an iss that differs only by a trailing slash says so', async () => {
    const v = await verify(
      bearer(await hs({ ...claims, iss: 'https://issuer.example/' })),
      policy,
      { now: NOW },
    )
    expect(v.reason).toBe('jwt_wrong_issuer')
    expect(v.checks.find((c) => !c.ok)?.detail).toBe(
      'iss "https://issuer.example/" is not "https://issuer.example" (they differ only by a trailing slash: issuers are compared character for character)',
    )
    const other = await verify(bearer(await hs({ ...claims, iss: 'https://x.example/' })), policy, {
      now: NOW,
    })
    expect(other.checks.find((c) => !c.ok)?.detail).not.toContain('slash')
  })
})
