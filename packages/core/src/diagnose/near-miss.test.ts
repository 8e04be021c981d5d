/**
 * The near-miss search in process: real signers as oracles (octokit's own near-miss vectors,
 * svix), the budget, the wording per sender, and robustness on random and hostile input.
 */

import { createHmac } from 'node:crypto'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'
import { bodyVariants } from './transforms/body.js'

const NOW = 1767225600
const req = (
  headers: [string, string][],
  body: string | Uint8Array,
  url = '/hooks',
): HttpRequest => ({
  method: 'POST',
  url,
  headers: [['Host', 'receiver.example.org'], ...headers],
  body: typeof body === 'string' ? Buffer.from(body) : body,
})
const github = loadConfig('auth:\n  provider: github\n  secrets: [mysecret]\n')
const hmac = loadConfig(
  'auth:\n  scheme: hmac\n  header: X-Signature\n  secrets: [hmac-secret-Vx81Qm3Lz7Rt]\n',
)

describe('body near misses, with octokit as the signer', () => {
  const value = { foo: 'bar' }
  const forms = {
    'pretty + newline (GitHub)': `${JSON.stringify(value, null, 2)}\n`,
    pretty: JSON.stringify(value, null, 2),
    minified: JSON.stringify(value),
  }
  for (const [signedName, signed] of Object.entries(forms)) {
    for (const [sentName, sent] of Object.entries(forms)) {
      if (signedName === sentName) continue
      it(`signed ${signedName}, received ${sentName} → signature_body_modified`, async () => {
        const d = await diagnose(
          req([['X-Hub-Signature-256', await octokitSign('mysecret', signed)]], sent),
          { config: github, now: NOW },
        )
        expect(d.verdict?.ok).toBe(false)
        expect(d.causes[0]?.code).toBe('signature_body_modified')
        expect(d.causes[0]?.confidence).toBeGreaterThan(0.9)
      })
    }
  }

  it('verifies as configured → no cause at all', async () => {
    const d = await diagnose(
      req([['X-Hub-Signature-256', await octokitSign('mysecret', forms.minified)]], forms.minified),
      { config: github, now: NOW },
    )
    expect(d.verdict?.ok).toBe(true)
    expect(d.causes).toEqual([])
  })

  it('yields only variants that differ from the received bytes, each once', () => {
    const body = Buffer.from(forms.pretty)
    const seen = new Set<string>()
    for (const v of bodyVariants(body)) {
      const hex = Buffer.from(v.bytes).toString('hex')
      expect(Buffer.from(v.bytes).equals(body)).toBe(false)
      expect(seen.has(hex)).toBe(false)
      seen.add(hex)
    }
    expect(seen.size).toBeGreaterThan(8)
  })
})

describe('the search budget', () => {
  it('stops at its candidate budget and says so, falling back to signature_mismatch', async () => {
    const r = req(
      [['X-Signature', createHmac('sha256', 'unknown').update('x').digest('hex')]],
      '{"a":1}',
    )
    const d = await diagnose(r, { config: hmac, now: NOW, budget: { candidates: 3 } })
    expect(d.budget_exhausted).toBe(true)
    expect(d.candidates_tried).toBeLessThanOrEqual(3)
    expect(d.causes[0]?.code).toBe('signature_mismatch')
    expect(d.causes[0]?.evidence.join(' ')).toMatch(/stopped at its budget/)
  })

  it('finds a body near miss in a handful of candidates', async () => {
    const body = JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ i })) })
    const r = req(
      [
        [
          'X-Signature',
          createHmac('sha256', 'hmac-secret-Vx81Qm3Lz7Rt').update(body).digest('hex'),
        ],
      ],
      JSON.stringify(JSON.parse(body), null, 2),
    )
    const d = await diagnose(r, { config: hmac, now: NOW })
    expect(d.causes[0]?.code).toBe('signature_body_modified')
    expect(d.candidates_tried).toBeLessThan(20)
  })
})

describe('wording', () => {
  const bearer = loadConfig('auth:\n  scheme: bearer\n  tokens: [hw_live_Q7mZk2Rx9Lp4Vt8NbW3c]\n')
  const r = (ua: string) =>
    req(
      [
        ['User-Agent', ua],
        ['Authorization', 'hw_live_Q7mZk2Rx9Lp4Vt8NbW3c'],
      ],
      '{}',
    )
  it.each([
    [
      'Make/production',
      /In the HTTP module, Headers → Authorization: write `Bearer ` before the token/,
    ],
    ['Zapier', /Webhooks by Zapier/],
    ['n8n', /HTTP Request node/],
    ['curl/8.5.0', /-H 'Authorization: Bearer <token>'/],
    ['node-fetch', /send the header `Authorization: Bearer <token>`/i],
  ])('User-Agent %s → the fix in its terms', async (ua, re) => {
    const d = await diagnose(r(ua), { config: bearer, now: NOW })
    expect(d.causes[0]?.code).toBe('scheme_prefix_missing')
    expect(d.causes[0]?.fix).toMatch(re)
  })
})

describe('robustness', () => {
  it('never throws on random bodies and signature headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ maxLength: 100 }),
        async (body, sig) => {
          const d = await diagnose(req([['X-Signature', sig.replace(/[\r\n]/g, '')]], body), {
            config: hmac,
            now: NOW,
            budget: { candidates: 200 },
          })
          expect(d.verdict).not.toBeNull()
          for (const c of d.causes) expect(c.confidence).toBeGreaterThan(0)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('survives a JSON body nested 20 000 deep (re-serializing it would overflow the stack)', async () => {
    const deep = `${'['.repeat(20000)}${']'.repeat(20000)}`
    const d = await diagnose(req([['X-Signature', 'ab'.repeat(32)]], deep), {
      config: hmac,
      now: NOW,
    })
    expect(d.causes[0]?.code).toBe('signature_mismatch')
  })

  it('without a config reads the request alone: a doubled Bearer, an expired JWT', async () => {
    const d = await diagnose(req([['Authorization', 'Bearer Bearer abc.def']], ''), { now: NOW })
    expect(d.verdict).toBeNull()
    expect(d.causes[0]?.code).toBe('scheme_prefix_malformed')
  })
})

describe('no secret in any diagnosis (property)', () => {
  const secretArb = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/)
  it('never prints the token, however the header was built', async () => {
    const builds: ((t: string) => [string, string])[] = [
      (t) => ['Authorization', t],
      (t) => ['Authorization', `Bearer${t}`],
      (t) => ['Authorization', `Bearer Bearer ${t}`],
      (t) => ['Authorization', `Token ${t}`],
      (t) => ['Authorization', `Bearer "${t}"`],
      (t) => ['Authorization', `Bearer ${t}\u200b`],
      (t) => ['Authorization', `Bearer ${t.slice(0, -3)}`],
      (t) => ['X-Auth-Token', t],
      (t) => ['X_API_KEY', t],
    ]
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.integer({ min: 0, max: builds.length - 1 }),
        async (token, i) => {
          const config = loadConfig(`auth:\n  scheme: bearer\n  tokens: ["${token}"]\n`)
          const d = await diagnose(req([builds[i]!(token)], '{}'), { config, now: NOW })
          expect(d.causes.length).toBeGreaterThan(0)
          expect(JSON.stringify(d)).not.toContain(token)
          const alone = await diagnose(req([builds[i]!(token)], '{}'), { now: NOW })
          expect(JSON.stringify(alone)).not.toContain(token)
        },
      ),
      { numRuns: 80 },
    )
  })

  it('never prints the secret or the signature, whatever near miss made it', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom('sha1', 'sha256', 'sha512'),
        fc.constantFrom('hex', 'base64'),
        fc.boolean(),
        async (secret, alg, enc, pretty) => {
          const config = loadConfig(
            `auth:\n  scheme: hmac\n  header: X-Signature\n  secrets: ["${secret}"]\n`,
          )
          const signed = '{"a":[1,2,{"b":"c"}]}'
          const sent = pretty ? JSON.stringify(JSON.parse(signed), null, 2) : signed
          const sig = createHmac(alg, secret)
            .update(signed)
            .digest(enc as 'hex' | 'base64')
          const d = await diagnose(req([['X-Signature', sig]], sent), { config, now: NOW })
          const out = JSON.stringify(d)
          expect(out).not.toContain(secret)
          expect(out).not.toContain(sig)
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('a value taken from another header', () => {
  const bearer = loadConfig('auth:\n  scheme: bearer\n  tokens: [tok-0123456789abcdef]\n')
  it('is named a misplaced credential only when it could be one', async () => {
    // An ordinary header (a test harness's switch) is no misplaced key.
    const none = await diagnose(req([['X-Up-Behave', '401,,html']], '{}'), {
      config: bearer,
      now: NOW,
    })
    expect(none.causes[0]?.code).toBe('credentials_missing')
    expect(none.causes.map((c) => c.code)).not.toContain('header_name_wrong')
    // A token under another header name still is, even when it is the wrong token.
    const moved = await diagnose(req([['X-Token', 'tok-ffffffffffffffff']], '{}'), {
      config: bearer,
      now: NOW,
    })
    expect(moved.causes.map((c) => c.code)).toContain('header_name_wrong')
  })
})
