/**
 * Usage errors through the built bin: like any bad input, one line on stderr with the
 * `hookwarden:` prefix and exit 2; an unknown `--name=value` never shows its value.
 * @module
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

const REQ = 'packages/core/test/cases/credentials-missing/request.http'

beforeAll(() => ensureBuilt())

describe('usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing required option', ['verify', '--config', 'x.yaml'], /required option '--request/],
    [
      'an unknown command, with the near one',
      ['verfy'],
      /unknown command 'verfy' \(did you mean verify\?\)/,
    ],
    ['a missing argument', ['diff', 'a.http'], /missing required argument/],
    ['an option without its value', ['diagnose', '--request'], /argument missing/],
    [
      'an unknown option with a value',
      ['diagnose', '--request', 'r.http', '--token=SECRET-SHOULD-NOT-LEAK-123'],
      /unknown option '--token=…'/,
    ],
    [
      '--entry that is not an index',
      ['diagnose', '--request', REQ, '--entry', 'abc'],
      /--entry must be an entry index/,
    ],
    [
      '--now in milliseconds',
      ['diagnose', '--request', REQ, '--now', '1767225600000'],
      /milliseconds\? divide by 1000/,
    ],
    [
      '--endpoint without --config',
      ['diagnose', '--request', REQ, '--endpoint', 'x'],
      /give --config too/,
    ],
  ]
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await run(args)
      expect(r.status).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.split('\n').filter(Boolean)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^hookwarden: /)
      expect(lines[0]).toMatch(message)
      expect(r.stderr).not.toContain('SECRET-SHOULD-NOT-LEAK')
    })
  }

  it('--help and --version still print to stdout and exit 0', async () => {
    const help = await run(['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: hookwarden/)
    expect((await run(['--version'])).status).toBe(0)
  })
})
