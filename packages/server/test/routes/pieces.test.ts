/**
 * Small pieces of the pipeline: the in-memory rate window (monotonic clock), the hop-by-hop
 * filter and the forward URL.
 */
import { describe, expect, it } from 'vitest'
import { endToEndHeaders, forwardUrl } from '../../src/pipeline/forward.js'
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
})
