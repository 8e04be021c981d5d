/**
 * Hops that drop a credential on the way, named from the request and the answer.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Header, HttpRequest, HttpResponse } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { detectOrigin } from './origin.js'
import { credentialStrippingHints, echoedCredential } from './stripping.js'

const TOKEN = 'hw_live_8fJ2kQ9xT4mZ7vB1nC6dL3sR'
const req = (headers: Header[], url = '/hooks/orders'): HttpRequest => ({
  method: 'POST',
  url,
  headers: [['Host', 'hooks.example.org'], ...headers],
  body: new Uint8Array(),
})
const res = (status: number, headers: Header[] = [], body = ''): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
})
const hints = (rq: HttpRequest, rs: HttpResponse) =>
  credentialStrippingHints(rq, rs, detectOrigin(rs, rq))

describe('credentialStrippingHints', () => {
  it('Apache + PHP saying no Authorization arrived → CGIPassAuth', () => {
    const h = hints(
      req([['Authorization', `Bearer ${TOKEN}`]]),
      res(
        401,
        [
          ['Server', 'Apache/2.4.62'],
          ['X-Powered-By', 'PHP/8.3'],
        ],
        '{"error":"Missing Authorization header"}',
      ),
    )
    expect(h[0]).toMatchObject({ code: 'credentials_missing' })
    expect(h[0]!.confidence).toBeGreaterThanOrEqual(0.8)
    expect(h[0]!.fix).toMatch(/CGIPassAuth/)
    expect(h[0]!.fix).toMatch(/RewriteRule/)
  })

  it('a header name with underscores behind nginx → header_name_wrong, underscores_in_headers', () => {
    const h = hints(
      req([['api_key', TOKEN]]),
      res(
        401,
        [
          ['Server', 'nginx/1.24.0'],
          ['Content-Type', 'application/json'],
        ],
        '{"error":"missing api key"}',
      ),
    )
    expect(h[0]).toMatchObject({ code: 'header_name_wrong' })
    expect(h[0]!.fix).toMatch(/underscores_in_headers on/)
    expect(h[0]!.fix).toMatch(/api-key/)
  })

  it('a redirect drops Authorization: http→https and trailing slash', () => {
    const a = hints(
      req([['Authorization', `Bearer ${TOKEN}`]], 'http://hooks.example.org/hooks/orders'),
      res(301, [['Location', 'https://hooks.example.org/hooks/orders']]),
    )
    expect(a[0]!.summary).toMatch(/from http to https/)
    const b = hints(
      req([['Authorization', `Bearer ${TOKEN}`]]),
      res(308, [['Location', '/hooks/orders/']]),
    )
    expect(b[0]!.summary).toMatch(/trailing slash/)
    expect(b[0]!.fix).toMatch(/https:\/\/hooks\.example\.org\/hooks\/orders\//)
    // The same origin: Authorization goes along; what a 301/302 loses is the POST and its body.
    expect(b[0]!.summary).toMatch(/keeps the Authorization header \(same origin\)/)
    const c = hints(req([['Authorization', `Bearer ${TOKEN}`]]), res(302, [['Location', '/new']]))
    expect(c[0]!.summary).toMatch(/keeps the Authorization header.*turns the POST into a GET/)
    expect(a[0]!.summary).toMatch(/drops the Authorization header/)
  })

  it('no hint without a credential in the request, or when the answer says it was read', () => {
    expect(hints(req([]), res(401, [], 'missing authorization header'))).toEqual([])
    expect(
      hints(
        req([['Authorization', `Bearer ${TOKEN}`]]),
        res(
          401,
          [['WWW-Authenticate', 'Bearer error="invalid_token"']],
          '{"error":"invalid_token"}',
        ),
      ),
    ).toEqual([])
  })

  it('nginx\'s "401 Authorization Required" page is not "no credential arrived"', () => {
    const page =
      '<html><head><title>401 Authorization Required</title></head><body><center><h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>'
    expect(
      hints(
        req([['Authorization', `Bearer ${TOKEN}`]], 'http://hooks.example.org/hooks/orders'),
        res(
          401,
          [
            ['Server', 'nginx'],
            ['WWW-Authenticate', 'Basic realm="x"'],
          ],
          page,
        ),
      ),
    ).toEqual([])
  })

  it('never puts the secret in a hint', () => {
    const all = [
      ...hints(
        req([['Authorization', `Bearer ${TOKEN}`]], 'http://hooks.example.org/x'),
        res(401, [['Server', 'Apache']], 'Authorization header missing'),
      ),
      ...hints(
        req([['X_API_KEY', TOKEN]]),
        res(302, [['Location', 'https://hooks.example.org/x']]),
      ),
    ]
    expect(all.length).toBeGreaterThan(1)
    expect(JSON.stringify(all)).not.toContain(TOKEN)
    expect(JSON.stringify(all)).toMatch(/fp:[0-9a-f]{8}/)
  })
})

describe('a bare Bearer challenge from a server nothing names', () => {
  const sent = req([['Authorization', `Bearer ${TOKEN}`]])
  const bare = (body = '', headers: Header[] = [['WWW-Authenticate', 'Bearer']]) =>
    res(401, [...headers, ['Content-Type', 'application/json']], body)

  it('gives the Apache/PHP hint as the guess it is, with its confidence', () => {
    const h = hints(sent, bare())
    expect(h[0]).toMatchObject({ code: 'credentials_missing', confidence: 0.35 })
    expect(h[0]!.summary).toMatch(/this is a guess \(confidence 35%\)/)
  })

  it('drops it when the body quotes back the Authorization the application received', () => {
    const echo = JSON.stringify({ received: { authorization: `Bearer ${TOKEN}` } })
    expect(hints(sent, bare(echo))).toEqual([])
    // The token alone, or its fingerprint (the diagnosis reads a scrubbed answer), as much.
    expect(hints(sent, bare(JSON.stringify({ token: TOKEN })))).toEqual([])
    expect(echoedCredential(sent, bare(`{"got":"${fingerprint(TOKEN)}"}`))).toMatch(
      /body quotes back the Authorization sent \(Bearer len=32 fp:[0-9a-f]{8}\): it arrived/,
    )
    // A few letters of it are no echo.
    expect(hints(sent, bare('{"got":"Bearer hw_live"}'))[0]?.code).toBe('credentials_missing')
  })

  it('reads every challenge: a Bearer with an error among them says one came', () => {
    const several = bare('', [
      ['WWW-Authenticate', 'Bearer realm="a"'],
      ['WWW-Authenticate', 'Bearer error="invalid_token"'],
    ])
    expect(hints(sent, several)).toEqual([])
    expect(hints(sent, bare('', [['WWW-Authenticate', 'Basic realm="x", Bearer']]))[0]?.code).toBe(
      'credentials_missing',
    )
  })
})
