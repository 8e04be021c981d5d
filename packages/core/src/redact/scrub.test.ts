/**
 * A far server's words are shown with the request's credentials fingerprinted: the token it
 * echoes in an error_description, a password in a Location, a `?token=` in any URL.
 * @module
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../diagnose/index.js'
import { parseRequest, parseResponse } from '../message/parse.js'
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
