/**
 * T-SSRF-1/2 (security.md §6 L): with private targets refused, no URL form reaches a local
 * listener (connect counter stays 0), names resolving to reserved ranges are refused, and the
 * connection goes to the address that was checked.
 * @module
 */
import { type HttpRequest, InputError } from '@hookwarden/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Resolver } from './guard.js'
import { replay } from './replay.js'
import { type Running, startRecorder } from './test-servers.spec.js'

const req: HttpRequest = {
  method: 'POST',
  url: '/hooks/orders',
  headers: [
    ['Host', 'hooks.example.org'],
    ['Authorization', 'Bearer t0ken-never-sent'],
  ],
  body: new TextEncoder().encode('{}'),
}

let rec: Running & { received: () => Buffer }
let port: number
beforeAll(async () => {
  rec = await startRecorder()
  port = Number(new URL(rec.url).port)
})
afterAll(() => rec.close())

const stub =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const list = answers[host.replace(/\.$/, '')]
    if (!list) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }

const NAMES: Record<string, string[]> = {
  'ten.test': ['10.0.0.5'],
  'one72.test': ['172.16.1.1'],
  'one92.test': ['192.168.1.1'],
  'metadata.test': ['169.254.169.254'],
  'cgnat.test': ['100.64.0.1'],
  'ula.test': ['fc00::1'],
  'linklocal6.test': ['fe80::1'],
  'multicast.test': ['224.0.0.1'],
  'loop.test': ['127.0.0.1'],
  'mixed.test': ['93.184.216.34', '127.0.0.1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'zero.test': ['0.0.0.0'],
  'bench.test': ['198.18.0.1'],
  'unspec6.test': ['::'],
  'loop6.test': ['::1'],
}

describe('replay refuses private targets before any connect()', () => {
  const literal = (p: number) => [
    `http://127.0.0.1:${p}/`,
    `http://2130706433:${p}/`,
    `http://0x7f000001:${p}/`,
    `http://0177.0.0.1:${p}/`,
    `http://0x7f.0.0.1:${p}/`,
    `http://127.1:${p}/`,
    `http://127.0.1:${p}/`,
    `http://0:${p}/`,
    `http://0.0.0.0:${p}/`,
    `http://[::1]:${p}/`,
    `http://[::]:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:a9fe:a9fe]:${p}/`,
    `http://169.254.169.254:${p}/`,
    `http://localhost:${p}/`,
    `http://localhost.:${p}/`,
    `http://LOCALHOST:${p}/`,
    `http://api.localhost:${p}/`,
    `http://１２７.０.０.１:${p}/`,
    `http://127.000.000.001:${p}/`,
    `https://127.0.0.1:${p}/`,
    `http://10.0.0.1:${p}/`,
    `http://192.168.0.1:${p}/`,
    `http://172.31.255.255:${p}/`,
    `http://[fd12::1]:${p}/`,
    `http://[fe80::1]:${p}/`,
    `http://metadata.google.internal:${p}/`,
    `http://100.100.100.200:${p}/`,
  ]
  const refusedAsInput = (p: number) => [
    `file:///etc/passwd`,
    `gopher://127.0.0.1:${p}/_x`,
    `ftp://127.0.0.1:${p}/`,
    `http://user:pw@127.0.0.1:${p}/`,
    `http://127.0.0.1%2523@example.org:${p}/`,
    `not a url`,
  ]

  it(`${30 + 6 + Object.keys(NAMES).length} URL forms: blocked or unusable, and nothing connects`, async () => {
    let n = 0
    for (const url of literal(port)) {
      const r = await replay(req, { to: url, timeoutMs: 2000, resolver: stub(NAMES) })
      expect(r.error?.code, url).toBe('blocked_address')
      n++
    }
    for (const url of refusedAsInput(port)) {
      await expect(replay(req, { to: url, timeoutMs: 2000 }), url).rejects.toSatisfy((e) =>
        InputError.is(e),
      )
      n++
    }
    for (const name of Object.keys(NAMES)) {
      const r = await replay(req, {
        to: `http://${name}:${port}/`,
        timeoutMs: 2000,
        resolver: stub(NAMES),
      })
      expect(r.error?.code, name).toBe('blocked_address')
      n++
    }
    expect(n).toBeGreaterThanOrEqual(40)
    expect(rec.connections).toBe(0)
  })

  it('connects to the address the guard checked (pinned), never to a second answer', async () => {
    let calls = 0
    const rebinding: Resolver = async () => {
      calls++
      return [{ address: calls === 1 ? '127.0.0.1' : '10.9.9.9', family: 4 }]
    }
    const r = await replay(req, {
      to: `http://hooks.test:${port}/x`,
      timeoutMs: 2000,
      allowPrivate: true,
      resolver: rebinding,
    })
    expect(r.response?.status).toBe(204)
    expect(calls).toBe(1)
    expect(rec.received().toString('latin1')).toMatch(
      new RegExp(`^POST /x HTTP/1.1\\r\\nhost: hooks.test:${port}\\r\\n`),
    )
  })
})
