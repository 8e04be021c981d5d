import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { diagnose } from './index.js'

const config = loadConfig(
  'auth:\n  scheme: basic\n  users:\n    - { username: make, password: "s3cr:et:42" }\n',
)
const basic = (pair: string) => ({
  method: 'POST',
  url: '/hooks',
  headers: [['Authorization', `Basic ${Buffer.from(pair).toString('base64')}`] as const],
  body: new Uint8Array(),
})

describe('a colon in the Basic password', () => {
  it('cut at the colon', async () => {
    const d = await diagnose(basic('make:s3cr'), { config, now: 1767225600 })
    expect(d.verdict?.reason).toBe('basic_wrong_credentials')
    expect(d.causes[0]?.code).toBe('basic_wrong_credentials')
    expect(d.causes[0]?.summary).toMatch(/cut there/)
    expect(JSON.stringify(d)).not.toContain('s3cr:et:42')
  })
  it('percent-encoded as %3A', async () => {
    const d = await diagnose(basic('make:s3cr%3Aet%3A42'), { config, now: 1767225600 })
    expect(d.causes[0]?.summary).toMatch(/percent-encoded as %3A/)
  })
  it('the whole password passes', async () => {
    const d = await diagnose(basic('make:s3cr:et:42'), { config, now: 1767225600 })
    expect(d.verdict?.ok).toBe(true)
    expect(d.causes).toEqual([])
  })
})
