/**
 * The logged-out sessions of the AttemptStore (admin-auth.ts checks every session cookie
 * against them), one suite for every adapter: memory, SQLite, PostgreSQL.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import type { AttemptStore } from '../../src/storage/types.js'

export interface RevocationHarness {
  /** A store over the harness's location; again: another store (a restart, a second gateway) over the same one. */
  open(): Promise<AttemptStore>
  cleanup(): Promise<void>
}

const session = () => randomBytes(18).toString('base64url')
const NOW = 1_764_000_000_000
const HOUR = 3_600_000

/** Runs the suite; `makeHarness` gives each test a location of its own. */
export function describeRevokedSessions(name: string, makeHarness: () => RevocationHarness): void {
  describe(`logged-out sessions: ${name}`, () => {
    const harnesses: RevocationHarness[] = []
    const opened: AttemptStore[] = []
    let harness: RevocationHarness
    beforeEach(() => {
      harness = makeHarness()
      harnesses.push(harness)
    })
    const open = async () => {
      const store = await harness.open()
      opened.push(store)
      return store
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => {})
    })
    afterAll(async () => {
      for (const h of harnesses) await h.cleanup()
    })

    it('a logout is recorded for that session only, and a second logout keeps it', async () => {
      const store = await open()
      const [mine, other] = [session(), session()]
      expect(await store.sessionRevoked(mine, NOW)).toBe(false)
      await store.revokeSession(mine, NOW + 12 * HOUR, NOW)
      expect(await store.sessionRevoked(mine, NOW)).toBe(true)
      expect(await store.sessionRevoked(other, NOW)).toBe(false)
      // Exact: no prefix or case folding.
      expect(await store.sessionRevoked(mine.slice(0, -1), NOW)).toBe(false)
      expect(await store.sessionRevoked(mine.toUpperCase(), NOW)).toBe(false)
      await store.revokeSession(mine, NOW + 12 * HOUR, NOW + 1000)
      expect(await store.sessionRevoked(mine, NOW + 2000)).toBe(true)
    })

    it('survives a reopen, and another store on the same location sees it at once', async () => {
      const first = await open()
      const second = await open()
      const s = session()
      await first.revokeSession(s, NOW + HOUR, NOW)
      expect(await second.sessionRevoked(s, NOW)).toBe(true)
      await first.close()
      const reopened = await open()
      expect(await reopened.sessionRevoked(s, NOW)).toBe(true)
    })

    it('a row lasts as long as its session: past the expiry it no longer counts and is pruned', async () => {
      const store = await open()
      const [short, long] = [session(), session()]
      await store.revokeSession(short, NOW + HOUR, NOW)
      await store.revokeSession(long, NOW + 12 * HOUR, NOW)
      expect(await store.sessionRevoked(short, NOW + HOUR - 1)).toBe(true)
      expect(await store.sessionRevoked(short, NOW + HOUR)).toBe(false)
      // The next logout after the expiry removes the row: even asked about an earlier time,
      // the store no longer has it. The unexpired row stays.
      await store.revokeSession(session(), NOW + 13 * HOUR, NOW + 2 * HOUR)
      expect(await store.sessionRevoked(short, NOW)).toBe(false)
      expect(await store.sessionRevoked(long, NOW + 2 * HOUR)).toBe(true)
    })

    it('many logouts at once are all recorded', async () => {
      const store = await open()
      const many = Array.from({ length: 200 }, session)
      await Promise.all(many.map((s) => store.revokeSession(s, NOW + HOUR, NOW)))
      const seen = await Promise.all(many.map((s) => store.sessionRevoked(s, NOW)))
      expect(seen.every(Boolean)).toBe(true)
    })

    it('a closed store refuses both with StoreUnavailableError (never "not logged out")', async () => {
      const store = await open()
      await store.close()
      await expect(store.revokeSession(session(), NOW + HOUR, NOW)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
      await expect(store.sessionRevoked(session(), NOW)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
    })
  })
}
