/**
 * loadConfig: the JWT guards of RFC 8725 (T-JWT-3), Basic user-ids (RFC 7617), secret
 * references, rotation fields, and one-line errors that name the file, line and field.
 * @module
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfig, loadConfigFile, looksLikeKeyMaterial } from './load.js'

function loadError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadConfig(text, { env, file: 'hookwarden.yaml' })
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error('the config loaded')
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
const spkiPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
const pkcs1Pem = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string
const privatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
const jwk = rsa.publicKey.export({ format: 'jwk' }) as Record<string, string>

const jwtYaml = (secret: string, algorithms = '[HS256]') =>
  `auth:\n  scheme: jwt\n  algorithms: ${algorithms}\n  secret: ${JSON.stringify(secret)}\n`

describe('jwt config refuses key material as an HMAC secret (T-JWT-3)', () => {
  const keys: [string, string][] = [
    ['SPKI PEM', spkiPem],
    ['PKCS#1 PEM', pkcs1Pem],
    ['PEM after whitespace (CVE-2023-48223)', `\n  ${spkiPem}`],
    ['private PEM', privatePem],
    ['JWK, kty first', JSON.stringify({ kty: jwk.kty, n: jwk.n, e: jwk.e })],
    ['JWK, kty last', JSON.stringify({ e: jwk.e, n: jwk.n, kty: jwk.kty })],
    ['JWKS', JSON.stringify({ keys: [jwk] })],
    [
      'OpenSSH key (CVE-2022-29217)',
      `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host`,
    ],
    [
      'base64 DER SPKI (RSA)',
      (rsa.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
    ],
    [
      'base64 DER SPKI (P-256)',
      (ec.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
    ],
    [
      'base64 DER SPKI (Ed25519)',
      (ed.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
    ],
  ]

  it.each(keys)('%s → config error naming line and field', (_what, secret) => {
    expect(looksLikeKeyMaterial(secret)).toBe(true)
    const e = loadError(jwtYaml(secret))
    expect(e.oneLine()).toMatch(/^hookwarden\.yaml:\d+: auth\.secret \[0\] looks like a public key/)
    expect(e.oneLine()).not.toContain('\n')
    expect(e.position.line).toBe(4)
  })

  it('ordinary secrets load, a brace-led one included', () => {
    for (const secret of [
      'a-long-random-hmac-secret-0123456789',
      '{not json at all}',
      'MIIsomething-but-not-der',
    ]) {
      expect(looksLikeKeyMaterial(secret)).toBe(false)
      expect(loadConfig(jwtYaml(secret)).endpoints[0]!.auth).toMatchObject({
        secrets: [{ value: secret }],
      })
    }
  })

  it('retired secrets are checked too', () => {
    const e = loadError(
      `auth:\n  scheme: jwt\n  algorithms: [HS256]\n  secret: abcdefabcdefabcdefabcdef\n  retired: [${JSON.stringify(spkiPem)}]\n`,
    )
    expect(e.message).toMatch(/auth\.retired \[0\] looks like a public key/)
  })

  it('algorithms omitted, none, unknown, or HS mixed with public-key algorithms → error', () => {
    expect(loadError('auth:\n  scheme: jwt\n  secret: abcdefabcdefabcdef\n').message).toMatch(
      /auth\.algorithms is required/,
    )
    expect(loadError(jwtYaml('abcdefabcdefabcdef', '[HS256, none]')).message).toMatch(
      /must not allow "none"/,
    )
    expect(loadError(jwtYaml('abcdefabcdefabcdef', '[hs256]')).message).toMatch(
      /"hs256" is not a JWS algorithm/,
    )
    const mixed = loadError(
      `auth:\n  scheme: jwt\n  algorithms: [HS256, RS256]\n  secret: abcdefabcdefabcdef\n  jwks: { keys: [] }\n`,
    )
    expect(mixed.message).toMatch(/must not mix HS\* with public-key algorithms/)
  })

  it('inline JWKS keys need a kty; jwks_url must be http(s)', () => {
    expect(
      loadError('auth:\n  scheme: jwt\n  algorithms: [ES256]\n  jwks: { keys: [{ x: 1 }] }\n')
        .message,
    ).toMatch(/auth\.jwks\.keys\[0\] must be a JWK with a "kty"/)
    expect(
      loadError('auth:\n  scheme: jwt\n  algorithms: [ES256]\n  jwks_url: "file:///etc/passwd"\n')
        .message,
    ).toMatch(/jwks_url must be an http:\/\/ or https:\/\/ URL/)
  })

  it('an inline JWKS key that cannot be imported is an error on its line', () => {
    const jwks = (key: string) =>
      `auth:\n  scheme: jwt\n  algorithms: [RS256, ES256]\n  jwks:\n    keys:\n      - ${key}\n`
    expect(loadError(jwks('{ kty: RSA, n: "!!!", e: AQAB }'))).toMatchObject({
      message:
        'auth.jwks.keys[0] is not a usable RSA public key (check its n and e; an RSA modulus needs 2048 bits or more)',
      position: { line: 6 },
    })
    // node:crypto imports a 15-bit modulus; jose refuses every token under such a key.
    expect(loadError(jwks('{ kty: RSA, n: "abc", e: AQAB, kid: k1 }')).message).toMatch(
      /is not a usable RSA public key .*2048 bits/,
    )
    expect(loadError(jwks('{ kty: EC, crv: P-999, x: AAAA, y: AAAA }')).message).toMatch(
      /is not a usable EC public key/,
    )
    expect(() => loadConfig(jwks(JSON.stringify(jwk)))).not.toThrow()
  })

  it('forward must be an http(s) URL', () => {
    const e = loadError(
      'endpoints:\n  - name: a\n    path: /a\n    forward: "ftp://127.0.0.1/x"\n    auth: { scheme: bearer, tokens: [tok-1234567] }\n',
    )
    expect(e.message).toBe(
      'endpoints[0].forward must be an http:// or https:// URL (the upstream the gateway forwards to)',
    )
    expect(e.position.line).toBe(4)
    // user:password in it would be dropped by the forwarding client, and shown in diagnoses.
    const u = loadError(
      'endpoints:\n  - name: a\n    path: /a\n    forward: "http://up:pw@127.0.0.1/x"\n    auth: { scheme: bearer, tokens: [tok-1234567] }\n',
    )
    expect(u.message).toMatch(/^endpoints\[0\]\.forward must not carry user:password/)
    expect(u.position.line).toBe(4)
  })

  it('public-key algorithms need jwks or jwks_url; HS needs a secret', () => {
    expect(loadError('auth:\n  scheme: jwt\n  algorithms: [RS256]\n').message).toMatch(
      /jwks or jwks_url is required/,
    )
    expect(loadError('auth:\n  scheme: jwt\n  algorithms: [HS256]\n').message).toMatch(
      /secret is required for HS256/,
    )
  })
})

describe('basic config (RFC 7617)', () => {
  it('a username with a colon or a control character is refused', () => {
    const colon = loadError(
      'auth:\n  scheme: basic\n  users:\n    - { username: "a:b", password: x }\n',
    )
    expect(colon.message).toMatch(/auth\.users\[0\]\.username must not contain ":"/)
    expect(colon.position.line).toBe(4)
    const ctl = loadError(
      'auth:\n  scheme: basic\n  users:\n    - { username: "a\\tb", password: x }\n',
    )
    expect(ctl.message).toMatch(/control characters/)
  })

  it('a password may hold colons', () => {
    const c = loadConfig(
      'auth:\n  scheme: basic\n  users:\n    - { username: make, password: "a:b:c" }\n',
    )
    expect(c.endpoints[0]!.auth).toMatchObject({ users: [{ username: 'make', password: 'a:b:c' }] })
  })
})

describe('credentials, references and rotation fields', () => {
  it('a single auth: block is the endpoint "default"; strings become { value }', () => {
    const c = loadConfig('auth:\n  scheme: bearer\n  tokens: [abc]\n')
    expect(c.endpoints).toHaveLength(1)
    expect(c.endpoints[0]).toMatchObject({
      name: 'default',
      explain: 'safe',
      auth: { tokens: [{ value: 'abc' }], retired: [] },
    })
  })

  it("the endpoint fields beside a single auth: block are that endpoint's", () => {
    const c = loadConfig(
      'name: invoices\npath: /hooks/invoices\nexplain: full\nauth:\n  scheme: bearer\n  tokens: [abc]\n',
    )
    expect(c.endpoints[0]).toMatchObject({
      name: 'invoices',
      path: '/hooks/invoices',
      explain: 'full',
    })
    try {
      loadConfig('path: hooks\nauth:\n  scheme: bearer\n  tokens: [abc]\n', { file: 'h.yaml' })
      expect.unreachable()
    } catch (e) {
      expect(e).toMatchObject({
        message: 'path must start with /',
        position: { file: 'h.yaml', field: 'path', line: 1 },
      })
    }
  })

  it('an empty secret, token, key, password or user name is an error, literal or referenced', () => {
    expect(loadError('auth: { scheme: bearer, tokens: [""] }\n').message).toBe(
      'auth.tokens[0] is empty',
    )
    expect(
      loadError('auth:\n  scheme: basic\n  users: [{ username: make, password: env:PW }]\n', {
        PW: '',
      }),
    ).toMatchObject({
      message: 'auth.users[0].password refers to environment variable PW, which is empty',
      position: { line: 3 },
    })
    expect(
      loadError('auth:\n  scheme: basic\n  users: [{ username: "", password: x }]\n').message,
    ).toBe('auth.users[0].username is empty')
    const dir = mkdtempSync(join(tmpdir(), 'hw-empty-'))
    try {
      writeFileSync(join(dir, 'key.txt'), '\n')
      expect(() =>
        loadConfig('auth: { scheme: api_key, header: X-Key, keys: ["file:key.txt"] }\n', {
          baseDir: dir,
        }),
      ).toThrow('auth.keys[0] refers to file key.txt, which is empty')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a misspelt key is named on its own line, with the key it was meant to be', () => {
    expect(loadError('auth:\n  scheme: bearer\n  tokenz: [abc]\n')).toMatchObject({
      message: 'auth has unknown field tokenz (did you mean tokens?)',
      position: { line: 3 },
    })
    expect(loadError('auth:\n  scheme: bearer\n  tokens:\n    - { valu: abc }\n').message).toBe(
      'auth.tokens[0] has unknown field valu (did you mean value?)',
    )
    expect(loadError('auth:\n  scheme: bearer\n  tokens: [5]\n').message).toBe(
      'auth.tokens[0] must be a string or a mapping, not number',
    )
    expect(loadError('endpoints: { a: 1 }\n').message).toBe('endpoints must be a list, not mapping')
  })

  it('a YAML alias without its anchor, or an alias bomb, is an error, not a crash', () => {
    expect(loadError('auth: *nosuch\n').message).toMatch(/^cannot be read: Unresolved alias/)
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(', ')}]`,
      )
    expect(
      loadError(`${bomb.join('\n')}\nauth: { scheme: bearer, tokens: [x] }\n`).message,
    ).toMatch(/^cannot be read: Excessive alias count/)
  })

  it('an unknown top-level key, or an endpoint field beside endpoints:, is an error on its line', () => {
    const list = 'endpoints:\n  - path: /a\n    auth: { scheme: bearer, tokens: [abc] }\n'
    expect(loadError(`${list}retension: { days: 3 }\n`)).toMatchObject({
      message: 'retension is not a known field',
      position: { file: 'hookwarden.yaml', field: 'retension', line: 4 },
    })
    const e = loadError(`path: /hooks/x\n${list}`)
    expect(e.message).toMatch(/^path is an endpoint field: beside endpoints: it belongs inside/)
    expect(e.position).toMatchObject({ field: 'path', line: 1 })
    expect(loadError('auth: { scheme: bearer, tokens: [abc] }\nforwad: http://x\n')).toMatchObject({
      message: 'forwad is not a known field',
      position: { line: 2 },
    })
  })
  it('not_after becomes unix seconds; an unreadable date is an error on its line', () => {
    const c = loadConfig(
      'auth:\n  scheme: bearer\n  tokens:\n    - { value: abc, id: "2026-11", not_after: "2026-12-01T00:00:00Z" }\n',
    )
    expect(c.endpoints[0]!.auth).toMatchObject({
      tokens: [{ value: 'abc', id: '2026-11', not_after: 1_796_083_200 }],
    })
    const e = loadError(
      'auth:\n  scheme: bearer\n  tokens:\n    - { value: abc, not_after: "next tuesday" }\n',
    )
    expect(e.message).toMatch(/not_after must be an ISO 8601 date-time/)
    expect(e.position.line).toBe(4)
  })

  it('env: and file: references resolve; a missing variable is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-config-'))
    writeFileSync(join(dir, 'key.txt'), 'from-a-file\n')
    writeFileSync(
      join(dir, 'hookwarden.yaml'),
      'auth:\n  scheme: api_key\n  header: X-API-Key\n  keys: ["env:KEY_A", "file:key.txt"]\n',
    )
    const c = loadConfigFile(join(dir, 'hookwarden.yaml'), { env: { KEY_A: 'from-env' } })
    rmSync(dir, { recursive: true, force: true })
    expect(c.endpoints[0]!.auth).toMatchObject({
      keys: [{ value: 'from-env' }, { value: 'from-a-file' }],
    })
    const e = loadError('auth:\n  scheme: bearer\n  tokens: ["env:NOPE"]\n')
    expect(e.message).toMatch(/environment variable NOPE, which is not set/)
    expect(e.message).not.toContain('from-env')
  })

  it('api_key needs exactly one of header or query', () => {
    expect(loadError('auth:\n  scheme: api_key\n  keys: [k]\n').message).toMatch(
      /exactly one of header or query/,
    )
    expect(
      loadError('auth:\n  scheme: api_key\n  header: X-Key\n  query: key\n  keys: [k]\n').message,
    ).toMatch(/exactly one of header or query/)
  })

  it('a secret value never appears in an error', () => {
    const e = loadError(
      'auth:\n  scheme: bearer\n  tokens: [{ value: super-secret-token, extra: 1 }]\n',
    )
    expect(e.message).toMatch(/unknown field extra/)
    expect(e.message).not.toContain('super-secret-token')
  })
})
