/**
 * startRetention: prunes by age and count at start and on its schedule.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PAST_LIMIT_CHECK } from '../../src/storage/compact-row.js'
import { MemoryAttemptStore } from '../../src/storage/memory.js'
import { startRetention } from '../../src/storage/retention.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { makeRecord } from './attempt-store.contract.js'

describe('startRetention', () => {
  it('prunes once at start, reports the count, and runOnce prunes again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-retention-'))
    const store = await openSqliteStore({ dataDir: dir })
    const now = 1_764_000_000_000
    const day = 86_400_000
    await Promise.all(
      [40, 20, 3, 2, 1].map((ageDays) =>
        store.insert(makeRecord({ received_at: now - ageDays * day })),
      ),
    )
    const runs: unknown[] = []
    const first = new Promise<void>((resolve) => {
      const handle = startRetention(
        store,
        { days: 30, max_rows: 3 },
        {
          now: () => now,
          onRun: (r) => {
            runs.push(r)
            resolve()
          },
        },
      )
      // The scheduled job must not keep the process alive, and stop() ends it.
      handle.stop()
    })
    await first
    expect(runs).toEqual([{ removed: 2 }])
    expect(await store.list({})).toHaveLength(3)
    const again = startRetention(store, { max_rows: 1 }, { now: () => now, runNow: false })
    expect(await again.runOnce()).toBe(2)
    again.stop()
    expect(await store.list({})).toHaveLength(1)
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('does nothing without a policy', async () => {
    const handle = startRetention({} as never, undefined)
    expect(await handle.runOnce()).toBe(0)
    handle.stop()
  })

  it('reports a failing prune through onRun instead of throwing', async () => {
    const failing = { prune: async () => Promise.reject(new Error('disk gone')) } as never
    const seen: unknown[] = []
    const handle = startRetention(
      failing,
      { days: 1 },
      { runNow: false, onRun: (r) => seen.push(r) },
    )
    expect(await handle.runOnce()).toBe(0)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toHaveProperty('error')
    handle.stop()
  })
})

describe.each([
  ['memory', async () => ({ store: new MemoryAttemptStore(), done: () => {} })],
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hookwarden-retention-'))
      const store = await openSqliteStore({ dataDir: dir })
      return { store, done: () => rmSync(dir, { recursive: true, force: true }) }
    },
  ],
])('prune by count (%s)', (_name, open) => {
  it('drops the compact rows of refusals past a limit first, oldest first, then the oldest of the rest', async () => {
    const { store, done } = await open()
    const at = 1_764_000_000_000
    const compact = (i: number) =>
      makeRecord({
        received_at: at + i,
        status: 429,
        outcome: 'rejected',
        reason: 'rate_limited',
        headers: [],
        checks: [
          {
            name: PAST_LIMIT_CHECK.name,
            ok: false,
            reason: 'rate_limited',
            detail: `${PAST_LIMIT_CHECK.detailStart} to this endpoint: recorded without its headers; the window's first refusal, recorded in full, is 01KB0000000000000000000000`,
          },
        ],
      })
    const delivery = makeRecord({ received_at: at })
    // A zero-header refusal whose check is another one is not compact: kept like the rest.
    const other = makeRecord({ received_at: at + 1, headers: [] })
    const flood = [2, 3, 4, 5, 6].map(compact)
    const later = makeRecord({ received_at: at + 7 })
    for (const r of [delivery, other, ...flood, later]) await store.insert(r)
    expect(await store.prune({ max_rows: 5 }, at)).toBe(3)
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id)
    expect(ids(await store.list({}))).toEqual(ids([later, flood[4]!, flood[3]!, other, delivery]))
    expect(await store.prune({ max_rows: 1 }, at)).toBe(4)
    expect(ids(await store.list({}))).toEqual([later.id])
    await store.close()
    done()
  })
})
