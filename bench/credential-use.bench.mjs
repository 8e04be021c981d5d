/**
 * The rotations view's store query (credentialUse: accepted attempts per 5-minute slice,
 * endpoint and matched credential) on SQLite with 1 M attempts, all inside the 7-day window
 * (the worst case: every row is read). On SQLite a statement runs on the gateway's one thread,
 * so what matters is the longest stretch the event loop is held: printed as the slowest chunk,
 * beside the whole week's wall and CPU time, and the same read in one statement (no chunks).
 * Then the reader of rotations/usage.ts as the gateway runs it: its first read (the whole
 * week), and a read 30 s later (only the attempts since the last settled slice). The baseline,
 * measured in the same rounds, is `stats()` over 24 h in hourly buckets: what the Overview
 * page already asks every 30 s.
 * `--rows N` (default 1000000), `--quick` (200000 rows, fewer rounds). `BENCH_KEEP=1` keeps the
 * database.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { newAttemptId } from '../packages/server/dist/ids.js'
import { CredentialUseReader, SLICE_MS, WEEK_MS } from '../packages/server/dist/rotations/usage.js'
import {
  CREDENTIAL_USE_CHUNK,
  credentialUse,
  credentialUseChunk,
  insertSql,
} from '../packages/server/dist/storage/queries.js'
import { toParams } from '../packages/server/dist/storage/schema.js'
import { openSqliteStore } from '../packages/server/dist/storage/sqlite.js'
import { median } from './lib/measure.mjs'

const quick = process.argv.includes('--quick')
const rowsArg = process.argv.indexOf('--rows')
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : quick ? 200_000 : 1_000_000
const roundsArg = process.argv.indexOf('--rounds')
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 3 : 7
const DAY = 86_400_000
const NOW = Date.now()

const dir = mkdtempSync(join(tmpdir(), 'hw-bench-rotations-'))

/** A record as the gateway writes one for a Standard Webhooks delivery (redacted headers). */
function record(i, at) {
  const endpoint = ['orders', 'invoices', 'shipments'][i % 3]
  const roll = (i * 7919) % 100
  const rejected = roll >= 95
  const reason = !rejected ? null : roll >= 98 ? 'credential_revoked' : 'signature_mismatch'
  return {
    id: newAttemptId(at),
    received_at: at,
    endpoint,
    tenant: 'acme',
    environment: 'production',
    method: 'POST',
    path: `/hooks/${endpoint}`,
    headers: [
      ['host', 'hooks.example.com'],
      ['user-agent', 'Make/production'],
      ['content-type', 'application/json'],
      ['webhook-id', `msg_${i.toString(36)}`],
      ['webhook-timestamp', String(Math.floor(at / 1000))],
      ['webhook-signature', 'len=47 fp:1a2b3c4d'],
      ['content-length', '2048'],
    ],
    body_size: 2048,
    body_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    body: null,
    outcome: rejected ? 'rejected' : 'accepted',
    status: rejected ? 401 : 200,
    reason,
    would_have_refused: false,
    checks: [
      { name: 'timestamp', ok: true, reason: null, detail: 'within 300 s' },
      rejected
        ? { name: 'signature', ok: false, reason, detail: 'no v1 signature matches' }
        : { name: 'signature', ok: true, reason: null, detail: 'v1 matches', key_id: 'k' },
    ],
    diagnosis: null,
    diagnosis_skipped: null,
    key_id: rejected ? null : roll < 70 ? '2026-10' : '2026-11',
    forward_status: null,
    forward_latency_ms: null,
    forward_error: null,
    request_id: `req_${i}`,
    kind: 'endpoint',
  }
}

async function fill() {
  const store = await openSqliteStore({ dataDir: dir })
  const sql = insertSql(store.db, 1)
  await store.close()
  const raw = new BetterSqlite3(join(dir, 'attempts.db'))
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = OFF')
  const insert = raw.prepare(sql)
  const batch = raw.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      // Oldest first, as they arrive: spread over the 7 days before now (minus a minute).
      const at = NOW - 7 * DAY + 60_000 + Math.floor((i * (7 * DAY - 120_000)) / ROWS)
      insert.run(toParams(record(i, at)))
    }
  })
  for (let i = 0; i < ROWS; i += 50_000) batch(i, Math.min(ROWS, i + 50_000))
  raw.pragma('wal_checkpoint(TRUNCATE)')
  raw.close()
}

/**
 * Wall ms and CPU ms of one run, and of its chunks (the stretches between two pauses, each
 * holding the event loop): the slowest and the median. CPU time is what the run itself spent;
 * on a shared machine a chunk's wall time also holds the time it was descheduled.
 */
async function timed(run) {
  const wallChunks = []
  const cpuChunks = []
  let wallStart = 0
  let cpuStart = process.cpuUsage()
  const close = () => {
    wallChunks.push(performance.now() - wallStart)
    const c = process.cpuUsage(cpuStart)
    cpuChunks.push((c.user + c.system) / 1000)
  }
  const open = () => {
    wallStart = performance.now()
    cpuStart = process.cpuUsage()
  }
  const pause = () =>
    new Promise((resolve) => {
      close()
      setImmediate(() => {
        open()
        resolve()
      })
    })
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  open()
  const result = await run(pause)
  close()
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(c0)
  return {
    result,
    wall,
    cpu: (cpu.user + cpu.system) / 1000,
    chunks: wallChunks.length,
    slowestChunk: Math.max(...wallChunks),
    slowestChunkCpu: Math.max(...cpuChunks),
    medianChunkCpu: median(cpuChunks),
  }
}

const t0 = performance.now()
await fill()
console.log(`filled ${ROWS} attempts over 7 days in ${Math.round(performance.now() - t0)} ms`)
const store = await openSqliteStore({ dataDir: dir })
const q = { from: Math.floor((NOW - WEEK_MS) / SLICE_MS) * SLICE_MS, sliceMs: SLICE_MS }
const plan = new BetterSqlite3(join(dir, 'attempts.db'), { readonly: true })
const compiled = credentialUseChunk(store.db, q, undefined, CREDENTIAL_USE_CHUNK).compile()
console.log('chunk plan:')
for (const row of plan.prepare(`explain query plan ${compiled.sql}`).all(...compiled.parameters))
  console.log(`  ${row.detail}`)
plan.close()

const runs = { week: [], stats24h: [], first: [], later: [] }
let last
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? ['stats24h', 'week', 'reader'] : ['reader', 'week', 'stats24h']
  for (const name of order) {
    if (name === 'week') {
      const m = await timed((pause) => credentialUse(store.db, q, { pause }))
      runs.week.push(m)
      last = m.result
    } else if (name === 'stats24h')
      runs.stats24h.push(await timed(() => store.stats({ since: NOW - DAY, bucketMs: 3_600_000 })))
    else {
      // A fresh reader (as a gateway just started): the whole week, then every 30 s (as the
      // Overview polls), five times.
      let now = NOW
      const reader = new CredentialUseReader(store, () => now)
      runs.first.push(await timed(() => reader.read()))
      for (let i = 1; i <= 5; i++) {
        now = NOW + i * 30_000
        runs.later.push(await timed(() => reader.read()))
      }
    }
  }
}
const one = await timed(() => credentialUse(store.db, q, { chunk: ROWS + 1 }))
const med = (name, key) => median(runs[name].map((m) => m[key]))
const ms = (x) => `${x.toFixed(1)} ms`
console.log(
  `credentialUse over the week: ${ROWS} attempts (${last.scanned} read, complete: ${last.complete}), ${CREDENTIAL_USE_CHUNK} a chunk, median of ${ROUNDS}:`,
)
console.log(
  `  whole week ${ms(med('week', 'wall'))} wall, ${ms(med('week', 'cpu'))} CPU (${(
    (1000 * med('week', 'cpu')) / ROWS
  ).toFixed(
    2,
  )} µs an attempt), ${med('week', 'chunks')} chunks; a chunk ${ms(med('week', 'medianChunkCpu'))} CPU (median), the slowest ${ms(med('week', 'slowestChunkCpu'))} CPU / ${ms(med('week', 'slowestChunk'))} wall`,
)
console.log(`  the same in one statement (no chunks): ${ms(one.wall)} holding the event loop`)
console.log(
  `  reader: first read ${ms(med('first', 'wall'))}, each read 30 s after the last ${ms(med('later', 'wall'))} wall, ${ms(med('later', 'cpu'))} CPU (median of ${runs.later.length})`,
)
console.log(
  `  baseline stats(24 h, hourly), one statement: ${ms(med('stats24h', 'wall'))}; whole week / stats ${(med('week', 'wall') / med('stats24h', 'wall')).toFixed(1)}×, read 30 s later / stats ${(med('later', 'wall') / med('stats24h', 'wall')).toFixed(3)}×`,
)
await store.close()
if (process.env.BENCH_KEEP) console.log(`kept ${dir}`)
else rmSync(dir, { recursive: true, force: true })
