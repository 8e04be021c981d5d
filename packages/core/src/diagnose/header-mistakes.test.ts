/**
 * Header mistakes a sender makes around the value: the whole Authorization value in quotes
 * (a JSON string pasted as is), a header named after the scheme (`Bearer: tok_…`), a header
 * name with a trailing space (n8n's Header Auth), an empty Authorization header. With a
 * config (near-miss search) and without one (the request alone).
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { parseRawHttpRequest } from '../message/parse-raw-http.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'

const NOW = 1767225600
const TOKEN = 'tok_live_8f3b2c9d4e5a6f7081920a1b2c3d4e5f'
const req = (headers: [string, string][]): HttpRequest => ({
  method: 'POST',
  url: '/hooks',
  headers: [['Host', 'receiver.example.org'], ...headers],
  body: Buffer.from('{}'),
})
const bearer = loadConfig(`auth:\n  scheme: bearer\n  tokens: ["${TOKEN}"]\n`)
const basic = loadConfig(
  'auth:\n  scheme: basic\n  users: [{ username: make, password: pw-4471 }]\n',
)
const b64 = (s: string) => Buffer.from(s).toString('base64')

const withConfig = (headers: [string, string][], config = bearer, sender?: 'n8n') =>
  diagnose(req(headers), { config, now: NOW, ...(sender ? { sender } : {}) })
const alone = (headers: [string, string][]) => diagnose(req(headers), { now: NOW })

describe('the whole Authorization value in quotes', () => {
  it.each([
    ['double quotes', `"Bearer ${TOKEN}"`],
    ['single quotes', `'Bearer ${TOKEN}'`],
  ])('%s, with a config → credential_quoted (verdict and cause)', async (_what, value) => {
    const d = await withConfig([['Authorization', value]])
    expect(d.verdict?.reason).toBe('credential_quoted')
    expect(d.causes[0]?.code).toBe('credential_quoted')
    expect(d.causes[0]?.summary).toMatch(/whole Authorization header value is wrapped in quotes/)
    expect(d.causes.map((c) => c.code)).not.toContain('scheme_prefix_missing')
    expect(JSON.stringify(d)).not.toContain(TOKEN)
  })

  it('Basic quoted whole → credential_quoted', async () => {
    const d = await withConfig([['Authorization', `"Basic ${b64('make:pw-4471')}"`]], basic)
    expect(d.verdict?.reason).toBe('credential_quoted')
    expect(d.causes[0]?.code).toBe('credential_quoted')
  })

  it('without a config → credential_quoted first', async () => {
    const d = await alone([['Authorization', `"Bearer ${TOKEN}"`]])
    expect(d.causes[0]?.code).toBe('credential_quoted')
    expect(JSON.stringify(d)).not.toContain(TOKEN)
  })

  it('a quoted token after the scheme is still the credential quoted', async () => {
    const d = await withConfig([['Authorization', `Bearer "${TOKEN}"`]])
    expect(d.causes[0]?.code).toBe('credential_quoted')
  })
})

describe('header names a receiver cannot look up', () => {
  it('a token in a header named Bearer, without a config → header_name_wrong', async () => {
    const d = await alone([['Bearer', TOKEN]])
    expect(d.causes[0]?.code).toBe('header_name_wrong')
    expect(d.causes[0]?.summary).toMatch(/header named "Bearer"/)
    expect(d.causes[0]?.fix).toMatch(/Authorization/)
    expect(d.causes.map((c) => c.code)).not.toContain('credentials_missing')
    expect(JSON.stringify(d)).not.toContain(TOKEN)
  })

  it('"Authorization " with a trailing space, without a config → header_name_wrong', async () => {
    const d = await alone([['Authorization ', `Bearer ${TOKEN}`]])
    expect(d.causes[0]?.code).toBe('header_name_wrong')
    expect(d.causes[0]?.summary).toMatch(/"Authorization " has a trailing space/)
    expect(d.causes.map((c) => c.code)).not.toContain('credentials_missing')
  })

  it('"Authorization " with a config: says the name has a trailing space, not "rename"', async () => {
    const d = await withConfig([['Authorization ', `Bearer ${TOKEN}`]], bearer, 'n8n')
    expect(d.causes[0]?.code).toBe('header_name_wrong')
    expect(d.causes[0]?.summary).toMatch(/trailing space/)
    expect(d.causes[0]?.fix).toMatch(/remove the space/)
    expect(d.causes[0]?.fix).not.toMatch(/Rename/)
  })

  it('raw HTTP "Authorization : …" (a space before the colon) is read and named', async () => {
    const raw = `POST /hooks HTTP/1.1\r\nHost: h\r\nAuthorization : Bearer ${TOKEN}\r\n\r\n`
    const r = parseRawHttpRequest(Buffer.from(raw))
    expect(r.headers).toContainEqual(['Authorization ', `Bearer ${TOKEN}`])
    const d = await diagnose(r, { config: bearer, now: NOW })
    expect(d.causes[0]?.code).toBe('header_name_wrong')
    expect(d.causes[0]?.summary).toMatch(/trailing space/)
  })

  it("Zapier's user|pass raw, without a config → basic_raw_credentials naming the field", async () => {
    const d = await diagnose(req([['Authorization', 'Basic make|pw-4471']]), {
      now: NOW,
      sender: 'zapier',
    })
    expect(d.causes[0]?.code).toBe('basic_raw_credentials')
    expect(d.causes[0]?.summary).toMatch(/Zapier/)
  })

  it('an empty Authorization header, without a config → credentials_missing', async () => {
    const d = await alone([['Authorization', '']])
    expect(d.causes[0]?.code).toBe('credentials_missing')
    expect(d.causes[0]?.summary).toMatch(/empty/)
  })

  it('an ordinary request names none of these', async () => {
    const d = await alone([['Authorization', `Bearer ${TOKEN}`]])
    expect(d.causes).toEqual([])
  })
})
