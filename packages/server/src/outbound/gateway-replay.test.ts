/**
 * replay and probe against the real hookwarden gateway listening on 127.0.0.1: its refusals
 * are recognised as its own (problem+json), and the header-construction fix makes it accept.
 * @module
 */
import { Writable } from 'node:stream'
import { type HttpRequest, loadConfig, parseRequest } from '@hookwarden/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../gateway.js'
import { probe } from './probe.js'
import { headerConstructionFix } from './quick-fix.js'
import { replay } from './replay.js'

const TOKEN = 'gw-replay-token-7d8e9f0a1b2c'
const BODY = '{"event":"ping"}'
const capture = (auth: string): HttpRequest =>
  parseRequest(
    `POST /hooks/orders HTTP/1.1\r\nHost: hooks.example.org\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  )

let gw: Gateway
let url: string
beforeAll(async () => {
  gw = await createGateway({
    config: loadConfig(`
endpoints:
  - name: orders
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`),
    adminToken: 'a'.repeat(32),
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    webDist: null,
  })
  url = await gw.listen(0, '127.0.0.1')
})
afterAll(() => gw.close())

describe('replay and probe against the hookwarden gateway', () => {
  it('a token without "Bearer ": hookwarden answered 401; with --fix it accepts, and the acceptance is its own too', async () => {
    const local = { allowPrivate: true, timeoutMs: 5000, to: url }
    const bad = await replay(capture(TOKEN), local)
    expect(bad.response).toMatchObject({ status: 401, class: 'authentication' })
    expect(bad.origin).toMatchObject({ layer: 'gateway', product: 'hookwarden' })
    expect(bad.origin?.evidence.join(' ')).toMatch(/scheme_prefix_missing/)
    const fixed = await replay(capture(TOKEN), { ...local, fix: headerConstructionFix })
    expect(fixed.response).toMatchObject({ status: 200, class: 'success' })
    expect(fixed.origin?.product).toBe('hookwarden')
    expect(JSON.stringify([bad, fixed])).not.toContain(TOKEN)
  })

  it('probe: the gateway reads the credential, the fix works, an unknown path is its 404', async () => {
    const r = await probe(`${url}/hooks/orders`, {
      allowPrivate: true,
      timeoutMs: 5000,
      request: capture(TOKEN),
    })
    expect(r.answered_by?.product).toBe('hookwarden')
    expect(r.credential_read).toBe(true)
    const codes = r.findings.map((f) => f.code)
    expect(codes).toContain('fix_works')
    expect(codes).toContain('auth_per_route')
  })
})
