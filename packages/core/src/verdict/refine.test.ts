import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HttpRequest } from '../message/types.js'
import { refineVerdict } from './refine.js'
import { verify } from './verify.js'

const NOW = 1_796_000_000
const config = loadConfig(`
endpoints:
  - name: orders-prod
    path: /hooks/orders
    environment: production
    tenant: acme
    auth: { scheme: bearer, tokens: ["tok_prod_acme_0123456789"] }
  - name: orders-staging
    path: /staging/orders
    environment: staging
    tenant: acme
    auth: { scheme: bearer, tokens: ["tok_staging_acme_0123456"] }
  - name: orders-globex
    path: /globex/orders
    environment: production
    tenant: globex
    auth: { scheme: bearer, tokens: ["tok_prod_globex_01234567"] }
  - name: signed-acme
    path: /hooks/signed
    tenant: acme
    auth: { scheme: hmac, header: X-Signature, algorithm: sha256, encoding: hex, secrets: ["sec_acme_0123456789abcdef"] }
  - name: signed-globex
    path: /globex/signed
    tenant: globex
    auth: { scheme: hmac, header: X-Signature, algorithm: sha256, encoding: hex, secrets: ["sec_globex_0123456789abcd"] }
`)
const ep = (name: string) => config.endpoints.find((e) => e.name === name)!
const req = (headers: [string, string][], body = '{"n":1}'): HttpRequest => ({
  method: 'POST',
  url: '/hooks/orders',
  headers,
  body: new TextEncoder().encode(body),
})

async function refined(r: HttpRequest, name: string) {
  const own = await verify(r, ep(name), { now: NOW })
  return { own, refined: await refineVerdict(r, ep(name), own, config.endpoints, NOW) }
}

describe('refineVerdict: another endpoint’s credential is named in the verdict', () => {
  it('a staging token sent to production, another tenant’s token', async () => {
    const staging = await refined(
      req([['Authorization', 'Bearer tok_staging_acme_0123456']]),
      'orders-prod',
    )
    expect(staging.own.reason).toBe('credential_unknown')
    expect(staging.refined).toMatchObject({
      ok: false,
      status: 401,
      reason: 'credential_wrong_environment',
    })
    expect(staging.refined.problem?.reason).toBe('invalid_credentials')
    expect(JSON.stringify(staging.refined)).not.toContain('tok_staging_acme_0123456')
    const tenant = await refined(
      req([['Authorization', 'Bearer tok_prod_globex_01234567']]),
      'orders-prod',
    )
    expect(tenant.refined.reason).toBe('credential_wrong_tenant')
  })

  it('a body signed with another tenant’s secret', async () => {
    const body = '{"n":1}'
    const sig = createHmac('sha256', 'sec_globex_0123456789abcd').update(body).digest('hex')
    const r = await refined(req([['X-Signature', sig]], body), 'signed-acme')
    expect(r.own.reason).toBe('signature_mismatch')
    expect(r.refined.reason).toBe('credential_wrong_tenant')
  })

  it('an unknown token, or another refusal, stays as it was', async () => {
    const unknown = await refined(
      req([['Authorization', 'Bearer nobody-knows-this-1']]),
      'orders-prod',
    )
    expect(unknown.refined).toBe(unknown.own)
    const prefix = await refined(
      req([['Authorization', 'tok_staging_acme_0123456']]),
      'orders-prod',
    )
    expect(prefix.refined.reason).toBe('scheme_prefix_missing')
  })
})
