/**
 * The AttemptStore contract on SQLite (both durability modes), plus SQLite-only failures.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import { openStore } from '../../src/storage/open-store.js'
import { listQuery } from '../../src/storage/queries.js'
import { openSqliteStore, type SqliteDurability } from '../../src/storage/sqlite.js'
import { describeAttemptStore, makeRecord } from './attempt-store.contract.js'

const tempDir = () => mkdtempSync(join(tmpdir(), 'hookwarden-store-'))

for (const durability of ['fdatasync', 'full'] as SqliteDurability[]) {
  describeAttemptStore(`sqlite (${durability})`, () => {
    const dir = tempDir()
    return {
      open: () => openSqliteStore({ dataDir: dir, durability }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    }
  })
}

describe('sqlite store', () => {
  it('is the default, in WAL mode, under the data directory (created when missing)', async () => {
    const root = tempDir()
    const dir = join(root, 'nested', 'data')
    const store = await openStore({ dataDir: dir })
    await store.insert(makeRecord())
    expect(store.describe?.()).toMatchObject({
      adapter: 'sqlite',
      location: join(dir, 'attempts.db'),
    })
    await store.close()
    const raw = new BetterSqlite3(join(dir, 'attempts.db'), { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(store.describe?.().durability).toMatch(
      /WAL, synchronous=NORMAL, group commit \+ fdatasync/,
    )
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(raw.prepare('select count(*) as n from attempts').get()).toEqual({ n: 1 })
    raw.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('lists rejected attempts and reasons through the partial indexes, accepted ones too', async () => {
    const dir = tempDir()
    const store = await openSqliteStore({ dataDir: dir })
    const accepted = makeRecord({ outcome: 'accepted', reason: null })
    const rejected = makeRecord({ outcome: 'rejected', reason: 'signature_mismatch' })
    await store.insert(accepted)
    await store.insert(rejected)
    const plan = async (q: Parameters<typeof listQuery>[1]) => {
      const c = listQuery(store.db, q).compile()
      const raw = new BetterSqlite3(join(dir, 'attempts.db'), { readonly: true })
      const rows = raw.prepare(`explain query plan ${c.sql}`).all(...(c.parameters as unknown[]))
      raw.close()
      return (rows as { detail: string }[]).map((r) => r.detail).join(' | ')
    }
    expect(await plan({ outcome: 'rejected' })).toMatch(/attempts_rejected_id/)
    expect(await plan({ reason: 'signature_mismatch' })).toMatch(/attempts_reason_id_some/)
    expect((await store.list({ outcome: 'rejected' })).map((r) => r.id)).toEqual([rejected.id])
    expect((await store.list({ outcome: 'accepted' })).map((r) => r.id)).toEqual([accepted.id])
    expect((await store.list({ reason: 'signature_mismatch' })).map((r) => r.id)).toEqual([
      rejected.id,
    ])
    const raw = new BetterSqlite3(join(dir, 'attempts.db'), { readonly: true })
    const indexes = raw
      .prepare("select name from sqlite_master where type = 'index' and tbl_name = 'attempts'")
      .all()
      .map((r) => (r as { name: string }).name)
    raw.close()
    expect(indexes).not.toContain('attempts_outcome_id')
    expect(indexes).not.toContain('attempts_reason_id')
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('names synchronous=FULL when asked for it', async () => {
    const dir = tempDir()
    const store = await openSqliteStore({ dataDir: dir, durability: 'full' })
    expect(store.describe().durability).toBe('WAL, synchronous=FULL, group commit')
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a full disk rejects the batch with StoreUnavailableError(full)', async () => {
    const dir = tempDir()
    const store = await openSqliteStore({ dataDir: dir, maxPageCount: 40 })
    const big = new Uint8Array(64 * 1024)
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        store.insert(makeRecord({ body: big, body_size: big.length })),
      ),
    )
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect(rejected.length).toBeGreaterThan(0)
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(StoreUnavailableError)
      expect(r.reason).toMatchObject({
        store: 'attempts',
        failure: 'full',
        code: 'ERR_STORE_UNAVAILABLE',
      })
    }
    // The store keeps working for what fits.
    await store.insert(makeRecord())
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('an unusable data directory is StoreUnavailableError at open', async () => {
    const dir = tempDir()
    const file = join(dir, 'not-a-dir')
    await import('node:fs').then((fs) => fs.writeFileSync(file, 'x'))
    await expect(openStore({ dataDir: file })).rejects.toBeInstanceOf(StoreUnavailableError)
    rmSync(dir, { recursive: true, force: true })
  })
})
