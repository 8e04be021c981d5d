/**
 * A far server's words are shown with the request's credentials fingerprinted: the token it
 * echoes in an error_description, a password in a Location, a `?token=` in any URL.
 * @module
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../diagnose/index.js'
import { parseRequest, parseResponse } from '../message/parse.js'
import { REASONS } from '../verdict/reasons.js'
import { credentialValues, scrubShown, scrubText } from './scrub.js'

const TOKEN = 'SECRET-SHOULD-NOT-LEAK-123'

describe('scrub', () => {
  it('finds the credentials a request carries: header values with and without the scheme word, query values', () => {
    const values = credentialValues({
      url: '/hooks?api_key=key-0123456789&page=2',
      headers: [
        ['Authorization', `Bearer ${TOKEN}`],
        ['X-Request-Id', 'req-0123456789'],
        ['Content-Type', 'application/json'],
      ],
    })
    expect(values).toContain(TOKEN)
    expect(values).toContain(`Bearer ${TOKEN}`)
    expect(values).toContain('key-0123456789')
    expect(values).not.toContain('req-0123456789')
    expect(values).not.toContain('2')
  })

  it('fingerprints them, user-info passwords and credential query values, deeply', () => {
    const shown = scrubShown(
      {
        a: `error_description="token ${TOKEN} unknown"`,
        b: ['Location: http://make:hunter2hunter2@elsewhere.example/x?token=abcdef123456&page=2'],
      },
      [TOKEN],
    )
    const text = JSON.stringify(shown)
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain('hunter2hunter2')
    expect(text).not.toContain('abcdef123456')
    expect(text).toContain('page=2')
    expect(text).toMatch(/make:len=14 fp:[0-9a-f]{8}@elsewhere/)
    expect(scrubText('nothing to hide here', [TOKEN])).toBe('nothing to hide here')
  })

  it('fingerprints a piece of a credential that someone cut short before it got here', () => {
    const cut = `error_description="xxxxxxxx${TOKEN.slice(0, 20)}`
    const shown = scrubText(cut, [TOKEN, `Bearer ${TOKEN}`])
    expect(shown).not.toContain(TOKEN.slice(0, 6))
    expect(shown).toMatch(/error_description="xxxxxxxx⟨part of len=26 fp:[0-9a-f]{8}⟩$/)
    // The tail of it, and a piece in the middle, too.
    expect(scrubText(`…${TOKEN.slice(-9)}`, [TOKEN])).not.toContain(TOKEN.slice(-6))
    expect(scrubText(`a ${TOKEN.slice(5, 15)} b`, [TOKEN])).toMatch(/^a ⟨part of len=26 .*⟩ b$/)
    // The scheme word of a whole header value is a word, not a piece of the token.
    expect(scrubText('Its Bearer challenge', [`Bearer ${TOKEN}`, TOKEN])).toBe(
      'Its Bearer challenge',
    )
  })

  it("keeps the config's public names whole, and still fingerprints the whole secret", () => {
    const token = 'acme-staging-0c1d2e3f4a5b'
    const text =
      'The token belongs to the staging environment (endpoint acme-staging), not acme-prod.'
    expect(scrubText(text, [token], ['acme-staging', 'staging', 'acme-prod'])).toBe(text)
    // Without them, the names read as pieces of the token.
    expect(scrubText(text, [token])).toContain('part of')
    expect(scrubText(`sent ${token}`, [token], ['acme-staging'])).toMatch(/^sent len=25 fp:/)
    // A piece beyond the name is still a piece.
    expect(scrubText('acme-staging-0c1d2e', [token], ['acme-staging'])).toBe(
      `acme-staging${scrubText('-0c1d2e', [token])}`,
    )
  })

  it('diagnose --response never repeats the token a receiver echoed, even cut short', async () => {
    const request = parseRequest(
      `POST /hooks/bearer HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`,
    )
    const response = parseResponse(
      `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer error="invalid_token", error_description="token ${TOKEN} unknown"\r\nContent-Type: application/json\r\n\r\n{"error":"token ${TOKEN} unknown"}`,
    )
    const d = await diagnose(request, { now: 1767225600, response })
    const text = JSON.stringify(d)
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(TOKEN.slice(0, 16))
    expect(d.response?.class).toBe('authentication')
  })

  it('…nor one echoed inside a compressed body (gzip, br, deflate), whole or cut short', async () => {
    const request = parseRequest(
      `POST /hooks/bearer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`,
    )
    // API Gateway's IncompleteSignatureException ends with the caller's Authorization value.
    const json = `{"message":"Authorization header requires 'Credential' parameter. Authorization=Bearer ${TOKEN}"}`
    const cut = `{"message":"rejected: ${TOKEN.slice(0, 14)}…"}`
    for (const [encoding, pack] of [
      ['gzip', gzipSync],
      ['br', brotliCompressSync],
      ['deflate', deflateSync],
    ] as const) {
      for (const body of [json, cut]) {
        const head = `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Encoding: ${encoding}\r\nx-amzn-ErrorType: IncompleteSignatureException\r\n\r\n`
        const response = parseResponse(
          Buffer.concat([Buffer.from(head, 'latin1'), pack(Buffer.from(body))]),
        )
        const text = JSON.stringify(await diagnose(request, { now: 1767225600, response }))
        expect(text, `${encoding}: ${body}`).not.toContain(TOKEN.slice(0, 12))
      }
    }
  })
})

describe('scrub keeps the text around what it fingerprints', () => {
  const fp = /len=\d+ fp:[0-9a-f]{8}/

  it('a URL at the end of a sentence: the punctuation is not part of the value', () => {
    const shown = scrubText(
      'sent in the URL as ?api_key=abc123def456. Then ?token=zz9988776655), done',
      [],
    )
    expect(shown).toMatch(
      /\?api_key=len=12 fp:[0-9a-f]{8}\. Then \?token=len=12 fp:[0-9a-f]{8}\), done/,
    )
  })

  it('an empty or quoted-away value is left alone, never "len=1"', () => {
    for (const text of ['as `?X-API-Key=`, but', 'reads ?api_key=.', '?token=&page=2'])
      expect(scrubText(text, [])).toBe(text)
  })

  it('a whole secret in a query is fingerprinted once; a cut piece of it once, as a part', () => {
    const secret = 'q7W9e2R4t6Y8u0I1o3P5'
    const whole = scrubText(`Location: https://x.example/cb?token=${secret}&x=1`, [secret])
    expect(whole).toMatch(/\?token=len=20 fp:[0-9a-f]{8}&x=1$/)
    const cut = scrubText(`Location: https://x.example/cb?token=${secret.slice(0, 15)}`, [secret])
    expect(cut).not.toContain(secret.slice(0, 6))
    expect(cut.match(/fp:/g)).toHaveLength(1)
  })

  it("names a public prefix (whsec_) as it is: it is every Standard Webhooks secret's", () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const text = 'Base64-decode what follows whsec_ (the prefix is not part of the key).'
    expect(scrubText(text, [secret])).toBe(text)
    expect(scrubText(`got ${secret.slice(0, 20)}`, [secret])).toMatch(/⟨part of len=38/)
  })

  it("keeps the text's own words that a secret happens to contain", () => {
    const secret = 'demo-secret-password-2026'
    const text = 'does not match the configured secret; the username or password is wrong'
    expect(scrubText(text, [secret])).toBe(text)
    // A longer run of it is still a piece of the secret.
    expect(scrubText('sent secret-password-20 instead', [secret])).toMatch(/⟨part of/)
    expect(scrubText(`sent ${secret}`, [secret])).toMatch(fp)
  })
})

describe("a secret made of the product's own words (red team 7 R2 F1)", () => {
  // Secrets as people configure them: words of ours joined by - or _, the demo config's too.
  const SECRETS = [
    'acme-signature-timestamp-2025',
    'demo-hmac-secret-a41b',
    'demo-github-secret-9e77',
    'prod-token-bearer-77aa',
    'whsec-signing-secret-x1',
    'my_signature_secret_x9',
    'bearer_token_timestamp_v2',
  ]

  it('leaves every reason code, title and hint whole, in a sentence or as a field', () => {
    for (const secret of SECRETS) {
      for (const [code, spec] of Object.entries(REASONS)) {
        const text = `${code}: ${spec.title}. ${spec.hint} (the configured secrets, signatures and timestamps)`
        expect(scrubText(text, [secret]), `${secret} / ${code}`).toBe(text)
        const cause = {
          code,
          summary: `${spec.title}.`,
          fix: spec.hint,
          evidence: [`reason ${code}`],
          problem: {
            type: `https://hookwarden.dev/reasons/${code}`,
            title: spec.title,
            reason: code,
            hint: spec.hint,
          },
        }
        expect(scrubShown(cause, [secret]), `${secret} / ${code}`).toEqual(cause)
      }
    }
  })

  it('still fingerprints a quote of such a secret: cut, whole, or with its separators changed', () => {
    const secret = 'acme-signature-timestamp-2025'
    const cut = scrubText('X-Foo is "acme-signature-tim…"', [secret])
    expect(cut).toMatch(/^X-Foo is "⟨part of len=29 fp:[0-9a-f]{8}⟩…"$/)
    expect(scrubText(`sent ${secret}`, [secret])).toMatch(/^sent len=29 fp:[0-9a-f]{8}$/)
    const swapped = scrubText('sent acme_signature_timestamp_2025', [secret])
    expect(swapped).not.toMatch(/signature|timestamp/)
    expect(scrubText('sent signature-timestamp-2025 instead', [secret])).toMatch(
      /^sent ⟨part of len=29 fp:[0-9a-f]{8}⟩ instead$/,
    )
    // A word of the secret that is no word of ours, or glued to digits, is a piece.
    expect(scrubText('value acmeWebhookSigningKey', ['x-acmeWebhookSigningKey-1'])).toMatch(
      /⟨part of/,
    )
    expect(scrubText('value signature2025', ['acme-signature2025'])).toMatch(/⟨part of/)
  })

  it('the marker never stands where a word of ours does, so it does not tell the secret holds it', () => {
    const secret = 'acme-signature-timestamp-2025'
    const text =
      'signature_mismatch: the signature does not match; timestamp_milliseconds: the timestamp is in milliseconds'
    expect(scrubText(text, [secret])).toBe(text)
  })
})
