/**
 * The admin API's reads on SQLite run in their own process (sqlite-reader.ts), never on the
 * gateway's event loop: on a store of a few hundred thousand rows, a read that walks all of
 * them leaves webhooks answered meanwhile; a read process that dies or runs past its bound
 * answers 503 and the next read gets a new one; close() leaves no process behind.
 * @module
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { signedDelivery } from '../durability/outage-helpers.js'
import { adminHeaders, eventually, type Running, startGateway } from '../e2e/helpers.js'

const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const YAML = `
endpoints:
  - name: sw
    path: /sw
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"], tolerance: 300 }
`
/** Rows in the big store: enough that reading all of them takes a good while. */
const ROWS = 300_000
/** Every row of the store, in one bucket per 31 days: a read of the whole table. */
const ALL_ROWS_STATS = `/api/stats?since=0&bucket=${31 * 86_400_000}`

const root = mkdtempSync(join(tmpdir(), 'hw-sqlite-reader-'))
const dataDir = join(root, 'big')
const dbPath = join(dataDir, 'attempts.db')
afterAll(() => rmSync(root, { recursive: true, force: true }))

beforeAll(async () => {
  // The schema from the store itself, then the rows in one statement (a few seconds).
  await (await openSqliteStore({ dataDir })).close()
  const raw = new BetterSqlite3(dbPath)
  raw
    .prepare(
      `insert into attempts (id, received_at, endpoint, tenant, environment, method, path,
         headers, body_size, body_sha256, body, outcome, status, reason, checks, request_id, kind)
       with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
       select '00' || printf('%024d', i), ? - i * 1000, 'e' || (i % 7), 't' || (i % 13),
         'production', 'POST', '/sw', '[]', 0, 'x', null,
         case i % 3 when 0 then 'rejected' else 'accepted' end, 200,
         case i % 3 when 0 then 'r' || (i % 11) end, '[]', 'req', 'endpoint'
       from n`,
    )
    .run(ROWS, Date.now())
  raw.close()
}, 120_000)

/** A valid Standard Webhooks delivery (the standardwebhooks library signs it): its status. */
async function webhook(url: string): Promise<number> {
  return (await delivered(url)).status
}

/** A valid Standard Webhooks delivery: its status and attempt id. */
async function delivered(url: string): Promise<{ status: number; attempt: string | null }> {
  const res = await fetch(`${url}/sw`, { method: 'POST', ...signedDelivery(SW_SECRET) })
  await res.arrayBuffer()
  return { status: res.status, attempt: res.headers.get('x-hookwarden-attempt') }
}

async function api(url: string, path: string) {
  const res = await request(`${url}${path}`, { headers: adminHeaders })
  return {
    status: res.statusCode,
    retryAfter: res.headers['retry-after'],
    json: (await res.body.json()) as Record<string, unknown>,
  }
}

/** Live processes whose command line names the read process and this database. */
function readProcesses(path: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    if (argv.some((a) => a.endsWith('sqlite-read-process.js')) && argv.includes(path))
      pids.push(Number(entry))
  }
  return pids
}

/** The read process of a read just sent, stopped (SIGSTOP) wherever it is in that read. */
async function readProcessStopped(): Promise<number> {
  const [pid] = await eventually(() => {
    const pids = readProcesses(dbPath)
    return pids.length > 0 ? pids : null
  })
  process.kill(pid!, 'SIGSTOP')
  return pid!
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('SQLite admin reads off the event loop', () => {
  let gw: Running
  const open = async (options: { readTimeoutMs?: number } = {}) => {
    const store = await openSqliteStore({ dataDir, ...options })
    gw = await startGateway(YAML, { store })
    return gw
  }
  const stop = async () => {
    await gw?.close()
  }

  it('webhooks are answered while a read of the whole table runs, and it then answers all rows', {
    timeout: 120_000,
  }, async () => {
    const { url } = await open()
    try {
      const events: string[] = []
      const read = api(url, ALL_ROWS_STATS).then((r) => {
        events.push('read answered')
        return r
      })
      // Held in the middle of its read until the webhooks are answered: ordered by events,
      // however fast the machine. On the gateway's thread the read would hold them all.
      const pid = await readProcessStopped()
      for (let i = 0; i < 5; i++) {
        expect(await webhook(url)).toBe(200)
        events.push('webhook answered')
      }
      process.kill(pid, 'SIGCONT')
      const answered = await read
      expect(events).toEqual([...Array(5).fill('webhook answered'), 'read answered'])
      expect(answered.status).toBe(200)
      const rows = answered.json.rows as { count: number }[]
      expect(rows.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(ROWS)
      // The read process sees what the gateway committed (a fresh snapshot per read).
      const recent = await api(url, '/api/attempts?endpoint=sw&limit=1000')
      expect((recent.json.attempts as unknown[]).length).toBe(5)
    } finally {
      await stop()
    }
  })

  it('a read process killed during a read: 503 + Retry-After, the gateway answers on, the next read gets a new process', {
    timeout: 120_000,
  }, async () => {
    const { url, logs } = await open()
    try {
      const read = api(url, ALL_ROWS_STATS)
      const pid = await readProcessStopped()
      process.kill(pid, 'SIGKILL')
      const refused = await read
      expect(refused.status).toBe(503)
      expect(refused.json.reason).toBe('store_unavailable')
      expect(Number(refused.retryAfter)).toBeGreaterThan(0)
      expect(logs.join('\n')).toMatch(
        /the SQLite read process stopped \(signal SIGKILL\) during this read; the next read starts a new one/,
      )
      expect(await webhook(url)).toBe(200)
      const next = await api(url, '/api/attempts?endpoint=sw&limit=10')
      expect(next.status).toBe(200)
      expect((next.json.attempts as unknown[]).length).toBeGreaterThan(0)
      expect(readProcesses(dbPath)).not.toContain(pid)
    } finally {
      await stop()
    }
  })

  it('a read running past its bound is answered 503 and its process killed; the next read answers', {
    timeout: 120_000,
  }, async () => {
    const { url, logs } = await open({ readTimeoutMs: 2000 })
    try {
      const slow = api(url, ALL_ROWS_STATS)
      // Held until the bound ends it: a read that would never finish.
      const pid = await readProcessStopped()
      const refused = await slow
      expect(refused.status).toBe(503)
      expect(refused.json.reason).toBe('store_unavailable')
      expect(logs.join('\n')).toMatch(
        /a read ran longer than 2000 ms and was stopped \(the gateway kept answering meanwhile\)/,
      )
      await eventually(() => !isAlive(pid))
      expect(await webhook(url)).toBe(200)
      const list = await api(url, '/api/attempts?endpoint=sw&limit=1')
      expect(list.status, JSON.stringify(list.json)).toBe(200)
      const [attempt] = list.json.attempts as { id: string }[]
      const one = await api(url, `/api/attempts/${attempt!.id}`)
      expect(one.status).toBe(200)
      expect(one.json.id).toBe(attempt!.id)
    } finally {
      await stop()
    }
  })
})

describe('the database file deleted or replaced while the read process has it open', () => {
  const readIds = (path: string): string[] => {
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
    try {
      return (db.prepare('select id from attempts').all() as { id: string }[]).map((r) => r.id)
    } finally {
      db.close()
    }
  }

  for (const how of ['deleted', 'replaced'] as const)
    it(`${how}: the new database holds every answered attempt, and the next read reads it`, {
      timeout: 60_000,
    }, async () => {
      const dir = join(root, `reopen-${how}`)
      const path = join(dir, 'attempts.db')
      const store = await openSqliteStore({ dataDir: dir, fileCheckMs: 50 })
      const gw = await startGateway(YAML, { store })
      try {
        const answered: string[] = []
        const send = async () => {
          const a = await delivered(gw.url)
          expect(a.status).toBe(200)
          answered.push(a.attempt!)
        }
        for (let i = 0; i < 3; i++) await send()
        // The read process now has the old file open.
        expect(((await api(gw.url, '/api/attempts')).json.attempts as unknown[]).length).toBe(3)
        expect(readProcesses(path).length).toBe(1)
        if (how === 'deleted')
          for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true })
        else {
          const other = new BetterSqlite3(join(dir, 'restored.db'))
          other.exec('create table unrelated (x)')
          other.close()
          renameSync(join(dir, 'restored.db'), path)
        }
        // Until a commit has found the file changed and opened a new database.
        await eventually(async () => {
          await send()
          return gw.logs.some((l) => l.includes('new database opened'))
        })
        for (let i = 0; i < 3; i++) await send()
        expect(readIds(path).sort()).toEqual([...answered].sort())
        const listed = (await api(gw.url, '/api/attempts?limit=1000')).json.attempts as {
          id: string
        }[]
        expect(listed.map((a) => a.id).sort()).toEqual([...answered].sort())
      } finally {
        await gw.close()
      }
    })
})

describe('the read process ends with the store', () => {
  it('close() kills it, a read running included (answered: store closed)', {
    timeout: 60_000,
  }, async () => {
    const store = await openSqliteStore({ dataDir })
    // Its outcome held from now on: it settles while close() runs.
    const running = store.stats({ since: 0, bucketMs: 31 * 86_400_000 }).then(
      () => 'answered',
      (error: Error) => error.message,
    )
    const pid = await readProcessStopped()
    await store.close()
    expect(isAlive(pid)).toBe(false)
    expect(await running).toMatch(/attempt store is closed/)
    await expect(store.list({ limit: 1 })).rejects.toThrow(/closed/)
  })

  const BUILT = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
  for (const how of ['closed', 'left open'] as const)
    it(`a process that read from the built store exits by itself (store ${how}), and its read process with it`, {
      timeout: 60_000,
    }, async (ctx) => {
      if (!existsSync(BUILT)) return ctx.skip('needs the built server (npx tsc -b)')
      const dir = join(root, `exit-${how.replace(' ', '-')}`)
      const script = `
        import { openSqliteStore } from ${JSON.stringify(BUILT)}
        const store = await openSqliteStore({ dataDir: ${JSON.stringify(dir)} })
        console.log(JSON.stringify(await store.list({ limit: 1 })))
        ${how === 'closed' ? 'await store.close()' : ''}
      `
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout!.on('data', (d) => {
        output += d
      })
      child.stderr!.on('data', (d) => {
        output += d
      })
      const [code] = await once(child, 'exit')
      expect(code, output).toBe(0)
      expect(output.trim()).toBe('[]')
      await eventually(() => readProcesses(join(dir, 'attempts.db')).length === 0)
    })
})
