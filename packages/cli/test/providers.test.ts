/**
 * `hookwarden providers` as a user runs it (the built bin): the list, one preset with a
 * config that loads, --json with the count and the proofs, exit 2 for an unknown name.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { listProviders, loadConfig } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../bin/hookwarden.js', import.meta.url))
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })

describe('hookwarden providers', () => {
  it('lists every preset with what is signed, the headers, the secret format and the proof', () => {
    const r = run('providers')
    expect(r.status).toBe(0)
    for (const p of listProviders()) expect(r.stdout).toContain(p.name)
    expect(r.stdout).toMatch(/X-Hub-Signature-256/)
    expect(r.stdout).toMatch(/\d+ providers: \d+ proven with the provider's SDK/)
  })

  it('shows one preset with its mistakes and a config that loads', () => {
    const r = run('providers', 'stripe')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('express.json()')
    const yaml = r.stdout.slice(r.stdout.indexOf('endpoints:'))
    const config = loadConfig(yaml, { env: { STRIPE_WEBHOOK_SECRET: 'whsec_abc' } })
    expect(config.endpoints[0]).toMatchObject({
      name: 'stripe',
      provider: 'stripe',
      path: '/hooks/stripe',
    })
  })

  it('--json prints the count and how each preset is proven', () => {
    const r = run('providers', '--json')
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout) as {
      count: number
      proofs: Record<string, number>
      providers: { name: string; proof: string }[]
    }
    expect(json.count).toBe(listProviders().length)
    expect(json.proofs.sdk + json.proofs.vector + json.proofs.docs).toBe(json.count)
    expect(json.providers.find((p) => p.name === 'stripe')?.proof).toBe('sdk')
    const one = JSON.parse(run('providers', 'twilio', '--json').stdout) as {
      sample_config: string
      pitfalls: unknown[]
    }
    expect(one.sample_config).toContain('provider: twilio')
    expect(one.pitfalls.length).toBeGreaterThan(0)
  })

  it('an unknown name exits 2 with one line that suggests the near one', () => {
    const r = run('providers', 'strpe')
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('did you mean stripe')
  })
})
