/**
 * `hookwarden diff` through the built CLI on the tester's cases: a body excerpt that used to
 * run into a password, a Microsoft Graph clientState, a custom signature header, and the
 * difference that matters named with its reason code (Stripe's t= in milliseconds, an hmac
 * X-Timestamp in milliseconds before the signature it breaks, base64 vs base64url).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './helpers.js'

let dir = ''

beforeAll(() => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'hookwarden-diff-secrets-'))
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function json(name: string, headers: [string, string][], body: string): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    JSON.stringify({ method: 'POST', url: 'https://example.org/hooks/orders', headers, body }),
  )
  return file
}

function raw(name: string, headers: [string, string][], body = '{"a":1}'): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    `POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  return file
}

/** Both outputs of one diff: --json parsed, and the text a person reads. */
async function both(good: string, bad: string) {
  const j = await run(['diff', good, bad, '--json'])
  const h = await run(['diff', good, bad])
  expect(j.status).toBe(1)
  expect(h.status).toBe(1)
  return { json: JSON.parse(j.stdout), text: `${j.stdout}\n${h.stdout}`, human: h.stdout }
}

const TYPE: [string, string] = ['Content-Type', 'application/json']

describe('hookwarden diff shows no secret', () => {
  it('when the excerpt window runs into a password field', async () => {
    const { text, human } = await both(
      json('spill-g.json', [TYPE], '{"event":"a","password":"pwSECRETzzzz9999"}'),
      json('spill-b.json', [TYPE], '{"event":"b","password":"pwSECRETzzzz9999"}'),
    )
    expect(text).not.toContain('SECRET')
    expect(human).toMatch(/good "a\\",\\"password\\":\\"‹len=16 fp:[0-9a-f]{8}›"/)
  })

  it("for Microsoft Graph's clientState and a custom X-My-Sig header", async () => {
    const body = (s: string) => `{"value":[{"clientState":"${s}","changeType":"created"}]}`
    const { text, human } = await both(
      json(
        'graph-g.json',
        [TYPE, ['X-My-Sig', 'SECRETsigAAA111aaaaaaaaaaaaaaaaaaa']],
        body('SECRET_graph_AAAAAAAA'),
      ),
      json(
        'graph-b.json',
        [TYPE, ['X-My-Sig', 'SECRETsigBBB222bbbbbbbbbbbbbbbbbbb']],
        body('SECRET_graph_BBBBBBBB'),
      ),
    )
    expect(text).not.toContain('SECRET')
    expect(human).toMatch(/in the body's clientState field/)
  })
})

describe('hookwarden diff names the difference that matters', () => {
  it("Stripe-Signature's t= in milliseconds, first, with its reason code", async () => {
    const {
      json: d,
      human,
      text,
    } = await both(
      raw('st-g.http', [['Stripe-Signature', `t=1767225600,v1=${'a'.repeat(64)}`]]),
      raw('st-b.http', [['Stripe-Signature', `t=1767225600000,v1=${'b'.repeat(64)}`]]),
    )
    expect(d.differences[0]).toMatchObject({
      kind: 'timestamp',
      field: 'Stripe-Signature t=',
      code: 'timestamp_milliseconds',
    })
    expect(human).toMatch(
      /Stripe-Signature t= \(timestamp, timestamp_milliseconds\): one timestamp is in milliseconds/,
    )
    expect(text).not.toContain('a'.repeat(16))
    expect(text).not.toContain('b'.repeat(16))
  })

  it('an hmac X-Timestamp in milliseconds before the X-Signature difference', async () => {
    const { json: d } = await both(
      raw('h-g.http', [
        ['X-Signature', 'sha256=5f1c0a'],
        ['X-Timestamp', '1767225600'],
      ]),
      raw('h-b.http', [
        ['X-Signature', 'sha256=77aa01'],
        ['X-Timestamp', '1767225600000'],
      ]),
    )
    expect(d.differences.map((x: { field: string }) => x.field)).toEqual([
      'X-Timestamp',
      'X-Signature',
    ])
  })

  it('a base64 signature sent as base64url', async () => {
    const { json: d, human } = await both(
      raw('sw-g.http', [['webhook-signature', 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=']]),
      raw('sw-b.http', [['webhook-signature', 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN_H_pI4']]),
    )
    expect(d.differences).toEqual([
      expect.objectContaining({ kind: 'encoding', code: 'signature_wrong_encoding' }),
    ])
    expect(human).toMatch(/signature_wrong_encoding/)
    expect(human).not.toContain('K5oZfzN9')
  })
})
