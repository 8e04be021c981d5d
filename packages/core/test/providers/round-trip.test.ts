/**
 * Every preset, loaded from YAML as a user writes it: sign() then verify() accepts, and the
 * same request changed by one byte is refused with the preset's reason code.
 * @module
 */

import { listProviders, loadConfig, sign, verify } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { fixtureFor, flipBodyByte, NOW } from './fixtures.js'

function endpointFor(name: string) {
  const f = fixtureFor(name)
  const config = loadConfig(JSON.stringify({ auth: { provider: name, ...f.auth } }))
  return { endpoint: config.endpoints[0]!, fixture: f }
}

describe('every preset round-trips', () => {
  const presets = listProviders()

  it('has more than 60 presets, each named in lower case', () => {
    expect(presets.length).toBeGreaterThan(60)
    for (const p of presets) expect(p.name).toMatch(/^[a-z0-9-]+$/)
  })

  it.each(presets.map((p) => p.name))(
    '%s: sign → verify accepts; one byte changed is refused',
    async (name) => {
      const { endpoint, fixture } = endpointFor(name)
      expect(endpoint.provider).toBe(name)
      const signed = await sign(fixture.request, endpoint, { now: NOW })
      const ok = await verify(signed, endpoint, { now: NOW })
      expect(ok.checks.filter((c) => !c.ok)).toEqual([])
      expect(ok.ok).toBe(true)

      const tampered = (fixture.tamper ?? ((r) => flipBodyByte(r)))(signed)
      const bad = await verify(tampered, endpoint, { now: NOW })
      expect(bad.ok).toBe(false)
      expect(bad.reason).toBe(fixture.refused ?? 'signature_mismatch')
    },
  )
})
