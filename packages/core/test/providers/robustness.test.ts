/**
 * Hostile input never crashes a preset: random bodies and random values in every header the
 * preset reads give a refusal (a Verdict), never an exception.
 * @module
 */

import { type HttpRequest, listProviders, loadConfig, verify } from '@hookwarden/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fixtureFor, NOW } from './fixtures.js'

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[A-Za-z0-9+/=,;:. _-]{0,120}$/),
  fc.constantFrom(
    '',
    ' ',
    'v1,',
    't=,v1=',
    'sha256=',
    'v0=zz',
    '=',
    ',,,',
    'Bearer ',
    'Basic !!',
    'HMAC ',
    '1700000000',
    '1700000000000',
    '2023-11-14T22:13:20Z',
    'null',
  ),
)

const body = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .constantFrom(
      '{}',
      '[]',
      'null',
      '{"signature":{"timestamp":1,"token":{},"signature":[]}}',
      '{"notificationItems":[{"NotificationRequestItem":null}]}',
      '{"value":[1,2]}',
      '{"passcode":5}',
      'a=1&a=2&b',
    )
    .map((s) => new TextEncoder().encode(s)),
)

describe('presets never throw on hostile requests', () => {
  it.each(listProviders().map((p) => p.name))('%s', async (name) => {
    const preset = listProviders().find((p) => p.name === name)!
    const endpoint = loadConfig(
      JSON.stringify({ auth: { provider: name, ...fixtureFor(name).auth } }),
    ).endpoints[0]!
    const names = [...(preset.headers ?? []), 'Authorization', 'Content-Type']
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...names), headerValue), { maxLength: 6 }),
        body,
        fc.constantFrom(
          '/hooks?x=%ZZ',
          '/h?validationToken=&crc_token=',
          'https://example.com:99999/p',
          '/',
        ),
        async (headers, bytes, url) => {
          const request: HttpRequest = {
            method: 'POST',
            url,
            headers: [['Host', 'example.com'], ...headers],
            body: bytes,
          }
          const verdict = await verify(request, endpoint, { now: NOW })
          expect(typeof verdict.ok).toBe('boolean')
          if (!verdict.ok) expect(verdict.reason).toBeTruthy()
        },
      ),
      { numRuns: 40 },
    )
  })
})
