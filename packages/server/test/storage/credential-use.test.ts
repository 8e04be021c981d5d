/**
 * credentialUse() — accepted attempts per slice, endpoint and matched credential, and refusals
 * for a rotated-out credential — on every store (memory, SQLite, PostgreSQL), through the one
 * Kysely query path; its chunked read (bounded statements, a row cap); and the reader that
 * keeps settled slices (rotations/usage.ts) on top of each store.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { attemptIdFloor } from '../../src/ids.js'
import {
  CredentialUseReader,
  REREAD_MS,
  SLICE_MS,
  USAGE_TTL_MS,
  WEEK_MS,
} from '../../src/rotations/usage.js'
import { MemoryAttemptStore } from '../../src/storage/memory.js'
import { openStore } from '../../src/storage/open-store.js'
import { credentialUse, credentialUseChunk } from '../../src/storage/queries.js'
import type { KyselyAttemptStore } from '../../src/storage/store.js'
import type {
  AttemptRecord,
  AttemptStore,
  CredentialUseQuery,
  CredentialUseRow,
} from '../../src/storage/types.js'
import { makeRecord } from './attempt-store.contract.js'

const TEST_DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** A schema of this run's own: parallel runs never meet. */
const uniqueSchema = () => `hw_test_rot_${process.pid}_${randomBytes(4).toString('hex')}`
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

/** A fixed "now" on a slice boundary plus a little, so that slices are easy to name. */
const NOW = Math.floor(Date.UTC(2026, 10, 28, 12, 0, 0) / SLICE_MS) * SLICE_MS + 90_000
const HOUR = 3_600_000

let seq = 0
/** A real attempt id for an attempt received at `t`: its millisecond, then a unique tail. */
function idAt(t: number): string {
  seq++
  return attemptIdFloor(t).slice(0, 10) + String(seq).padStart(16, '0')
}

function attempt(t: number, over: Partial<AttemptRecord> = {}): AttemptRecord {
  return makeRecord({ id: idAt(t), received_at: t, key_id: '2026-10', ...over })
}

interface Harness {
  name: string
  open(): Promise<AttemptStore>
  cleanup(): Promise<void>
}

const harnesses: Harness[] = [
  { name: 'memory', open: async () => new MemoryAttemptStore(), cleanup: async () => {} },
  (() => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-credential-use-'))
    let n = 0
    return {
      name: 'sqlite',
      open: () => openStore({ dataDir: join(dir, String(n++)) }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    }
  })(),
  (() => {
    const schemas: string[] = []
    return {
      name: 'postgres',
      open: () => {
        const schema = uniqueSchema()
        schemas.push(schema)
        return openStore({ databaseUrl: TEST_DATABASE_URL, dataDir: '/nonexistent', schema })
      },
      cleanup: async () => {
        for (const s of schemas) await dropSchema(s)
      },
    }
  })(),
]

/** Rows sorted and keyed, so that stores that group in another order compare equal. */
const sorted = (rows: CredentialUseRow[]) =>
  [...rows].sort((a, b) =>
    JSON.stringify([a.slice, a.endpoint, a.key_id, a.outcome, a.reason]).localeCompare(
      JSON.stringify([b.slice, b.endpoint, b.key_id, b.outcome, b.reason]),
    ),
  )

const slice = (t: number) => Math.floor(t / SLICE_MS) * SLICE_MS

for (const h of harnesses) {
  describe(`credentialUse on ${h.name}`, () => {
    const stores: AttemptStore[] = []
    const open = async () => {
      const s = await h.open()
      stores.push(s)
      return s
    }
    afterAll(async () => {
      for (const s of stores) await s.close().catch(() => {})
      await h.cleanup()
    })

    it('counts accepted attempts per slice, endpoint and credential, and rotated-out refusals only', async () => {
      const store = await open()
      const t1 = NOW - 2 * HOUR
      const t2 = NOW - 20 * 60_000
      const records = [
        attempt(NOW - 8 * 86_400_000), // before the range
        attempt(t1, { key_id: '2026-10' }),
        attempt(t1 + 1000, { key_id: '2026-10' }),
        attempt(t1 + 2000, { key_id: '2026-11' }),
        attempt(t1 + 3000, { key_id: null }),
        attempt(t1 + 4000, { endpoint: 'invoices', key_id: '2026-10' }),
        attempt(t1 + 5000, { endpoint: null, key_id: null, kind: 'inspect' }),
        attempt(t2, {
          outcome: 'rejected',
          status: 401,
          reason: 'credential_revoked',
          key_id: null,
        }),
        attempt(t2 + 1000, {
          outcome: 'rejected',
          status: 401,
          reason: 'signature_previous_secret',
          key_id: null,
        }),
        attempt(t2 + 2000, {
          outcome: 'rejected',
          status: 401,
          reason: 'signature_mismatch',
          key_id: null,
        }),
        attempt(t2 + 3000, { key_id: '2026-10' }),
      ]
      for (const r of records) await store.insert(r)
      const use = await store.credentialUse({ from: NOW - 7 * 86_400_000, sliceMs: SLICE_MS })
      expect(use.complete).toBe(true)
      // Every attempt of the range is read, those not counted (no endpoint, another reason) too.
      expect(use.scanned).toBe(records.length - 1)
      expect(use.oldest).toBe(t1)
      const row = (over: Partial<CredentialUseRow>): CredentialUseRow => ({
        slice: slice(t1),
        endpoint: 'orders',
        key_id: '2026-10',
        outcome: 'accepted',
        reason: null,
        count: 1,
        last_at: t1,
        ...over,
      })
      expect(sorted(use.rows)).toEqual(
        sorted([
          row({ count: 2, last_at: t1 + 1000 }),
          row({ key_id: '2026-11', last_at: t1 + 2000 }),
          row({ key_id: null, last_at: t1 + 3000 }),
          row({ endpoint: 'invoices', last_at: t1 + 4000 }),
          row({
            slice: slice(t2),
            key_id: null,
            outcome: 'rejected',
            reason: 'credential_revoked',
            last_at: t2,
          }),
          row({
            slice: slice(t2),
            key_id: null,
            outcome: 'rejected',
            reason: 'signature_previous_secret',
            last_at: t2 + 1000,
          }),
          row({ slice: slice(t2), last_at: t2 + 3000 }),
        ]),
      )
      // `until` bounds the range from above.
      const before = await store.credentialUse({
        from: NOW - 7 * 86_400_000,
        until: t2,
        sliceMs: SLICE_MS,
      })
      expect(before.rows.every((r) => r.slice === slice(t1))).toBe(true)
      expect(before.scanned).toBe(6)
    })

    it('reads in chunks with the same result, and stops at the row cap saying so', async () => {
      const store = await open()
      const start = NOW - 3 * HOUR
      for (let i = 0; i < 23; i++)
        await store.insert(
          attempt(start + i * 7 * 60_000, { key_id: i % 3 === 0 ? '2026-11' : '2026-10' }),
        )
      const q: CredentialUseQuery = { from: NOW - 86_400_000, sliceMs: SLICE_MS }
      const whole = await store.credentialUse(q)
      expect(whole).toMatchObject({ scanned: 23, complete: true, oldest: start })
      if (h.name === 'memory') return
      const db = (store as KyselyAttemptStore).db
      let pauses = 0
      const chunked = await credentialUse(db, q, {
        chunk: 4,
        pause: async () => {
          pauses++
        },
      })
      expect(sorted(chunked.rows)).toEqual(sorted(whole.rows))
      expect(chunked).toMatchObject({ scanned: 23, complete: true, oldest: start })
      // 23 rows in chunks of 4: six statements, a pause between each two.
      expect(pauses).toBe(5)
      const capped = await credentialUse(db, q, { chunk: 4, maxRows: 10 })
      expect(capped).toMatchObject({ scanned: 10, complete: false })
      // The ten newest: received from the 14th attempt on.
      expect(capped.oldest).toBe(start + 13 * 7 * 60_000)
      expect(capped.rows.reduce((n, r) => n + r.count, 0)).toBe(10)
    })

    if (h.name === 'sqlite')
      it('walks the primary key over the range: no scan of the table', async () => {
        const store = (await open()) as KyselyAttemptStore
        await store.insert(attempt(NOW - HOUR))
        const c = credentialUseChunk(
          store.db,
          { from: NOW - WEEK_MS, sliceMs: SLICE_MS },
          idAt(NOW),
          5000,
        ).compile()
        const file = (store.describe?.().location ?? '') as string
        const raw = new BetterSqlite3(file, { readonly: true })
        const plan = raw
          .prepare(`explain query plan ${c.sql}`)
          .all(...(c.parameters as unknown[])) as { detail: string }[]
        raw.close()
        const details = plan.map((p) => p.detail).join('\n')
        expect(details).toMatch(
          /SEARCH attempts USING INDEX sqlite_autoindex_attempts_1 \(id>\? AND id<\?\)/,
        )
        expect(details).not.toMatch(/SCAN attempts/)
      })

    it('the reader moves its windows: an attempt leaves the 24 h, then the week, between reads', async () => {
      const store = await open()
      let now = NOW
      const reader = new CredentialUseReader(store, () => now)
      // Two minutes inside the last 24 h, and two minutes inside the week.
      await store.insert(attempt(NOW - 86_400_000 + 2 * 60_000, { key_id: 'old' }))
      await store.insert(attempt(NOW - WEEK_MS + 2 * 60_000, { key_id: 'oldest' }))
      await store.insert(attempt(NOW - 3 * HOUR, { key_id: 'old' }))
      const of = (u: Awaited<ReturnType<typeof reader.read>>, key: string) =>
        u.totals.find((t) => t.key_id === key)
      const first = await reader.read()
      expect(of(first, 'old')).toMatchObject({ week: 2, day: 2, last_at: NOW - 3 * HOUR })
      expect(of(first, 'oldest')).toMatchObject({ week: 1, day: 0 })
      // 10 minutes on (before the whole re-read): both have left a window.
      now = NOW + 10 * 60_000
      expect(now - NOW).toBeLessThan(REREAD_MS)
      const later = await reader.read()
      expect(later.totals).toHaveLength(1)
      expect(of(later, 'old')).toMatchObject({ week: 2, day: 1, last_at: NOW - 3 * HOUR })
      // The same as a reader that reads the whole week at that moment.
      const fresh = await new CredentialUseReader(store, () => now).read()
      expect(fresh.totals).toEqual(later.totals)
    })

    it('the reader keeps settled slices: a second read within 30 s asks nothing, a later one only the last minutes', async () => {
      const store = await open()
      const calls: CredentialUseQuery[] = []
      // The real store, its calls noted (the reader's queries are what is asserted).
      const noted = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'credentialUse')
            return (q: CredentialUseQuery) => {
              calls.push(q)
              return target.credentialUse(q)
            }
          return Reflect.get(target, prop, receiver)
        },
      })
      let now = NOW
      const reader = new CredentialUseReader(noted, () => now)
      await store.insert(attempt(NOW - 3 * 86_400_000, { key_id: '2026-10' }))
      await store.insert(attempt(NOW - 2 * HOUR, { key_id: '2026-10' }))
      await store.insert(attempt(NOW - 60_000, { key_id: '2026-11' }))
      const first = await reader.read()
      expect(calls).toEqual([{ from: slice(NOW - WEEK_MS), sliceMs: SLICE_MS }])
      const by = (key: string | null) =>
        first.totals.find((t) => t.key_id === key && t.outcome === 'accepted')
      expect(by('2026-10')).toMatchObject({ week: 2, day: 1, last_at: NOW - 2 * HOUR })
      expect(by('2026-11')).toMatchObject({ week: 1, day: 1, last_at: NOW - 60_000 })
      expect(first).toMatchObject({
        read_at: NOW,
        week_since: slice(NOW - WEEK_MS),
        day_since: slice(NOW - 86_400_000),
        counted_since: slice(NOW - WEEK_MS),
      })

      // Within the answer's lifetime: the same answer, the store not asked.
      now = NOW + USAGE_TTL_MS - 1
      expect(await reader.read()).toBe(first)
      expect(calls).toHaveLength(1)

      // Later: only the attempts since the last settled slice are read.
      await store.insert(attempt(NOW + 40_000, { key_id: '2026-11' }))
      now = NOW + USAGE_TTL_MS
      const second = await reader.read()
      expect(calls).toHaveLength(2)
      expect(calls[1]!.from).toBe(slice(NOW - 5 * 60_000))
      expect(
        second.totals.find((t) => t.key_id === '2026-11' && t.outcome === 'accepted'),
      ).toMatchObject({ week: 2, day: 2, last_at: NOW + 40_000 })

      // Two readers at once share one read.
      now = NOW + 2 * USAGE_TTL_MS
      const [a, b] = await Promise.all([reader.read(), reader.read()])
      expect(a).toBe(b)
      expect(calls).toHaveLength(3)

      // A slice kept is read again at the whole re-read: a prune (retention) shows then.
      await store.prune({ days: 1 }, NOW)
      now = NOW + REREAD_MS
      const reread = await reader.read()
      expect(calls.at(-1)!.from).toBe(slice(now - WEEK_MS))
      expect(
        reread.totals.find((t) => t.key_id === '2026-10' && t.outcome === 'accepted'),
      ).toMatchObject({ week: 1, day: 1 })
    })
  })
}
