/**
 * What a gateway's own answer says about the cause: a redirect followed before it, API
 * Gateway's "Missing Authentication Token", a credential under a name the gateway does not
 * read, an edge WAF's block page.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { parseResponse } from '../message/parse.js'
import type { Header, HttpRequest, HttpResponse } from '../message/types.js'
import { diagnose } from './index.js'
import { challengeSchemes } from './response-causes.js'

const NOW = 1_767_225_600
const TOKEN = 'wh_live_7Kp2Qx9LmN4vR8sT'

const post = (headers: Header[], url = '/hooks/orders', method = 'POST'): HttpRequest => ({
  method,
  url,
  headers: [['Host', 'hooks.example.org'], ...headers],
  body: Buffer.from('{"event":"order.created"}'),
})
const res = (status: number, headers: Header[], body = ''): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
})
const bearer: Header = ['Authorization', `Bearer ${TOKEN}`]

async function causes(request: HttpRequest, response: HttpResponse) {
  const d = await diagnose(request, { now: NOW, response })
  expect(JSON.stringify(d)).not.toContain(TOKEN)
  return d
}

describe('a redirect followed before the final answer (curl -i -L)', () => {
  const chain = (final: string) =>
    parseResponse(
      Buffer.from(
        `HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nLocation: https://hooks.example.org/hooks/orders\r\nContent-Length: 5\r\n\r\nmovedHTTP/2 ${final}`,
      ),
    )

  it('http → https lost the Authorization header: the final 401 answered a request without it', async () => {
    const d = await causes(
      post([bearer]),
      chain(
        '401\r\nx-amzn-errortype: UnauthorizedException\r\nx-amzn-requestid: 5f0e\r\n\r\n{"message":"Unauthorized"}',
      ),
    )
    expect(d.origin.product).toBe('aws-api-gateway')
    expect(d.response).toMatchObject({ status: 401, class: 'authentication' })
    expect(d.causes[0]).toMatchObject({ code: 'credentials_missing' })
    expect(d.causes[0]!.summary).toMatch(/301 redirect from http to https/)
    expect(d.causes[0]!.fix).toContain('https://hooks.example.org/hooks/orders')
    // …and the 301 turned the POST into a GET.
    expect(d.causes.map((c) => c.code)).toContain('method_not_allowed')
    expect(d.origin.evidence.join(' ')).toMatch(/followed a 301 redirect/)
  })

  it('a 405 after a 301: the redirect turned the POST into a GET', async () => {
    const d = await causes(post([bearer]), chain('405\r\nallow: POST\r\n\r\n'))
    expect(d.causes[0]).toMatchObject({ code: 'method_not_allowed' })
    expect(d.causes[0]!.summary).toMatch(/resends a POST as a GET/)
  })
})

describe('AWS API Gateway: "Missing Authentication Token" is a missing resource or method', () => {
  const missingToken = res(
    403,
    [
      ['Content-Type', 'application/json'],
      ['x-amzn-RequestId', '1ee18fc5-78aa-4bcf-bb42-52977beb94e4'],
      ['x-amzn-ErrorType', 'MissingAuthenticationTokenException'],
    ],
    '{\n  "message": "Missing Authentication Token"\n}',
  )

  it('a POST to a path no resource defines: route_not_found, the fix names the stage prefix', async () => {
    const d = await causes(post([bearer], '/prod/hooks/order'), missingToken)
    expect(d.response?.class).toBe('authorization')
    expect(d.causes[0]).toMatchObject({ code: 'route_not_found' })
    expect(d.causes[0]!.fix).toMatch(/\/prod here/)
    expect(d.causes[0]!.fix).toMatch(/deploy/)
    expect(d.causes.map((c) => c.code)).not.toContain('insufficient_scope')
  })

  it('a GET where webhooks are POSTed: method_not_allowed first', async () => {
    const d = await causes(post([bearer], '/prod/hooks/orders', 'GET'), missingToken)
    expect(d.causes.slice(0, 2).map((c) => c.code)).toEqual([
      'method_not_allowed',
      'route_not_found',
    ])
  })

  it('without any Authorization, a missing SigV4 signature (AWS_IAM) is named too, below', async () => {
    const d = await causes(post([], '/prod/hooks/order'), missingToken)
    expect(d.causes[0]?.code).toBe('route_not_found')
    const missing = d.causes.find((c) => c.code === 'credentials_missing')
    expect(missing?.evidence.join(' ')).toMatch(/SigV4/)
  })
})

describe('the gateway found no credential, yet the request carries one under another name', () => {
  const kong = res(
    401,
    [
      ['WWW-Authenticate', 'Key realm="kong"'],
      ['X-Kong-Response-Latency', '1'],
      ['Server', 'kong/3.6.1'],
    ],
    '{"message":"No API key found in request"}',
  )

  it('Kong key-auth: a Bearer token where it reads apikey', async () => {
    const d = await causes(post([bearer]), kong)
    expect(d.causes[0]).toMatchObject({ code: 'header_name_wrong' })
    expect(d.causes[0]!.fix).toContain('`apikey: <key>`')
    expect(d.causes[0]!.fix).toMatch(/without "Bearer "/)
    expect(d.causes.map((c) => c.code)).not.toContain('credential_unknown')
  })

  it('no credential at all: credentials_missing, not a header name', async () => {
    const d = await causes(post([]), kong)
    expect(d.causes[0]?.code).toBe('credentials_missing')
    expect(d.causes.map((c) => c.code)).not.toContain('header_name_wrong')
  })

  it('the key sent as apikey and still not found: not a header name (stripped on the way)', async () => {
    const d = await causes(post([['apikey', TOKEN]]), kong)
    expect(d.causes.map((c) => c.code)).not.toContain('header_name_wrong')
  })

  it('Azure APIM: the header its WWW-Authenticate names', async () => {
    const d = await causes(
      post([bearer]),
      res(
        401,
        [
          [
            'WWW-Authenticate',
            'AzureApiManagementKey realm="https://contoso.azure-api.net/orders",name="Ocp-Apim-Subscription-Key",type="header"',
          ],
        ],
        '{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API." }',
      ),
    )
    expect(d.causes[0]).toMatchObject({ code: 'header_name_wrong' })
    expect(d.causes[0]!.fix).toContain('Ocp-Apim-Subscription-Key: <subscription key>')
  })

  it('Envoy / ESPv2 "Jwt is missing" with the JWT in X-Auth-Token: Authorization: Bearer', async () => {
    const d = await causes(
      post([['X-Auth-Token', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln']]),
      res(401, [['server', 'envoy']], 'Jwt is missing'),
    )
    expect(d.causes[0]).toMatchObject({ code: 'header_name_wrong' })
    expect(d.causes[0]!.fix).toContain('Authorization: Bearer <JWT>')
  })

  it('Tyk "Authorization field missing" with the key in X-Api-Key', async () => {
    const d = await causes(
      post([['X-Api-Key', TOKEN]]),
      res(401, [['X-Generator', 'tyk.io']], '{"error": "Authorization field missing"}'),
    )
    expect(d.causes[0]).toMatchObject({ code: 'header_name_wrong' })
    expect(d.causes[0]!.summary).toMatch(/^Tyk answered/)
  })
})

describe('an edge WAF block page is ip_not_allowed; a 403 about rights stays insufficient_scope', () => {
  it('Akamai "Access Denied": the reference is quoted in the fix', async () => {
    const d = await causes(
      post([bearer]),
      res(
        403,
        [['Server', 'AkamaiGHost']],
        '<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>\nYou don\'t have permission to access "http&#58;&#47;&#47;h&#47;x" on this server.<p>\nReference&#32;&#35;18&#46;4fef2e17&#46;1767225600&#46;12df5901\n</p></body></html>',
      ),
    )
    expect(d.causes[0]).toMatchObject({ code: 'ip_not_allowed', confidence: 0.8 })
    expect(d.causes[0]!.summary).toMatch(/^Akamai refused the request/)
    expect(d.causes[0]!.fix).toMatch(/allow-list the sender's IP addresses in Akamai/)
    expect(d.causes[0]!.fix).toContain('Reference #18.4fef2e17.1767225600.12df5901')
  })

  it('ALB, Azure Front Door, CloudFront, HAProxy deny and Envoy/Istio RBAC pages, like Cloudflare 1020', async () => {
    const pages: [HttpResponse, RegExp][] = [
      [
        res(
          403,
          [['Server', 'awselb/2.0']],
          '<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center></body></html>',
        ),
        /AWS WAF web ACL/,
      ],
      [
        res(
          403,
          [
            ['x-azure-ref', '20260101T000000Z-17c5'],
            ['x-cache', 'CONFIG_NOCACHE'],
          ],
          '<html><body><h2>The request is blocked.</h2></body></html>',
        ),
        /^Azure Front Door refused/,
      ],
      [
        res(
          403,
          [
            ['Server', 'CloudFront'],
            ['x-amz-cf-id', 'LKv1nZoEB-d7dw=='],
          ],
          '<H2>The request could not be satisfied.</H2>\nRequest blocked.\n<PRE>\nGenerated by cloudfront (CloudFront)\n</PRE>',
        ),
        /^CloudFront refused/,
      ],
      [
        res(
          403,
          [
            ['Server', 'cloudflare'],
            ['CF-RAY', '8f3a1c2b4d5e6f74-FRA'],
          ],
          'error code: 1020',
        ),
        /^Cloudflare refused/,
      ],
      [
        res(
          403,
          [['Content-Type', 'text/html']],
          '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n',
        ),
        /^HAProxy refused .*http-request deny rule/,
      ],
      [
        res(
          403,
          [
            ['server', 'envoy'],
            ['content-type', 'text/plain'],
          ],
          'RBAC: access denied',
        ),
        /^Envoy refused .*RBAC policy/,
      ],
      [
        res(
          403,
          [
            ['server', 'istio-envoy'],
            ['x-request-id', '1c9b0f0e-7d1e-4c55-9a62-0d5f0a3e9b11'],
          ],
          'RBAC: access denied',
        ),
        /^Istio refused .*AuthorizationPolicy/,
      ],
    ]
    for (const [response, summary] of pages) {
      const d = await causes(post([bearer]), response)
      expect(d.causes[0]?.code, d.origin.product ?? '').toBe('ip_not_allowed')
      expect(d.causes[0]!.summary).toMatch(summary)
    }
  })

  it("CloudFront's 403 for a POST its cache behaviour does not allow is the method", async () => {
    const d = await causes(
      post([bearer]),
      res(
        403,
        [['Server', 'CloudFront']],
        '<H2>The request could not be satisfied.</H2>\nThis distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.\nGenerated by cloudfront (CloudFront)',
      ),
    )
    expect(d.causes[0]?.code).toBe('method_not_allowed')
  })

  it("an app's 403 about the credential's rights stays insufficient_scope", async () => {
    const d = await causes(
      post([bearer]),
      res(
        403,
        [['WWW-Authenticate', 'Bearer error="insufficient_scope", scope="webhooks:write"']],
        '{"error":"insufficient_scope"}',
      ),
    )
    expect(d.causes[0]).toMatchObject({ code: 'insufficient_scope' })
  })
})

describe('a 5xx that a proxy or gateway wrote: the application behind it is down or slow', () => {
  it('nginx 502: upstream_unavailable, the fix names the app, its port and timeouts', async () => {
    const d = await causes(
      post([bearer]),
      res(
        502,
        [['Server', 'nginx/1.24.0']],
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.24.0</center></body></html>',
      ),
    )
    expect(d.response?.class).toBe('server_error')
    expect(d.causes[0]).toMatchObject({ code: 'upstream_unavailable', confidence: 0.8 })
    expect(d.causes[0]!.summary).toMatch(/^nginx answered 502: it could not connect/i)
    expect(d.causes[0]!.fix).toMatch(/running.*host and port.*timeouts/)
  })

  it("a timeout in the hop's words is a timeout, whatever the status", async () => {
    const r = res(
      503,
      [
        ['Server', 'Varnish'],
        ['X-Served-By', 'cache-fra-eddf8230080-FRA'],
      ],
      '<h1>Error 503 first byte timeout</h1><p>Varnish cache server</p>',
    )
    r.statusText = 'first byte timeout'
    const d = await causes(post([bearer]), r)
    expect(d.origin.product).toBe('fastly')
    expect(d.causes[0]!.summary).toMatch(/^Fastly answered 503 "first byte timeout": it waited/)
  })

  it("a plain Varnish's 503 Backend fetch failed names Varnish, not Fastly", async () => {
    const d = await causes(
      post([bearer]),
      res(
        503,
        [
          ['Server', 'Varnish'],
          ['Via', '1.1 varnish (Varnish/7.4)'],
        ],
        '<h1>Error 503 Backend fetch failed</h1>\n<p>Backend fetch failed</p>\n<h3>Guru Meditation:</h3>\n<p>XID: 98306</p>\n<hr>\n<p>Varnish cache server</p>',
      ),
    )
    expect(d.origin).toMatchObject({ layer: 'proxy', product: 'varnish' })
    expect(d.causes[0]).toMatchObject({ code: 'upstream_unavailable' })
    expect(d.causes[0]!.summary).toMatch(/^Varnish answered 503/)
    expect(JSON.stringify(d.origin)).not.toMatch(/fastly/)
  })

  it("an application's own 503 or 500 is not a hop's: server_error, never nothing wrong", async () => {
    const d = await causes(
      post([bearer]),
      res(503, [['Content-Type', 'application/json']], '{"error":"maintenance"}'),
    )
    expect(d.causes.map((c) => c.code)).not.toContain('upstream_unavailable')
    expect(d.causes[0]).toMatchObject({ code: 'server_error' })
    expect(d.causes[0]!.summary).toMatch(/maintenance, overload/)
    const e = await causes(post([bearer]), res(500, [['Server', 'nginx']], ''))
    expect(e.causes.map((c) => c.code)).not.toContain('upstream_unavailable')
    expect(e.causes[0]).toMatchObject({ code: 'server_error', confidence: 0.6 })
    expect(e.causes[0]!.fix).toMatch(/logs/)
  })

  it('a 503 that nothing traces to a hop is still a cause: upstream_unavailable, less sure', async () => {
    const d = await causes(post([bearer]), res(503, [['Retry-After', '30']], 'Service Unavailable'))
    expect(d.causes[0]).toMatchObject({ code: 'upstream_unavailable', confidence: 0.5 })
    expect(d.causes[0]!.fix).toMatch(/Retry-After: 30/)
  })
})

describe("n8n's 404 for a webhook that is not registered", () => {
  it('the fix says to activate the workflow', async () => {
    const d = await causes(
      post([bearer], '/webhook/orders'),
      res(
        404,
        [['Content-Type', 'application/json']],
        JSON.stringify({
          code: 404,
          message: 'The requested webhook "POST orders" is not registered.',
          hint: 'The workflow must be active for a production URL to run successfully.',
        }),
      ),
    )
    expect(d.origin.product).toBe('n8n')
    expect(d.causes[0]).toMatchObject({ code: 'route_not_found' })
    expect(d.causes[0]!.fix).toMatch(/Activate the n8n workflow/)
  })
})

describe('a 401 offering several schemes', () => {
  it('reads every challenge, in one header or several: the request’s own scheme is no mismatch', async () => {
    expect(
      challengeSchemes(['Basic realm="api", Bearer realm="api", error="invalid_token"']),
    ).toEqual(['basic', 'bearer'])
    expect(challengeSchemes(['Basic realm="a"', 'Bearer error="invalid_token"'])).toEqual([
      'basic',
      'bearer',
    ])
    for (const headers of [
      [['WWW-Authenticate', 'Basic realm="api", Bearer realm="api", error="invalid_token"']],
      [
        ['WWW-Authenticate', 'Basic realm="api"'],
        ['WWW-Authenticate', 'Bearer realm="api", error="invalid_token"'],
      ],
    ] as Header[][]) {
      const d = await causes(post([bearer]), res(401, headers, ''))
      expect(d.causes.map((c) => c.code)).not.toContain('scheme_mismatch')
    }
    // Basic alone, to a Bearer request: that hop wants its own credentials.
    const basic = await causes(post([bearer]), res(401, [['WWW-Authenticate', 'Basic realm="x"']]))
    expect(basic.causes.map((c) => c.code)).toContain('scheme_mismatch')
  })
})
