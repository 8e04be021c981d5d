/**
 * Malformed credentials over real HTTP (security T-BAD-2, scaled down): every answer is a 400
 * or 401 with a registered reason and a problem+json body; never a 5xx; the gateway stays up.
 */

import { isReasonCode } from '@hookwarden/core'
import fc from 'fast-check'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startGateway } from './helpers.js'

const TOKEN = 'fuzz-token-8e7d6c5b4a39'
let gw: Running
const agent = new Agent({ connections: 8 })
beforeAll(async () => {
  gw = await startGateway(
    `
endpoints:
  - name: bearer
    path: /b
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: basic
    path: /basic
    auth: { scheme: basic, users: [{ username: u, password: "${TOKEN}" }] }
  - name: jwt
    path: /jwt
    auth: { scheme: jwt, algorithms: [HS256], secret: "${TOKEN}" }
`,
    { rateLimit: { max: 1_000_000 } },
  )
})
afterAll(async () => {
  await gw.close()
  await agent.close()
})

// Header-legal characters only (a client cannot send the others), latin1 included.
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\t', 'Bearer ', 'Basic ', TOKEN, TOKEN.slice(0, 9), '%20', '"', '.', '=='),
)
const value = fc.array(headerChar, { maxLength: 40 }).map((cs) => cs.join(''))

describe('malformed Authorization values', () => {
  it('never answer 5xx; every refusal is 400 or 401 with a registered reason', async () => {
    const seen = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('/b', '/basic', '/jwt'), async (auth, path) => {
        const res = await request(gw.url + path, {
          dispatcher: agent,
          method: 'POST',
          headers: { authorization: Buffer.from(auth, 'latin1').toString('latin1') },
          body: '{}',
        })
        const text = await res.body.text()
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode === 200) return
        expect([400, 401, 403]).toContain(res.statusCode)
        const problem = JSON.parse(text) as { reason: string }
        expect(isReasonCode(problem.reason)).toBe(true)
        if (res.statusCode === 401) expect(res.headers['www-authenticate']).toBeTruthy()
      }),
      { numRuns: 400 },
    )
    expect([...seen.keys()].every((s) => s < 500)).toBe(true)
    const health = await request(`${gw.url}/healthz`)
    expect(health.statusCode).toBe(200)
    await health.body.dump()
  })
})
