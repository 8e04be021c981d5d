/**
 * response.class per contract §3, and the meaning told to the sender.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Header, HttpRequest, HttpResponse } from '../message/types.js'
import {
  challengeGist,
  classifyResponse,
  parseChallenges,
  responseClass,
} from './response-class.js'

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

describe('several challenges (RFC 9110 §11.6.1)', () => {
  const bearer = (token: string): HttpRequest => ({
    method: 'POST',
    url: 'https://hooks.example/in',
    headers: [['Authorization', `Bearer ${token}`]],
    body: new Uint8Array(),
  })

  it('reads every challenge, in one field or several', () => {
    const one = parseChallenges([
      'Basic realm="a, b", Bearer realm="b", error="insufficient_scope", scope="x y", Digest realm="c", nonce="n", qop="auth"',
    ])
    expect(one.map((c) => c.scheme)).toEqual(['Basic', 'Bearer', 'Digest'])
    expect(one[0]!.params).toEqual({ realm: 'a, b' })
    expect(one[1]!.params).toEqual({ realm: 'b', error: 'insufficient_scope', scope: 'x y' })
    expect(one[1]!.text).toBe('Bearer realm="b", error="insufficient_scope", scope="x y"')
    expect(one[2]!.params).toEqual({ realm: 'c', nonce: 'n', qop: 'auth' })
    const several = parseChallenges(['Basic realm="a"', 'Bearer', 'Negotiate YIIabc==, NTLM'])
    expect(several.map((c) => c.scheme)).toEqual(['Basic', 'Bearer', 'Negotiate', 'NTLM'])
    expect(several[2]!.text).toBe('Negotiate YIIabc==')
    expect(
      parseChallenges(['Bearer error = invalid_token , error_description="a \\"b\\", c"']),
    ).toEqual([
      {
        scheme: 'Bearer',
        params: { error: 'invalid_token', error_description: 'a "b", c' },
        text: 'Bearer error = invalid_token , error_description="a \\"b\\", c"',
      },
    ])
    expect(parseChallenges(['', ' , ', '"unclosed'])).toEqual([])
  })

  it('takes a Bearer challenge with an error over the Basic one before it', () => {
    const answer = res(401, [
      ['WWW-Authenticate', 'Basic realm="a"'],
      ['WWW-Authenticate', 'Bearer realm="b", error="insufficient_scope", scope="x"'],
      ['WWW-Authenticate', 'Digest realm="c", nonce="n"'],
    ])
    const m = classifyResponse(answer, { request: bearer('t0k3n') }).meaning!
    expect(m).toMatch(/offers Basic, Bearer and Digest/)
    expect(m).toMatch(/the request's Bearer among them/)
    expect(m).toMatch(/Bearer challenge names an error \(Bearer error="insufficient_scope"/)
    expect(m).toMatch(/lacks the scope/)
    expect(m).not.toMatch(/another scheme does not satisfy/)
    // The same answer without the request: still the error, never "asks for Basic".
    expect(classifyResponse(answer).meaning).not.toMatch(/asks for Basic/)
  })

  it("says the scheme is not the problem when the request's is offered", () => {
    const answer = res(401, [['WWW-Authenticate', 'Basic realm="a", Bearer realm="b"']])
    const m = classifyResponse(answer, { request: bearer('t0k3n') }).meaning!
    expect(m).toMatch(/offers Basic and Bearer/)
    expect(m).toMatch(/scheme is not what it refused/)
    const basicOnly = classifyResponse(res(401, [['WWW-Authenticate', 'Basic realm="a"']]), {
      request: bearer('t0k3n'),
    }).meaning!
    expect(basicOnly).toMatch(
      /asks for Basic credentials \(Basic realm="a"\): a credential of another scheme/,
    )
    const none = classifyResponse(
      res(401, [['WWW-Authenticate', 'Basic realm="a", Digest realm="c"']]),
      {
        request: bearer('t0k3n'),
      },
    ).meaning!
    expect(none).toMatch(/The request sent Bearer, none of them/)
  })
})

describe('parseChallenges on odd input', () => {
  it('keeps parameters named like Object members as parameters', () => {
    const [c] = parseChallenges(['Bearer constructor="x", __proto__="y", toString=z'])
    expect(c!.params.constructor).toBe('x')
    expect(Object.entries(c!.params)).toContainEqual(['__proto__', 'y'])
    expect(c!.params.tostring).toBe('z')
  })

  it('keeps at most 16 challenges and scans the rest in linear time', () => {
    const many = parseChallenges([Array.from({ length: 50_000 }, (_, i) => `S${i}`).join(', ')])
    expect(many.length).toBe(16)
  })
})
