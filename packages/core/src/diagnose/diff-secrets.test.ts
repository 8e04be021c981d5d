/**
 * No excerpt of a body diff shows a secret, wherever the first differing byte falls: before,
 * inside or after a secret field, in its name, in its quotes, or in a body the change made
 * unparseable. Property tests over random JSON and form bodies, plus the fields the provider
 * presets name and headers that only look like credentials.
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { HttpRequest } from '../message/types.js'
import { registerProvider } from '../providers/registry.js'
import { diffRequests } from './diff.js'
import { looksLikeSecret, maskSecretLooking, secretSpans } from './diff-secrets.js'

const enc = new TextEncoder()
const request = (
  body: Uint8Array,
  type: string,
  headers: [string, string][] = [],
): HttpRequest => ({
  method: 'POST',
  url: '/hooks/x',
  headers: [['Content-Type', type], ...headers],
  body,
})

/** The whole secret or any 8-character piece of it. */
function leaks(output: string, secret: string): string | null {
  for (let i = 0; i + 8 <= secret.length; i++)
    if (output.includes(secret.slice(i, i + 8))) return secret.slice(i, i + 8)
  return null
}

// Secrets are upper-case letters only and everything around them lower case or digits, so a
// piece of a secret in the output can only have come from the secret (fingerprints are lower hex).
const secretArb = fc.stringMatching(/^[A-Z]{8,40}$/)
const wordArb = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,11}$/)
  .filter((w) => !/pass|secret|token|key|sig|auth|code|pin|pwd|otp|jwt|hmac|cred|state/.test(w))
const fillerArb = fc.stringMatching(/^[a-z0-9 .,-]{0,30}$/)
const SECRET_KEYS = [
  'password',
  'token',
  'secret',
  'passcode',
  'api_key',
  'clientState',
  'client_secret',
  'access_token',
  'hmacSignature',
  'verification_token',
]
const keyArb = fc.constantFrom(...SECRET_KEYS)
const membersArb = fc.array(fc.tuple(wordArb, fc.oneof(fillerArb, fc.integer().map(String))), {
  maxLength: 5,
})

/** A JSON body with the secret member among ordinary ones, maybe nested one level down. */
const jsonBodyArb = fc
  .record({
    before: membersArb,
    after: membersArb,
    key: keyArb,
    secret: secretArb,
    nest: fc.option(wordArb, { nil: undefined }),
    pretty: fc.boolean(),
  })
  .map(({ before, after, key, secret, nest, pretty }) => {
    const member = (k: string, v: string) =>
      `${JSON.stringify(k)}:${pretty ? ' ' : ''}${/^-?\d+$/.test(v) ? v : JSON.stringify(v)}`
    const inner = [
      ...before.map(([k, v]) => member(k, v)),
      member(key, secret),
      ...after.map(([k, v]) => member(k, v)),
    ].join(pretty ? ',\n  ' : ',')
    const body = nest ? `{"${nest}":{${inner}},"n":1}` : `{${inner}}`
    return { body, secret, type: 'application/json' }
  })

const formBodyArb = fc
  .record({ before: membersArb, after: membersArb, key: keyArb, secret: secretArb })
  .map(({ before, after, key, secret }) => ({
    body: [...before, [key, secret] as [string, string], ...after]
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&'),
    secret,
    type: 'application/x-www-form-urlencoded',
  }))

/** One byte replaced, inserted or deleted at a position of the body. */
const mutationArb = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'insert', 'delete'),
  byte: fc.integer({ min: 0, max: 255 }),
})

function mutate(bytes: Uint8Array, m: { at: number; op: string; byte: number }): Uint8Array {
  const at = m.at % (bytes.length + (m.op === 'insert' ? 1 : 0))
  const b = [...bytes]
  if (m.op === 'insert') b.splice(at, 0, m.byte)
  else if (m.op === 'delete') b.splice(at, 1)
  else b[at] = b[at] === m.byte ? (m.byte + 1) % 256 : m.byte
  return Uint8Array.from(b)
}

function diffOutput(good: HttpRequest, bad: HttpRequest): string {
  return JSON.stringify(diffRequests(good, bad))
}

describe('body excerpts never show a secret', () => {
  it('found by the property below: an "=" inside a JSON secret read as a form field named by the text before it', () => {
    const body =
      '{"aaa_aa__":{"a_a":100000000,"aa":"0 0 .","a__a_a":" ..a0  .","password":"AAAAAAAAAAAAA"},"n":1}'
    const original = enc.encode(body)
    const changed = mutate(original, { at: 17702976, op: 'insert', byte: 61 })
    const out = diffOutput(
      request(changed, 'application/json'),
      request(original, 'application/json'),
    )
    expect(leaks(out, 'AAAAAAAAAAAAA'), out).toBeNull()
  })

  it('for a random JSON or form body with a secret field and one random differing byte', () => {
    fc.assert(
      fc.property(
        fc.oneof(jsonBodyArb, formBodyArb),
        mutationArb,
        fc.boolean(),
        ({ body, secret, type }, m, swap) => {
          const original = enc.encode(body)
          const changed = mutate(original, m)
          const [g, b] = swap ? [changed, original] : [original, changed]
          const out = diffOutput(request(g, type), request(b, type))
          expect(leaks(out, secret), out).toBeNull()
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('when the differing byte sits just before the secret value (the excerpt window runs into it)', () => {
    fc.assert(
      fc.property(
        jsonBodyArb,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 255 }),
        ({ body, secret, type }, back, byte) => {
          const at = Math.max(0, body.indexOf(secret) - back)
          const original = enc.encode(body)
          const changed = mutate(original, { at, op: 'replace', byte })
          const out = diffOutput(request(original, type), request(changed, type))
          expect(leaks(out, secret), out).toBeNull()
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('the reported spill: a difference one member before "password"', () => {
    const good = enc.encode('{"event":"a","password":"pwSECRETzzzz9999"}')
    const bad = enc.encode('{"event":"b","password":"pwSECRETzzzz9999"}')
    const d = diffRequests(request(good, 'application/json'), request(bad, 'application/json'))
    const note = d.differences[0]!.note
    expect(note).toMatch(
      /first differ at offset 10: good "a\\",\\"password\\":\\"‹len=16 fp:[0-9a-f]{8}›/,
    )
    expect(note).not.toContain('SECRET')
  })

  it('also where the secret recurs outside its field, and where a header credential is echoed in the body', () => {
    const token = 'tok_Q7mZk2Rx9Lp4Vt8NbW3c'
    const good = enc.encode(`{"event":"a","echo":"${token}","note":"x"}`)
    const bad = enc.encode(`{"event":"b","echo":"${token}","note":"x"}`)
    const auth: [string, string][] = [['Authorization', `Bearer ${token}`]]
    const out = diffOutput(
      request(good, 'application/json', auth),
      request(bad, 'application/json', auth),
    )
    expect(out).not.toContain(token.slice(4, 12))
    expect(out).toMatch(/first differ at offset 10/)
  })
})

describe('the credential fields the presets name', () => {
  it("Microsoft Graph's clientState is fingerprinted, not quoted", () => {
    const body = (s: string) =>
      enc.encode(`{"value":[{"clientState":"${s}","changeType":"created"}]}`)
    const out = diffOutput(
      request(body('SECRET_graph_AAAAAAAA'), 'application/json'),
      request(body('SECRET_graph_BBBBBBBB'), 'application/json'),
    )
    expect(out).toMatch(/in the body's clientState field: good len=21 fp:[0-9a-f]{8}, bad len=21/)
    expect(out).not.toContain('SECRET')
  })

  it('a preset registered at run time names its body field too (no fixed list)', () => {
    registerProvider({
      name: 'acme-test',
      title: 'Acme (test)',
      auth: { scheme: 'body_secret', field: 'meta.deliveryPhrase' },
      signs: 'nothing',
      secret_format: 'a phrase',
      source: 'test',
      proof: 'docs',
    })
    const spans = secretSpans('{"meta":{"deliveryPhrase":"open sesame"}}')
    expect(spans.map((s) => s.name)).toContain('deliveryPhrase')
  })
})

describe('headers that only look like credentials', () => {
  it('fingerprints long generated tokens, leaves words, versions and ids readable', () => {
    expect(looksLikeSecret('Kq8vN2xR7mT4pL9wZ3cF6hJ1bY5dG0sA')).toBe(true)
    expect(looksLikeSecret('5f1c0a9e3b7d2c4a6e8f0b1d3c5a7e9f')).toBe(true)
    expect(looksLikeSecret('AppleWebKit/537.36')).toBe(false)
    expect(looksLikeSecret('3f2c5a1e-9b7d-4c1e-8f2a-0d6b3c4e5f60')).toBe(false)
    expect(looksLikeSecret('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1')).toBe(false)
    expect(maskSecretLooking('User-Agent', 'make/1.0 Kq8vN2xR7mT4pL9wZ3cF6hJ1bY5dG0sA')).toMatch(
      /^make\/1\.0 ‹len=32 fp:[0-9a-f]{8}›$/,
    )
    expect(maskSecretLooking('X-Request-Id', 'Kq8vN2xR7mT4pL9wZ3cF6hJ1bY5dG0sA')).toBe(
      'Kq8vN2xR7mT4pL9wZ3cF6hJ1bY5dG0sA',
    )
  })

  it('a custom signature header (X-My-Sig) and a preset credential header (X-Shopify-Hmac-Sha256) are fingerprinted', () => {
    const req = (sig: string, shopify: string) =>
      request(enc.encode('{}'), 'application/json', [
        ['X-My-Sig', sig],
        ['X-Shopify-Hmac-Sha256', shopify],
        ['X-Trello-Webhook', shopify],
      ])
    const out = diffOutput(
      req('SECRETsigAAA111aaaaaaaaaaaaaaaaaaa', 'K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='),
      req('SECRETsigBBB222bbbbbbbbbbbbbbbbbbb', 'AAoZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='),
    )
    expect(out).not.toContain('SECRETsig')
    expect(out).not.toContain('fzN95Z9U')
    expect(out).toContain('X-Shopify-Hmac-Sha256')
    expect(out).toContain('X-Trello-Webhook')
  })

  it('an ordinary header difference stays readable', () => {
    const out = diffRequests(
      request(enc.encode('{}'), 'application/json', [['User-Agent', 'curl/8.5.0']]),
      request(enc.encode('{}'), 'application/json', [['User-Agent', 'Make/production']]),
    )
    expect(out.differences[0]).toMatchObject({ good: '"curl/8.5.0"', bad: '"Make/production"' })
  })
})
