/**
 * Rotation readiness end to end: `hookwarden serve` (the built CLI, its own process, SQLite
 * under a temp dir, port 0) with a Standard Webhooks endpoint mid-rotation — the old secret
 * ends in two days, the new one is unused, a retired one still sent — given requests signed by
 * the real `standardwebhooks` signer. `GET /api/rotations` counts them and says what to do,
 * without a secret anywhere; the expiry gauge follows the file after a real SIGHUP.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiRotations } from '../../src/rotations/readiness.js'
import {
  type GatewayProcess,
  gatewayProcessUnavailable,
  spawnGateway,
} from '../durability/gateway-process.js'
import { eventually } from './helpers.js'

const ADMIN = 'rotations-e2e-admin-token-4c7d1e'
const secret = (label: string) =>
  `whsec_${Buffer.from(`rotations-e2e-${label}-key-0123456`).toString('base64')}`
const OLD = secret('old')
const NEW = secret('new')
const RETIRED = secret('retired')
const DAY = 86_400_000
const GAUGE = 'hookwarden_credential_not_after_timestamp_seconds'

/** Real dates, relative to now (serve has no clock of its own to fix). */
const START = Date.now()
const oldEnds = Math.floor((START + 2 * DAY + 3_600_000) / 1000)
const newEnds = Math.floor((START + 90 * DAY) / 1000)
const oldEndsLater = Math.floor((START + 5 * DAY + 3_600_000) / 1000)

const iso = (unix: number) => new Date(unix * 1000).toISOString()
const config = (old: number, next: number | null) =>
  [
    `admin: { token: "${ADMIN}" }`,
    'endpoints:',
    '  - name: orders',
    '    path: /hooks/orders',
    '    auth:',
    '      scheme: standard_webhooks',
    '      secrets:',
    `        - { value: "${OLD}", id: "2026-10", not_after: "${iso(old)}" }`,
    `        - { value: "${NEW}", id: "2026-11"${next === null ? '' : `, not_after: "${iso(next)}"`} }`,
    `      retired: [ { value: "${RETIRED}", id: "2026-09" } ]`,
    '',
  ].join('\n')

const unavailable = gatewayProcessUnavailable()

describe.skipIf(unavailable !== null)('rotation readiness, end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hw-rotations-e2e-'))
  const file = join(dir, 'hookwarden.yaml')
  let gw: GatewayProcess
  let n = 0

  const send = async (key: string) => {
    const id = `msg_rotation_${n++}`
    const body = `{"order":${n},"note":"café"}`
    const at = new Date()
    const res = await fetch(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(key).sign(id, at, body),
        'content-type': 'application/json',
      },
      body,
    })
    await res.arrayBuffer()
    return res.status
  }
  const get = async (path: string) => {
    const res = await fetch(`${gw.url}${path}`, {
      headers: { Authorization: `Bearer ${ADMIN}` },
    })
    return { status: res.status, text: await res.text() }
  }
  const gauge = async () =>
    (await get('/metrics')).text
      .split('\n')
      .filter((l) => l.startsWith(`${GAUGE}{`))
      .sort()

  beforeAll(async () => {
    writeFileSync(file, config(oldEnds, newEnds))
    gw = await spawnGateway({ config: file, dataDir: dir })
  }, 30_000)
  afterAll(async () => {
    await gw?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('counts who sends which secret and warns before the overlap ends; no secret in the answer', async () => {
    for (let i = 0; i < 3; i++) expect(await send(OLD)).toBe(200)
    expect(await send(RETIRED)).toBe(401)
    const { status, text } = await get('/api/rotations')
    expect(status, gw.output()).toBe(200)
    for (const value of [OLD, NEW, RETIRED, OLD.slice(6), NEW.slice(6), RETIRED.slice(6)])
      expect(text).not.toContain(value)
    const r = JSON.parse(text) as ApiRotations
    const orders = r.endpoints.find((e) => e.name === 'orders')!
    expect(orders).toMatchObject({
      accepted_24h: 3,
      accepted_7d: 3,
      revoked_refusals_24h: 1,
      revoked_refusals_by_reason_24h: { signature_previous_secret: 1 },
    })
    expect(
      orders.credentials.map((c) => [
        c.label,
        c.not_after,
        c.retired,
        c.accepted_24h,
        c.refused_24h,
      ]),
    ).toEqual([
      ['2026-10', oldEnds, false, 3, 0],
      ['2026-11', newEnds, false, 0, 0],
      ['2026-09', null, true, 0, 1],
    ])
    expect(orders.credentials[0]!.last_matched_at).toBeGreaterThanOrEqual(START)
    const byCode = (code: string) => r.warnings.find((w) => w.code === code)?.message
    const deadline = `${iso(oldEnds).slice(0, 16).replace('T', ' ')} UTC`
    expect(byCode('credential_expiring_in_use')).toBe(
      `endpoint orders: credential 2026-10 stops being accepted in 2 days (${deadline}) and 3 of the last 3 accepted attempts (24 h) still used it: update the sender before then`,
    )
    expect(byCode('rotated_out_credential_used')).toBe(
      'endpoint orders: credential 2026-09 is retired but was sent once in the last 24 h (refused as signature_previous_secret): update the sender to the current credential',
    )
    expect(byCode('new_credential_unused')).toBe(
      `endpoint orders: the new credential 2026-11 has not been used yet (no accepted attempt of the last 7 days matched it): switch the senders to it before 2026-10 stops being accepted in 2 days (${deadline})`,
    )
    expect(r.warnings.map((w) => w.level)).toEqual(['error', 'warn', 'warn'])
  })

  it('the expiry gauge at start, and after a SIGHUP that moves the deadline (the stale series gone)', async () => {
    expect(await gauge()).toEqual([
      `${GAUGE}{endpoint="orders",credential="2026-10"} ${oldEnds}`,
      `${GAUGE}{endpoint="orders",credential="2026-11"} ${newEnds}`,
    ])
    const metrics = (await get('/metrics')).text
    for (const value of [OLD, NEW, RETIRED]) expect(metrics).not.toContain(value)
    writeFileSync(file, config(oldEndsLater, null))
    gw.child.kill('SIGHUP')
    const after = await eventually(async () => {
      const lines = await gauge()
      return lines.some((l) => l.endsWith(` ${oldEndsLater}`)) ? lines : null
    })
    expect(after).toEqual([`${GAUGE}{endpoint="orders",credential="2026-10"} ${oldEndsLater}`])
    const r = JSON.parse((await get('/api/rotations')).text) as ApiRotations
    expect(r.warnings.find((w) => w.code === 'credential_expiring_in_use')?.message).toContain(
      'credential 2026-10 stops being accepted in 5 days',
    )
  })
})
