/**
 * Contract §3: no check detail, verdict or diagnosis holds a configured secret whole. Every
 * scheme's verifier (and every provider preset that loads with a plain secret) is run over
 * requests that put the config's own secrets where a confused sender puts them: swapped Basic
 * fields, another endpoint's token as the username, a password as a Bearer token, a key in
 * the query, a secret pasted as the signature.
 * @module
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Config, Endpoint } from '../../src/config/types.js'
import { diagnose } from '../../src/diagnose/index.js'
import type { HttpRequest } from '../../src/message/types.js'
import { listProviders } from '../../src/providers/registry.js'
import { verify } from '../../src/verdict/verify.js'

const NOW = 1_767_000_000
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

interface Secrets {
  token: string
  key: string
  password: string
  hmac: string
  jwt: string
}

function configOf(s: Secrets): Config {
  return loadConfig(
    JSON.stringify({
      endpoints: [
        { name: 'bearer', path: '/bearer', auth: { scheme: 'bearer', tokens: [s.token] } },
        {
          name: 'key',
          path: '/key',
          auth: { scheme: 'api_key', header: 'X-API-Key', keys: [s.key] },
        },
        { name: 'key-q', path: '/key-q', auth: { scheme: 'api_key', query: 'k', keys: [s.key] } },
        {
          name: 'basic',
          path: '/basic',
          auth: { scheme: 'basic', users: [{ username: 'make', password: s.password }] },
        },
        {
          name: 'hmac',
          path: '/hmac',
          auth: {
            scheme: 'hmac',
            header: 'X-Signature',
            algorithm: 'sha256',
            encoding: 'hex',
            secrets: [s.hmac],
          },
        },
        {
          name: 'jwt',
          path: '/jwt',
          auth: { scheme: 'jwt', algorithms: ['HS256'], secret: s.jwt },
        },
      ],
    }),
  )
}

/** The values a confused sender puts in a request, built from the config's own secrets. */
function placements(secrets: readonly string[]): [string, string][][] {
  const out: [string, string][][] = []
  for (const a of secrets) {
    out.push(
      [['Authorization', `Bearer ${a}`]],
      [['Authorization', a]],
      [['Authorization', `Token ${a}`]],
      [['Authorization', `Basic ${b64(`${a}:`)}`]],
      [['Authorization', `Basic ${b64(a)}`]],
      [['Authorization', `Basic ${a}`]],
      [['Authorization', `Basic make|${a}`]],
      [['Authorization', `Basic ${a}|make`]],
      [['Authorization', `"Bearer ${a}"`]],
      [['Bearer', a]],
      [['X-API-Key', a]],
      [['X_API_KEY', a]],
      [['X-Signature', a]],
      [['X-Signature', `sha256=${a}`]],
      [['webhook-signature', `v1,${a}`]],
      [['Stripe-Signature', `t=${NOW},v1=${a}`]],
    )
    for (const b of [...secrets, 'make']) {
      if (a === b) continue
      out.push(
        [['Authorization', `Basic ${b64(`${a}:${b}`)}`]],
        [['Authorization', `Basic ${b64(`${b}:${a}`)}`]],
        [['Authorization', `Basic ${a}:${b}`]],
      )
    }
  }
  return out
}

function request(path: string, headers: [string, string][], query = ''): HttpRequest {
  return {
    method: 'POST',
    url: `https://hooks.example${path}${query}`,
    headers: [['Content-Type', 'application/json'], ...headers],
    body: Buffer.from('{"id":1}'),
  }
}

function holdsNone(shown: unknown, secrets: readonly string[], what: string): void {
  const text = JSON.stringify(shown)
  for (const s of secrets)
    expect(text.includes(s), `${what} holds the secret ${JSON.stringify(s)}`).toBe(false)
}

const FIXED: Secrets = {
  token: 'tok_live_8f3b2c9d4e5a6f7081920a1b2c3d4e5f',
  key: 'ak_9d8c7b6a5f4e3d2c1b0a99887766',
  password: 'Zx9-pass-4471',
  hmac: 'hmac_s3cret_0f1e2d3c4b5a69788796a5b4',
  jwt: 'jwt-hs256-secret-key-that-is-long-enough-0123456789',
}

async function verifyAll(config: Config, secrets: readonly string[]): Promise<void> {
  for (const headers of placements(secrets)) {
    for (const e of config.endpoints) {
      const v = await verify(request(e.path, headers), e, { now: NOW })
      holdsNone(v, secrets, `verify ${e.name} ${JSON.stringify(headers)}`)
    }
  }
}

describe('no check detail holds a configured secret whole', () => {
  const secrets = Object.values(FIXED)

  it('every core scheme, over every placement of every secret', async () => {
    await verifyAll(configOf(FIXED), secrets)
  })

  it('the key in the query, for every endpoint', async () => {
    const config = configOf(FIXED)
    for (const s of secrets)
      for (const e of config.endpoints) {
        for (const q of [`?k=${s}`, `?api_key=${s}`, `?token=${s}`]) {
          const v = await verify(request(e.path, [], q), e, { now: NOW })
          holdsNone(v, secrets, `verify ${e.name} ${q}`)
        }
      }
  })

  it('the whole diagnosis too (cause summaries, fixes, evidence), for the Basic mix-ups', async () => {
    const config = configOf(FIXED)
    const basicEndpoint = config.endpoints.find((e) => e.name === 'basic') as Endpoint
    const cases: [string, string][][] = [
      [['Authorization', `Basic ${b64(`${FIXED.password}:make`)}`]],
      [['Authorization', `Basic ${b64(`${FIXED.token}:`)}`]],
      [['Authorization', `Basic ${b64(`${FIXED.token}:${FIXED.password}`)}`]],
      [['Authorization', `Basic make|${FIXED.password}`]],
      [['Authorization', `Basic ${FIXED.password}|make`]],
      [['Authorization', `Basic ${FIXED.password}:make`]],
    ]
    for (const headers of cases) {
      const d = await diagnose(request('/basic', headers), {
        config,
        endpoint: basicEndpoint,
        now: NOW,
      })
      holdsNone(d, secrets, `diagnose ${JSON.stringify(headers)}`)
    }
  })

  it('every provider preset that loads with a plain secret', async () => {
    const secret = 'prov1der_s3cret_Zx9-4471-abcdef0123'
    let ran = 0
    for (const p of listProviders()) {
      let endpoint: Endpoint
      try {
        endpoint = loadConfig(JSON.stringify({ auth: { provider: p.name, secrets: [secret] } }))
          .endpoints[0]!
      } catch {
        continue
      }
      for (const headers of placements([secret, FIXED.password])) {
        const v = await verify(request('/hooks', headers), endpoint, { now: NOW })
        holdsNone(v, [secret, FIXED.password], `verify provider ${p.name}`)
      }
      ran++
    }
    expect(ran).toBeGreaterThan(5)
  })

  it('any secrets (property): verify never repeats one', async () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_.~+/=!$*-]{8,40}$/)
    await fc.assert(
      fc.asyncProperty(
        fc.record({ token: secret, key: secret, password: secret, hmac: secret, jwt: secret }),
        async (s) => {
          fc.pre(new Set(Object.values(s)).size === 5)
          await verifyAll(configOf(s), Object.values(s))
        },
      ),
      { numRuns: 15 },
    )
  })
})
