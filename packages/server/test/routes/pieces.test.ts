/**
 * Small pieces of the pipeline: the in-memory rate window (monotonic clock), the hop-by-hop
 * filter and the forward URL.
 */
import { describe, expect, it } from 'vitest'
import { endToEndHeaders, forwardUrl, publicLocation } from '../../src/pipeline/forward.js'
import { MemoryRateLimiter } from '../../src/pipeline/rate-limit.js'

describe('MemoryRateLimiter', () => {
  it('limits after max rejections in a window, and forgets them when the window ends', async () => {
    let now = 0
    const rl = new MemoryRateLimiter({ max: 2, windowMs: 10_000 }, () => now)
    expect((await rl.check('a')).limited).toBe(false)
    await rl.hit('a')
    await rl.hit('a')
    expect(await rl.check('a')).toEqual({ limited: true, retryAfter: 10 })
    expect((await rl.check('b')).limited).toBe(false)
    now = 9_500
    expect(await rl.check('a')).toEqual({ limited: true, retryAfter: 1 })
    now = 10_000
    expect((await rl.check('a')).limited).toBe(false)
  })

  it('hit counts and judges in one step: the max+1th hit of a window is the first limited one', () => {
    let now = 0
    const rl = new MemoryRateLimiter({ max: 2, windowMs: 10_000 }, () => now)
    expect([rl.hit('a').limited, rl.hit('a').limited, rl.hit('a').limited]).toEqual([
      false,
      false,
      true,
    ])
    now = 4_000
    expect(rl.hit('a')).toEqual({ limited: true, retryAfter: 6 })
    now = 10_000
    expect(rl.hit('a').limited).toBe(false)
  })
})

describe('forwarding helpers', () => {
  it('drops hop-by-hop headers and those Connection names, keeps the rest in order', () => {
    expect(
      endToEndHeaders([
        ['Host', 'x'],
        ['Connection', 'keep-alive, X-Secret-Hop'],
        ['X-Secret-Hop', '1'],
        ['Transfer-Encoding', 'chunked'],
        ['TE', 'trailers'],
        ['Upgrade', 'h2c'],
        ['Proxy-Authorization', 'Basic x'],
        ['Content-Length', '3'],
        ['X-A', '1'],
        ['x-a', '2'],
      ]),
    ).toEqual([
      ['X-A', '1'],
      ['x-a', '2'],
    ])
  })

  it('forwards to the configured URL, with the request query appended', () => {
    expect(forwardUrl('http://127.0.0.1:3000/orders', '/hooks/x?a=1&b=%20').href).toBe(
      'http://127.0.0.1:3000/orders?a=1&b=%20',
    )
    expect(forwardUrl('http://127.0.0.1:3000/o?k=v', '/hooks/x?a=1').href).toBe(
      'http://127.0.0.1:3000/o?k=v&a=1',
    )
    expect(forwardUrl('http://127.0.0.1:3000/o', 'http://evil.example/other?a=1').host).toBe(
      '127.0.0.1:3000',
    )
  })

  it("maps a Location at the upstream's own address to the gateway's, and leaves others alone", () => {
    const fwd = 'http://10.0.0.5:3000/orders'
    const at = (l: string) => publicLocation(l, fwd, '/hooks/orders')
    expect(at('http://10.0.0.5:3000/orders')).toBe('/hooks/orders')
    expect(at('http://10.0.0.5:3000/orders/42?x=1#f')).toBe('/hooks/orders/42?x=1#f')
    // Elsewhere at the upstream: the internal host is dropped, the path kept.
    expect(at('http://10.0.0.5:3000/login?next=%2F')).toBe('/login?next=%2F')
    expect(at('http://10.0.0.5:3000/ordersX')).toBe('/ordersX')
    expect(at('//10.0.0.5:3000/orders/1')).toBe('/hooks/orders/1')
    // Relative, another site, another port or scheme, or not a URL: as given.
    expect(at('/orders/42')).toBe('/orders/42')
    expect(at('next')).toBe('next')
    expect(at('https://pay.example/ok')).toBe('https://pay.example/ok')
    expect(at('http://10.0.0.5:3001/orders')).toBe('http://10.0.0.5:3001/orders')
    expect(at('https://10.0.0.5:3000/orders')).toBe('https://10.0.0.5:3000/orders')
    expect(at('http://[bad')).toBe('http://[bad')
    expect(publicLocation('http://10.0.0.5:3000/x', 'http://10.0.0.5:3000/', '/hooks/o/')).toBe(
      '/hooks/o/x',
    )
  })
})
