/**
 * selectEndpoint (contract §2): --endpoint NAME, else the first path match, else the only one.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import type { HttpRequest } from '../message/types.js'
import { loadConfig } from './load.js'
import { selectEndpoint } from './select.js'

const two = loadConfig(`
endpoints:
  - { name: orders, path: /hooks/orders, auth: { scheme: bearer, tokens: [a] } }
  - { name: orders-2, path: /hooks/orders, auth: { scheme: bearer, tokens: [b] } }
  - { name: billing, path: /hooks/billing, auth: { scheme: bearer, tokens: [c] } }
`)
const req = (url: string): HttpRequest => ({
  method: 'POST',
  url,
  headers: [],
  body: new Uint8Array(),
})

describe('selectEndpoint', () => {
  it('by name', () => expect(selectEndpoint(two, req('/x'), 'billing').name).toBe('billing'))

  it('by path, the first of several, ignoring the query and an absolute URL', () => {
    expect(selectEndpoint(two, req('/hooks/orders?x=1')).name).toBe('orders')
    expect(selectEndpoint(two, req('https://h.example/hooks/billing')).name).toBe('billing')
  })

  it('no match among several → a ConfigError naming the endpoints', () => {
    expect(() => selectEndpoint(two, req('/nope'))).toThrow(ConfigError)
    expect(() => selectEndpoint(two, req('/nope'))).toThrow(/orders, orders-2, billing/)
    expect(() => selectEndpoint(two, req('/x'), 'ghost')).toThrow(/no endpoint named "ghost"/)
  })

  it('one endpoint answers every path', () => {
    const one = loadConfig('auth: { scheme: bearer, tokens: [a] }')
    expect(selectEndpoint(one, req('/anything')).name).toBe('default')
  })
})
