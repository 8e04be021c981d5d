/**
 * diagnose names the JWT near misses whose key or secret is right (jwt-search.ts), with the
 * fix in the sender's terms: HS* tokens signed with the secret decoded, undecoded or with a
 * newline (jose as the signer), an ES256 signature in DER (node:crypto's default), a JWKS key
 * for encryption or another alg, a jwks_url answering an error page or a redirect (a real
 * server), an issuer off by a trailing slash, exp 1e300, an RS256 signature cut short.
 * @module
 */

import { sign as cryptoSign, KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'

const NOW = 1764460800
const claims = { iss: 'https://issuer.example', aud: 'webhooks', iat: NOW, exp: NOW + 600 }
/** A secret that is itself base64 text, as the issuers that hand out base64 keys write it. */
const B64_SECRET = 'c2VjcmV0LWtleS1mb3ItaHMyNTYtdGhhdC1pcy1sb25nLWVub3VnaA=='

const bearer = (token: string, ua?: string): HttpRequest => ({
  method: 'POST',
  url: '/hooks',
  headers: [
    ['Host', 'receiver.example.org'],
    ['Authorization', `Bearer ${token}`],
    ...(ua ? ([['User-Agent', ua]] as [string, string][]) : []),
  ],
  body: Buffer.from('{}'),
})
const hsConfig = (extra = '') =>
  loadConfig(
    `auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  audience: webhooks\n  algorithms: [HS256]\n  secret: "${B64_SECRET}"\n${extra}`,
  )
const hs256 = (key: Uint8Array) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)

describe('HS256: the secret is right, its bytes are not', () => {
  it('signed with the base64-decoded secret where the text is the key: signature_secret_encoding', async () => {
    const d = await diagnose(bearer(await hs256(Buffer.from(B64_SECRET, 'base64'))), {
      config: hsConfig(),
      now: NOW,
    })
    expect(d.verdict?.reason).toBe('jwt_signature_invalid')
    expect(d.causes[0]).toMatchObject({ code: 'signature_secret_encoding' })
    expect(d.causes[0]?.summary).toContain('signed with the base64-decoded secret')
    expect(d.causes[0]?.fix).toContain("secret's text as the key")
    expect(d.causes[0]?.fix).toContain('secret_encoding: base64')
    expect(d.causes.map((c) => c.code)).not.toContain('jwt_signature_invalid')
    expect(JSON.stringify(d)).not.toContain(B64_SECRET)
  })

  it('n8n signs with the passphrase text where the endpoint decodes: the n8n wording', async () => {
    const token = await hs256(Buffer.from(B64_SECRET, 'utf8'))
    const d = await diagnose(bearer(token, 'n8n'), {
      config: hsConfig('  secret_encoding: base64\n'),
      now: NOW,
    })
    expect(d.causes[0]?.code).toBe('signature_secret_encoding')
    expect(d.causes[0]?.summary).toContain("signed with the secret's text")
    expect(d.causes[0]?.fix).toContain("n8n's JWT credential (Key Type: Passphrase)")
    const code = await diagnose(bearer(token), {
      config: hsConfig('  secret_encoding: base64\n'),
      now: NOW,
    })
    expect(code.causes[0]?.fix).toContain("Buffer.from(secret, 'base64')")
  })

  it('a trailing newline after the secret: signature_secret_whitespace', async () => {
    for (const [suffix, what] of [
      ['\n', 'a trailing newline'],
      ['\r\n', 'a trailing CRLF'],
      [' ', 'a trailing space'],
    ]) {
      const d = await diagnose(bearer(await hs256(Buffer.from(`${B64_SECRET}${suffix}`))), {
        config: hsConfig(),
        now: NOW,
      })
      expect(d.causes[0]?.code).toBe('signature_secret_whitespace')
      expect(d.causes[0]?.summary).toContain(what)
    }
  })

  it('another secret altogether stays jwt_signature_invalid', async () => {
    const d = await diagnose(bearer(await hs256(Buffer.from('some-other-secret-0123456789'))), {
      config: hsConfig(),
      now: NOW,
    })
    expect(d.causes[0]?.code).toBe('jwt_signature_invalid')
  })
})

describe('public keys: the key is right, the token or the JWKS entry is not', () => {
  it('ES256 with a DER signature: signature_wrong_encoding, fixed with ieee-p1363 or a JOSE library', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'ec256', alg: 'ES256', use: 'sig' }
    const config = loadConfig(
      JSON.stringify({ auth: { scheme: 'jwt', algorithms: ['ES256'], jwks: { keys: [jwk] } } }),
    )
    const jose = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec256' })
      .sign(privateKey)
    const input = jose.slice(0, jose.lastIndexOf('.'))
    const der = cryptoSign('sha256', Buffer.from(input), KeyObject.from(privateKey))
    const d = await diagnose(bearer(`${input}.${der.toString('base64url')}`), { config, now: NOW })
    expect(d.verdict?.reason).toBe('signature_wrong_encoding')
    expect(d.causes[0]?.code).toBe('signature_wrong_encoding')
    expect(d.causes[0]?.summary).toContain('DER-encoded')
    expect(d.causes[0]?.fix).toContain("dsaEncoding: 'ieee-p1363'")
    expect(d.causes[0]?.fix).toContain('JOSE library')
    expect(d.causes[0]?.fix).not.toContain('Sign with the key the endpoint trusts')
  })

  it('an RS256 signature cut by 10 characters: credential_truncated with 332 of 342', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    const config = loadConfig(
      JSON.stringify({
        auth: {
          scheme: 'jwt',
          algorithms: ['RS256'],
          jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'rsa1' }] },
        },
      }),
    )
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa1' })
      .sign(privateKey)
    const d = await diagnose(bearer(token.slice(0, -10)), { config, now: NOW })
    expect(d.causes[0]?.code).toBe('credential_truncated')
    expect(d.causes[0]?.evidence.join(' ')).toContain('332 characters where RS256')
  })

  it('"use": "enc" and "alg": "RS512" under the token kid: what is wrong with that key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    const pub = await exportJWK(publicKey)
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa1' })
      .sign(privateKey)
    const run = (key: Record<string, unknown>) =>
      diagnose(bearer(token), {
        config: loadConfig(
          JSON.stringify({
            auth: {
              scheme: 'jwt',
              algorithms: ['RS256', 'RS512'],
              jwks: { keys: [{ ...pub, kid: 'rsa1', ...key }] },
            },
          }),
        ),
        now: NOW,
      })
    const enc = await run({ use: 'enc' })
    expect(enc.causes[0]?.code).toBe('jwt_unknown_kid')
    expect(enc.causes[0]?.summary).toContain('marks it for encryption')
    expect(enc.causes[0]?.fix).toContain('"use": "sig"')
    expect(enc.causes[0]?.evidence.join(' ')).toContain('the JWKS has kid "rsa1"')
    expect(JSON.stringify(enc.causes)).not.toContain('no key in the JWKS has kid')

    const alg = await run({ alg: 'RS512' })
    expect(alg.causes[0]?.code).toBe('jwt_alg_not_allowed')
    expect(alg.causes[0]?.summary).toContain('declares "alg": "RS512"')
    expect(alg.causes[0]?.fix).toContain('Sign with RS512')
  })
})

describe('jwks_url answering something else than keys', () => {
  let server: Server
  let base = ''
  let token = ''
  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('RS256')
    token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .sign(privateKey)
    server = createServer((req, res) => {
      if (req.url === '/500') res.writeHead(500, { 'content-type': 'text/plain' }).end('oops')
      else if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<p>')
      else res.writeHead(301, { location: 'https://login.example/jwks' }).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const cause = async (path: string) => {
    const config = loadConfig(
      `auth:\n  scheme: jwt\n  algorithms: [RS256]\n  jwks_url: ${base}${path}\n`,
    )
    const d = await diagnose(bearer(token), { config, now: NOW })
    expect(d.verdict?.reason).toBe('jwt_jwks_unavailable')
    expect(d.causes).toHaveLength(1)
    return d.causes[0]!
  }

  it('500: the status and type, retry later', async () => {
    const c = await cause('/500')
    expect(c.summary).toBe(
      'The signing keys could not be fetched: jwks_url answered 500 Internal Server Error (text/plain), not 200 with a JWKS.',
    )
    expect(c.fix).toContain('retry later')
  })

  it('an HTML page: point jwks_url at the jwks_uri, not retry later', async () => {
    const c = await cause('/html')
    expect(c.summary).toContain('answered 200 with text/html')
    expect(c.fix).toContain('jwks_uri')
    expect(c.fix).not.toContain('retry')
  })

  it('a redirect: where to, and that it is not followed', async () => {
    const c = await cause('/moved')
    expect(c.summary).toContain(
      'answered 301 Moved Permanently, a redirect to https://login.example/jwks, which is not followed',
    )
    expect(c.fix).toContain('Set jwks_url to the address the keys are really served from')
  })
})

describe('claims', () => {
  const hsPlain = loadConfig(
    'auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  algorithms: [HS256]\n  secret: a-very-long-hmac-secret-for-jwt-testing-0123456789\n',
  )
  const sign = (c: Record<string, unknown>) =>
    new SignJWT({ ...claims, ...c })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(Buffer.from('a-very-long-hmac-secret-for-jwt-testing-0123456789'))

  it('an iss with a trailing slash the config lacks: the slash is named, not the environment', async () => {
    const d = await diagnose(bearer(await sign({ iss: 'https://issuer.example/' })), {
      config: hsPlain,
      now: NOW,
    })
    expect(d.causes[0]?.code).toBe('jwt_wrong_issuer')
    expect(d.causes[0]?.summary).toContain('only by a trailing slash')
    expect(d.causes[0]?.fix).toContain('issuer: "https://issuer.example/"')
    expect(d.causes[0]?.fix).not.toContain('staging')
    // An issuer that is really another one keeps the environment hint.
    const other = await diagnose(bearer(await sign({ iss: 'https://staging.example' })), {
      config: hsPlain,
      now: NOW,
    })
    expect(other.causes[0]?.fix).toContain('staging and production')
  })

  it('exp 1e300: malformed, and never called milliseconds', async () => {
    const d = await diagnose(bearer(await sign({ exp: 1e300 })), { config: hsPlain, now: NOW })
    expect(d.verdict?.reason).toBe('jwt_malformed')
    expect(d.causes[0]?.code).toBe('jwt_malformed')
    expect(d.causes.map((c) => c.code)).not.toContain('timestamp_milliseconds')
  })
})
