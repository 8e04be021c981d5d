/**
 * examples/demo.yaml, served as `npm start` serves it: every demo endpoint accepts a request
 * signed the way its scheme says (real signer libraries as oracles) and refuses a broken one.
 * Also: HOOKWARDEN_REDIS_URL shares replay nonces between two gateways.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fingerprint } from '@hookwarden/core'
import { sign as githubSign } from '@octokit/webhooks-methods'
import { importJWK, SignJWT } from 'jose'
import { Webhook } from 'standardwebhooks'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningGateway, start } from '../../src/start.js'

const DEMO = new URL('../../../../examples/demo.yaml', import.meta.url).pathname
const PRIVATE_JWK = JSON.parse(
  readFileSync(
    new URL('../../../../examples/demo-keys/jwt-private.jwk.json', import.meta.url),
    'utf8',
  ),
)
const dir = mkdtempSync(join(tmpdir(), 'hw-demo-'))
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() })
const boot = (dataDir: string, env: Record<string, string> = {}) =>
  start({
    configFile: DEMO,
    port: 0,
    dataDir,
    env,
    print: () => {},
    handleSignals: false,
    logDestination: quiet(),
    webDist: null,
  })

let gw: RunningGateway
beforeAll(async () => {
  gw = await boot(join(dir, 'a'))
})
afterAll(async () => {
  await gw.close()
  rmSync(dir, { recursive: true, force: true })
})

async function post(path: string, headers: Record<string, string>, body: string, base = gw.url) {
  const res = await request(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  const text = await res.body.text()
  return {
    status: res.statusCode,
    reason: res.statusCode === 200 ? null : (JSON.parse(text) as { reason?: string }).reason,
  }
}

const body = '{"event":"order.created","id":42}'
const now = () => Math.floor(Date.now() / 1000)

describe('the demo config', () => {
  it('bearer', async () => {
    expect(
      (await post('/hooks/bearer', { authorization: 'Bearer demo-bearer-token-3f9a1c' }, body))
        .status,
    ).toBe(200)
    expect(
      await post('/hooks/bearer', { authorization: 'demo-bearer-token-3f9a1c' }, body),
    ).toEqual({ status: 401, reason: 'scheme_prefix_missing' })
  })

  it('api_key', async () => {
    expect(
      (await post('/hooks/api-key', { 'x-api-key': 'demo-api-key-7c2e90' }, body)).status,
    ).toBe(200)
    expect((await post('/hooks/api-key', { 'x-api-key': 'wrong-key' }, body)).status).toBe(401)
  })

  it('basic', async () => {
    const good = Buffer.from('make:demo-basic-password-51d').toString('base64')
    expect((await post('/hooks/basic', { authorization: `Basic ${good}` }, body)).status).toBe(200)
    expect(
      (await post('/hooks/basic', { authorization: 'Basic make:demo-basic-password-51d' }, body))
        .status,
    ).toBe(401)
  })

  it('hmac over {timestamp}.{body}', async () => {
    const ts = String(now())
    const sig = createHmac('sha256', 'demo-hmac-secret-a41b').update(`${ts}.${body}`).digest('hex')
    expect(
      (await post('/hooks/hmac', { 'x-signature': `sha256=${sig}`, 'x-timestamp': ts }, body))
        .status,
    ).toBe(200)
    // explain: full on this endpoint: the refusal names the cause.
    const bodyOnly = createHmac('sha256', 'demo-hmac-secret-a41b').update(body).digest('hex')
    const r = await post(
      '/hooks/hmac',
      { 'x-signature': `sha256=${bodyOnly}`, 'x-timestamp': ts },
      body,
    )
    expect(r.status).toBe(401)
    expect(r.reason).not.toBe('invalid_credentials')
  })

  it('standard_webhooks (standardwebhooks library as the signer)', async () => {
    const wh = new Webhook('whsec_8IXGgCsnMUhTMLvPNgW0zv+dJvsmQi7o')
    const id = `msg_${randomUUID()}`
    const ts = new Date()
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': wh.sign(id, ts, body),
    }
    expect((await post('/hooks/standard', headers, body)).status).toBe(200)
    expect(await post('/hooks/standard', headers, body)).toMatchObject({
      status: 401,
      reason: 'replay_detected',
    })
  })

  it('jwt with the inline JWKS (jose signs with the demo private key); a missing scope is 403', async () => {
    const key = await importJWK(PRIVATE_JWK, 'ES256')
    const make = (scope: string) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'ES256', kid: 'demo-2026' })
        .setIssuer('https://issuer.demo.hookwarden.dev')
        .setAudience('webhooks')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key)
    expect(
      (await post('/hooks/jwt', { authorization: `Bearer ${await make('webhooks:write')}` }, body))
        .status,
    ).toBe(200)
    const forbidden = await request(`${gw.url}/hooks/jwt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await make('webhooks:read')}` },
      body,
    })
    expect(forbidden.statusCode).toBe(403)
    expect(forbidden.headers['content-type']).toBe('application/problem+json')
    expect(String(forbidden.headers['www-authenticate'])).toMatch(/error="insufficient_scope"/)
    expect(String(forbidden.headers['www-authenticate'])).toMatch(/scope="webhooks:write"/)
    expect(((await forbidden.body.json()) as { status: number }).status).toBe(403)
  })

  it('github provider preset (@octokit/webhooks-methods as the signer)', async () => {
    const sig = await githubSign('demo-github-secret-9e77', body)
    expect(
      (
        await post(
          '/hooks/github',
          {
            'x-hub-signature-256': sig,
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
          },
          body,
        )
      ).status,
    ).toBe(200)
    expect(
      (
        await post(
          '/hooks/github',
          {
            'x-hub-signature-256': sig,
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
          },
          `${body} `,
        )
      ).status,
    ).toBe(401)
  })
})

describe('scale-out', () => {
  it('two gateways sharing HOOKWARDEN_REDIS_URL accept a message once between them', async () => {
    const env = {
      HOOKWARDEN_REDIS_URL: 'redis://127.0.0.1:6379',
      HOOKWARDEN_ADMIN_TOKEN: 'scale-out-admin-token',
      HOOKWARDEN_FINGERPRINT_KEY: '00112233445566778899aabbccddeeff',
    }
    const a = await boot(join(dir, 'r1'), env)
    const b = await boot(join(dir, 'r2'), env)
    try {
      const wh = new Webhook('whsec_8IXGgCsnMUhTMLvPNgW0zv+dJvsmQi7o')
      const id = `msg_${randomUUID()}`
      const ts = new Date()
      const headers = {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
        'webhook-signature': wh.sign(id, ts, body),
      }
      const results = await Promise.all([
        post('/hooks/standard', headers, body, a.url),
        post('/hooks/standard', headers, body, b.url),
      ])
      expect(results.map((r) => r.status).sort()).toEqual([200, 401])
      expect(results.find((r) => r.status === 401)!.reason).toBe('replay_detected')
      // HOOKWARDEN_FINGERPRINT_KEY is the key (so instances sharing a database compare fingerprints).
      const expected = createHmac('sha256', Buffer.from('00112233445566778899aabbccddeeff', 'hex'))
        .update('probe')
        .digest('hex')
        .slice(0, 8)
      expect(fingerprint('probe')).toBe(`len=5 fp:${expected}`)
    } finally {
      await a.close()
      await b.close()
    }
  })
})
