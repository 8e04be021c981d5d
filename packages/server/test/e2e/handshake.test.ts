/**
 * Provider handshakes answered in the receiver's place: Slack's url_verification once it
 * verifies (refused when it does not), Dropbox's unsigned challenge at once; recorded, never
 * forwarded.
 */
import { createHmac } from 'node:crypto'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, startGateway, startUpstream, type Upstream } from './helpers.js'

const SLACK = 'slack-signing-secret-for-tests-01'
let up: Upstream
let gw: Running
beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway(`
endpoints:
  - name: slack
    path: /slack
    forward: ${up.url}/slack
    auth: { provider: slack, secrets: ["${SLACK}"] }
  - name: dropbox
    path: /dropbox
    forward: ${up.url}/dropbox
    auth: { provider: dropbox, secrets: ["dropbox-app-secret-xyz"] }
`)
})
afterAll(async () => {
  await gw.close()
  await up.close()
})

describe('handshakes', () => {
  it('Slack url_verification: answered with the challenge once the request verifies', async () => {
    const body = JSON.stringify({
      token: 'x',
      challenge: 'abc123challenge',
      type: 'url_verification',
    })
    const ts = String(Math.floor(Date.now() / 1000))
    const sig = `v0=${createHmac('sha256', SLACK).update(`v0:${ts}:${body}`).digest('hex')}`
    up.received.length = 0
    const res = await request(`${gw.url}/slack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-signature': sig,
        'x-slack-request-timestamp': ts,
      },
      body,
    })
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toEqual({ challenge: 'abc123challenge' })
    expect(up.received).toHaveLength(0)
    const rec = await gw.store.get(res.headers['x-hookwarden-attempt'] as string)
    expect(rec).toMatchObject({ outcome: 'accepted', status: 200, forward_status: null })
    expect(rec!.checks.at(-1)).toMatchObject({ name: 'handshake', ok: true })
    // Unsigned: refused like any event.
    const bad = await request(`${gw.url}/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(bad.statusCode).toBe(401)
    await bad.body.dump()
  })

  it('Dropbox challenge: echoed at once (it carries no signature)', async () => {
    up.received.length = 0
    const res = await request(`${gw.url}/dropbox?challenge=hello-dropbox`)
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('hello-dropbox')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(up.received).toHaveLength(0)
  })
})
