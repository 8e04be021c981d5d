/**
 * api_key: header and query placement, near header names, duplicates, shape defects, rotation.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { Endpoint } from '../config/types.js'
import type { HttpRequest } from '../message/types.js'
import { verify } from '../verdict/verify.js'
import { apiKey } from './api-key.js'

const NOW = 1_796_000_000
const KEY = 'ak_live_9f8e7d6c5b4a39281706'
const OVERLAP = 'ak_live_overlap_0011223344'
const OLD = 'ak_live_retired_5566778899'
const NOT_AFTER = '2026-12-01T00:00:00Z'
const notAfter = Date.parse(NOT_AFTER) / 1000

function endpoint(auth: Record<string, unknown>): Endpoint {
  return loadConfig(JSON.stringify({ auth: { scheme: 'api_key', ...auth } })).endpoints[0]!
}

const keys = [
  { value: KEY, id: '2026-11' },
  { value: OVERLAP, id: '2026-10', not_after: NOT_AFTER },
]
const inHeader = endpoint({ header: 'X-API-Key', keys, retired: [{ value: OLD, id: '2026-09' }] })
const inQuery = endpoint({ query: 'api_key', keys })

function request(headers: [string, string][], url = '/hooks'): HttpRequest {
  return { method: 'POST', url, headers, body: new Uint8Array() }
}

const check = (e: Endpoint, headers: [string, string][], url?: string, now = NOW) =>
  verify(request(headers, url), e, { now })

describe('api_key in a header', () => {
  it('accepts the key; the header name is case-insensitive', async () => {
    for (const name of ['X-API-Key', 'x-api-key', 'X-Api-Key']) {
      const v = await check(inHeader, [[name, KEY]])
      expect(v).toMatchObject({ ok: true, key_id: '2026-11' })
    }
  })

  it('no key → 401 credentials_missing with a challenge', async () => {
    const v = await check(inHeader, [])
    expect(v).toMatchObject({ ok: false, status: 401, reason: 'credentials_missing' })
    expect(v.www_authenticate).toBe('ApiKey realm="hookwarden", header="X-API-Key"')
  })

  it('an empty header or parameter (unset template variable) → credentials_missing', async () => {
    expect((await check(inHeader, [['X-API-Key', '']])).reason).toBe('credentials_missing')
    expect((await check(inQuery, [], '/hooks?api_key=')).reason).toBe('credentials_missing')
  })

  it('an unknown key → credential_unknown, with a fingerprint and never the key', async () => {
    const v = await check(inHeader, [['X-API-Key', 'ak_live_wrong']])
    expect(v.reason).toBe('credential_unknown')
    expect(v.checks[0]!.detail).toMatch(/len=13 fp:[0-9a-f]{8}/)
    expect(JSON.stringify(v)).not.toContain('ak_live_wrong')
  })

  it('the key under a near header name → header_name_wrong', async () => {
    for (const name of ['X_API_KEY', 'X-APIKey', 'api-key', 'XApiKey']) {
      expect((await check(inHeader, [[name, KEY]])).reason).toBe('header_name_wrong')
    }
    // A known key under an unrelated header (Authorization: Bearer <key>) is found by its value.
    expect((await check(inHeader, [['Authorization', `Bearer ${KEY}`]])).reason).toBe(
      'header_name_wrong',
    )
  })

  it('a scheme word before the key → scheme_prefix_malformed', async () => {
    expect((await check(inHeader, [['X-API-Key', `Bearer ${KEY}`]])).reason).toBe(
      'scheme_prefix_malformed',
    )
    expect((await check(inHeader, [['X-API-Key', 'Bearer not-a-key']])).reason).toBe(
      'credential_unknown',
    )
  })

  it('the key in the query string → 400 credential_in_query', async () => {
    const v = await check(inHeader, [], `/hooks?api_key=${KEY}`)
    expect(v).toMatchObject({ status: 400, reason: 'credential_in_query' })
    expect((await check(inHeader, [], `/hooks?x-api-key=${KEY}`)).reason).toBe(
      'credential_in_query',
    )
    // By value, whatever the parameter is called.
    expect((await check(inHeader, [], `/hooks?k=${KEY}`)).reason).toBe('credential_in_query')
    // An unrelated parameter is not a credential.
    expect((await check(inHeader, [], '/hooks?page=2')).reason).toBe('credentials_missing')
  })

  it('sent twice, or in the header and the query → 400 duplicate_auth_header', async () => {
    const twice = await check(inHeader, [
      ['X-API-Key', KEY],
      ['x-api-key', KEY],
    ])
    expect(twice).toMatchObject({ status: 400, reason: 'duplicate_auth_header' })
    const both = await check(inHeader, [['X-API-Key', KEY]], `/hooks?api_key=${KEY}`)
    expect(both.reason).toBe('duplicate_auth_header')
  })

  it.each([
    ['trailing newline', `${KEY}\n`, 'credential_whitespace'],
    ['leading space', ` ${KEY}`, 'credential_whitespace'],
    ['zero-width space', `${KEY}\u200b`, 'credential_invisible_chars'],
    ['BOM', `\ufeff${KEY}`, 'credential_invisible_chars'],
    ['quoted', `"${KEY}"`, 'credential_quoted'],
    ['percent-encoded', 'ak_live%2F9f8e', 'credential_url_encoded'],
  ])('%s → %s', async (_what, value, reason) => {
    expect((await check(inHeader, [['X-API-Key', value]])).reason).toBe(reason)
  })
})

describe('api_key in the query', () => {
  it('accepts ?api_key=', async () => {
    expect((await check(inQuery, [], `/hooks?a=1&api_key=${KEY}`)).ok).toBe(true)
  })

  it('the key in a header where the query is expected → 400 credential_in_header', async () => {
    const v = await check(inQuery, [['X-API-Key', KEY]])
    expect(v).toMatchObject({ status: 400, reason: 'credential_in_header' })
    expect((await check(inQuery, [['api_key', KEY]])).reason).toBe('credential_in_header')
  })

  it('another parameter name → header_name_wrong; twice → duplicate_auth_header', async () => {
    expect((await check(inQuery, [], `/hooks?apiKey=${KEY}`)).reason).toBe('header_name_wrong')
    expect((await check(inQuery, [], `/hooks?api_key=${KEY}&api_key=${KEY}`)).reason).toBe(
      'duplicate_auth_header',
    )
  })

  it('no key → credentials_missing; challenge names the parameter', async () => {
    const v = await check(inQuery, [], '/hooks')
    expect(v.reason).toBe('credentials_missing')
    expect(v.www_authenticate).toBe('ApiKey realm="hookwarden", query="api_key"')
  })
})

describe('api_key rotation', () => {
  it('current and overlap keys pass, named by key_id', async () => {
    expect(await check(inHeader, [['X-API-Key', KEY]])).toMatchObject({
      ok: true,
      key_id: '2026-11',
    })
    const overlap = await check(inHeader, [['X-API-Key', OVERLAP]], undefined, notAfter - 1)
    expect(overlap).toMatchObject({ ok: true, key_id: '2026-10' })
  })

  it('past not_after and retired → credential_revoked, the id named', async () => {
    const late = await check(inHeader, [['X-API-Key', OVERLAP]], undefined, notAfter + 1)
    expect(late).toMatchObject({ ok: false, status: 401, reason: 'credential_revoked' })
    expect(late.checks[0]!.detail).toContain('2026-10')
    const retired = await check(inHeader, [['X-API-Key', OLD]])
    expect(retired.reason).toBe('credential_revoked')
    expect(retired.checks[0]!.detail).toContain('2026-09')
  })
})

describe('api_key sign()', () => {
  it('header: verify accepts what sign made', async () => {
    const signed = apiKey.sign(request([]), inHeader.auth as never, { now: NOW })
    expect((await verify(signed, inHeader, { now: NOW })).ok).toBe(true)
  })

  it('query: replaces an existing parameter, keeps the rest of the URL', async () => {
    const signed = apiKey.sign(
      request([], '/hooks?a=%20x&api_key=old#frag'),
      inQuery.auth as never,
      {
        now: NOW,
      },
    )
    expect(signed.url).toBe(`/hooks?a=%20x&api_key=${KEY}#frag`)
    expect((await verify(signed, inQuery, { now: NOW })).ok).toBe(true)
  })

  it('after not_after of the first key, signs with the next current one; keyId selects', async () => {
    const e = endpoint({
      header: 'X-API-Key',
      keys: [
        { value: OVERLAP, id: 'old', not_after: NOT_AFTER },
        { value: KEY, id: 'new' },
      ],
    })
    const late = apiKey.sign(request([]), e.auth as never, { now: notAfter })
    expect(late.headers).toEqual([['X-API-Key', KEY]])
    const chosen = apiKey.sign(request([]), e.auth as never, { now: NOW, keyId: 'old' })
    expect(chosen.headers).toEqual([['X-API-Key', OVERLAP]])
  })
})
