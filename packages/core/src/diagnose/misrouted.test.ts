/**
 * A request at a near miss of an endpoint's path (a trailing slash, a proxy's prefix): the
 * gateway would answer 404 before any check, so diagnose says so, against the endpoint meant.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { selectEndpoint } from '../config/select.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import { diagnose } from './index.js'

const NOW = 1_796_000_000
const TOKEN = 'tok_live_4f9a1c2e8b7d6a5f'
const config = loadConfig(
  JSON.stringify({
    endpoints: [
      { name: 'orders', path: '/hooks/orders', auth: { scheme: 'bearer', tokens: [TOKEN] } },
      { name: 'other', path: '/hooks/other', auth: { scheme: 'bearer', tokens: [TOKEN] } },
    ],
  }),
)
const post = (url: string, authorization: string): HttpRequest => ({
  method: 'POST',
  url,
  headers: [['Authorization', authorization]],
  body: Buffer.from('{}'),
})
const answer = (status: number): HttpResponse => ({ status, headers: [], body: Buffer.alloc(0) })

describe('diagnose a near-miss path', () => {
  it('names the trailing slash first when the credentials are right', async () => {
    const d = await diagnose(post('/hooks/orders/', `Bearer ${TOKEN}`), { now: NOW, config })
    expect(d.verdict?.ok).toBe(true)
    expect(d.causes[0]?.code).toBe('route_not_found')
    expect(d.causes[0]?.fix).toContain(
      'endpoint "orders" is at /hooks/orders: remove the trailing slash from the webhook URL',
    )
  })

  it('keeps a credential cause first when the credentials are wrong too', async () => {
    const d = await diagnose(post('/webhooks/hooks/orders', TOKEN), { now: NOW, config })
    expect(d.causes[0]?.code).toBe('scheme_prefix_missing')
    const route = d.causes.find((c) => c.code === 'route_not_found')
    expect(route?.summary).toMatch(/extra prefix \/webhooks/)
  })

  it('is confirmed by a 404, and no cause when the answer shows the route was found', async () => {
    const with404 = await diagnose(post('/hooks/orders/', `Bearer ${TOKEN}`), {
      now: NOW,
      config,
      response: answer(404),
    })
    expect(with404.causes[0]).toMatchObject({ code: 'route_not_found', confidence: 0.95 })
    // A 401 came from a receiver that found the route: a proxy rewrote the path, not the cause.
    const with401 = await diagnose(post('/hooks/orders/', `Bearer ${TOKEN}`), {
      now: NOW,
      config,
      response: answer(401),
    })
    expect(with401.causes.map((c) => c.code)).not.toContain('route_not_found')
  })

  it('says nothing of the path when it is an endpoint, or nowhere near one', async () => {
    const exact = await diagnose(post('/hooks/orders', `Bearer ${TOKEN}`), { now: NOW, config })
    expect(exact.causes).toEqual([])
    await expect(
      diagnose(post('/elsewhere', `Bearer ${TOKEN}`), { now: NOW, config }),
    ).rejects.toThrow(/no endpoint's path matches \/elsewhere; name one with --endpoint/)
  })

  it('names the near miss in the error of verify, which needs an exact path', () => {
    expect(() => selectEndpoint(config, post('/hooks/orders/', 'x'))).toThrow(
      'no endpoint\'s path matches /hooks/orders/ (endpoint "orders" is at /hooks/orders: remove the trailing slash from the webhook URL); name one with --endpoint (orders, other)',
    )
  })
})
