/**
 * The classic wrong secrets are refused when the config is loaded, with the line and field,
 * and never with the secret in the message.
 * @module
 */

import { fileURLToPath } from 'node:url'
import { ConfigError, getProvider, listProviders, loadConfig, sampleConfig } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { fixtureFor } from './fixtures.js'

function load(provider: string, secret: string, list = 'secrets') {
  return () =>
    loadConfig(`auth:\n  provider: ${provider}\n  ${list}:\n    - ${JSON.stringify(secret)}\n`)
}

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return (e as ConfigError).oneLine()
  }
  throw new Error('expected a ConfigError')
}

describe('secret checks per preset', () => {
  it('Stripe: an API key pasted instead of the whsec_ secret is named', () => {
    const msg = refusal(load('stripe', 'sk_test_51Habcdefghijklmnop'))
    expect(msg).toMatch(
      /hookwarden\.yaml:4: auth\.secrets\[0\] is a Stripe secret API key \(sk_test_…\)/,
    )
    expect(msg).not.toContain('51Habcdefghijklmnop')
    expect(refusal(load('stripe', 'pk_live_abc'))).toContain('publishable API key')
    expect(refusal(load('stripe', 'rk_live_abc'))).toContain('restricted API key')
    expect(refusal(load('stripe', 'abc123'))).toContain('starts with whsec_')
  })

  it('Stripe: the whsec_ secret is used as is, so it need not be base64', () => {
    expect(load('stripe', 'whsec_test_secret!')().endpoints[0]!.auth).toMatchObject({
      scheme: 'hmac',
      secret_encoding: 'utf8',
    })
  })

  it('a secret with surrounding whitespace is refused', () => {
    expect(refusal(load('stripe', 'whsec_abc '))).toContain('whitespace')
    expect(refusal(load('github', '\tsecret'))).toContain('whitespace')
    expect(refusal(load('svix', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n'))).toContain(
      'whitespace',
    )
  })

  it.each([
    'standard-webhooks',
    'svix',
    'clerk',
    'resend',
    'openai',
    'replicate',
    'gitlab-signing',
  ])('%s: a whsec_ secret that is not strict base64 is refused', (name) => {
    expect(refusal(load(name, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS'))).toContain('strict base64')
    expect(refusal(load(name, 'whsec_test_secret'))).toContain('strict base64')
    expect(load(name, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')().endpoints[0]!.provider).toBe(name)
  })

  it('Twilio: an Account SID is not the Auth Token', () => {
    expect(refusal(load('twilio', `AC${'0123456789abcdef'.repeat(2)}`))).toContain('Account SID')
  })

  it('Adyen: the HMAC key must be hex', () => {
    expect(refusal(load('adyen', 'not-hex'))).toMatch(/hex/)
    expect(refusal(load('adyen-hmac', 'zz'))).toMatch(/hex/)
  })

  it('Telegram and Make refuse tokens they would never send', () => {
    expect(refusal(load('telegram', 'has space', 'keys'))).toContain('A-Z a-z 0-9')
    expect(refusal(load('make', 'é', 'keys'))).toContain('ASCII')
  })

  it('public keys are parsed when the config is loaded', () => {
    expect(refusal(load('discord', 'abcd', 'public_keys'))).toContain('public_keys[0]')
    expect(
      refusal(
        load(
          'sendgrid',
          'MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
          'public_keys',
        ),
      ),
    ).toContain('not ecdsa')
  })

  it('an unknown provider is named, aliases are known', () => {
    expect(refusal(() => loadConfig('auth:\n  provider: stripey\n  secrets: [x]\n'))).toContain(
      '"stripey" is not a known provider',
    )
    expect(getProvider('facebook')?.name).toBe('meta')
    expect(getProvider('Stripe')?.name).toBe('stripe')
  })

  it("the user's fields override the preset's", () => {
    const auth = loadConfig(
      'auth:\n  provider: stripe\n  secrets: [whsec_a]\n  timestamp: { unit: seconds, tolerance: 600 }\n',
    ).endpoints[0]!.auth
    expect(auth).toMatchObject({ header: 'Stripe-Signature', timestamp: { tolerance: 600 } })
  })
})

describe('pitfalls are data the diagnosis can read', () => {
  it('Stripe, Shopify, Twilio and Slack name their classic mistakes', () => {
    const codes = (n: string) => getProvider(n)!.pitfalls!.map((p) => p.code)
    expect(getProvider('stripe')!.pitfalls![0]!.title).toContain('express.json()')
    expect(codes('stripe')).toContain('signature_body_modified')
    expect(codes('shopify')).toContain('signature_wrong_encoding')
    expect(getProvider('twilio')!.pitfalls![0]!.title).toMatch(/port|query/)
    expect(getProvider('slack')!.pitfalls![0]!.title).toContain('v0:')
  })
})

describe('the ready-to-copy config of every preset loads', () => {
  it.each(listProviders().map((p) => p.name))('%s', (name) => {
    const fixture = fixtureFor(name)
    const yaml = sampleConfig(getProvider(name)!)
    expect(yaml).toContain(`provider: ${name}`)
    // Give each env: reference the fixture's value at the same place in the auth block.
    const env: Record<string, string> = {}
    const walk = (node: unknown, mirror: unknown): void => {
      if (typeof node === 'string') {
        const m = /^env:(\w+)$/.exec(node)
        if (m)
          env[m[1]!] =
            typeof mirror === 'string'
              ? mirror
              : ((mirror as { value?: string; password?: string })?.value ?? 'WH-TEST-1')
        return
      }
      if (node && typeof node === 'object')
        for (const [k, v] of Object.entries(node))
          walk(v, (mirror as Record<string, unknown> | undefined)?.[k])
    }
    const doc = parseYaml(yaml) as { endpoints: { auth: Record<string, unknown> }[] }
    walk(doc.endpoints[0]!.auth, {
      ...fixture.auth,
      secret: fixture.auth.secret,
      webhook_id: 'WH-TEST-1',
    })
    // The certificate files of the samples are the test certificate here.
    const files = { baseDir: fileURLToPath(new URL('./fixtures/', import.meta.url)) }
    const text = yaml
      .replace('file:paypal-cert.pem', 'file:paypal-test-cert.pem')
      .replace('file:sns-signing-cert.pem', 'file:paypal-test-cert.pem')
    const endpoint = loadConfig(text, { env, ...files }).endpoints[0]!
    expect(endpoint.provider).toBe(name)
  })
})
