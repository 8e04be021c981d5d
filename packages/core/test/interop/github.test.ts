/**
 * Interop with `@octokit/webhooks-methods` (GitHub: `X-Hub-Signature-256: sha256=<hex>`).
 * @module
 */
import {
  type Endpoint,
  getHeader,
  type HttpRequest,
  loadConfig,
  sign,
  verify,
} from '@hookwarden/core'
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { describe, expect, it } from 'vitest'
import { changeOneChar } from './change.js'

const SECRET = 'gh-webhook-secret-7Kq2'
const endpoint: Endpoint = loadConfig(`auth:
  scheme: hmac
  header: X-Hub-Signature-256
  algorithm: sha256
  encoding: hex
  prefix: "sha256="
  payload: "{body}"
  secrets: ["${SECRET}"]
`).endpoints[0]!

const body = JSON.stringify({ action: 'opened', pull_request: { number: 7, title: 'Fix ✓' } })
const now = 1_800_000_000

function request(signature: string, payload = body): HttpRequest {
  return {
    method: 'POST',
    url: '/hooks/github',
    headers: [
      ['X-GitHub-Event', 'pull_request'],
      ['X-GitHub-Delivery', '72d3162e-cc78-11e3-81ab-4c9367dc0958'],
      ['X-Hub-Signature-256', signature],
    ],
    body: new TextEncoder().encode(payload),
  }
}

describe('signed by @octokit/webhooks-methods', async () => {
  const signature = await octokitSign(SECRET, body)

  it('is accepted', async () => {
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect((await verify(request(signature), endpoint, { now })).ok).toBe(true)
  })

  it('with one byte of the body changed: signature_mismatch', async () => {
    expect(
      (await verify(request(signature, body.replace('7', '8')), endpoint, { now })).reason,
    ).toBe('signature_mismatch')
  })

  it('with one hex digit changed: signature_mismatch', async () => {
    expect((await verify(request(changeOneChar(signature, 20)), endpoint, { now })).reason).toBe(
      'signature_mismatch',
    )
  })

  it('without the sha256= prefix: signature_header_malformed', async () => {
    expect((await verify(request(signature.slice(7)), endpoint, { now })).reason).toBe(
      'signature_header_malformed',
    )
  })

  it('upper-case hex is the same signature', async () => {
    expect(
      (await verify(request(`sha256=${signature.slice(7).toUpperCase()}`), endpoint, { now })).ok,
    ).toBe(true)
  })
})

describe('signed by hookwarden', () => {
  it('passes octokit verify()', async () => {
    const r = await sign(request(''), endpoint, { now })
    const signature = getHeader(r.headers, 'x-hub-signature-256')!
    expect(await octokitVerify(SECRET, body, signature)).toBe(true)
  })
})
