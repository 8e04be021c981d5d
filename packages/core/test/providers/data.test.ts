/**
 * The preset rows are consistent data: the headers a preset lists include every header its
 * scheme reads, each pitfall names a known reason code, each handshake is described, names
 * and aliases are unique.
 * @module
 */

import { HANDSHAKE_DESCRIPTIONS, isReasonCode, listProviders } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'

describe('preset data', () => {
  const presets = listProviders()

  it.each(presets.map((p) => p.name))('%s lists the headers its scheme reads', (name) => {
    const p = presets.find((x) => x.name === name)!
    const listed = (p.headers ?? []).map((h) => h.toLowerCase())
    const auth = p.auth as {
      header?: string
      timestamp?: { header?: string }
      id?: { header?: string }
      payload?: string
    }
    const read = [
      auth.header,
      auth.timestamp?.header,
      auth.id?.header,
      ...[...(auth.payload ?? '').matchAll(/\{header:([^}]+)\}/g)].map((m) => m[1]),
    ]
    for (const h of read) if (h) expect(listed).toContain(h.toLowerCase())
    for (const pf of p.pitfalls ?? []) expect(isReasonCode(pf.code)).toBe(true)
    if (p.handshake) expect(HANDSHAKE_DESCRIPTIONS[p.handshake]).toBeTruthy()
    expect(p.title.length).toBeGreaterThan(1)
    expect(p.signs.length).toBeGreaterThan(5)
    expect(p.source.length).toBeGreaterThan(10)
  })

  it('names and aliases are unique', () => {
    const all = presets.flatMap((p) => [p.name, ...(p.aliases ?? [])])
    expect(new Set(all).size).toBe(all.length)
  })
})
