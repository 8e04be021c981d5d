/**
 * What the answer says for itself: the reason a receiver states (error_description, the
 * words of a known token verifier), a refusal sent with 200, what a platform's front end
 * means, and wording that must fit the cause (Cloudflare 1010, Make's 401 note).
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Header, HttpRequest, HttpResponse } from '../message/types.js'
import { diagnose } from './index.js'
import { detectOrigin } from './origin.js'

const NOW = 1_767_225_600
const TOKEN = 'wh_live_7Kp2Qx9LmN4vR8sT'
// A JWT-shaped test value (not signed by anything real).
const JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYWtlIiwiYXVkIjoiYXBpOi8vb3JkZXJzIn0.c2lnbmF0dXJlLW5vdC1yZWFs'

const post = (headers: Header[], host = 'hooks.example.org'): HttpRequest => ({
  method: 'POST',
  url: '/hooks/orders',
  headers: [['Host', host], ...headers],
  body: Buffer.from('{"event":"order.created"}'),
})
const res = (status: number, headers: Header[], body = ''): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
})
const bearer = (t: string): Header => ['Authorization', `Bearer ${t}`]

async function run(request: HttpRequest, response: HttpResponse, sender?: 'make') {
  const d = await diagnose(request, { now: NOW, response, ...(sender ? { sender } : {}) })
  const out = JSON.stringify(d)
  expect(out).not.toContain(TOKEN)
  expect(out).not.toContain(JWT)
  return d
}

const challenge = (description: string): Header => [
  'WWW-Authenticate',
  `Bearer error="invalid_token", error_description="${description.replace(/"/g, '\\"')}"`,
]

describe("the receiver's stated reason is the cause (confidence ≥ 0.8)", () => {
  const table: [string, string][] = [
    ['The signature key was not found', 'jwt_unknown_kid'],
    ["The audience 'api://orders' is invalid", 'jwt_wrong_audience'],
    ["The issuer 'https://login.example.com/' is invalid", 'jwt_wrong_issuer'],
    ["The token expired at '01/01/2026 00:00:00'", 'jwt_expired'],
    ['IDX10223: Lifetime validation failed. The token is expired.', 'jwt_expired'],
    ["Unexpected 'aud' value", 'jwt_wrong_audience'],
    ["Unexpected 'iss' value", 'jwt_wrong_issuer'],
    ['"exp" claim timestamp check failed', 'jwt_expired'],
    ['"nbf" claim timestamp check failed', 'jwt_not_yet_valid'],
    ["Unexpected 'alg' value", 'jwt_alg_not_allowed'],
    ['signature verification failed', 'jwt_signature_invalid'],
    ['Invalid Compact JWS', 'jwt_malformed'],
    ['JWSError JWSInvalidSignature', 'jwt_signature_invalid'],
    ['JWT expired', 'jwt_expired'],
  ]
  for (const [said, code] of table)
    it(`${said} → ${code}`, async () => {
      const d = await run(post([bearer(JWT)]), res(401, [challenge(said)]))
      expect(d.causes[0]).toMatchObject({ code })
      expect(d.causes[0]!.confidence).toBeGreaterThanOrEqual(0.8)
      expect(d.causes[0]!.summary).toContain(said.slice(0, 20))
    })

  it("PostgREST's body words count too (PGRST303 JWT expired)", async () => {
    const d = await run(
      post([bearer(JWT)]),
      res(
        401,
        [['Content-Type', 'application/json']],
        '{"code":"PGRST303","details":null,"hint":null,"message":"JWT expired"}',
      ),
    )
    expect(d.origin.product).toBe('postgrest')
    expect(d.causes[0]).toMatchObject({ code: 'jwt_expired' })
  })

  it('"Invalid signature" of a webhook receiver is not a JWT signature when no JWT was sent', async () => {
    const d = await run(
      post([['X-Signature', 'sha256=00ff']]),
      res(401, [['Content-Type', 'application/json']], '{"error":"Invalid signature"}'),
    )
    expect(d.causes.map((c) => c.code)).not.toContain('jwt_signature_invalid')
  })
})

describe('a refusal sent with status 200 is a cause, not "nothing wrong"', () => {
  it('Hasura: {"errors": [invalid-jwt]} with 200 → the stated JWT reason', async () => {
    const d = await run(
      post([bearer(JWT)], 'graphql.example.org'),
      res(
        200,
        [['Content-Type', 'application/json']],
        '{"errors":[{"extensions":{"path":"$","code":"invalid-jwt"},"message":"Could not verify JWT: JWTExpired"}]}',
      ),
    )
    expect(d.origin.product).toBe('hasura')
    expect(d.response?.class).toBe('success')
    expect(d.response?.meaning).toMatch(/not delivered|refus/i)
    expect(d.causes[0]).toMatchObject({ code: 'jwt_expired' })
  })

  it('F5 BIG-IP ASM block page with 200 → ip_not_allowed-style block with the support ID', async () => {
    const d = await run(
      post([bearer(TOKEN)]),
      res(
        200,
        [['Content-Type', 'text/html']],
        '<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please consult with your administrator.<br><br>Your support ID is: 4045204596866416688</body></html>',
      ),
    )
    expect(d.origin).toMatchObject({ layer: 'gateway', product: 'f5-big-ip' })
    expect(d.causes[0]).toMatchObject({ code: 'ip_not_allowed' })
    expect(d.causes[0]!.fix).toMatch(/support ID 4045204596866416688/)
    expect(d.causes[0]!.fix).toMatch(/not delivered/)
  })

  it('a plain 200 is still nothing wrong', async () => {
    const d = await run(post([bearer(TOKEN)]), res(200, [], '{"ok":true,"data":{}}'))
    expect(d.causes).toEqual([])
  })
})

describe('what a platform front end means', () => {
  it('a Lambda function URL is not API Gateway; AWS_IAM wants SigV4', async () => {
    const d = await run(
      post([bearer(TOKEN)], 'abc123.lambda-url.eu-west-1.on.aws'),
      res(
        403,
        [
          ['x-amzn-RequestId', '5b1d7c2e'],
          ['x-amzn-ErrorType', 'AccessDeniedException'],
        ],
        '{"Message":"Forbidden"}',
      ),
    )
    expect(d.origin.product).toBe('aws-lambda-url')
    expect(d.causes[0]).toMatchObject({ code: 'scheme_mismatch' })
    expect(d.causes[0]!.fix).toMatch(/Signature Version 4.*auth type to NONE/)
  })

  it('Easy Auth is named, not IIS, and the fix asks for an Entra ID token', async () => {
    const d = await run(
      post([bearer(TOKEN)], 'acme.azurewebsites.net'),
      res(
        401,
        [
          [
            'WWW-Authenticate',
            'Bearer realm="acme.azurewebsites.net" authorization_uri="https://login.windows.net/tenant/oauth2/authorize"',
          ],
        ],
        'You do not have permission to view this directory or page.',
      ),
    )
    expect(d.origin).toMatchObject({ layer: 'gateway', product: 'azure-app-service-auth' })
    expect(d.causes[0]!.fix).toMatch(/Entra ID access token/)
  })

  it('API Gateway IncompleteSignatureException is its "no such resource" answer, not a scope', async () => {
    const d = await run(
      post([bearer(TOKEN)]),
      res(
        403,
        [
          ['x-amzn-RequestId', '0c9e8d7f'],
          ['x-amzn-ErrorType', 'IncompleteSignatureException'],
        ],
        `{"message":"'${TOKEN}' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer ${TOKEN}'."}`,
      ),
    )
    expect(d.causes[0]).toMatchObject({ code: 'route_not_found' })
    expect(d.causes.map((c) => c.code)).toContain('scheme_mismatch')
    expect(d.causes.map((c) => c.code)).not.toContain('insufficient_scope')
  })

  it("an unknown JSON answer with a Gravitee mark is unknown, not the application's", () => {
    const o = detectOrigin(
      res(401, [['X-Gravitee-Transaction-Id', 'abc']], '{"error":"nope"}'),
      post([bearer(TOKEN)]),
    )
    expect(o.layer).toBe('unknown')
  })
})

describe('wording fits the cause', () => {
  it('Cloudflare 1010 is Browser Integrity Check: no IP allow-list in the fix', async () => {
    const d = await run(
      post([bearer(TOKEN)]),
      res(
        403,
        [
          ['Server', 'cloudflare'],
          ['CF-RAY', '8f3a1c2b9d4e7f63-FRA'],
        ],
        '<title>Access denied | x used Cloudflare to restrict access</title><span data-translate="error">Error</span><span>1010</span><p>The owner of this website has banned your access based on your browser\'s signature (8f3a-ua48).</p>',
      ),
    )
    expect(d.causes[0]).toMatchObject({ code: 'ip_not_allowed' })
    expect(d.causes[0]!.fix).toMatch(/Browser Integrity Check/)
    expect(d.causes[0]!.fix).not.toMatch(/^Ask the receiver's owner to allow-list/)
  })

  it("Make's 401 note goes with a 401 only", async () => {
    const r401 = await run(post([bearer(TOKEN)]), res(401, [challenge('token unknown')]), 'make')
    expect(r401.causes[0]!.fix).toMatch(/Evaluate all states as errors/)
    const r403 = await run(
      post([bearer(TOKEN)]),
      res(403, [['WWW-Authenticate', 'Bearer error="insufficient_scope"']]),
      'make',
    )
    expect(r403.causes[0]!.fix).not.toMatch(/Evaluate all states as errors/)
    const r500 = await run(post([bearer(TOKEN)]), res(500, [['X-Powered-By', 'Express']]), 'make')
    expect(r500.causes[0]!.fix).not.toMatch(/Evaluate all states as errors/)
  })
})
