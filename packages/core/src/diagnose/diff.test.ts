/**
 * diffRequests on bodies: where two bodies first differ is shown, except inside a credential
 * field (Figma's passcode, a form's password=), whose values are fingerprinted. On signature
 * headers: the timestamp and encoding named with their reason codes, causes listed first.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../message/parse.js'
import { diffRequests } from './diff.js'

const post = (body: string, type = 'application/json') =>
  parseRequest(
    `POST /hooks/figma HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
const bodyNote = (a: string, b: string, type?: string) =>
  diffRequests(post(a, type), post(b, type)).differences.find((d) => d.kind === 'body')?.note

describe('body differences', () => {
  it('quote where ordinary bodies first differ', () => {
    expect(bodyNote('{"event":"PING","n":1}', '{"event":"PONG","n":1}')).toMatch(
      /first differ at offset 11: good "ING/,
    )
  })

  it('fingerprint a credential field of a JSON or form body instead of quoting it', () => {
    const secret = 'SECRET-SHOULD-NOT-LEAK-123'
    const json = bodyNote(
      `{"event_type":"PING","passcode":"${secret}"}`,
      `{"event_type":"PING","passcode":"xx${secret}"}`,
    )
    expect(json).toMatch(/in the body's passcode field: good len=26 fp:[0-9a-f]{8}, bad len=28 fp:/)
    expect(json).not.toContain('SECRET')
    const form = bodyNote(
      `user=make&password=${secret}`,
      `user=make&password=${secret.slice(0, -1)}`,
      'application/x-www-form-urlencoded',
    )
    expect(form).toMatch(/in the body's password field/)
    expect(form).not.toContain('SECRET')
  })
})

describe('headers the client adds itself', () => {
  it('a raw capture and the curl line of the same request are the same (curl adds Host and Content-Length)', () => {
    const raw = parseRequest(
      Buffer.from(
        'POST /hooks HTTP/1.1\r\nHost: h.example\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
      ),
    )
    const curl = parseRequest(
      Buffer.from(
        `curl 'https://h.example/hooks' -H 'Content-Type: application/json' --data-raw '{"a":1}'`,
      ),
    )
    const d = diffRequests(raw, curl)
    expect(d.differences.map((x) => x.field)).not.toContain('Host')
    expect(d.differences.map((x) => x.field)).not.toContain('Content-Length')
  })
})

const signed = (headers: [string, string][], body = '{"a":1}') =>
  parseRequest(
    `POST /hooks/orders HTTP/1.1\r\nHost: x\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
const HEX_A = 'a'.repeat(64)
const HEX_B = 'b'.repeat(64)

describe('signature headers, part by part', () => {
  it("names Stripe-Signature's t= in milliseconds, before the signature difference it causes", () => {
    const d = diffRequests(
      signed([['Stripe-Signature', `t=1767225600,v1=${HEX_A}`]]),
      signed([['Stripe-Signature', `t=1767225600000,v1=${HEX_B}`]]),
    )
    expect(d.differences.map((x) => [x.kind, x.field, x.code])).toEqual([
      ['timestamp', 'Stripe-Signature t=', 'timestamp_milliseconds'],
      ['value', 'Stripe-Signature', 'signature_mismatch'],
    ])
    expect(d.differences[0]).toMatchObject({ good: '1767225600', bad: '1767225600000' })
    expect(d.differences[1]!.note).toMatch(/expected, since the signed Stripe-Signature t= differs/)
    const text = JSON.stringify(d)
    expect(text).not.toContain(HEX_A.slice(0, 8))
    expect(text).not.toContain(HEX_B.slice(0, 8))
  })

  it("reads Paddle-Signature's ts=…;h1=… by its preset's format", () => {
    const d = diffRequests(
      signed([['Paddle-Signature', `ts=1767225600;h1=${HEX_A}`]]),
      signed([['Paddle-Signature', `ts=1767225600000;h1=${HEX_A}`]]),
    )
    expect(d.differences[0]).toMatchObject({
      field: 'Paddle-Signature ts=',
      code: 'timestamp_milliseconds',
    })
    expect(d.differences[1]!.note).toMatch(/signature itself is the same/)
  })

  it('puts an X-Timestamp in milliseconds before the X-Signature difference it causes', () => {
    const d = diffRequests(
      signed([
        ['X-Signature', `sha256=${HEX_A}`],
        ['X-Timestamp', '1767225600'],
      ]),
      signed([
        ['X-Signature', `sha256=${HEX_B}`],
        ['X-Timestamp', '1767225600000'],
      ]),
    )
    expect(d.differences.map((x) => [x.field, x.code])).toEqual([
      ['X-Timestamp', 'timestamp_milliseconds'],
      ['X-Signature', 'signature_mismatch'],
    ])
  })

  it('puts a changed body before the signature difference, but another bearer token before the body', () => {
    const sig = diffRequests(
      signed([['X-Signature', HEX_A]], '{"a":1}'),
      signed([['X-Signature', HEX_B]], '{"a":2}'),
    )
    expect(sig.differences.map((x) => x.kind)).toEqual(['body', 'value'])
    const bearer = diffRequests(
      signed([['Authorization', 'Bearer tok_0123456789abcdef']], '{"a":1}'),
      signed([['Authorization', 'Bearer tok_fedcba9876543210']], '{"a":2}'),
    )
    expect(bearer.differences.map((x) => x.kind)).toEqual(['value', 'body'])
  })

  it('names a base64 vs base64url signature as an encoding difference, not a length one, without printing it', () => {
    const std = 'K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='
    const url = 'K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN_H_pI4'
    const d = diffRequests(
      signed([['webhook-signature', `v1,${std}`]]),
      signed([['webhook-signature', `v1,${url}`]]),
    )
    expect(d.differences).toHaveLength(1)
    expect(d.differences[0]).toMatchObject({
      kind: 'encoding',
      code: 'signature_wrong_encoding',
      good: 'base64',
      bad: 'base64url',
    })
    expect(d.differences[0]!.note).toMatch(/the same signature, written as base64 .* base64url/)
    expect(JSON.stringify(d)).not.toContain('fzN95Z9U')
  })

  it('names hex vs base64 of a 32-byte signature, and a dropped sha256= label', () => {
    const other = Buffer.from(HEX_B, 'hex').toString('base64')
    const d = diffRequests(
      signed([['X-Hub-Signature-256', `sha256=${HEX_A}`]]),
      signed([['X-Hub-Signature-256', `sha256=${other}`]]),
    )
    expect(d.differences[0]).toMatchObject({ code: 'signature_wrong_encoding', good: 'hex' })
    expect(d.differences[0]!.note).toMatch(/hex \(32 bytes\) .* base64 \(32 bytes\)/)
    const label = diffRequests(
      signed([['X-Hub-Signature-256', `sha256=${HEX_A}`]]),
      signed([['X-Hub-Signature-256', HEX_A]]),
    )
    expect(label.differences[0]).toMatchObject({
      kind: 'prefix',
      good: 'sha256=',
      bad: '(none)',
      code: 'signature_header_malformed',
    })
    expect(label.differences[1]!.note).toMatch(/signature itself is the same/)
  })

  it('gives header-construction differences their reason codes', () => {
    const token = 'tok_0123456789abcdef'
    // Built directly: a capture parser would trim the newline a raw header cannot carry.
    const req = (auth: string) => ({
      method: 'POST',
      url: '/hooks',
      headers: [['Authorization', auth]] as [string, string][],
      body: new Uint8Array(0),
    })
    const d = diffRequests(req(`Bearer ${token}`), req(`${token}\n`))
    expect(d.differences.map((x) => x.code)).toEqual([
      'scheme_prefix_missing',
      'credential_whitespace',
      null,
    ])
  })
})

describe('reason codes that depend on the request', () => {
  it('counts a trailing NBSP as an invisible character, not whitespace', () => {
    const token = 'tok_0123456789abcdef'
    const d = diffRequests(
      signed([['Authorization', `Bearer ${token}`]]),
      signed([['Authorization', `Bearer ${token}\u00a0`]]),
    )
    expect(d.differences[0]).toMatchObject({
      kind: 'invisible',
      code: 'credential_invisible_chars',
    })
  })

  it('calls re-ordered JSON signature_body_modified only where a signature covers the body', () => {
    const bodyCode = (headers: [string, string][]) =>
      diffRequests(
        signed(headers, '{"a":1,"b":2}'),
        signed(headers, '{"b":2,"a":1}'),
      ).differences.find((x) => x.kind === 'body')?.code
    expect(bodyCode([['X-Hub-Signature-256', `sha256=${HEX_A}`]])).toBe('signature_body_modified')
    expect(bodyCode([['Authorization', 'Bearer tok_0123456789abcdef']])).toBeNull()
  })
})

describe('diff of two recorded requests (credentials already fingerprinted)', () => {
  const recorded = (auth: string) => ({
    method: 'POST',
    url: '/hooks/a',
    headers: [['Authorization', auth] as [string, string]],
    body: new Uint8Array(0),
  })

  it('tells lengths apart from the fingerprints, never fingerprints a fingerprint', () => {
    const d = diffRequests(
      recorded('Bearer len=25 fp:c0e22f44'),
      recorded('Bearer len=24 fp:a8603d02'),
    ).differences.find((x) => x.field.toLowerCase() === 'authorization')!
    expect(d).toMatchObject({
      kind: 'length',
      good: 'len=25 fp:c0e22f44',
      bad: 'len=24 fp:a8603d02',
    })
    expect(d.note).toContain('(25 vs 24)')
  })

  it('same length, other digest: another value, without claiming an encoding', () => {
    const d = diffRequests(
      recorded('Bearer len=25 fp:c0e22f44'),
      recorded('Bearer len=25 fp:0badf00d'),
    ).differences.find((x) => x.field.toLowerCase() === 'authorization')!
    expect(d).toMatchObject({
      kind: 'value',
      good: 'len=25 fp:c0e22f44',
      bad: 'len=25 fp:0badf00d',
    })
    expect(d.note).not.toContain('encoding')
  })

  it('equal fingerprints are no difference', () => {
    expect(
      diffRequests(recorded('Bearer len=25 fp:c0e22f44'), recorded('Bearer len=25 fp:c0e22f44'))
        .same,
    ).toBe(true)
  })
})
