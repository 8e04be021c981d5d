/**
 * Every query the admin API and retention run reads a bounded range of an index, never the
 * whole table (red team 7, F1–F4, F8): SQLite's EXPLAIN QUERY PLAN, and PostgreSQL's EXPLAIN on
 * a table of 20 000 attempts over 35 days (analysed, so the planner weighs real sizes).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { Compilable } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attemptIdFloor } from '../../src/ids.js'
import { STATS_SLOT_MS } from '../../src/storage/migrations.js'
import { openPostgresStore } from '../../src/storage/postgres.js'
import { deleteStep, walkStep } from '../../src/storage/prune-attempts.js'
import { listQuery, statsBySlotQuery, statsFromRows } from '../../src/storage/queries.js'
import { openSqliteStore } from '../../src/storage/sqlite.js'
import type { KyselyAttemptStore } from '../../src/storage/store.js'
import type { AttemptQuery, AttemptRecord } from '../../src/storage/types.js'
import { makeRecord } from './attempt-store.contract.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const NOW = 1_796_000_000_000
const DAY = 86_400_000
const ROWS = 20_000
/** An older id, as a deep "older" page or a retention cursor passes. */
const CURSOR = `${attemptIdFloor(NOW - 30 * DAY).slice(0, 10)}0000000000000000`
/** An id 200 attempts after CURSOR: a retention chunk is the range between them. */
const AFTER_CURSOR = `${attemptIdFloor(NOW - 30 * DAY + 200 * ((35 * DAY) / ROWS)).slice(0, 10)}0000000000000000`
/** Retention by age's bound (14 days). */
const BOUND = attemptIdFloor(NOW - 14 * DAY)

/**
 * 20 000 attempts over 35 days: 5 endpoints, 4 tenants, 3 environments, a third refused, a
 * tenth of those compact; one in 400 of an endpoint since removed, for a rare tenant, in a rare
 * environment, refused for a rare reason (values a filter finds few of, as the red team's).
 */
function bigStore(): AttemptRecord[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const rejected = i % 3 === 0
    const compact = i % 30 === 0
    const rare = i % 400 === 9
    let reason: string | null = null
    if (rejected) reason = rare ? 'rare_reason' : compact ? 'rate_limited' : 'signature_mismatch'
    return makeRecord({
      received_at: NOW - 35 * DAY + Math.floor((i * 35 * DAY) / ROWS),
      endpoint: rare ? 'legacy' : `endpoint-${i % 5}`,
      tenant: rare ? 'wayne' : `tenant-${i % 4}`,
      environment: rare ? 'rare-env' : `env-${i % 3}`,
      outcome: rejected ? 'rejected' : 'accepted',
      status: rejected ? 401 : 200,
      reason,
      ...(compact ? { headers: [] } : {}),
    })
  })
}

/** The list shapes the dashboard asks (Attempts page, its 3-s live check, custom ranges). */
const LIST_SHAPES: [string, AttemptQuery, RegExp][] = [
  ['tenant (a typo)', { tenant: 'nosuch' }, /attempts_tenant_id/],
  ['tenant (rare)', { tenant: 'wayne' }, /attempts_tenant_id/],
  ['environment (rare)', { environment: 'rare-env' }, /attempts_environment_id/],
  ['endpoint (rare)', { endpoint: 'legacy' }, /attempts_endpoint_id/],
  ['reason (rare)', { reason: 'rare_reason' }, /attempts_reason_id_some/],
  ['live check', { since: NOW - 10_000 }, /attempts_pkey|sqlite_autoindex_attempts_1/],
  ['live check + tenant', { since: NOW - 10_000, tenant: 'tenant-1' }, /attempts_tenant_id/],
  [
    'live check + environment',
    { since: NOW - 10_000, environment: 'env-1' },
    /attempts_environment_id/,
  ],
  [
    'live check + endpoint',
    { since: NOW - 10_000, endpoint: 'endpoint-1' },
    /attempts_endpoint_id/,
  ],
  ['live check + refused', { since: NOW - 10_000, outcome: 'rejected' }, /attempts_rejected_id/],
  [
    'live check + reason',
    { since: NOW - 10_000, reason: 'rate_limited' },
    /attempts_reason_id_some/,
  ],
  [
    'range 20 d..10 d ago',
    { since: NOW - 20 * DAY, until: NOW - 10 * DAY },
    /attempts_pkey|sqlite_autoindex_attempts_1/,
  ],
  [
    'range 30 d..29 d ago + tenant',
    { since: NOW - 30 * DAY, until: NOW - 29 * DAY, tenant: 'wayne' },
    /attempts_tenant_id/,
  ],
  ['older page + refused', { before: CURSOR, outcome: 'rejected' }, /attempts_rejected_id/],
]

describe('SQLite: every query reads a bounded range of an index', () => {
  let dir: string
  let store: KyselyAttemptStore
  let raw: BetterSqlite3.Database
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookwarden-plans-'))
    store = await openSqliteStore({ dataDir: dir })
    const rows = bigStore()
    for (let i = 0; i < rows.length; i += 1000)
      await Promise.all(rows.slice(i, i + 1000).map((r) => store.insert(r)))
    raw = new BetterSqlite3(join(dir, 'attempts.db'), { readonly: true })
  })
  afterAll(async () => {
    raw?.close()
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const plan = (query: Compilable<unknown>) => {
    const c = query.compile()
    return (
      raw.prepare(`explain query plan ${c.sql}`).all(...(c.parameters as unknown[])) as {
        detail: string
      }[]
    ).map((r) => r.detail)
  }

  it.each(LIST_SHAPES)('list %s: a SEARCH within its bounds, no sort', (_name, q, index) => {
    const lines = plan(listQuery(store.db, { ...q, limit: 100 }))
    // One line: an index searched with its constraints, read newest first (no sort).
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^SEARCH attempts USING INDEX \w+ \(.+\)$/)
    expect(lines[0]).toMatch(index)
    // A time bound is an id bound too: the search ends there.
    if (q.since !== undefined) expect(lines[0]).toMatch(/id>\?/)
    if (q.until !== undefined) expect(lines[0]).toMatch(/id<\?/)
  })

  it('the first page and the refused filter walk an index newest first, up to the limit', () => {
    // Every entry of these indexes matches: the walk stops after `limit` of them.
    expect(plan(listQuery(store.db, { limit: 100 }))).toEqual([
      'SCAN attempts USING INDEX sqlite_autoindex_attempts_1',
    ])
    expect(plan(listQuery(store.db, { limit: 100, outcome: 'rejected' }))).toEqual([
      'SCAN attempts USING INDEX attempts_rejected_id',
    ])
  })

  it('stats: the 5-minute slots of a range of attempts_counts_slot, no row of the table read', () => {
    const query = statsBySlotQuery(
      store.db,
      Math.ceil((NOW - 7 * DAY) / STATS_SLOT_MS),
      6 * 3600_000,
    )
    const lines = plan(query)
    const search = lines.findIndex((l) =>
      /^SEARCH attempts USING (COVERING )?INDEX attempts_counts_slot \(<expr>>\?\)$/.test(l),
    )
    expect(search, lines.join(' | ')).toBeGreaterThanOrEqual(0)
    expect(lines.some((l) => /SCAN attempts\b/.test(l))).toBe(false)
    // The GROUP BY of the slots reads the index in its order: a temporary B-tree only sums
    // the slot rows into buckets (after `SCAN per_slot`), it never sorts the attempts.
    const outer = lines.indexOf('SCAN per_slot')
    expect(outer).toBeGreaterThan(search)
    lines.forEach((l, i) => {
      if (/TEMP B-TREE/.test(l)) expect(i).toBeGreaterThan(outer)
    })
    // No column read from the table itself: the index holds all it needs.
    const c = query.compile()
    const ops = raw.prepare(`explain ${c.sql}`).all(...(c.parameters as unknown[])) as {
      opcode: string
      p1: number
      p2: number
    }[]
    const { rootpage } = raw
      .prepare("select rootpage from sqlite_master where type = 'table' and name = 'attempts'")
      .get() as { rootpage: number }
    const table = ops.filter((o) => o.opcode === 'OpenRead' && o.p2 === rootpage).map((o) => o.p1)
    expect(ops.filter((o) => o.opcode === 'Column' && table.includes(o.p1))).toEqual([])
  })

  it('stats of a bucket that is not whole slots: a range of attempts_received_at', () => {
    const lines = plan(statsFromRows(store.db, NOW - DAY, undefined, 7_000))
    expect(lines[0]).toBe('SEARCH attempts USING INDEX attempts_received_at (received_at>?)')
  })

  it('retention: every walk and delete is a range from its cursor up to its bound', () => {
    const pk = 'sqlite_autoindex_attempts_1'
    // By age, the first chunk: from the oldest row to the cutoff's id; each later one after
    // the last id of the one before.
    expect(plan(walkStep(store.db, 'all', undefined, 200, { below: BOUND }))).toContain(
      `SEARCH attempts USING COVERING INDEX ${pk} (id<?)`,
    )
    expect(plan(walkStep(store.db, 'all', CURSOR, 200, { below: BOUND }))).toContain(
      `SEARCH attempts USING COVERING INDEX ${pk} (id>? AND id<?)`,
    )
    expect(plan(deleteStep(store.db, 'all', CURSOR, AFTER_CURSOR))).toEqual([
      `SEARCH attempts USING INDEX ${pk} (id>? AND id<?)`,
    ])
    // Compact rows: their own index, from the cursor.
    expect(plan(walkStep(store.db, 'compact', CURSOR, 200))).toContain(
      'SEARCH attempts USING INDEX attempts_compact_id (id>?)',
    )
    expect(plan(deleteStep(store.db, 'compact', CURSOR, AFTER_CURSOR))).toEqual([
      'SEARCH attempts USING INDEX attempts_compact_id (id>? AND id<?)',
    ])
    // Where a by-count delete ends: a walk of the primary key's entries from the cursor.
    expect(plan(walkStep(store.db, 'all', CURSOR, 5000))).toContain(
      `SEARCH attempts USING COVERING INDEX ${pk} (id>?)`,
    )
  })
})

/** Node types, index names and index conditions of a PostgreSQL JSON plan, depth first. */
function planNodes(node: Record<string, unknown>, out: string[] = []): string[] {
  const index = node['Index Name'] ? ` ${node['Index Name']}` : ''
  const cond = node['Index Cond'] ? ` ${node['Index Cond']}` : ''
  out.push(`${node['Node Type']}${index}${cond}`)
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
    planNodes(child, out)
  return out
}

describe('PostgreSQL: every query reads a bounded range of an index', () => {
  const schema = `hw_plans_${process.pid}_${randomBytes(4).toString('hex')}`
  let store: KyselyAttemptStore
  let client: pg.Client
  beforeAll(async () => {
    store = await openPostgresStore({ databaseUrl: DATABASE_URL, schema })
    client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`set search_path = "${schema}"`)
    // One statement for the 20 000 rows (inserting them one by one takes the test's time).
    const rows = bigStore()
    const columns = ['id', 'received_at', 'endpoint', 'tenant', 'environment', 'outcome']
    await client.query(
      `insert into attempts (${columns.join(', ')}, status, reason, headers, method, path, body_size, body_sha256, checks, request_id, kind)
       select *, 'POST', '/x', 0, '', '[]', 'r', 'endpoint'
       from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[])`,
      [
        ...columns.map((c) => rows.map((r) => r[c as keyof AttemptRecord])),
        rows.map((r) => r.status),
        rows.map((r) => r.reason),
        rows.map((r) => JSON.stringify(r.headers)),
      ],
    )
    // What autovacuum does on a live store (it is off on the test server): statistics, and
    // the visibility map that lets a covering index be read without the table.
    await client.query('vacuum analyze attempts')
  })
  afterAll(async () => {
    await store?.close()
    await client?.query(`drop schema if exists "${schema}" cascade`)
    await client?.end()
  })
  const plan = async (query: Compilable<unknown>) => {
    const c = query.compile()
    const { rows } = await client.query(`explain (format json) ${c.sql}`, c.parameters as unknown[])
    return planNodes((rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan)
  }

  it.each(LIST_SHAPES)('list %s: an index range, no sequential scan', async (_name, q, index) => {
    const nodes = (await plan(listQuery(store.db, { ...q, limit: 100 }))).join(' | ')
    expect(nodes).not.toMatch(/Seq Scan/)
    // A time bound ends the range. (PostgreSQL may walk the primary key newest first rather
    // than the filter's index when the filter matches many rows: the bound ends either.)
    if (q.since !== undefined) expect(nodes).toMatch(/id >= '/)
    if (q.until !== undefined) expect(nodes).toMatch(/id < '/)
    // A filter that matches few rows: its own index, not a walk past every other row.
    if (q.since === undefined) expect(nodes).toMatch(index)
  })

  it('stats: an index-only scan of a range of attempts_counts_slot, read in its order', async () => {
    const query = statsBySlotQuery(
      store.db,
      Math.ceil((NOW - 7 * DAY) / STATS_SLOT_MS),
      6 * 3600_000,
    )
    const nodes = await plan(query)
    expect(nodes).toContainEqual(expect.stringMatching(/^Index Only Scan attempts_counts_slot /))
    // Grouped as the index is ordered: the aggregate over the index scan sorts nothing (a
    // sort or hash only sums the slot rows into buckets, above it).
    const scan = nodes.findIndex((n) => n.startsWith('Index Only Scan attempts_counts_slot'))
    expect(nodes[scan - 1]).toBe('Aggregate')
    expect(nodes.join(' | ')).not.toMatch(/Seq Scan/)
  })

  it('retention: each walk and delete is an index range from its cursor', async () => {
    for (const query of [
      walkStep(store.db, 'all', undefined, 200, { below: BOUND }),
      walkStep(store.db, 'all', CURSOR, 200, { below: BOUND }),
      deleteStep(store.db, 'all', CURSOR, AFTER_CURSOR),
    ]) {
      const nodes = (await plan(query)).join(' | ')
      expect(nodes).toMatch(/Index (Only )?Scan attempts_pkey/)
      expect(nodes).not.toMatch(/Seq Scan|Bitmap/)
    }
    for (const query of [
      walkStep(store.db, 'compact', CURSOR, 200),
      deleteStep(store.db, 'compact', CURSOR, AFTER_CURSOR),
    ]) {
      const nodes = (await plan(query)).join(' | ')
      expect(nodes).toMatch(/Index Scan attempts_compact_id/)
      expect(nodes).not.toMatch(/Seq Scan/)
    }
  })
})
