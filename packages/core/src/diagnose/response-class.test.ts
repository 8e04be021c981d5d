/**
 * response.class per contract §3, and the meaning told to the sender.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Header, HttpResponse } from '../message/types.js'
import { challengeGist, classifyResponse, responseClass } from './response-class.js'

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

describe("a 404's own words", () => {
  const detail =
    'No endpoint at /hooks/orders/; endpoint "orders" is at /hooks/orders: remove the trailing slash from the webhook URL.'
  const problem404 = res(
    404,
    [['Content-Type', 'application/problem+json']],
    JSON.stringify({ type: 'https://hookwarden.dev/reasons/route_not_found', status: 404, detail }),
  )

  it('quotes the problem detail of a 404 in its meaning', () => {
    expect(classifyResponse(problem404).meaning).toContain(`It says: "${detail}"`)
    // Not JSON, not a string detail, or no detail at all: nothing quoted.
    expect(
      classifyResponse(res(404, [['Content-Type', 'text/html']], '<h1>x</h1>')).meaning,
    ).not.toMatch(/It says/)
    expect(
      classifyResponse(res(404, [['Content-Type', 'application/json']], '{"detail":{"x":1}}'))
        .meaning,
    ).not.toMatch(/It says/)
    expect(
      classifyResponse(res(404, [['Content-Type', 'application/json']], '{"detail":')).meaning,
    ).not.toMatch(/It says/)
    // Another receiver's detail may echo the credential it refused: never quoted.
    const foreign = res(
      404,
      [['Content-Type', 'application/problem+json']],
      JSON.stringify({ type: 'about:blank', detail: 'token tok_live_123456789 not found' }),
    )
    expect(classifyResponse(foreign).meaning).not.toMatch(/It says|tok_live/)
  })

  it('gives the detail as the fix of route_not_found in a diagnosis', async () => {
    const { diagnose } = await import('./index.js')
    const d = await diagnose(
      { method: 'POST', url: '/hooks/orders/', headers: [], body: Buffer.from('{}') },
      { now: 1_800_000_000, response: problem404 },
    )
    const cause = d.causes.find((c) => c.code === 'route_not_found')
    expect(cause?.fix).toContain(detail)
  })
})

describe('the challenge quoted in a meaning', () => {
  const TOKEN = 'tok_SECRET_bearer_12345'
  it('names the scheme and the error, never a credential the receiver quoted back', () => {
    const www = `Bearer error="invalid_token", error_description="xxxxxxxx${TOKEN} is not valid here"`
    expect(challengeGist(www)).toBe('Bearer error="invalid_token"')
    const meaning = classifyResponse({
      status: 401,
      headers: [['WWW-Authenticate', www]],
      body: new Uint8Array(),
    }).meaning
    expect(meaning).toContain('error="invalid_token"')
    expect(meaning).not.toMatch(/tok_SECRET|SECRET_bearer|bearer_12345/)
  })

  it('keeps a short realm and scope, drops a token-like one', () => {
    expect(challengeGist('Basic realm="closed", charset="UTF-8"')).toBe('Basic realm="closed"')
    expect(challengeGist('Bearer realm="api", scope="read:orders", error=insufficient_scope')).toBe(
      'Bearer error="insufficient_scope", realm="api", scope="read:orders"',
    )
    expect(challengeGist('Basic realm="bWFrZTpwd19TRUNSRVRfMTIzNDU2"')).toBe('Basic')
  })
})
