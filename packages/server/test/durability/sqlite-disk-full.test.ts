/**
 * The SQLite store on a full disk, on a small tmpfs of the test's own (root only; skipped
 * otherwise): GET /readyz says the gateway cannot record and recovers by itself; lowering
 * retention and reloading frees space (the prune gives up the reserve file); a restart on a
 * full disk starts with the reserve, or says in one line which disk is full (exit 2). And a
 * new store gives a prune's pages back to the disk (auto_vacuum=INCREMENTAL); an older one says
 * once how to convert it.
 * @module
 */
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import { eventually } from '../e2e/helpers.js'
import { makeRecord } from '../storage/attempt-store.contract.js'
import { BIN, gatewayProcessUnavailable, spawnGateway } from './gateway-process.js'
import { fill, gatewayWithLogs, smallDisk } from './outage-helpers.js'

const TOKEN = 'disk-full-token-3c9e51aa'
const ADMIN = 'admin-token-for-disk-full-0123'
const root = mkdtempSync(join(tmpdir(), 'hw-disk-full-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** One endpoint that stores bodies, so that each attempt takes room. */
const config = (retention = '') => `admin: { token: "${ADMIN}" }
${retention}
endpoints:
  - name: local
    path: /local
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`

const body = JSON.stringify({ pad: 'x'.repeat(16 * 1024) })

async function post(url: string) {
  const res = await fetch(`${url}/local`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() }
}

async function readyz(url: string) {
  const res = await fetch(`${url}/readyz`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** Posts until the first 503 (every answer before it a 200); that 503 and how many were 200. */
async function postUntilFull(url: string, max = 3000) {
  let accepted = 0
  for (let i = 0; i < max; i++) {
    const a = await post(url)
    if (a.status === 503) return { refused: a, accepted }
    expect(a.status).toBe(200)
    accepted++
  }
  throw new Error(`the disk never filled in ${max} attempts`)
}

const count = (text: string, part: string) => text.split(part).length - 1

const rows = (file: string, sql: string) => {
  const db = new BetterSqlite3(file)
  try {
    return db.prepare(sql).get() as Record<string, number>
  } finally {
    db.close()
  }
}

describe('a full disk under the gateway (its own process)', () => {
  const unavailable = gatewayProcessUnavailable()
  it('/readyz 503 while full, /healthz 200; lowering retention + SIGHUP prunes with the reserve, the file shrinks, the gateway records again; a restart on the full disk starts with the reserve, then without one says which disk is full (exit 2)', {
    timeout: 180_000,
  }, async (ctx) => {
    if (unavailable) return ctx.skip(unavailable)
    const work = join(root, 'process')
    const disk = join(work, 'disk')
    const unmount = smallDisk(disk, '16m')
    if (!unmount) return ctx.skip('cannot mount a tmpfs here (root only)')
    const file = join(work, 'hookwarden.yaml')
    writeFileSync(file, config())
    const dbFile = join(disk, 'attempts.db')
    // The reserve's name is what the README tells operators.
    const reserve = join(disk, 'store-space.reserve')
    try {
      let gw = await spawnGateway({ config: file, dataDir: disk })
      try {
        // The reserve is made in the background at start: an eighth of this 16 MiB disk.
        await eventually(() => existsSync(reserve) && statSync(reserve).size === 2 * 1024 * 1024)
        expect(rows(dbFile, 'pragma auto_vacuum').auto_vacuum).toBe(2)
        expect(await readyz(gw.url)).toEqual({ status: 200, body: { ok: true } })

        const { refused, accepted } = await postUntilFull(gw.url)
        expect(accepted).toBeGreaterThan(50)
        expect(JSON.parse(refused.text).reason).toBe('store_unavailable')
        expect(Number(refused.retryAfter)).toBeGreaterThan(0)
        // Not ready (a load balancer sends the webhooks elsewhere), yet alive: a restart
        // would not cure the disk.
        const notReady = await readyz(gw.url)
        expect(notReady.status).toBe(503)
        expect(notReady.body).toMatchObject({ ok: false, store: 'attempts', failure: 'full' })
        expect(JSON.stringify(notReady.body)).not.toContain(disk)
        expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
        expect((await post(gw.url)).status).toBe(503)
        // Said once, naming the disk's file and the way out.
        const full = `the disk holding ${dbFile} is full`
        await eventually(() => gw.output().includes(full))
        expect(count(gw.output(), `"msg":"${full}`)).toBe(1)
        expect(gw.output()).toContain(`lower retention (retention.max_rows or retention.days)`)
        expect(gw.output()).toContain(`the prune gives up the reserve file ${reserve}`)
        const fullSize = statSync(dbFile).size

        // The operator lowers retention and reloads: the prune runs on the reserve's space.
        writeFileSync(file, config('retention: { max_rows: 20 }'))
        gw.child.kill('SIGHUP')
        await eventually(() => gw.output().includes('"msg":"retention pruned attempts"'), 1000)
        expect(gw.output()).toContain(`gave up the reserve file ${reserve}`)
        expect(gw.output()).not.toContain('retention failed')
        // Its pages went back to the disk, and the reserve was made again from them.
        await eventually(() => statSync(dbFile).size < fullSize / 3)
        await eventually(() => gw.output().includes(`the reserve file ${reserve} was made again`))
        expect(statSync(reserve).size).toBe(2 * 1024 * 1024)
        const after = await Promise.all(Array.from({ length: 20 }, () => post(gw.url)))
        expect(after.map((a) => a.status)).toEqual(after.map(() => 200))
        expect(await readyz(gw.url)).toEqual({ status: 200, body: { ok: true } })
        await eventually(() => gw.output().includes('the attempt store takes writes again'))
        expect(rows(dbFile, 'select count(*) as n from attempts').n).toBeLessThanOrEqual(40)
      } finally {
        await gw.stop()
      }

      // The disk fills while the gateway is stopped: the reserve lets it start (and prune).
      const filler = fill(disk, 0)
      gw = await spawnGateway({ config: file, dataDir: disk })
      try {
        await eventually(() => gw.output().includes(`gave up the reserve file ${reserve}`))
        expect(existsSync(reserve)).toBe(false)
      } finally {
        await gw.stop()
      }

      // Full again and no reserve left: one line naming the disk, exit 2, no stack trace.
      fill(disk, 0, 'filler-2')
      const run = spawnSync(process.execPath, [BIN, 'serve', '--config', file, '--port', '0'], {
        cwd: work,
        env: { ...process.env, HOOKWARDEN_DATA_DIR: disk, HOOKWARDEN_DATABASE_URL: '' },
        encoding: 'utf8',
        timeout: 30_000,
      })
      expect(run.status).toBe(2)
      const lines = run.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(
        new RegExp(
          `^hookwarden: cannot open the store \\(HOOKWARDEN_DATA_DIR\\): attempts store full: the disk holding ${dbFile} is full \\(\\d+ KiB free\\): free space on it \\([\\d.]+ MiB or more\\), then start the gateway again$`,
        ),
      )
      expect(run.stderr).not.toContain('cannot rollback')

      // Space freed: it starts again.
      unlinkSync(filler)
      gw = await spawnGateway({ config: file, dataDir: disk })
      try {
        expect((await post(gw.url)).status).toBe(200)
      } finally {
        await gw.stop()
      }
    } finally {
      unmount()
    }
  })
})

describe('a full disk under an in-process gateway', () => {
  it('with no traffic to try a commit (a load balancer sends none to a gateway not ready), /readyz turns 200 once space is freed', {
    timeout: 60_000,
  }, async (ctx) => {
    const disk = join(root, 'no-traffic')
    const unmount = smallDisk(disk, '4m')
    if (!unmount) return ctx.skip('cannot mount a tmpfs here (root only)')
    try {
      const store = await openSqliteStore({ dataDir: disk, reserveBytes: 0 })
      const gw = await gatewayWithLogs(config(), store, ADMIN)
      try {
        const filler = fill(disk, 256 * 1024)
        await postUntilFull(gw.url)
        expect((await readyz(gw.url)).status).toBe(503)
        // Still full: still not ready, however often it is asked.
        await new Promise((r) => setTimeout(r, 1100))
        expect((await readyz(gw.url)).status).toBe(503)
        truncateSync(filler, 0)
        await eventually(async () => (await readyz(gw.url)).status === 200)
        expect(gw.logs.join('\n')).toContain('the attempt store takes writes again')
        expect((await post(gw.url)).status).toBe(200)
      } finally {
        await gw.gateway.close()
      }
    } finally {
      unmount()
    }
  })
})

/** An attempt with a body of `size` bytes (what store_body keeps), the i-th of its run. */
const attempt = (i: number, size: number) =>
  makeRecord({
    received_at: 1_764_000_000_000 + i,
    body: new Uint8Array(size).fill(i % 251),
    body_size: size,
  })

describe('giving a prune’s pages back to the disk', () => {
  it('a new store is auto_vacuum=INCREMENTAL and its file shrinks after a prune', async () => {
    const dataDir = join(root, 'incremental')
    const store = await openSqliteStore({ dataDir, reserveBytes: 0 })
    try {
      await Promise.all(Array.from({ length: 2000 }, (_, i) => store.insert(attempt(i, 8192))))
      const file = join(dataDir, 'attempts.db')
      expect(rows(file, 'pragma auto_vacuum').auto_vacuum).toBe(2)
      // Everything in the file first, so that its size is the store's.
      rows(file, 'pragma wal_checkpoint(TRUNCATE)')
      const full = statSync(file).size
      expect(await store.prune({ max_rows: 100 }, Date.now())).toBe(1900)
      expect(statSync(file).size).toBeLessThan(full / 5)
      expect(rows(file, 'pragma freelist_count').freelist_count).toBe(0)
      expect(rows(file, 'select count(*) as n from attempts').n).toBe(100)
      expect(rows(file, 'pragma integrity_check').integrity_check).toBe('ok')
    } finally {
      await store.close()
    }
  })

  it('a store made with auto_vacuum off keeps its size, and the log says once how to convert it', async () => {
    const dataDir = join(root, 'legacy')
    mkdirSync(dataDir, { recursive: true })
    // What an earlier build made: WAL mode first, so auto_vacuum stays NONE.
    const legacy = new BetterSqlite3(join(dataDir, 'attempts.db'))
    legacy.pragma('journal_mode = WAL')
    legacy.close()
    const store = await openSqliteStore({ dataDir, reserveBytes: 0 })
    const notices: string[] = []
    store.onNotice = (_level, message) => notices.push(message)
    try {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => store.insert(attempt(i, 8192))))
      const file = join(dataDir, 'attempts.db')
      expect(rows(file, 'pragma auto_vacuum').auto_vacuum).toBe(0)
      rows(file, 'pragma wal_checkpoint(TRUNCATE)')
      const full = statSync(file).size
      expect(await store.prune({ max_rows: 500 }, Date.now())).toBe(500)
      expect(await store.prune({ max_rows: 100 }, Date.now())).toBe(400)
      expect(statSync(file).size).toBeGreaterThanOrEqual(full)
      const said = notices.filter((n) => n.includes('auto_vacuum off'))
      expect(said).toHaveLength(1)
      expect(said[0]).toContain(
        `stop the gateway and run once: sqlite3 '${file}' 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'`,
      )
    } finally {
      await store.close()
    }
  })
})

describe('the reserve file', () => {
  it('is made beside a new store (16 MiB on a big disk), and one cut short by a killed gateway is removed', async () => {
    const dataDir = join(root, 'reserve')
    mkdirSync(dataDir, { recursive: true })
    // A pid that names no process: one that has exited.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid
    const stale = join(dataDir, `store-space.reserve.${gone}.partial`)
    writeFileSync(stale, Buffer.alloc(4096, 1))
    const store = await openSqliteStore({ dataDir })
    await store.close()
    expect(statSync(join(dataDir, 'store-space.reserve')).size).toBe(16 * 1024 * 1024)
    expect(existsSync(stale)).toBe(false)
  })
})

describe('a transaction refused for lack of space', () => {
  it('fails with the cause (full), not with "cannot rollback - no transaction is active"', async () => {
    const dataDir = join(root, 'rollback')
    // max_page_count stands in for the disk: SQLite rolls the transaction back by itself.
    const store = await openSqliteStore({ dataDir, reserveBytes: 0, maxPageCount: 40 })
    try {
      for (let i = 0; ; i++) {
        const ok = await store.insert(attempt(i, 4096)).then(
          () => true,
          () => false,
        )
        if (!ok) break
      }
      const error = await store
        .registerInstance({
          id: 'x'.repeat(4000),
          host: 'h'.repeat(4000),
          pid: 1,
          started_at: 1,
          replay_claims: 'memory',
        })
        .then(
          () => null,
          (e: unknown) => e as { failure?: string; message: string },
        )
      expect(error).not.toBeNull()
      expect(error!.failure).toBe('full')
      expect(error!.message).toMatch(/^attempts store full: /)
      expect(error!.message).not.toContain('cannot rollback')
    } finally {
      await store.close()
    }
  })
})
