/**
 * printCurl: readable output, exact bytes; its words read back byte for byte by a POSIX sh
 * (dash), bash and zsh. (Sent through bash and sh + curl in curl-oracle.test.ts; round trips
 * in test/property/roundtrip.test.ts.)
 * @module
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { printCurl, shellQuote } from './print-curl.js'

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1')

describe('printCurl', () => {
  it('a JSON POST reads like what a person would type', () => {
    expect(
      printCurl({
        method: 'POST',
        url: 'https://h/hooks',
        headers: [
          ['Authorization', 'Bearer x'],
          ['Content-Type', 'application/json'],
        ],
        body: b('{"a":1}'),
      }),
    ).toBe(
      `curl 'https://h/hooks' \\\n  -H 'Authorization: Bearer x' \\\n  -H 'Content-Type: application/json' \\\n  --data-binary '{"a":1}'`,
    )
  })

  it('-X only when the method is not implied; Content-Type: removed when absent; empty values', () => {
    expect(
      printCurl(
        { method: 'PUT', url: '/a/../b', headers: [['X-Empty', '']], body: b('x') },
        { multiline: false },
      ),
    ).toBe(
      `curl -X 'PUT' --path-as-is 'http://localhost/a/../b' -H 'X-Empty;' -H 'Content-Type:' --data-binary 'x'`,
    )
  })

  it('nothing captured makes curl read a file or send more than one request', () => {
    const printed = printCurl(
      {
        method: 'POST',
        url: 'https://h/a/../hooks?page=[1-3]&x={a,b}',
        headers: [
          ['@/home/me/.aws/credentials', 'x'],
          ['X-Empty', ''],
          ['X-Trace', '@/etc/passwd'],
        ],
        body: b('@/home/me/.ssh/id_ed25519'),
      },
      { multiline: false },
    )
    expect(printed).toBe(
      `# Left out: 1 header line whose name curl cannot send (empty, with a colon, or starting with @).\n` +
        `curl --globoff --path-as-is 'https://h/a/../hooks?page=[1-3]&x={a,b}' -H 'X-Empty;' -H 'X-Trace: @/etc/passwd' -H 'Content-Type:' --data-raw '@/home/me/.ssh/id_ed25519'`,
    )
  })

  it(`shellQuote: '…' when exact, "$(printf '…')" with octal escapes for the rest`, () => {
    expect(shellQuote(b(''))).toBe("''")
    expect(shellQuote(b('a b\nc'))).toBe("'a b\nc'")
    expect(shellQuote(b("it's"))).toBe(`'it'\\''s'`)
    expect(shellQuote(b('\t\\\r\x00\xff'))).toBe(`"$(printf '\\t\\\\\\r\\000\\377')"`)
    expect(shellQuote(Buffer.from('é\x01', 'utf8'))).toBe(`"$(printf 'é\\001')"`)
    // What printf or the shell would read: %, ', ! (history expansion), a leading -.
    expect(shellQuote(b("-%'!\x01"))).toBe(`"$(printf '\\055%%\\047\\041\\001')"`)
    // Newlines at the end, which a command substitution strips, follow in single quotes.
    expect(shellQuote(b('\x01\n\n'))).toBe(`"$(printf '\\001')"'\n\n'`)
  })
})

/**
 * The shells that read the words: dash (Debian's and Ubuntu's `sh`) has no `$'…'`; bash and
 * zsh, also interactive with history expansion on, as when a command is pasted into a terminal.
 */
const SHELLS: [string, string, string[], string][] = [
  ['sh', 'sh', ['-c'], ''],
  ['bash', 'bash', ['--norc', '--noprofile', '-c'], ''],
  ['bash -i', 'bash', ['--norc', '--noprofile', '-i'], 'set -H\n'],
  ['zsh', 'zsh', ['-f', '-c'], ''],
  ['zsh -i', 'zsh', ['-f', '-i'], ''],
]
const haveShell = (bin: string) => spawnSync(bin, ['-c', 'true']).status === 0

/** The bytes `word` stands for, as `shell` hands them to a command (printf '%s'). */
function readBack(shell: (typeof SHELLS)[number], word: string, out: string): Buffer {
  const [, bin, args, prelude] = shell
  const script = `${prelude}printf '%s' ${word} >"$OUT"`
  const interactive = args.includes('-i')
  const r = spawnSync(bin, interactive ? args : [...args, script], {
    input: interactive ? `${script}\nexit\n` : undefined,
    env: { PATH: process.env.PATH ?? '', HOME: dirname(out), LANG: 'C.UTF-8', OUT: out },
    timeout: 10_000,
  })
  expect(r.status, `${shell[0]}: ${r.stderr}`).toBe(0)
  if (!interactive) expect(r.stderr.toString(), shell[0]).toBe('')
  return readFileSync(out)
}

describe('shellQuote read back by a POSIX sh (dash), bash and zsh', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hw-shell-word-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))
  const out = join(scratch, 'out')
  const shells = SHELLS.filter(([, bin]) => haveShell(bin))

  it('every byte but NUL, and the words that need care, byte for byte', () => {
    expect(shells.map(([name]) => name)).toContain('sh')
    const words = [
      Uint8Array.from({ length: 255 }, (_, k) => k + 1),
      b('it\'s 100% !done \\ `id` $(id) $HOME "q"'),
      b('-n'),
      b('-\x01'),
      b('\n'),
      b('\n\n'),
      b('a\x01\n\n'),
      Buffer.from('\ufeff{"a":"é ✓ 😀"}\r\n\u202e\u200b\u2028\n', 'utf8'),
      Uint8Array.from([0xc3, 0x28, 0xff, 0xfe, 0x0a, 0x0a, 0x41]),
      b('!#:3;{touch,/tmp/hw-pwned}; ^a^b'),
      b('( ) \')\' "$(" %s %d %b \\0101 \\c'),
    ]
    for (const bytes of words)
      for (const shell of shells)
        expect(readBack(shell, shellQuote(bytes), out).toString('hex'), shell[0]).toBe(
          Buffer.from(bytes).toString('hex'),
        )
  })

  it('any bytes without NUL: the same in every shell', () => {
    const bytes = fc.uint8Array({ maxLength: 24 }).map((x) => x.map((v) => (v === 0 ? 10 : v)))
    fc.assert(
      fc.property(bytes, (x) => {
        const word = shellQuote(x)
        for (const shell of shells)
          expect(readBack(shell, word, out).toString('hex'), shell[0]).toBe(
            Buffer.from(x).toString('hex'),
          )
      }),
      { numRuns: 60 },
    )
  })
})
