/**
 * Scale-out: two gateway processes share PostgreSQL (attempts) and Redis (nonces). A Standard
 * Webhooks message accepted by the first is refused by the second as replay_detected, and the
 * attempts of both appear in one /api/attempts list, whichever gateway is asked.
 * Runs the BUILT gateway (`npx tsc -b` first); skipped with the reason when it is not built.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  type GatewayProcess,
  gatewayProcessUnavailable,
  SW_SECRET,
  spawnGateway,
  writeConfig,
} from '../durability/gateway-process.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const skip = gatewayProcessUnavailable()

function signed(msgId: string, body: string) {
  const ts = new Date()
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': new Webhook(SW_SECRET).sign(msgId, ts, body),
    },
    body,
  }
}

async function listAttempts(gw: GatewayProcess, query = '') {
  const res = await fetch(`${gw.url}/api/attempts?limit=100${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(res.status).toBe(200)
  return (
    (await res.json()) as {
      attempts: { id: string; request_id: string; outcome: string; reason: string | null }[]
    }
  ).attempts
}

describe.skipIf(skip !== null)(
  `scale-out: two gateways on one PostgreSQL and Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const schema = `hw_scale_${process.pid}_${randomBytes(4).toString('hex')}`
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-scale-'))
    const gateways: GatewayProcess[] = []

    beforeAll(async () => {
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`create schema "${schema}"`)
      await admin.end()
      const config = writeConfig(dir)
      const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
      // Redis keys need no per-run prefix: every message id is random and nonces expire.
      const env = { HOOKWARDEN_DATABASE_URL: url, HOOKWARDEN_REDIS_URL: REDIS_URL }
      // Sequential starts: the second also finds the migrations done by the first.
      for (const name of ['a', 'b']) {
        const dataDir = join(dir, name)
        await import('node:fs').then((fs) => fs.mkdirSync(dataDir, { recursive: true }))
        gateways.push(await spawnGateway({ config, dataDir, env }))
      }
    }, 60_000)

    afterAll(async () => {
      for (const g of gateways) await g.stop()
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
      rmSync(dir, { recursive: true, force: true })
    })

    it('a message accepted by one gateway is replay_detected at the other; one list holds both', async () => {
      const [a, b] = gateways as [GatewayProcess, GatewayProcess]
      expect(a.output()).toMatch(/postgres/)
      const msgId = `msg_${randomBytes(12).toString('hex')}`
      const body = JSON.stringify({ type: 'invoice.paid', id: msgId })
      const req = signed(msgId, body)

      const first = await fetch(`${a.url}/hooks/sw`, {
        ...req,
        headers: { ...req.headers, 'x-request-id': `${msgId}-a` },
      })
      expect(first.status).toBe(200)
      const firstBody = (await first.json()) as { ok: boolean; attempt: string }
      expect(firstBody.ok).toBe(true)

      const replay = await fetch(`${b.url}/hooks/sw`, {
        ...req,
        headers: { ...req.headers, 'x-request-id': `${msgId}-b` },
      })
      expect(replay.status).toBe(401)
      const problem = (await replay.json()) as { reason: string; attempt: string }
      // `safe` explain still names replays; whatever the level, the record holds the reason.
      const listed = await listAttempts(a)
      const mine = listed.filter((r) => r.request_id.startsWith(msgId))
      expect(mine.map((r) => r.request_id).sort()).toEqual([`${msgId}-a`, `${msgId}-b`])
      const rejected = mine.find((r) => r.request_id === `${msgId}-b`)
      expect(rejected).toMatchObject({
        outcome: 'rejected',
        reason: 'replay_detected',
        id: problem.attempt,
      })
      expect(mine.find((r) => r.request_id === `${msgId}-a`)?.id).toBe(firstBody.attempt)
      // The other gateway sees the same list.
      const fromB = (await listAttempts(b)).filter((r) => r.request_id.startsWith(msgId))
      expect(fromB.map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort())
    })

    it('100 concurrent copies of one message across both gateways: exactly one accepted', async () => {
      const msgId = `msg_${randomBytes(12).toString('hex')}`
      const req = signed(msgId, JSON.stringify({ n: 1 }))
      const statuses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          fetch(`${(gateways[i % 2] as GatewayProcess).url}/hooks/sw`, req).then(async (r) => {
            await r.arrayBuffer()
            return r.status
          }),
        ),
      )
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s === 401)).toHaveLength(99)
    })
  },
)
