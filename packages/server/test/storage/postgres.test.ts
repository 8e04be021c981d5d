/**
 * The AttemptStore contract on the PostgreSQL running here, one fresh schema per harness.
 * HOOKWARDEN_TEST_DATABASE_URL overrides the default URL.
 * @module
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import { openStore } from '../../src/storage/open-store.js'
import { describeAttemptStore, makeRecord } from './attempt-store.contract.js'

export const TEST_DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A schema name unique to this run, so parallel runs never collide. */
export const uniqueSchema = () => `hw_test_${process.pid}_${randomBytes(4).toString('hex')}`

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

describeAttemptStore('postgres', () => {
  const schema = uniqueSchema()
  return {
    open: () => openStore({ databaseUrl: TEST_DATABASE_URL, dataDir: '/nonexistent', schema }),
    cleanup: () => dropSchema(schema),
  }
})

describe('postgres store', () => {
  it('is chosen by the URL and names where it is without the password', async () => {
    const schema = uniqueSchema()
    const url = new URL(TEST_DATABASE_URL)
    const store = await openStore({ databaseUrl: url.toString(), dataDir: '/nonexistent', schema })
    expect(store.describe?.()).toMatchObject({ adapter: 'postgres' })
    expect(store.describe?.().location).toContain(schema)
    await store.close()
    await dropSchema(schema)
  })

  it('honours a search_path set in the URL, even when another schema already has the tables', async () => {
    const [other, mine] = [uniqueSchema(), uniqueSchema()]
    const first = await openStore({ databaseUrl: TEST_DATABASE_URL, dataDir: '/x', schema: other })
    await first.insert(makeRecord())
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    await admin.query(`create schema "${mine}"`)
    const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${mine}`)}`
    const second = await openStore({ databaseUrl: url, dataDir: '/x' })
    expect(second.describe?.().location).toContain(`schema ${mine}`)
    expect(await second.list({})).toHaveLength(0)
    const { rows } = await admin.query(
      `select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'attempts'`,
      [mine],
    )
    expect(rows[0].n).toBe(1)
    await admin.end()
    await Promise.all([first.close(), second.close()])
    await Promise.all([dropSchema(other), dropSchema(mine)])
  })

  it('an unreachable server is StoreUnavailableError(down), password not in the message', async () => {
    const error = await openStore({
      databaseUrl: 'postgres://postgres:s3cret-pw@127.0.0.1:1/test',
      dataDir: '/nonexistent',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error).toMatchObject({ failure: 'down', store: 'attempts' })
    expect(String((error as Error).message)).not.toContain('s3cret-pw')
  })

  it('a server that goes away mid-run rejects inserts with StoreUnavailableError(down)', async () => {
    // A TCP proxy in front of PostgreSQL stands for the network or the server going away.
    const target = new URL(TEST_DATABASE_URL)
    const sockets = new Set<net.Socket>()
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => sockets.delete(s))
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const { port } = proxy.address() as net.AddressInfo
    const viaProxy = new URL(TEST_DATABASE_URL)
    viaProxy.host = `127.0.0.1:${port}`
    const schema = uniqueSchema()
    const store = await openStore({
      databaseUrl: viaProxy.toString(),
      dataDir: '/nonexistent',
      schema,
    })
    await store.insert(makeRecord())
    await new Promise<void>((r) => {
      proxy.close(() => r())
      for (const s of sockets) s.destroy()
    })
    const results = await Promise.allSettled([
      store.insert(makeRecord()),
      store.insert(makeRecord()),
    ])
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        store: 'attempts',
        failure: 'down',
      })
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError)
    }
    await expect(store.list({})).rejects.toBeInstanceOf(StoreUnavailableError)
    await store.close()
    await dropSchema(schema)
  })
})
