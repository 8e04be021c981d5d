/**
 * The store's instance registry and the installation's fingerprint key, on SQLite and on the
 * PostgreSQL running here: a gateway's row is there while it runs (refreshed by its heartbeat)
 * and gone after a graceful close; of two gateways registering at the same moment, exactly
 * one sees the other; with PostgreSQL, the first fingerprint key offered is every gateway's.
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { HEARTBEAT_MS } from '../../src/storage/instances.js'
import { openStore } from '../../src/storage/open-store.js'
import type { AttemptStore } from '../../src/storage/types.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const root = mkdtempSync(join(tmpdir(), 'hw-instances-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const instance = (replay_claims: 'redis' | 'memory' = 'memory') => ({
  id: randomUUID(),
  host: hostname(),
  pid: process.pid,
  started_at: Date.now(),
  replay_claims,
})

interface Harness {
  /** A store as one more gateway would open it. */
  open(): Promise<AttemptStore>
  cleanup(): Promise<void>
}

function sqlite(): Harness {
  const dataDir = mkdtempSync(join(root, 'sqlite-'))
  return { open: () => openStore({ dataDir }), cleanup: async () => {} }
}

function postgres(): Harness {
  const schema = `hw_inst_${process.pid}_${randomBytes(4).toString('hex')}`
  return {
    open: () => openStore({ databaseUrl: DATABASE_URL, dataDir: '/nonexistent', schema }),
    async cleanup() {
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
    },
  }
}

for (const [kind, harness] of [
  ['sqlite', sqlite],
  ['postgres', postgres],
] as const) {
  describe(`${kind}: the instance registry`, () => {
    it('a gateway sees the others registered; a graceful close removes its row', async () => {
      const h = harness()
      try {
        const [a, b] = [await h.open(), await h.open()]
        const first = instance('redis')
        expect(await a.registerInstance?.(first)).toEqual([])
        const seen = await b.registerInstance?.(instance())
        expect(seen).toEqual([{ ...first, seen_at: expect.any(Number) }])
        await a.close()
        const c = await h.open()
        const left = await c.registerInstance?.(instance())
        expect(left?.map((o) => o.id)).not.toContain(first.id)
        expect(left).toHaveLength(1)
        await Promise.all([b.close(), c.close()])
      } finally {
        await h.cleanup()
      }
    })

    it('of two gateways registering at the same moment, exactly one sees the other', async () => {
      const h = harness()
      try {
        for (let round = 0; round < 5; round++) {
          const [a, b] = [await h.open(), await h.open()]
          const seen = await Promise.all([a, b].map((s) => s.registerInstance?.(instance())))
          expect(seen.map((s) => s?.length).sort()).toEqual([0, 1])
          await Promise.all([a.close(), b.close()])
        }
      } finally {
        await h.cleanup()
      }
    })

    it('the heartbeat refreshes the row while the gateway runs', async () => {
      const h = harness()
      try {
        const [a, b] = [await h.open(), await h.open()]
        const self = instance()
        await a.registerInstance?.(self)
        const seenAt = async () =>
          (await b.registerInstance?.(instance()))?.find((o) => o.id === self.id)?.seen_at
        const first = await seenAt()
        expect(first).toBeGreaterThanOrEqual(self.started_at)
        await vi.waitFor(async () => expect(await seenAt()).toBeGreaterThan(first as number), {
          timeout: 3 * HEARTBEAT_MS,
          interval: 500,
        })
        await Promise.all([a.close(), b.close()])
      } finally {
        await h.cleanup()
      }
    }, 30_000)
  })
}

describe('the installation fingerprint key in the store', () => {
  it('PostgreSQL: the first key offered is kept, and every later gateway gets it', async () => {
    const h = postgres()
    try {
      const [a, b] = [await h.open(), await h.open()]
      const [keyA, keyB] = [randomBytes(32), randomBytes(32)]
      const first = await a.sharedFingerprintKey?.(keyA)
      expect(Buffer.from(first as Uint8Array).equals(keyA)).toBe(true)
      const second = await b.sharedFingerprintKey?.(keyB)
      expect(Buffer.from(second as Uint8Array).equals(keyA)).toBe(true)
      await Promise.all([a.close(), b.close()])
    } finally {
      await h.cleanup()
    }
  })

  it('SQLite keeps none: its key file beside the database is the installation key', async () => {
    const store = await sqlite().open()
    expect(await store.sharedFingerprintKey?.(randomBytes(32))).toBeNull()
    await store.close()
  })
})
