import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadConfigFile, verify } from '@hookwarden/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT, run } from './helpers.js'

// The shared example: an HMAC over the minified body, sent pretty-printed.
const CASE = `${ROOT}packages/core/test/cases/example-hmac-body-pretty-printed`

describe('replay --fix --config re-signs over the raw body', () => {
  let server: Server
  let url = ''
  let dir = ''
  const received: Buffer[] = []

  beforeAll(async () => {
    ensureBuilt()
    dir = CASE
    const config = loadConfigFile(`${dir}/hookwarden.yaml`)
    // A receiver that verifies with hookwarden's own core, as a real one would.
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', async () => {
        const body = Buffer.concat(chunks)
        received.push(body)
        const headers: [string, string][] = []
        for (let i = 0; i < req.rawHeaders.length; i += 2)
          headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
        const v = await verify(
          { method: req.method ?? 'POST', url: req.url ?? '/', headers, body },
          config.endpoints[0]!,
          { now: 1767225600 },
        )
        res.writeHead(v.ok ? 200 : v.status, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ok: v.ok, reason: v.reason }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => server?.close())

  it('as captured: refused; with --fix --config: re-signed, accepted, body bytes unchanged', async () => {
    const plain = await run(['replay', '--request', `${dir}/request.http`, '--to', url, '--json'])
    expect(plain.status).toBe(1)
    expect(JSON.parse(plain.stdout).response.status).toBe(401)

    const fixed = await run([
      'replay',
      '--request',
      `${dir}/request.http`,
      '--to',
      url,
      '--fix',
      '--config',
      `${dir}/hookwarden.yaml`,
      '--now',
      '1767225600',
      '--json',
    ])
    expect(fixed.stderr).toBe('')
    const j = JSON.parse(fixed.stdout)
    expect(j.response.status).toBe(200)
    expect(j.fixes.join(' ')).toMatch(/re-signed over the raw body/)
    expect(fixed.status).toBe(0)
    // The body is sent byte for byte both times: only the signature changed.
    expect(received.at(-1)!.equals(received.at(-2)!)).toBe(true)
    expect(fixed.stdout).not.toContain('example-hmac-secret')
  })
})
