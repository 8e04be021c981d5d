import { describe, expect, it } from 'vitest'
import { nearRoute } from './near-route.js'
import type { Endpoint } from './types.js'

const endpoint = (name: string, path: string, explain: Endpoint['explain'] = 'safe') =>
  ({ name, path, explain }) as Endpoint

const endpoints = [
  endpoint('orders', '/hooks/orders'),
  endpoint('staging', '/hooks/Staging', 'full'),
  endpoint('secret-url', '/hooks/T0K3n', 'safe'),
  endpoint('quiet', '/hooks/quiet', 'none'),
  endpoint('spaced', '/hooks/a b'),
]

describe('nearRoute', () => {
  it('names the endpoint a trailing slash missed, and the fix', () => {
    const near = nearRoute('/hooks/orders/', endpoints)
    expect(near?.endpoint.name).toBe('orders')
    expect(near?.detail).toBe(
      'No endpoint at /hooks/orders/; endpoint "orders" is at /hooks/orders: remove the trailing slash from the webhook URL.',
    )
  })

  it('tells a doubled slash from a trailing one, and both together', () => {
    expect(nearRoute('//hooks/orders', endpoints)?.detail).toMatch(/remove the doubled slash/)
    expect(nearRoute('/hooks//orders//', endpoints)?.detail).toMatch(
      /remove the doubled and the trailing slashes/,
    )
  })

  it('names a prefix that a proxy did not strip', () => {
    const near = nearRoute('/webhooks/hooks/orders', endpoints)
    expect(near?.endpoint.name).toBe('orders')
    expect(near?.detail).toMatch(/extra prefix \/webhooks\. A proxy in front/)
  })

  it('names percent-encoding of the path', () => {
    expect(nearRoute('/hooks/%6Frders', endpoints)?.detail).toMatch(/percent-encodes/)
    expect(nearRoute('/hooks/a%20b', endpoints)?.endpoint.name).toBe('spaced')
    // A malformed escape is simply no match.
    expect(nearRoute('/hooks/%E0%A4%A', endpoints)).toBeNull()
  })

  it('names letter case only under explain: full (a path may carry a secret)', () => {
    expect(nearRoute('/hooks/staging', endpoints)?.detail).toMatch(/paths are case-sensitive/)
    expect(nearRoute('/hooks/t0k3n', endpoints)).toBeNull()
  })

  it("names an endpoint's contract check a trailing slash missed", () => {
    expect(nearRoute('/health/auth/orders/', endpoints)?.detail).toBe(
      'No endpoint at /health/auth/orders/; the contract check of endpoint "orders" is at /health/auth/orders: remove the trailing slash from the webhook URL.',
    )
    expect(nearRoute('/health/auth/quiet/', endpoints)).toBeNull()
  })

  it('says nothing of an endpoint under explain: none', () => {
    expect(nearRoute('/hooks/quiet/', endpoints)).toBeNull()
    expect(nearRoute('/x/hooks/quiet', endpoints)).toBeNull()
  })

  it('is null for a path that is nowhere near an endpoint, or an endpoint exactly', () => {
    expect(nearRoute('/nowhere', endpoints)).toBeNull()
    expect(nearRoute('/hooks', endpoints)).toBeNull()
    expect(nearRoute('/', endpoints)).toBeNull()
    expect(nearRoute('/hooks/orders', endpoints)).toBeNull()
  })

  it('quotes a long received path cut short', () => {
    const long = `/${'x'.repeat(500)}/hooks/orders`
    const detail = nearRoute(long, endpoints)?.detail ?? ''
    expect(detail.length).toBeLessThan(600)
    expect(detail).toContain('…')
  })
})
