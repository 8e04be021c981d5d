/**
 * "Copy as curl": credential headers become shell variables (never a fingerprint as a value),
 * and bash reads the quoted body back byte for byte.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { Attempt } from '../src/api/attempt.js'
import { curlCommand } from '../src/api/curl.js'

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

/** What bash makes of the command's arguments (curl replaced by printf, nothing runs). */
function bashArgs(command: string, env: Record<string, string>): string[] {
  const script = command.replace(/^(#.*\n)*curl /, 'printf "%s\\0" ')
  const r = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH ?? '', ...env } })
  expect(r.status).toBe(0)
  return r.stdout.toString('latin1').split('\0').slice(0, -1)
}

describe('curl command', () => {
  it('puts variables where the credentials were and quotes the rest', () => {
    const { text, variables } = curlCommand(base, 'http://127.0.0.1:8787')
    expect(text).not.toMatch(/fp:|fp%3A/)
    expect(variables.sort()).toEqual(['QUERY_SECRET', 'SECRET', 'SIGNATURE', 'TOKEN'])
    const args = bashArgs(text, {
      TOKEN: 't0k',
      SIGNATURE: 'sha256=ab',
      SECRET: 's3',
      QUERY_SECRET: 'q',
    })
    expect(args).toEqual([
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
    ])
  })

  it('passes the stored body byte for byte, and says when it was not stored', () => {
    const body = Buffer.from('{"a":"it\'s \\\\ $HOME `id`"}\r\n\tünï\u0001\n', 'utf8')
    const binary = Buffer.from([0x7b, 0xff, 0xfe, 0x0a, 0x27, 0x5c])
    for (const bytes of [body, binary]) {
      const { text } = curlCommand(
        { ...base, headers: [], body_base64: bytes.toString('base64') },
        'http://h',
      )
      const args = bashArgs(text, {})
      expect(args.at(-2)).toBe('--data-binary')
      expect(Buffer.from(args.at(-1) ?? '', 'latin1')).toEqual(bytes)
    }
    const none = curlCommand({ ...base, headers: [], body_base64: null, body_size: 42 }, 'http://h')
    expect(none.text).toContain('not stored')
    expect(none.text).toContain('--data-binary @body.bin')
  })
})
