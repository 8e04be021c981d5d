/**
 * The SQLite store under a gateway when its file misbehaves: a write lock another connection
 * or process holds (BEGIN IMMEDIATE), the file deleted or replaced, the disk full. Every
 * answered attempt ends recorded with what its sender got; a 503 leaves no record; the event
 * loop never sleeps on the lock.
 * @module
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Webhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import type { KyselyAttemptStore } from '../../src/storage/store.js'
import { eventually, startUpstream } from '../e2e/helpers.js'
import { fill, gatewayWithLogs, smallDisk } from './outage-helpers.js'

const TOKEN = 'outage-token-5b1e0c77'
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const ADMIN = 'admin-token-for-outage-tests-0123'
const root = mkdtempSync(join(tmpdir(), 'hw-sqlite-outage-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const yaml = (forward?: string) => `
endpoints:
  - name: local
    path: /local
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: sw
    path: /sw
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"], tolerance: 300 }
${forward ? `  - name: fwd\n    path: /fwd\n    forward: ${forward}\n    auth: { scheme: bearer, tokens: ["${TOKEN}"] }\n` : ''}`

async function gatewayOn(store: KyselyAttemptStore, forward?: string) {
  return { ...(await gatewayWithLogs(yaml(forward), store, ADMIN)), store }
}

async function post(url: string, headers: Record<string, string> = {}, body = '{"n":1}') {
  const started = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  })
  const text = await res.text()
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    attempt: res.headers.get('x-hookwarden-attempt'),
    text,
    ms: performance.now() - started,
  }
}

/** A signed Standard Webhooks delivery, sent as is (twice, for a replay check). */
function signed() {
  const id = `msg_${randomBytes(8).toString('hex')}`
  const body = JSON.stringify({ id })
  const ts = new Date()
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
    'webhook-signature': new Webhook(SW_SECRET).sign(id, ts, body),
  }
  return { headers, body }
}

/** Another process holding the SQLite write lock (BEGIN IMMEDIATE) for `ms`. */
async function lockInChild(path: string, ms: number): Promise<{ exited: Promise<unknown> }> {
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3')
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const D = require(${JSON.stringify(sqlitePath)}); const db = new D(process.argv[1]);
       db.exec('BEGIN IMMEDIATE'); console.log('locked');
       setTimeout(() => { db.exec('COMMIT'); db.close(); console.log('released') }, Number(process.argv[2]))`,
      path,
      String(ms),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = once(child, 'exit')
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (String(d).includes('locked')) resolve()
    })
    void exited.then(() => reject(new Error('the lock holder exited before locking')))
  })
  return { exited }
}

describe('SQLite locked by another connection or process', () => {
  it('slow forwards while the lock is held past the deadline: the results are written once it is released', {
    timeout: 30_000,
  }, async () => {
    const dataDir = join(root, 'lock-forward')
    const store = await openSqliteStore({ dataDir, recordTimeoutMs: 800 })
    const up = await startUpstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(202, { 'content-type': 'text/plain' })
        res.end('taken')
      }, 300)
    })
    const gw = await gatewayOn(store, up.url)
    const locker = new BetterSqlite3(join(dataDir, 'attempts.db'))
    try {
      const sent = Array.from({ length: 5 }, () => post(`${gw.url}/fwd`))
      // The records are in; the upstream holds the forwards: now the lock, until well after.
      await eventually(() => up.received.length === 5)
      locker.exec('BEGIN IMMEDIATE')
      const answers = await Promise.all(sent)
      for (const a of answers) expect(a.status, a.text).toBe(202)
      // A rejected attempt's diagnosis, refused the same way, is held the same way.
      const local = await post(`${gw.url}/local`).catch(() => null)
      expect(local?.status).toBe(503)
      const held = gw.gateway.context.updates!
      expect(held.held).toBe(5)
      await new Promise((r) => setTimeout(r, 500))
      locker.exec('COMMIT')
      await eventually(() => held.held === 0, 500)
      for (const a of answers) {
        const rec = await store.get(a.attempt!)
        expect(rec).toMatchObject({
          status: 202,
          forward_status: 202,
          forward_error: null,
        })
      }
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(metrics).toMatch(/^hookwarden_record_updates_held_total 5$/m)
      expect(metrics).toMatch(/^hookwarden_record_updates_pending 0$/m)
      expect(metrics).toMatch(
        /^hookwarden_refused_unavailable_total\{endpoint="local",reason="store_unavailable"\} 1$/m,
      )
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK')
      locker.close()
      await gw.gateway.close()
      await up.close()
    }
  })

  it('a diagnosis refused by the lock is held and written after it', async () => {
    const dataDir = join(root, 'lock-diagnosis')
    const store = await openSqliteStore({ dataDir, recordTimeoutMs: 300 })
    const gw = await gatewayOn(store)
    const locker = new BetterSqlite3(join(dataDir, 'attempts.db'))
    try {
      const a = await post(`${gw.url}/local`)
      expect(a.status).toBe(200)
      locker.exec('BEGIN IMMEDIATE')
      const updates = gw.gateway.context.updates!
      await updates.write(a.attempt!, { diagnosis_skipped: 'load' })
      expect(updates.held).toBe(1)
      locker.exec('COMMIT')
      await eventually(() => updates.held === 0, 500)
      expect((await store.get(a.attempt!))!.diagnosis_skipped).toBe('load')
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK')
      locker.close()
      await gw.gateway.close()
    }
  })

  it('the event loop never sleeps on the lock: /healthz stays fast, the attempt waits for it', {
    timeout: 30_000,
  }, async () => {
    const dataDir = join(root, 'lock-healthz')
    const store = await openSqliteStore({ dataDir })
    const gw = await gatewayOn(store)
    try {
      const child = await lockInChild(join(dataDir, 'attempts.db'), 1500)
      const attempt = post(`${gw.url}/local`)
      const health: number[] = []
      for (let i = 0; i < 15; i++) {
        const started = performance.now()
        const res = await fetch(`${gw.url}/healthz`)
        await res.arrayBuffer()
        health.push(performance.now() - started)
        await new Promise((r) => setTimeout(r, 50))
      }
      // busy_timeout = 1000 made each of these wait for the lock.
      expect(Math.max(...health)).toBeLessThan(150)
      const a = await attempt
      expect(a.status).toBe(200)
      expect(a.ms).toBeGreaterThan(1000)
      expect(await store.get(a.attempt!)).toMatchObject({ status: 200 })
      await child.exited
    } finally {
      await gw.gateway.close()
    }
  })

  it('a lock held past the deadline: 503 + Retry-After, nothing recorded, the replay claim given back', {
    timeout: 30_000,
  }, async () => {
    const dataDir = join(root, 'lock-deadline')
    const store = await openSqliteStore({ dataDir, recordTimeoutMs: 700 })
    const gw = await gatewayOn(store)
    try {
      const child = await lockInChild(join(dataDir, 'attempts.db'), 2000)
      const delivery = signed()
      const refused = await post(`${gw.url}/sw`, delivery.headers, delivery.body)
      expect(refused.status).toBe(503)
      expect(Number(refused.retryAfter)).toBeGreaterThan(0)
      expect(JSON.parse(refused.text).reason).toBe('store_unavailable')
      expect(refused.ms).toBeLessThan(2000)
      await child.exited
      // The sender's retry, byte for byte the same: not a replay, since nothing was answered.
      const retried = await post(`${gw.url}/sw`, delivery.headers, delivery.body)
      expect(retried.status, retried.text).toBe(200)
      const rows = await store.list({ limit: 100 })
      expect(rows.map((r) => r.status)).toEqual([200])
    } finally {
      await gw.gateway.close()
    }
  })
})

describe('the SQLite file deleted or replaced while the gateway runs', () => {
  const readIds = (path: string): string[] => {
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
    try {
      return (db.prepare('select id from attempts').all() as { id: string }[]).map((r) => r.id)
    } finally {
      db.close()
    }
  }

  for (const how of ['deleted', 'replaced'] as const)
    it(`${how}: a new database at the path holds every answered attempt`, async () => {
      const dataDir = join(root, `file-${how}`)
      const path = join(dataDir, 'attempts.db')
      const store = await openSqliteStore({ dataDir, fileCheckMs: 50 })
      const gw = await gatewayOn(store)
      try {
        const answered: string[] = []
        const send = async () => {
          const a = await post(`${gw.url}/local`)
          expect(a.status, a.text).toBe(200)
          answered.push(a.attempt!)
        }
        for (let i = 0; i < 3; i++) await send()
        if (how === 'deleted')
          for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true })
        else {
          const other = new BetterSqlite3(join(dataDir, 'restored.db'))
          other.exec('create table unrelated (x)')
          other.close()
          renameSync(join(dataDir, 'restored.db'), path)
        }
        // At once (before the next check), and after it.
        await send()
        await new Promise((r) => setTimeout(r, 150))
        for (let i = 0; i < 3; i++) await send()
        expect(readIds(path).sort()).toEqual([...answered].sort())
        const said = gw.logs.filter((l) => l.includes(path) && l.includes('"level":50'))
        expect(said.length).toBe(1)
        expect(said[0]).toMatch(how === 'deleted' ? /was deleted/ : /was replaced/)
      } finally {
        await gw.gateway.close()
      }
      // What a restart reads.
      const reopened = await openSqliteStore({ dataDir })
      expect((await reopened.list({ limit: 100 })).length).toBe(7)
      await reopened.close()
    })
})

describe('a full disk', () => {
  it('answers 503 + Retry-After while full, and records again once space is freed (no restart)', {
    timeout: 30_000,
  }, async (ctx) => {
    const mount = join(root, 'small-disk')
    const unmount = smallDisk(mount, '2m')
    if (!unmount) return ctx.skip('cannot mount a tmpfs here (root only)')
    try {
      // No reserve file (sqlite-disk-full.test.ts has it): made in the background, it would
      // race the filler for the disk's last space.
      const store = await openSqliteStore({ dataDir: mount, reserveBytes: 0 })
      const gw = await gatewayOn(store)
      try {
        const body = JSON.stringify({ pad: 'x'.repeat(1000) })
        const filler = fill(mount, 256 * 1024)
        let full: Awaited<ReturnType<typeof post>> | null = null
        let answered = 0
        for (let i = 0; i < 2000 && !full; i++) {
          const a = await post(`${gw.url}/local`, {}, body)
          if (a.status === 503) full = a
          else {
            expect(a.status).toBe(200)
            answered++
          }
        }
        expect(full, 'the disk never filled').not.toBeNull()
        expect(answered).toBeGreaterThan(10)
        expect(Number(full!.retryAfter)).toBeGreaterThan(0)
        expect(JSON.parse(full!.text).reason).toBe('store_unavailable')
        // Still full: still 503, never a 2xx for an attempt not recorded.
        expect((await post(`${gw.url}/local`, {}, body)).status).toBe(503)
        // The operator frees a little space. The WAL, which on a disk this small never reaches
        // its checkpoint size, would grow into it and fill it again within a few commits; the
        // TRUNCATE checkpoint tried at the full disk gives its space back instead.
        truncateSync(filler, Math.max(0, statSync(filler).size - 192 * 1024))
        const after: number[] = []
        for (let i = 0; i < 100; i++) after.push((await post(`${gw.url}/local`, {}, body)).status)
        expect(after).toEqual(after.map(() => 200))
        expect((await store.list({ limit: 1000 })).length).toBe(answered + 100)
      } finally {
        await gw.gateway.close()
      }
    } finally {
      unmount()
    }
  })
})
