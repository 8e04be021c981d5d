/**
 * Picks the attempt-store adapter: PostgreSQL when a database URL is given
 * (HOOKWARDEN_DATABASE_URL), else SQLite under the data directory. Migrations run here.
 * @module
 */
import { openPostgresStore } from './postgres.js'
import { openSqliteStore, type SqliteDurability } from './sqlite.js'
import type { AttemptStore } from './types.js'

export interface OpenStoreOptions {
  /** `postgres://…`; when absent or empty, SQLite is used. */
  databaseUrl?: string | undefined
  /** Where the SQLite file lives, e.g. `./data`. */
  dataDir: string
  /** SQLite only: how each batch is made durable (default `fdatasync`). */
  sqliteDurability?: SqliteDurability
  /** PostgreSQL only: the schema holding the tables. */
  schema?: string
  /** An attempt not recorded within this many ms is answered 503 (default 5000). */
  recordTimeoutMs?: number
  /** Where the store says what no caller asked, from the start on (a long migration: F7). */
  onNotice?: AttemptStore['onNotice']
}

/**
 * Opens and migrates the store. Throws StoreUnavailableError when it cannot be reached.
 * @example
 * const store = await openStore({ databaseUrl: process.env.HOOKWARDEN_DATABASE_URL, dataDir: './data' })
 */
export async function openStore(options: OpenStoreOptions): Promise<AttemptStore> {
  const url = options.databaseUrl?.trim()
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new RangeError('HOOKWARDEN_DATABASE_URL must be a postgres:// or postgresql:// URL')
    }
    return openPostgresStore({
      databaseUrl: url,
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.recordTimeoutMs ? { recordTimeoutMs: options.recordTimeoutMs } : {}),
      ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    })
  }
  return openSqliteStore({
    dataDir: options.dataDir,
    ...(options.sqliteDurability ? { durability: options.sqliteDurability } : {}),
    ...(options.recordTimeoutMs ? { recordTimeoutMs: options.recordTimeoutMs } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  })
}
