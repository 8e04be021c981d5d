/**
 * Secret hygiene (security T-SEC-1, scaled down): canary secrets configured for every scheme
 * and sent in headers, query, cookies and bodies, valid and invalid, through every route;
 * then no canary — raw, base64, base64url, hex, percent- or JSON-encoded, or any 12-character
 * piece of it — appears in the SQLite files (main, -wal, -shm), the log lines, /metrics, any
 * API answer, the events stream or the banner.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { start } from '../../src/start.js'
import { eventually } from './helpers.js'

const canary = (tag: string) => `CANARY${tag}${randomBytes(12).toString('hex')}`
const C = {
  bearer: canary('bearer'),
  apiKey: canary('apikey'),
  queryKey: canary('qkey'),
  basic: canary('basic'),
  hmac: canary('hmac'),
  swRaw: canary('sw'),
  jwt: canary('jwt'),
  admin: canary('admin'),
  stray: canary('stray'),
  stored: canary('stored'),
  pasted: canary('pasted'),
}
const WHSEC = `whsec_${Buffer.from(C.swRaw).toString('base64')}`

const dir = mkdtempSync(join(tmpdir(), 'hw-secrets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url')
function jwtHs256(secret: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64url(JSON.stringify(claims))
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`
}

/** Every form a leak could take. */
function forms(secret: string): string[] {
  const out = new Set<string>([
    secret,
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    b64url(secret),
    Buffer.from(secret).toString('hex'),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ])
  for (let i = 0; i + 12 <= secret.length; i += 3) out.add(secret.slice(i, i + 12))
  return [...out]
}

describe('no secret in any record, log line, metric or API answer', () => {
  it('holds for canaries of every scheme sent every way', async () => {
    const configFile = join(dir, 'hookwarden.yaml')
    writeFileSync(
      configFile,
      `
admin: { token: "${C.admin}" }
endpoints:
  - name: bearer
    path: /b
    auth: { scheme: bearer, tokens: ["${C.bearer}"] }
  - name: apikey
    path: /k
    auth: { scheme: api_key, header: X-API-Key, keys: ["${C.apiKey}"] }
  - name: querykey
    path: /q
    auth: { scheme: api_key, query: token, keys: ["${C.queryKey}"] }
  - name: basic
    path: /basic
    auth: { scheme: basic, users: [{ username: make, password: "${C.basic}" }] }
  - name: hmac
    path: /h
    auth: { scheme: hmac, header: X-Signature, algorithm: sha256, encoding: hex, secrets: ["${C.hmac}"] }
  - name: sw
    path: /sw
    auth: { scheme: standard_webhooks, secrets: ["${WHSEC}"] }
  - name: stored
    path: /stored
    store_body: true
    auth: { scheme: bearer, tokens: ["${C.stored}"] }
  - name: jwt
    path: /jwt
    auth: { scheme: jwt, algorithms: [HS256], secret: "${C.jwt}", issuer: iss, audience: aud }
`,
    )
    const logs: string[] = []
    const logDestination = new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk))
        cb()
      },
    })
    const dataDir = join(dir, 'data')
    const gw = await start({
      configFile,
      port: 0,
      dataDir,
      env: {},
      handleSignals: false,
      logDestination,
      print: () => {},
      webDist: null,
    })
    const answers: string[] = [gw.banner]
    const events: string[] = []
    const admin = { authorization: `Bearer ${C.admin}` }
    const es = await fetch(`${gw.url}/api/events`, { headers: admin })
    const reader = es.body!.getReader()
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
        if (done) break
        events.push(new TextDecoder().decode(value))
      }
    })()

    const send = async (
      path: string,
      headers: Record<string, string> | string[],
      body: string | null = '{"a":1}',
      method = 'POST',
    ) => {
      const res = await request(gw.url + path, { method: method as 'POST', headers, body })
      answers.push(JSON.stringify(res.headers), await res.body.text())
      return res.statusCode
    }
    const now = Math.floor(Date.now() / 1000)
    const body = `{"note":"${C.stray}"}`
    const hmacSig = createHmac('sha256', C.hmac).update(body).digest('hex')
    const swSig = createHmac('sha256', Buffer.from(C.swRaw))
      .update(`msg_1.${now}.${body}`)
      .digest('base64')
    const token = jwtHs256(C.jwt, { iss: 'iss', aud: 'aud', exp: now + 600 })
    const basic = Buffer.from(`make:${C.basic}`).toString('base64')
    const extra = [hmacSig, swSig, token, basic]

    expect(await send('/b', { authorization: `Bearer ${C.bearer}` }, body)).toBe(200)
    expect(await send('/b', { authorization: C.bearer, cookie: `session=${C.stray}` }, body)).toBe(
      401,
    )
    expect(await send('/b', { authorization: ` Bearer ${C.bearer}x` })).toBe(401)
    expect(
      await send('/b', [
        'Authorization',
        `Bearer ${C.bearer}`,
        'Authorization',
        `Bearer ${C.apiKey}`,
      ]),
    ).toBe(400)
    expect(await send('/k', { 'x-api-key': C.apiKey })).toBe(200)
    expect(await send('/k', { x_api_key: C.apiKey, 'x-custom-token': C.stray })).toBe(401)
    expect(await send('/k', { 'x-api-key': `"${C.apiKey}"` })).toBe(401)
    expect(await send(`/q?token=${C.queryKey}&other=1`, {})).toBe(200)
    expect(await send(`/q?token=${encodeURIComponent(`${C.queryKey} `)}`, {})).toBe(401)
    expect(await send('/basic', { authorization: `Basic ${basic}` })).toBe(200)
    expect(await send('/basic', { authorization: `Basic make:${C.basic}` })).toBe(401)
    expect(await send('/h', { 'x-signature': hmacSig }, body)).toBe(200)
    expect(await send('/h', { 'x-signature': hmacSig }, `${body}\n`)).toBe(401)
    expect(
      await send(
        '/sw',
        {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(now),
          'webhook-signature': `v1,${swSig}`,
        },
        body,
      ),
    ).toBe(200)
    expect(
      await send(
        '/sw',
        {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(now),
          'webhook-signature': `v1,${swSig}`,
        },
        body,
      ),
    ).toBe(401)
    expect(await send('/jwt', { authorization: `Bearer ${token}` })).toBe(200)
    expect(await send('/jwt', { authorization: token })).toBe(401)
    // A known credential wherever else it is sent: a header no rule calls sensitive, the
    // User-Agent, another endpoint's key beside a valid token, the query, a stored body.
    expect(await send('/k', { 'x-foo': C.apiKey })).toBe(401)
    expect(
      await send('/b', {
        authorization: `Bearer ${C.bearer}`,
        'user-agent': `bot ${C.bearer}`,
        'x-note': C.apiKey,
      }),
    ).toBe(200)
    // The token in the query under any name is credential_in_query (400).
    expect(await send(`/b?x=${C.bearer}&y=${encodeURIComponent(`${C.basic}/`)}`, {})).toBe(400)
    expect(
      await send(
        '/stored',
        { authorization: `Bearer ${C.stored}` },
        JSON.stringify({ other: C.bearer, admin: C.admin }),
      ),
    ).toBe(200)
    expect(
      await send(
        '/stored',
        { 'content-type': 'application/x-www-form-urlencoded' },
        `access_token=${C.stored}&n=1`,
      ),
    ).not.toBe(200)
    // A URL the router cannot decode: Fastify's own answer quoted it whole, query and all.
    expect(await send(`/q%zz?token=${C.queryKey}`, {})).toBe(400)
    expect(await send(`/api/attempts%zz?token=${C.admin}`, {}, null, 'GET')).toBe(400)
    expect(await send('/inspect/bin2', { 'x-whatever': 'x' }, `token is ${C.apiKey}`)).toBe(200)
    expect(await send('/health/auth/bearer', { authorization: `Bearer ${C.bearer}` }, body)).toBe(
      200,
    )
    expect(await send('/health/auth/basic', { authorization: `Basic make:${C.basic}` })).toBe(401)
    expect(
      await send(
        `/inspect/bin?token=${C.queryKey}`,
        { authorization: `Bearer ${C.bearer}`, 'x-api-key': C.apiKey, cookie: `a=${C.stray}` },
        'plain',
      ),
    ).toBe(200)
    expect(
      await send(
        '/api/diagnose',
        admin,
        JSON.stringify({
          request: `POST /b HTTP/1.1\r\nHost: h\r\nAuthorization: ${C.pasted}\r\n\r\n`,
          auth: { scheme: 'bearer', tokens: [C.pasted] },
        }),
      ),
    ).toBe(200)

    // Credentials where no name says so (red team 5): a JWT under Cloudflare Access's and
    // WSO2's headers and inside a stored body, the request's own signature copied under
    // another header, a known token with its last character cut, a token as the request id.
    const foreign = jwtHs256('not-a-configured-secret-0123456789', { sub: 'someone' })
    extra.push(foreign)
    expect(
      await send('/jwt', {
        authorization: `Bearer ${token}`,
        'cf-access-jwt-assertion': token,
        'x-jwt-assertion': foreign,
      }),
    ).toBe(200)
    const body2 = `{"note":"${C.stray}","again":true}`
    const hmacSig2 = createHmac('sha256', C.hmac).update(body2).digest('hex')
    extra.push(hmacSig2)
    expect(
      await send('/h', { 'x-signature': hmacSig2, 'x-debug-sig': `sig=${hmacSig2}` }, body2),
    ).toBe(200)
    expect(
      await send(
        '/stored',
        { authorization: `Bearer ${C.stored}` },
        JSON.stringify({ token: foreign, near: C.stored.slice(0, -1) }),
      ),
    ).toBe(200)
    expect(
      await send('/b', { authorization: `Bearer ${C.bearer}`, 'x-request-id': C.bearer }),
    ).toBe(200)

    // Wait for every diagnosis, then read everything an operator can read.
    await eventually(async () => {
      const list = (await (
        await fetch(`${gw.url}/api/attempts?outcome=rejected`, { headers: admin })
      ).json()) as {
        attempts: { diagnosed?: boolean; diagnosis_skipped: string | null; id: string }[]
      }
      const full = await Promise.all(
        list.attempts.map(
          async (a) =>
            (await (await fetch(`${gw.url}/api/attempts/${a.id}`, { headers: admin })).json()) as {
              diagnosis: unknown
              diagnosis_skipped: unknown
              kind: string
            },
        ),
      )
      return full.every((a) => a.diagnosis !== null || a.diagnosis_skipped !== null)
    })
    for (const path of [
      '/api/attempts?limit=1000',
      '/api/endpoints',
      '/api/stats',
      '/api/rotations',
      '/metrics',
      '/healthz',
    ]) {
      answers.push(await (await fetch(gw.url + path, { headers: admin })).text())
    }
    const list = (await (
      await fetch(`${gw.url}/api/attempts?limit=1000`, { headers: admin })
    ).json()) as { attempts: { id: string }[] }
    expect(list.attempts.length).toBeGreaterThanOrEqual(20)
    for (const a of list.attempts)
      answers.push(await (await fetch(`${gw.url}/api/attempts/${a.id}`, { headers: admin })).text())
    // The inspector's body held a known key: its hash is not the raw body's, which would
    // confirm a guess of the key.
    const inspected = (
      await Promise.all(
        list.attempts.map(
          async (a) =>
            (await (await fetch(`${gw.url}/api/attempts/${a.id}`, { headers: admin })).json()) as {
              path: string
              body_sha256: string | null
            },
        ),
      )
    ).find((a) => a.path === '/inspect/bin2')!
    expect(inspected.body_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(inspected.body_sha256).not.toBe(
      createHash('sha256').update(`token is ${C.apiKey}`).digest('hex'),
    )
    await gw.close()

    const files = ['attempts.db', 'attempts.db-wal', 'attempts.db-shm']
      .map((f) => join(dataDir, f))
      .filter(existsSync)
    expect(files.length).toBeGreaterThan(0)
    const artifacts: [string, string][] = [
      ...files.map((f) => [f, readFileSync(f).toString('latin1')] as [string, string]),
      ['logs', logs.join('')],
      ['answers', answers.join('\n')],
      ['events', events.join('')],
    ]
    // The canary sent in a body is stored nowhere either (store_body is off); the inspector
    // body was plain text. The admin token is the caller's own in its requests only.
    const secrets = [
      ...Object.entries(C)
        .filter(([k]) => k !== 'admin')
        .map(([, v]) => v),
      WHSEC,
      ...extra,
    ]
    // The scan is not vacuous: a 12-character piece of a canary is caught, and there is data.
    expect(forms(C.bearer).some((f) => `x${C.bearer.slice(4, 19)}y`.includes(f))).toBe(true)
    expect(logs.join('').match(/"msg":"attempt"/g)!.length).toBeGreaterThanOrEqual(20)
    const leaks: string[] = []
    for (const [where, text] of artifacts) {
      for (const secret of secrets)
        for (const f of forms(secret)) if (text.includes(f)) leaks.push(`${where}: ${f}`)
    }
    expect(leaks).toEqual([])
    // And the logs never carried the admin token, nor the store (a body quoted it).
    expect(logs.join('')).not.toContain(C.admin)
    for (const f of files) expect(readFileSync(f).toString('latin1')).not.toContain(C.admin)
  })
})
