/**
 * detectOrigin's precedence rules and fallbacks, beyond the per-product fixtures.
 * @module
 */
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Header, HttpRequest, HttpResponse } from '../message/types.js'
import { detectOrigin } from './origin.js'
import { classifyResponse } from './response-class.js'

const res = (status: number, headers: Header[], body = ''): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
})
const req = (url: string): HttpRequest => ({
  method: 'POST',
  url,
  headers: [],
  body: new Uint8Array(),
})

describe('detectOrigin', () => {
  it('CDN headers on a passed-through JSON answer do not make the CDN the answerer', () => {
    const o = detectOrigin(
      res(
        401,
        [
          ['Server', 'cloudflare'],
          ['CF-RAY', '8f3a-FRA'],
          ['Content-Type', 'application/json'],
        ],
        '{"error":"bad token"}',
      ),
    )
    expect(o.layer).toBe('application')
    expect(o.product).toBeNull()
    expect(o.evidence.join(' ')).toMatch(/passed through cloudflare/)
  })

  it("Cloudflare's own page wins even though it looks like nginx's", () => {
    const body =
      '<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n'
    const o = detectOrigin(
      res(
        403,
        [
          ['Server', 'cloudflare'],
          ['CF-RAY', '8f3a-FRA'],
        ],
        body,
      ),
    )
    expect(o).toMatchObject({ layer: 'gateway', product: 'cloudflare' })
  })

  it('Envoy passing an upstream answer is not Envoy answering', () => {
    const o = detectOrigin(
      res(
        401,
        [
          ['server', 'envoy'],
          ['x-envoy-upstream-service-time', '3'],
        ],
        '',
      ),
    )
    expect(o.product).not.toBe('envoy')
    const own = detectOrigin(res(403, [['server', 'envoy']], ''))
    expect(own).toMatchObject({ layer: 'gateway', product: 'envoy' })
  })

  it('Kong: x-kong-response-latency means Kong answered, upstream latency means it relayed', () => {
    expect(
      detectOrigin(
        res(
          401,
          [
            ['X-Kong-Response-Latency', '0'],
            ['Server', 'kong/3.9.0'],
          ],
          '{"message":"Unauthorized"}',
        ),
      ).product,
    ).toBe('kong')
    const relayed = detectOrigin(
      res(
        401,
        [
          ['X-Kong-Upstream-Latency', '5'],
          ['X-Kong-Proxy-Latency', '0'],
        ],
        '{"error":"nope"}',
      ),
    )
    expect(relayed.layer).toBe('application')
  })

  it('Azure Front Door: an empty 403 with x-azure-ref is its WAF; a JSON 403 behind it is the app', () => {
    const afd: Header[] = [
      ['x-azure-ref', '20260101T000000Z-abc'],
      ['X-Cache', 'CONFIG_NOCACHE'],
    ]
    expect(detectOrigin(res(403, afd, '')).product).toBe('azure-front-door')
    expect(detectOrigin(res(403, afd, '{"error":"forbidden"}')).layer).toBe('application')
  })

  it('reads a gzip-compressed body', () => {
    const body = gzipSync('{"message":"Authorization data is wrong!"}')
    const o = detectOrigin({ status: 403, headers: [['Content-Encoding', 'gzip']], body })
    expect(o.product).toBe('n8n')
  })

  it('a gzip bomb is not inflated past its cap', () => {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024))
    const o = detectOrigin({ status: 401, headers: [['Content-Encoding', 'gzip']], body: bomb })
    expect(o.layer).toBe('unknown')
  })

  it('a 407 is a forward proxy on the sender side', () => {
    const o = detectOrigin(
      res(
        407,
        [
          ['Server', 'squid/6.6'],
          ['Proxy-Authenticate', 'Basic realm="corp"'],
        ],
        '',
      ),
    )
    expect(o).toMatchObject({ layer: 'proxy', product: 'squid' })
  })

  it('uses the request host as evidence (Make rate limit)', () => {
    expect(
      detectOrigin(res(429, [], 'Too many requests'), req('https://hook.eu2.make.com/abc')).product,
    ).toBe('make')
    expect(detectOrigin(res(429, [], 'Too many requests')).product).toBeNull()
  })

  it("Netlify's plain-text 404 is Netlify's own answer", () => {
    const o = detectOrigin(
      res(
        404,
        [
          ['Server', 'Netlify'],
          ['X-Nf-Request-Id', '01JGX4M7Q9V2K8T3R6N1B5C0DZ'],
          ['Content-Type', 'text/plain; charset=utf-8'],
        ],
        'Not Found - Request ID: 01JGX4M7Q9V2K8T3R6N1B5C0DZ',
      ),
    )
    expect(o).toMatchObject({ layer: 'gateway', product: 'netlify' })
  })

  it("Varnish's synthetic error page is Fastly's when Fastly's headers ride on it", () => {
    const page =
      '<html><head><title>503 first byte timeout</title></head><body><h1>Error 503 first byte timeout</h1><h3>Guru Mediation:</h3><p>Details: cache-fra-1 1767225600 1</p><hr><p>Varnish cache server</p></body></html>'
    const fastly: Header[] = [
      ['Server', 'Varnish'],
      ['X-Served-By', 'cache-fra-eddf8230080-FRA'],
      ['X-Timer', 'S1767225600.123456,VS0,VE15002'],
    ]
    const o = detectOrigin(res(503, fastly, page))
    expect(o).toMatchObject({ layer: 'gateway', product: 'fastly' })
    expect(o.evidence[0]).toMatch(/Error 503 first byte timeout/)
  })

  it("a plain Varnish's own page (Guru Meditation, an XID) is varnish, not Fastly", () => {
    const page =
      '<!DOCTYPE html>\n<html>\n  <head>\n    <title>503 Backend fetch failed</title>\n  </head>\n  <body>\n    <h1>Error 503 Backend fetch failed</h1>\n    <p>Backend fetch failed</p>\n    <h3>Guru Meditation:</h3>\n    <p>XID: 32770</p>\n    <hr>\n    <p>Varnish cache server</p>\n  </body>\n</html>\n'
    const o = detectOrigin(
      res(
        503,
        [
          ['Server', 'Varnish'],
          ['X-Varnish', '32770'],
        ],
        page,
      ),
    )
    expect(o).toMatchObject({ layer: 'proxy', product: 'varnish' })
    expect(o.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/XID: 32770/)]))
  })

  it("Cloudflare's 52x: its own statuses and its plain-text error codes", () => {
    const cf: Header[] = [
      ['Server', 'cloudflare'],
      ['CF-RAY', '8f3a1c2b4d5e6f73-FRA'],
    ]
    expect(detectOrigin(res(520, cf, 'error code: 520')).product).toBe('cloudflare')
    expect(detectOrigin(res(522, cf, '')).product).toBe('cloudflare')
    // A 502 the origin wrote passes through Cloudflare: not Cloudflare's own.
    expect(detectOrigin(res(502, cf, '{"error":"upstream"}')).product).toBeNull()
  })

  it("n8n's unregistered webhook, whose JSON escapes the quotes around the name", () => {
    const body = JSON.stringify({
      code: 404,
      message: 'The requested webhook "POST orders" is not registered.',
      hint: 'The workflow must be active for a production URL to run successfully.',
    })
    const o = detectOrigin(res(404, [['Content-Type', 'application/json']], body))
    expect(o).toMatchObject({ layer: 'application', product: 'n8n' })
  })

  it('names the blocks before the final answer: an interim 100, a CONNECT, a redirect followed', () => {
    const final: HttpResponse = {
      ...res(401, [['X-Powered-By', 'Express']], 'Unauthorized'),
      earlier: [
        { status: 200, statusText: 'Connection established', headers: [] },
        {
          status: 301,
          statusText: 'Moved Permanently',
          headers: [['Location', 'https://hooks.example.org/hooks/orders']],
        },
        { status: 100, statusText: 'Continue', headers: [] },
      ],
    }
    const request: HttpRequest = {
      ...req('/hooks/orders'),
      headers: [['Host', 'hooks.example.org']],
    }
    const o = detectOrigin(final, request)
    expect(o.product).toBe('express')
    const said = o.evidence.join('\n')
    expect(said).toMatch(/200 Connection established came first: a forward proxy/)
    expect(said).toMatch(/100 Continue came first: an interim answer/)
    expect(said).toMatch(/followed a 301 redirect from http to https/)
  })

  it('says unknown when nothing tells, and never throws on odd input', () => {
    expect(detectOrigin(res(401, [], ''))).toMatchObject({ layer: 'unknown', product: null })
    expect(() =>
      detectOrigin({
        status: 500,
        headers: [['Content-Encoding', 'gzip']],
        body: Buffer.from([0x1f, 0x8b, 0, 1, 2]),
      }),
    ).not.toThrow()
  })

  it('never throws: random statuses, headers and bodies (fast-check)', () => {
    const header = fc.tuple(
      fc.constantFrom(
        'server',
        'www-authenticate',
        'content-type',
        'content-encoding',
        'cf-ray',
        'x-amzn-errortype',
        'location',
        'x-kong-response-latency',
        'set-cookie',
      ),
      fc.string({ maxLength: 60 }),
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.array(header, { maxLength: 6 }),
        fc.uint8Array({ maxLength: 400 }),
        (status, headers, body) => {
          const o = detectOrigin({ status, headers, body }, req('https://hook.eu1.make.com/x'))
          expect(['gateway', 'proxy', 'application', 'unknown']).toContain(o.layer)
          const c = classifyResponse({ status, headers, body })
          expect(c.meaning).toBeTruthy()
        },
      ),
      { numRuns: 300 },
    )
  })
})
