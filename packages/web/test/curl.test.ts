/**
 * "Copy as curl": credential headers become shell variables (never a fingerprint as a value),
 * every argument reads back exactly in bash, zsh and a POSIX sh (dash), and nothing captured
 * can run when the command is pasted into an interactive bash or zsh (history expansion on)
 * or a POSIX sh.
 * @module
 */
import { execFile, spawnSync } from 'node:child_process'
import { type AddressInfo, createServer } from 'node:http'
import { promisify } from 'node:util'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { Attempt } from '../src/api/attempt.js'
import { curlCommand, isSecretHeader } from '../src/api/curl.js'

const base: Attempt = {
  id: '01JD0000000000000000000000',
  received_at: 0,
  endpoint: 'orders',
  method: 'POST',
  path: '/hooks/orders?token=len%3D20%20fp%3A0a1b2c3d&x=1',
  outcome: 'rejected',
  status: 401,
  reason: 'signature_mismatch',
  headers: [
    ['Host', 'gw.example'],
    ['Authorization', 'Bearer len=32 fp:1a2b3c4d'],
    ['X-Hub-Signature-256', 'len=71 fp:5e6f7a8b'],
    ['X-Custom', 'len=12 fp:99aa88bb'],
    ['X-Evil', `it's $(touch /tmp/pwned) \`id\``],
    ['Content-Length', '9'],
    ['Accept-Encoding', 'gzip, deflate'],
  ],
}

const scratch = mkdtempSync(join(tmpdir(), 'hw-curl-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Every variable the command may name, with a value that word splitting or `!` would break. */
const SECRET_VALUE = 'v a!ue*'
const VARIABLES = [
  'TOKEN',
  'SIGNATURE',
  'SECRET',
  'API_KEY',
  'COOKIE',
  'BASIC_CREDENTIALS',
  'CREDENTIAL',
  'QUERY_SECRET',
]
const ALL_SET = Object.fromEntries(VARIABLES.map((v) => [v, SECRET_VALUE]))

const haveShell = (name: string) => spawnSync(name, ['-c', 'true']).status === 0

type Shell = 'bash -c' | 'bash -i' | 'zsh -i' | 'sh -c'
const SHELLS: Record<Shell, [string, string[]]> = {
  'bash -c': ['bash', ['--norc', '--noprofile', '-c']],
  // Interactive, reading the pasted text line by line: history expansion is on (set -H), as
  // in a terminal.
  'bash -i': ['bash', ['--norc', '--noprofile', '-i']],
  'zsh -i': ['zsh', ['-f', '-i']],
  'sh -c': ['sh', ['-c']],
}

/**
 * Runs the command in a shell with `curl` a function that records its arguments (nothing is
 * sent): the argument lists of every call, and the shell's stderr.
 */
function run(shell: Shell, command: string, env: Record<string, string> = {}) {
  const out = join(scratch, 'argv')
  writeFileSync(out, '')
  // Each call: its argument count, then the arguments, NUL-separated.
  const prelude = `curl() { printf '%s\\0' "$#" "$@" >>"$OUT"; }`
  const [bin, args] = SHELLS[shell]
  const interactive = shell.endsWith('-i')
  const script = interactive
    ? `${shell === 'bash -i' ? 'set -H\n' : ''}${prelude}\n${command}\nexit\n`
    : `${prelude}\n${command}`
  const r = spawnSync(bin, interactive ? args : [...args, script], {
    input: interactive ? script : undefined,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      HISTFILE: join(scratch, 'history'),
      LANG: 'C.UTF-8',
      OUT: out,
      ...env,
    },
    timeout: 10_000,
  })
  const fields = readFileSync(out).toString('latin1').split('\0').slice(0, -1)
  const calls: string[][] = []
  for (let i = 0; i < fields.length; ) {
    const n = Number(fields[i])
    calls.push(fields.slice(i + 1, i + 1 + n))
    i += 1 + n
  }
  return { calls, stderr: r.stderr.toString(), status: r.status }
}

/** An argument as bash hands it to curl: its UTF-8 bytes, read back one char per byte. */
const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')
const bytesLatin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1')

const DROPPED =
  /^(host|content-length|connection|transfer-encoding|keep-alive|expect|accept-encoding)$/i
const SCHEME = /^(Bearer|Basic|Token|Digest|ApiKey|Key|HMAC|Signature|JWT) +/i
const FINGERPRINT_IN_URL = /len(?:=|%3D)\d+(?:%20|\+| )fp(?::|%3A)[0-9a-f]{8}/gi

/** The arguments curl should get, every variable set to SECRET_VALUE. */
function intended(a: Attempt, origin: string, body?: Uint8Array): string[] {
  const path = a.path.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '')
  const url = `${origin}${path.startsWith('/') ? '' : '/'}${path}`
    .replaceAll('\0', '%00')
    .replace(FINGERPRINT_IN_URL, SECRET_VALUE)
  // Globs off always; dot segments kept as recorded; a method only when it is an HTTP token.
  const args = ['--globoff']
  if (/^[^?#]*\/\.\.?(?:[/?#]|$)/.test(url.replace(/^[a-z]+:\/\/[^/?#]*/, '')))
    args.push('--path-as-is')
  if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(a.method)) args.push('-X', a.method)
  args.push(url)
  for (const [name, value] of a.headers ?? []) {
    if (DROPPED.test(name)) continue
    // A line curl cannot send as recorded is left out: a name it would read as a file (`@`),
    // or cut short (`:`), or none; NUL, CR or LF anywhere.
    if (name === '' || name.startsWith('@') || name.includes(':')) continue
    // A credential's value is not in the command; an empty value is sent as `Name;`.
    const scheme = SCHEME.exec(value)?.[1]
    const line = isSecretHeader(name, value)
      ? `${name}: ${scheme ? `${scheme} ` : ''}${SECRET_VALUE}`
      : value === ''
        ? `${name};`
        : `${name}: ${value}`
    if (!/[\0\r\n]/.test(line)) args.push('-H', line)
  }
  const expected = args.map(latin1)
  if (body && body.length > 0) {
    if (body.includes(0)) expected.push('--data-binary', '@body.bin')
    else expected.push(body[0] === 0x40 ? '--data-raw' : '--data-binary', bytesLatin1(body))
  }
  return expected
}

/** Text that shells read specially, text that does not print, and anything else. */
const SPECIAL = [
  '!',
  '!#:3',
  '!!',
  '!$',
  '^',
  '"',
  "'",
  '\\',
  '$',
  '$(touch x)',
  '`',
  ';',
  '&',
  '|',
  '<',
  '>',
  '(',
  ')',
  '{',
  '}',
  '[',
  '*',
  '?',
  '~',
  '#',
  '%',
  '=',
  ' ',
  '\n',
  '\r',
  '\t',
  '\0',
  '\x1b[2J',
  '\x7f',
  '\u0085',
  '\u009b',
  '\u00a0',
  '\u200b',
  '\u202e',
  '\u2028',
  '\ufeff',
  'ü',
  '😀',
  "'\\''",
  '" ;#',
  '@',
  '@/etc/passwd',
  '[1-3]',
  '{a,b}',
  '/../',
  '\\\n',
]
const hostile = (maxParts = 12) =>
  fc
    .array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 4 })), {
      maxLength: maxParts,
    })
    .map((parts) => parts.join(''))
const headerName = fc.oneof(
  hostile(4),
  // Names that carry a credential variable, `!` and all.
  hostile(3).map((s) => `${s}-Signature`),
  fc.constantFrom('Authorization', 'Content-Type', 'X-Api-Key', 'Host', 'Cookie'),
)
const headerValue = fc.oneof(
  hostile(),
  hostile(3).map((s) => `Bearer ${s}`),
  fc.constant('len=12 fp:0a1b2c3d'),
)
const attemptArb = fc.record({
  method: fc.oneof(fc.constantFrom('POST', 'GET', 'PUT'), hostile(3)),
  path: fc.oneof(
    hostile().map((s) => `/hooks/x?a=${s}`),
    hostile(4).map((s) => `/hooks/${s}`),
    hostile(3).map((s) => `http://elsewhere.example/hooks/${s}`),
    hostile(4).map((s) => `/hooks/x?token=len%3D20%20fp%3A0a1b2c3d&b=${s}`),
  ),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
  body: fc.option(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      hostile().map((s) => new TextEncoder().encode(s)),
    ),
    { nil: undefined },
  ),
})
const attemptOf = (x: fc.infer<typeof attemptArb>): Attempt => ({
  ...base,
  method: x.method,
  path: x.path,
  headers: x.headers,
  body_base64: x.body ? Buffer.from(x.body).toString('base64') : null,
  body_size: x.body?.length ?? 0,
})
const ORIGIN = 'http://127.0.0.1:8787'

describe('curl command', () => {
  it('puts variables where the credentials were and quotes the rest', () => {
    const { text, variables } = curlCommand(base, ORIGIN)
    expect(text).not.toMatch(/fp:|fp%3A/)
    expect(variables.sort()).toEqual(['QUERY_SECRET', 'SECRET', 'SIGNATURE', 'TOKEN'])
    expect(text).toContain(`-H 'Authorization: Bearer '"\${TOKEN}"`)
    const { calls } = run('bash -c', text, {
      TOKEN: 't0k',
      SIGNATURE: 'sha256=ab',
      SECRET: 's3',
      QUERY_SECRET: 'q',
    })
    expect(calls).toEqual([
      [
        '--globoff',
        '-X',
        'POST',
        'http://127.0.0.1:8787/hooks/orders?token=q&x=1',
        '-H',
        'Authorization: Bearer t0k',
        '-H',
        'X-Hub-Signature-256: sha256=ab',
        '-H',
        'X-Custom: s3',
        '-H',
        `X-Evil: it's $(touch /tmp/pwned) \`id\``,
      ],
    ])
  })

  it('passes the stored body byte for byte, and says when it was not stored', () => {
    const body = Buffer.from('\ufeff{"a":"it\'s \\\\ $HOME `id`!"}\r\n\tünï\u0001\n', 'utf8')
    const binary = Buffer.from([0x7b, 0xff, 0xfe, 0x0a, 0x27, 0x5c, 0x21])
    for (const bytes of [body, binary]) {
      const { text } = curlCommand(
        { ...base, headers: [], body_base64: bytes.toString('base64') },
        'http://h',
      )
      const args = run('bash -c', text, ALL_SET).calls[0] ?? []
      expect(args.at(-2)).toBe('--data-binary')
      expect(Buffer.from(args.at(-1) ?? '', 'latin1')).toEqual(bytes)
    }
    const none = curlCommand({ ...base, headers: [], body_base64: null, body_size: 42 }, 'http://h')
    expect(none.text).toContain('not stored')
    expect(none.text).toContain('--data-binary @body.bin')
  })

  it("the red team's command runs nothing in an interactive bash, and the harness would see it", () => {
    const marker = join(scratch, 'pwned')
    const attempt: Attempt = {
      ...base,
      path: `/hooks/apikey?a=!#:3;{touch,${marker}};`,
      headers: [
        ['X-Api-Key', 'len=20 fp:0a1b2c3d'],
        ['X-Trace', '";#'],
      ],
      body_base64: Buffer.from('x!b').toString('base64'),
    }
    // The old quoting ("…" around the URL) runs the sender's touch: the harness is a real
    // interactive bash with history expansion on.
    const old = `curl -X 'POST' "http://h/hooks/apikey?a=!#:3;{touch,${marker}};" \\\n  -H "X-Trace: \\";#"`
    run('bash -i', old)
    expect(existsSync(marker)).toBe(true)
    rmSync(marker)

    const { text } = curlCommand(attempt, 'http://h')
    for (const shell of ['bash -i', 'zsh -i', 'sh -c'] as const) {
      if (!haveShell(shell.split(' ')[0]!)) continue
      const { calls } = run(shell, text, ALL_SET)
      expect(existsSync(marker), shell).toBe(false)
      expect(calls, shell).toEqual([
        [
          '--globoff',
          '-X',
          'POST',
          `http://h/hooks/apikey?a=!#:3;{touch,${marker}};`,
          '-H',
          `X-Api-Key: ${SECRET_VALUE}`,
          '-H',
          'X-Trace: ";#',
          '--data-binary',
          'x!b',
        ],
      ])
    }
  })

  it('no captured byte puts a control character in the command', () => {
    fc.assert(
      fc.property(attemptArb, (x) => {
        const { text } = curlCommand(attemptOf(x), ORIGIN)
        // Newlines only between the command's own lines, and at the end of a value (a command
        // substitution cannot keep those: they follow it in single quotes, so such a line is
        // empty or starts with the closing `'`); nothing else that does not print.
        for (const line of text.split('\n')) {
          expect(line).toMatch(
            /^(# [\w ,.:=@%-]+|curl --globoff .*|  -H .*|  --data-(binary|raw) .*|'.*|)$/u,
          )
          expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('bash reads back exactly the intended arguments, whatever was captured', () => {
    fc.assert(
      fc.property(attemptArb, (x) => {
        const a = attemptOf(x)
        const { text } = curlCommand(a, ORIGIN)
        const { calls, stderr } = run('bash -c', text, ALL_SET)
        expect(stderr).toBe('')
        expect(calls).toEqual([intended(a, ORIGIN, x.body)])
      }),
      { numRuns: 300 },
    )
  })

  it('pasted into an interactive bash (set -H) or zsh, `!` and the rest stay inert', () => {
    const shells = (['bash -i', 'zsh -i'] as const).filter((s) => haveShell(s.split(' ')[0]!))
    fc.assert(
      fc.property(attemptArb, (x) => {
        const a = attemptOf(x)
        const { text } = curlCommand(a, ORIGIN)
        for (const shell of shells) {
          const { calls, stderr } = run(shell, text, ALL_SET)
          // zsh runs `#` as a command unless interactive_comments is set: harmless noise.
          expect(stderr.replace(/zsh: command not found: #\n/g, ''), shell).not.toMatch(
            /command not found|event not found|no such word|bad substitution|syntax error|parse error/,
          )
          expect(calls, shell).toEqual([intended(a, ORIGIN, x.body)])
        }
      }),
      { numRuns: 100 },
    )
  })

  it('a POSIX sh (dash, no $\'…\') reads back exactly the intended arguments', () => {
    fc.assert(
      fc.property(attemptArb, (x) => {
        const a = attemptOf(x)
        const { text } = curlCommand(a, ORIGIN)
        const { calls, stderr } = run('sh -c', text, ALL_SET)
        expect(stderr).toBe('')
        expect(calls).toEqual([intended(a, ORIGIN, x.body)])
      }),
      { numRuns: 300 },
    )
  })
})

describe('copy as curl run by bash and the real curl', () => {
  const haveCurl = spawnSync('curl', ['--version']).status === 0

  it.skipIf(!haveCurl)(
    "a hostile attempt's command sends the recorded request once, and reads no local file",
    async () => {
      const received: { url: string; headers: string[]; body: string }[] = []
      const server = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          received.push({
            url: req.url ?? '',
            headers: req.rawHeaders,
            body: Buffer.concat(chunks).toString('latin1'),
          })
          res.end()
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        // A file of the operator's, which the sender names.
        const secret = join(scratch, 'operator-secret.txt')
        writeFileSync(secret, 'X-Leak: OPERATOR-LOCAL-FILE\n')
        const body = `@${secret}`
        const attempt: Attempt = {
          ...base,
          method: 'POST',
          // Globs: six requests without --globoff; dot segments: another path without --path-as-is.
          path: '/hooks/x/../bearer?page=[1-3]&x={a,b}',
          headers: [
            ['Host', 'gw.example'],
            ['Authorization', 'Bearer len=32 fp:1a2b3c4d'],
            ['Content-Type', 'text/plain'],
            // -H @file reads header lines from the file.
            [`@${secret}`, 'x'],
            ['X-Empty', ''],
          ],
          body_base64: Buffer.from(body).toString('base64'),
          body_size: body.length,
        }
        const { text } = curlCommand(attempt, origin)
        for (const shell of ['bash', 'sh'] as const) {
          received.length = 0
          await promisify(execFile)(shell, ['-c', text], {
            env: { PATH: process.env.PATH ?? '', HOME: scratch, TOKEN: 't0k' },
            timeout: 20_000,
          })
          expect(received, shell).toHaveLength(1)
          const [got] = received
          expect(got!.url).toBe('/hooks/x/../bearer?page=[1-3]&x={a,b}')
          expect(got!.body).toBe(body)
          const headers: string[] = []
          for (let i = 0; i < got!.headers.length; i += 2)
            headers.push(`${got!.headers[i]!.toLowerCase()}: ${got!.headers[i + 1]}`)
          expect(headers).toContain('authorization: Bearer t0k')
          expect(headers).toContain('x-empty: ')
          expect(headers.join('\n')).not.toContain('OPERATOR-LOCAL-FILE')
        }
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
    },
  )
})
