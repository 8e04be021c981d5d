/**
 * Runs detectOrigin and classifyResponse over every fixture in test/origin-cases (the
 * run-cases format: request.http, response.http, expect.json with origin, product, class).
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  classifyResponse,
  credentialStrippingHints,
  detectOrigin,
  ORIGIN_PRODUCTS,
  parseRequest,
  parseResponse,
} from '@hookwarden/core'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('./origin-cases', import.meta.url))
const cases = readdirSync(root).sort()

interface Expect {
  origin: string[]
  product?: string[]
  class: string
  codes?: string[]
}

describe('origin cases', () => {
  it('has one case per fingerprinted product', () => {
    const covered = new Set(
      cases.flatMap(
        (c) =>
          (JSON.parse(readFileSync(join(root, c, 'expect.json'), 'utf8')) as Expect).product ?? [],
      ),
    )
    expect(ORIGIN_PRODUCTS.filter((p) => !covered.has(p))).toEqual([])
  })

  for (const name of cases) {
    it(name, () => {
      const dir = join(root, name)
      const exp = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expect
      const request = parseRequest(readFileSync(join(dir, 'request.http')), {
        file: 'request.http',
      })
      const response = parseResponse(readFileSync(join(dir, 'response.http')), {
        file: 'response.http',
      })
      const origin = detectOrigin(response, request)
      expect(exp.origin, JSON.stringify(origin)).toContain(origin.layer)
      if (exp.product)
        expect(
          exp.product.map((p) => p.toLowerCase()),
          JSON.stringify(origin),
        ).toContain(origin.product)
      else expect(origin.product).toBeNull()
      expect(origin.evidence.length).toBeGreaterThan(0)
      const summary = classifyResponse(response, { origin })
      expect(summary.class).toBe(exp.class)
      expect(summary.status).toBe(response.status)
      expect(summary.meaning).toBeTruthy()
      // Stripping cases: the top hint is the expected cause (diagnose ranks it with the rest).
      if (exp.codes)
        expect(exp.codes).toContain(credentialStrippingHints(request, response, origin)[0]?.code)
    })
  }
})
