import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { diagnose } from './index.js'

const secret = 'whsec_test_pitfall_secret_0123456789'
const stripe = new Stripe('sk_test_unused')

describe('provider pitfalls in the diagnosis', () => {
  it('a Stripe body re-serialized by express.json() is explained in Stripe terms', async () => {
    const minified = '{"id":"evt_1","object":"event","type":"invoice.paid"}'
    const now = 1767225600
    const header = stripe.webhooks.generateTestHeaderString({
      payload: minified,
      secret,
      timestamp: now,
    })
    const pretty = JSON.stringify(JSON.parse(minified), null, 2)
    const config = loadConfig(`auth:\n  provider: stripe\n  secrets: ["${secret}"]\n`)
    const request = {
      method: 'POST',
      url: '/hooks/stripe',
      headers: [['Stripe-Signature', header] as const],
      body: Buffer.from(pretty),
    }
    const d = await diagnose(request, { config, now, sender: 'code' })
    expect(d.causes[0]?.code).toBe('signature_body_modified')
    expect(d.causes[0]?.fix).toMatch(/For Stripe: .*express\.raw/)
    expect(d.causes[0]?.evidence.some((e) => e.startsWith('Stripe: a known pitfall'))).toBe(true)
    expect(JSON.stringify(d)).not.toContain(secret)
  })
})
