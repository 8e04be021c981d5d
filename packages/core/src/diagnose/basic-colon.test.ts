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

describe('Basic credentials the sender mixed up', () => {
  it('username and password swapped: named, with the fix', async () => {
    const d = await diagnose(basic('s3cr:et:42:make'), { config, now: 1767225600 })
    expect(d.causes[0]?.code).toBe('basic_wrong_credentials')
    expect(d.causes[0]?.summary).toMatch(/username and password are swapped/)
    expect(d.causes[0]?.fix).toMatch(/username first/)
    expect(JSON.stringify(d)).not.toContain('s3cr:et:42')
  })
  it("Zapier's user|pass typed into the header raw → basic_raw_credentials naming the field", async () => {
    const d = await diagnose(
      {
        method: 'POST',
        url: '/hooks',
        headers: [['Authorization', 'Basic make|s3cr:et:42'] as const],
        body: new Uint8Array(),
      },
      { config, now: 1767225600, sender: 'zapier' },
    )
    expect(d.causes[0]?.code).toBe('basic_raw_credentials')
    expect(d.causes[0]?.fix).toMatch(/username\|password/)
    expect(JSON.stringify(d)).not.toContain('s3cr:et:42')
  })
})
