/**
 * Config errors in plain words: never zod's stock phrases ("Invalid url", "Number must be
 * greater than 0", "Expected integer"); forward URLs told what is wrong with them; retention
 * bounded to what the stores hold; scheme and provider not both; and credentials whose text
 * could never match (whitespace around them, a second line in their file) refused on their line.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfig, loadConfigFile } from './load.js'
import { MAX_RETENTION_DAYS } from './schema.js'

const dir = mkdtempSync(join(tmpdir(), 'hw-config-messages-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function loadError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadConfig(text, { env, file: 'hookwarden.yaml', baseDir: dir })
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error(`the config loaded:\n${text}`)
}

const endpoint = (fields: string, auth = '{ scheme: bearer, tokens: [tok-1234567890] }') =>
  `endpoints:\n  - name: a\n    path: /a\n${fields}    auth: ${auth}\n`

// zod's own wording, which says nothing to someone editing a YAML file.
const STOCK = /Invalid|Expected|Number must|String must|Array must|Required|Unrecognized/

describe('no config error is in zod’s stock words', () => {
  const broken: [string, string][] = [
    ['forward not a URL', endpoint('    forward: "not a url"\n')],
    ['forward http:// alone', endpoint('    forward: "http://"\n')],
    ['forward port 99999', endpoint('    forward: "http://127.0.0.1:99999/x"\n')],
    ['forward a path', endpoint('    forward: /relative\n')],
    ['forward a bad host', endpoint('    forward: "http://exa mple.com/x"\n')],
    ['forward a number', endpoint('    forward: 5\n')],
    ['retention.days 0', `retention: { days: 0 }\n${endpoint('')}`],
    ['retention.days -1', `retention: { days: -1 }\n${endpoint('')}`],
    ['retention.days huge', `retention: { days: 1e9 }\n${endpoint('')}`],
    ['retention.max_rows 0', `retention: { max_rows: 0 }\n${endpoint('')}`],
    ['retention.max_rows 1.5', `retention: { max_rows: 1.5 }\n${endpoint('')}`],
    ['retention.max_rows 1e20', `retention: { max_rows: 1e20 }\n${endpoint('')}`],
    ['retention a string', `retention: { days: abc }\n${endpoint('')}`],
    ['name empty', 'endpoints:\n  - name: ""\n    auth: { scheme: bearer, tokens: [x] }\n'],
    ['tokens empty list', endpoint('', '{ scheme: bearer, tokens: [] }')],
    ['api_key header empty', endpoint('', '{ scheme: api_key, header: "", keys: [k] }')],
    [
      'tolerance negative',
      endpoint(
        '',
        '{ scheme: standard_webhooks, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], tolerance: -5 }',
      ),
    ],
    [
      'leeway negative',
      endpoint(
        '',
        '{ scheme: jwt, algorithms: [HS256], secret: abcdefghijklmnopqrstuvwxyz012345, leeway: -1 }',
      ),
    ],
    [
      'max_age 0',
      endpoint(
        '',
        '{ scheme: jwt, algorithms: [HS256], secret: abcdefghijklmnopqrstuvwxyz012345, max_age: 0 }',
      ),
    ],
    ['jwks_url not a URL', endpoint('', '{ scheme: jwt, algorithms: [RS256], jwks_url: "nope" }')],
    [
      'jwks_url no host',
      endpoint('', '{ scheme: jwt, algorithms: [RS256], jwks_url: "https://" }'),
    ],
    [
      'secret_hash url',
      endpoint('', '{ provider: hubspot, secrets: [s3cr3t-value], url: "not a url" }'),
    ],
    [
      'timestamp unit',
      endpoint(
        '',
        '{ scheme: hmac, header: X-Sig, timestamp: { header: X-T, unit: hours }, secrets: [s] }',
      ),
    ],
    ['admin token short', `admin: { token: short }\n${endpoint('')}`],
    ['explain wrong', endpoint('    explain: loud\n')],
    ['enforce a string', endpoint('    enforce: "yes"\n')],
    [
      'scheme and provider',
      endpoint('', '{ scheme: bearer, provider: stripe, tokens: [tok-1234567890] }'),
    ],
    ['unknown key', endpoint('', '{ scheme: bearer, tokenz: [x] }')],
    ['path without slash', endpoint('').replace('path: /a', 'path: a')],
  ]

  it.each(broken)('%s', (_what, text) => {
    const e = loadError(text)
    expect(e.oneLine()).not.toMatch(STOCK)
    expect(e.oneLine()).not.toContain('\n')
    expect(e.position.line).toBeGreaterThan(0)
  })
})

describe('forward', () => {
  const forward = (url: string) => loadError(endpoint(`    forward: ${JSON.stringify(url)}\n`))

  it('says what is wrong with the URL, on its line, without quoting it', () => {
    expect(forward('http://')).toMatchObject({
      message:
        'endpoints[0].forward names no host: write http://HOST[:PORT]/PATH, such as http://127.0.0.1:3000/orders',
      position: { line: 4, field: 'endpoints[0].forward' },
    })
    expect(forward('http://127.0.0.1:99999/x').message).toBe(
      'endpoints[0].forward has port 99999, which is out of range: a port is from 1 to 65535',
    )
    expect(forward('http://127.0.0.1:0/x').message).toMatch(/has port 0, which is out of range/)
    expect(forward('http://127.0.0.1:abc/x').message).toMatch(/has a port that is not a number/)
    expect(forward('/orders').message).toMatch(
      /^endpoints\[0\]\.forward must be an absolute http:\/\/ or https:\/\/ URL such as http:\/\/127\.0\.0\.1:3000\/orders/,
    )
    expect(forward('ftp://127.0.0.1/y').message).toMatch(/must be an http:\/\/ or https:\/\/ URL/)
    const withQuery = forward('http://exa mple.com/x?key=hunter2-secret')
    expect(withQuery.message).toMatch(/is not a valid URL: check the host name/)
    expect(withQuery.message).not.toContain('hunter2')
  })

  it('a good URL loads', () => {
    for (const url of ['http://127.0.0.1:3000/orders', 'https://[::1]:8443/x', 'http://up/']) {
      const c = loadConfig(endpoint(`    forward: ${JSON.stringify(url)}\n`))
      expect(c.endpoints[0]!.forward).toBe(url)
    }
  })
})

describe('retention', () => {
  it('days and max_rows are bounded to what SQLite and PostgreSQL hold, and the bound is said', () => {
    expect(loadError(`retention: { days: 0 }\n${endpoint('')}`)).toMatchObject({
      message: `retention.days must be a number of days greater than 0 and at most ${MAX_RETENTION_DAYS} (100 years); to keep attempts of any age, leave days out`,
      position: { line: 1 },
    })
    expect(loadError(`retention: { days: 1e20 }\n${endpoint('')}`).message).toMatch(/at most 36500/)
    for (const rows of ['1e20', '0', '-3', '2.5', '9007199254740992']) {
      expect(loadError(`retention: { max_rows: ${rows} }\n${endpoint('')}`).message).toBe(
        'retention.max_rows must be a whole number of rows from 1 to 9007199254740991 (the largest whole number the stores hold exactly); to keep any number, leave max_rows out',
      )
    }
  })

  it('values in bounds load as written', () => {
    const c = loadConfig(`retention: { days: 1.5, max_rows: 9007199254740991 }\n${endpoint('')}`)
    expect(c.retention).toEqual({ days: 1.5, max_rows: Number.MAX_SAFE_INTEGER })
  })
})

describe('scheme and provider', () => {
  it('both given: give one, not both (not a whsec_ message about a bearer token)', () => {
    const e = loadError(
      endpoint('', '{ scheme: bearer, provider: stripe, tokens: [tok-1234567890] }'),
    )
    expect(e).toMatchObject({
      message:
        'endpoints[0].auth gives both scheme: and provider:; give scheme or provider, not both (provider: stripe sets scheme: hmac itself)',
      position: { line: 4 },
    })
    expect(e.message).not.toMatch(/whsec_/)
  })
})

describe('credentials whose text could never match', () => {
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content)
    return `file:${name}`
  }
  const bearer = (token: string) =>
    `auth:\n  scheme: bearer\n  tokens:\n    - ${JSON.stringify(token)}\n`

  it('a bearer token, API key or Basic credential with whitespace around it, literal: refused on its line', () => {
    const e = loadError(bearer('  tok-spaced-12345  '))
    expect(e).toMatchObject({
      message:
        'auth.tokens[0] begins or ends with whitespace (a space, tab, line break or byte-order mark): a token in an Authorization header never carries it (senders and HTTP trim it), so it could never match; remove it',
      position: { line: 4, field: 'auth.tokens[0]' },
    })
    expect(e.message).not.toContain('tok-spaced')
    expect(
      loadError('auth: { scheme: api_key, query: key, keys: ["k-1234567890 "] }\n').message,
    ).toMatch(
      /^auth\.keys\[0\] begins or ends with whitespace .*: an API key in a header or query never carries it/,
    )
    expect(
      loadError('auth:\n  scheme: basic\n  users: [{ username: make, password: " pw-123456" }]\n'),
    ).toMatchObject({
      message: expect.stringMatching(/^auth\.users\[0\]\.password begins or ends with whitespace/),
      position: { line: 3 },
    })
    expect(
      loadError('auth:\n  scheme: basic\n  users: [{ username: "make ", password: pw-123456 }]\n')
        .message,
    ).toMatch(/^auth\.users\[0\]\.username begins or ends with whitespace/)
    // Retired credentials too: a request using one must be recognised.
    expect(
      loadError('auth: { scheme: bearer, tokens: [tok-1], retired: [{ value: "old-1\\t" }] }\n')
        .message,
    ).toMatch(/^auth\.retired\[0\]\.value begins or ends with whitespace/)
    // A byte-order mark at the start (Windows Notepad) counts.
    expect(loadError(bearer('\uFEFFtok-bom-123456')).message).toMatch(/byte-order mark/)
    // A line break inside can never arrive in a header either.
    expect(loadError(bearer('tok-a\ntok-b')).message).toMatch(
      /^auth\.tokens\[0\] contains a line break, which a token in an Authorization header cannot carry/,
    )
  })

  it('a file: or env: credential: names the file or the variable', () => {
    expect(loadError(bearer(file('sp.txt', '  tok-spaced-12345  \n'))).message).toBe(
      'auth.tokens[0] refers to file sp.txt, whose content begins or ends with whitespace (a space, tab, line break or byte-order mark): a token in an Authorization header never carries it (senders and HTTP trim it), so it could never match; remove it from the file',
    )
    expect(
      loadError(bearer(file('two.txt', 'tok-line1-123456\ntok-line2-123456\n'))),
    ).toMatchObject({
      message:
        'auth.tokens[0] refers to file two.txt, which holds 2 lines: a credential file holds one credential alone on one line (for several, give each its own file: entry)',
      position: { line: 4 },
    })
    // A Kubernetes secret made with `echo` keeps the newline in the variable.
    expect(
      loadError(bearer('env:ORDERS_TOKEN'), { ORDERS_TOKEN: 'tok-1234567890\n' }).message,
    ).toBe(
      'auth.tokens[0] refers to environment variable ORDERS_TOKEN, whose value begins or ends with whitespace (a space, tab, line break or byte-order mark): a token in an Authorization header never carries it (senders and HTTP trim it), so it could never match; remove it',
    )
  })

  it('the line ends after the credential in its file are not part of it (LF, CRLF, several)', () => {
    for (const [name, content] of [
      ['lf.txt', 'tok-file-123456\n'],
      ['crlf.txt', 'tok-file-123456\r\n'],
      ['blank-after.txt', 'tok-file-123456\n\n\n'],
    ] as const) {
      const c = loadConfig(bearer(file(name, content)), { baseDir: dir })
      expect(c.endpoints[0]!.auth).toMatchObject({ tokens: [{ value: 'tok-file-123456' }] })
    }
  })

  it('an HMAC secret: a second line in its file, or whitespace around it, refused with the way to mean it', () => {
    const hmac = (secret: string, extra = '') =>
      `auth: { scheme: hmac, header: X-Sig, secrets: [${JSON.stringify(secret)}]${extra} }\n`
    expect(loadError(hmac(file('h2.txt', 'hmac-secret-one\nhmac-secret-two\n'))).message).toMatch(
      /^auth\.secrets\[0\] refers to file h2\.txt, which holds 2 lines/,
    )
    const spaced = loadError(hmac(file('hsp.txt', 'hmac-secret-one \n'))).message
    expect(spaced).toMatch(
      /^auth\.secrets\[0\] refers to file hsp\.txt, whose content begins or ends with whitespace .*: almost always a copy-paste or editor slip/,
    )
    expect(spaced).toMatch(/give the bytes with secret_encoding: base64$/)
    expect(loadError(hmac(' hmac-secret-one')).message).toMatch(
      /^auth\.secrets\[0\] begins or ends/,
    )
    // Spaces that truly belong to the key: its bytes in base64.
    const onPurpose = Buffer.from(' hmac-secret-one ').toString('base64')
    expect(() => loadConfig(hmac(onPurpose, ', secret_encoding: base64'))).not.toThrow()
    // Provider presets are HMAC underneath: the same rule.
    expect(
      loadError('auth: { provider: github, secrets: ["env:GH_SECRET"] }\n', {
        GH_SECRET: 'gh-webhook-secret\n',
      }).message,
    ).toMatch(
      /^auth\.secrets\[0\] refers to environment variable GH_SECRET, whose value begins or ends/,
    )
    // A whsec_ secret with a trailing space is told so, not "not strict base64".
    expect(
      loadError('auth: { provider: svix, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "] }\n')
        .message,
    ).toMatch(/begins or ends with whitespace/)
  })

  it('a JWT HS secret: the same as an HMAC secret', () => {
    const e = loadError(
      'auth:\n  scheme: jwt\n  algorithms: [HS256]\n  secret: "abcdefghijklmnopqrstuvwxyz012345 "\n',
    )
    expect(e).toMatchObject({
      message: expect.stringMatching(/^auth\.secret begins or ends with whitespace/),
      position: { line: 4 },
    })
  })

  it('public keys in a file keep their lines (PEM is several lines by design)', () => {
    const pem = file(
      'ed.pem',
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n',
    )
    const c = loadConfig(`auth: { provider: telnyx, public_keys: [${JSON.stringify(pem)}] }\n`, {
      baseDir: dir,
    })
    expect(c.endpoints[0]!.provider).toBe('telnyx')
  })

  it('admin.token: refused with whitespace around it, and checked for length after env:', () => {
    const base = 'auth: { scheme: bearer, tokens: [tok-1234567890] }\n'
    expect(
      loadError(`admin: { token: "env:ADMIN" }\n${base}`, { ADMIN: 'admin-token-0123456789 ' }),
    ).toMatchObject({
      message: expect.stringMatching(
        /^admin\.token refers to environment variable ADMIN, whose value begins or ends with whitespace/,
      ),
      position: { line: 1 },
    })
    expect(loadError(`admin: { token: "env:ADMIN" }\n${base}`, { ADMIN: 'short' }).message).toBe(
      'admin.token must be at least 16 characters',
    )
  })

  it('the red team’s configs through loadConfigFile: file, line and field in one line', () => {
    writeFileSync(join(dir, 'sp.txt'), '  tok-spaced-12345  \n')
    const cfg = join(dir, 'f_sp.yaml')
    writeFileSync(
      cfg,
      'endpoints:\n  - name: a\n    path: /a\n    auth: { scheme: bearer, tokens: ["file:sp.txt"] }\n',
    )
    try {
      loadConfigFile(cfg)
      throw new Error('loaded')
    } catch (e) {
      expect((e as ConfigError).oneLine()).toMatch(
        new RegExp(
          `^${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: endpoints\\[0\\]\\.auth\\.tokens\\[0\\] refers to file sp\\.txt, whose content begins or ends with whitespace`,
        ),
      )
    }
  })
})
