/**
 * response.class per contract §3, and the meaning told to the sender.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Header, HttpResponse } from '../message/types.js'
import { classifyResponse, responseClass } from './response-class.js'

const res = (status: number, headers: Header[] = [], body = ''): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
})

describe('classifyResponse', () => {
  it('maps every status of contract §3', () => {
    const table: [number, string][] = [
      [200, 'success'],
      [204, 'success'],
      [401, 'authentication'],
      [403, 'authorization'],
      [404, 'not_found'],
      [405, 'method_not_allowed'],
      [410, 'gone'],
      [413, 'payload_too_large'],
      [415, 'unsupported_media_type'],
      [429, 'rate_limited'],
      [500, 'server_error'],
      [503, 'server_error'],
      [301, 'other'],
      [400, 'other'],
      [407, 'other'],
      [419, 'other'],
    ]
    for (const [s, c] of table) expect(responseClass(s), String(s)).toBe(c)
  })

  it('tells 401 with and without an error code apart', () => {
    expect(classifyResponse(res(401, [['WWW-Authenticate', 'Bearer realm="x"']])).meaning).toMatch(
      /no credential reached it/,
    )
    expect(
      classifyResponse(res(401, [['WWW-Authenticate', 'Bearer error="invalid_token"']])).meaning,
    ).toMatch(/arrived and was refused/)
    expect(classifyResponse(res(401, [['WWW-Authenticate', 'Basic realm="x"']])).meaning).toMatch(
      /asks for Basic/,
    )
  })

  it('says a 429 after rejected retries is a retry storm', () => {
    const m = classifyResponse(res(429, [['Retry-After', '30']]), {
      previousStatuses: [401, 401, 401, 401],
    }).meaning
    expect(m).toMatch(/retry storm/)
    expect(m).toMatch(/Retry-After: 30/)
  })

  it('410 from Make means the scenario was switched off', () => {
    const m = classifyResponse(
      res(410, [], 'There is no scenario listening for this webhook.'),
    ).meaning
    expect(m).toMatch(/switched off/)
  })

  it('403 from n8n means wrong credentials, not a missing right', () => {
    expect(
      classifyResponse(res(403, [], '{"code":403,"message":"Authorization data is wrong!"}'))
        .meaning,
    ).toMatch(/credential is wrong/)
  })

  it('a redirect warns that Authorization is dropped', () => {
    expect(classifyResponse(res(308, [['Location', 'https://x.example/hooks/']])).meaning).toMatch(
      /drop Authorization/,
    )
  })
})
