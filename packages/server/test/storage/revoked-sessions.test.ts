/**
 * Logged-out sessions on every adapter: memory, SQLite (both durability modes) and the
 * PostgreSQL running here (HOOKWARDEN_TEST_DATABASE_URL overrides; one fresh schema each).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { MemoryAttemptStore } from '../../src/storage/memory.js'
import { openStore } from '../../src/storage/open-store.js'
import { openSqliteStore, type SqliteDurability } from '../../src/storage/sqlite.js'
import { describeRevokedSessions } from './revoked-sessions.contract.js'

const TEST_DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

describeRevokedSessions('memory', () => {
  // The same store each time: a gateway restarted in the same process keeps it.
  const store = new MemoryAttemptStore()
  return {
    open: async () => {
      await store.migrate()
      return store
    },
    cleanup: async () => {},
  }
})

for (const durability of ['fdatasync', 'full'] as SqliteDurability[]) {
  describeRevokedSessions(`sqlite (${durability})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-revoked-'))
    return {
      open: () => openSqliteStore({ dataDir: dir, durability }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    }
  })
}

describeRevokedSessions('postgres', () => {
  const schema = `hw_revoked_${process.pid}_${randomBytes(4).toString('hex')}`
  return {
    open: () => openStore({ databaseUrl: TEST_DATABASE_URL, dataDir: '/nonexistent', schema }),
    cleanup: () => dropSchema(schema),
  }
})

describe('logged-out sessions in SQLite', () => {
  it('a database made before the table existed gets it at open, attempts kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwarden-revoked-'))
    const store = await openSqliteStore({ dataDir: dir })
    await store.close()
    // As a database of the previous release: the table and its migration row gone.
    const raw = new BetterSqlite3(join(dir, 'attempts.db'))
    raw.exec('drop table revoked_sessions')
    raw.prepare("delete from hookwarden_migration where name = '0003_revoked_sessions'").run()
    raw.close()
    const reopened = await openSqliteStore({ dataDir: dir })
    await reopened.revokeSession('s'.repeat(24), Date.now() + 60_000, Date.now())
    expect(await reopened.sessionRevoked('s'.repeat(24), Date.now())).toBe(true)
    await reopened.close()
    rmSync(dir, { recursive: true, force: true })
  })
})
