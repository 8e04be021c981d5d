/**
 * Published signature vectors (fixtures/vectors/published.json, each with its source): every
 * one is accepted, and the same request with the last body byte changed is refused.
 * @module
 */
import { readFileSync } from 'node:fs'
import { type HttpRequest, loadConfig, verify } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'

interface Vector {
  name: string
  source: string
  auth: Record<string, unknown>
  now: number
  headers: [string, string][]
  body: string
}

const { vectors } = JSON.parse(
  readFileSync(new URL('../fixtures/vectors/published.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] }

describe.each(vectors)('$name', (v) => {
  // YAML is a superset of JSON: the vector's auth block goes through the real config loader.
  const endpoint = loadConfig(JSON.stringify({ auth: v.auth })).endpoints[0]!
  const request: HttpRequest = {
    method: 'POST',
    url: '/hooks',
    headers: v.headers,
    body: new TextEncoder().encode(v.body),
  }

  it(`is accepted (source: ${v.source})`, async () => {
    const verdict = await verify(request, endpoint, { now: v.now })
    expect(verdict.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'signature', ok: true })]),
    )
    expect(verdict.ok).toBe(true)
  })

  it('with the last body byte changed is refused as signature_mismatch', async () => {
    const body = new TextEncoder().encode(v.body)
    body[body.length - 1] = body[body.length - 1]! ^ 0x20
    expect((await verify({ ...request, body }, endpoint, { now: v.now })).reason).toBe(
      'signature_mismatch',
    )
  })
})
