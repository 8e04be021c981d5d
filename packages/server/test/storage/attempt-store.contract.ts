/**
 * The one AttemptStore contract suite, run against every adapter (SQLite, PostgreSQL).
 * @module
 */
import { createHash } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { attemptIdFloor } from '../../src/ids.js'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import type { AttemptRecord, AttemptStore } from '../../src/storage/types.js'

export interface StoreHarness {
  /** Opens (and migrates) a store over the harness's location; may be called again. */
  open(): Promise<AttemptStore>
  /** Removes the location (temp dir, schema). */
  cleanup(): Promise<void>
}

let seq = 0
/**
 * ULID-shaped ids that sort by `t`, unique within the run: their time part is `t`'s, as the
 * gateway's are (the stores bound time ranges by id: storage/id-bounds.ts).
 */
export function attemptId(t: number): string {
  seq++
  return `${attemptIdFloor(t).slice(0, 10)}${String(seq).padStart(16, '0')}`
}

export function makeRecord(over: Partial<AttemptRecord> = {}): AttemptRecord {
  const t = over.received_at ?? 1_764_000_000_000
  const body = over.body === undefined ? null : over.body
  return {
    id: attemptId(t),
    received_at: t,
    endpoint: 'orders',
    tenant: 'acme',
    environment: 'production',
    method: 'POST',
    path: '/hooks/orders?x=1',
    headers: [
      ['Host', 'gw.local'],
      ['webhook-signature', 'len=88 fp:1a2b3c4d'],
      ['X-Dup', 'a'],
      ['x-dup', 'b'],
    ],
    body_size: 2048,
    body_sha256: createHash('sha256').update('x').digest('hex'),
    outcome: 'accepted',
    status: 200,
    reason: null,
    would_have_refused: false,
    checks: [{ name: 'signature', ok: true, detail: 'v1 matched key k1' }],
    diagnosis: null,
    diagnosis_skipped: null,
    key_id: 'k1',
    forward_status: null,
    forward_latency_ms: null,
    forward_error: null,
    request_id: `req-${seq}`,
    kind: 'endpoint',
    ...over,
    body,
  }
}

export function describeAttemptStore(name: string, makeHarness: () => StoreHarness): void {
  describe(`AttemptStore contract: ${name}`, () => {
    const harnesses: StoreHarness[] = []
    const open: AttemptStore[] = []
    const fresh = async () => {
      const h = makeHarness()
      harnesses.push(h)
      const store = await h.open()
      open.push(store)
      return { h, store }
    }
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close().catch(() => {})
    })
    afterAll(async () => {
      for (const h of harnesses) await h.cleanup()
    })

    it('round-trips every field, bytes and header order included', async () => {
      const { store } = await fresh()
      const body = new Uint8Array([0, 255, 0x80, 10, 13, 0x7b])
      const r = makeRecord({
        body,
        body_size: body.length,
        outcome: 'rejected',
        status: 401,
        reason: 'signature_mismatch',
        would_have_refused: true,
        checks: [
          { name: 'signature', ok: false, reason: 'signature_mismatch', nested: { a: [1, 'é'] } },
        ],
        diagnosis: { cause: 'body_reserialized', confidence: 0.9 },
        diagnosis_skipped: null,
        forward_status: 502,
        forward_latency_ms: 12.5,
        forward_error: 'upstream reset',
        tenant: null,
        environment: null,
        key_id: null,
        kind: 'inspect',
      })
      await store.insert(r)
      const got = await store.get(r.id)
      expect(got).not.toBeNull()
      expect({ ...got, body: Array.from(got?.body ?? []) }).toEqual({
        ...r,
        body: Array.from(body),
      })
      expect(await store.get('nope')).toBeNull()
    })

    it('stores no body when given null', async () => {
      const { store } = await fresh()
      const r = makeRecord()
      await store.insert(r)
      expect((await store.get(r.id))?.body).toBeNull()
    })

    it('migrating again is harmless and a committed insert is seen by a new connection', async () => {
      const { h, store } = await fresh()
      const r = makeRecord()
      await store.insert(r)
      const second = await h.open()
      open.push(second)
      await second.migrate()
      expect((await second.get(r.id))?.request_id).toBe(r.request_id)
    })

    it('commits 600 concurrent inserts (group commit) and every promise resolves', async () => {
      const { h, store } = await fresh()
      const records = Array.from({ length: 600 }, (_, i) =>
        makeRecord({ received_at: 1_764_000_000_000 + i }),
      )
      await Promise.all(records.map((r) => store.insert(r)))
      const other = await h.open()
      open.push(other)
      const all = await other.list({ limit: 1000 })
      expect(all).toHaveLength(600)
      expect(new Set(all.map((r) => r.id))).toEqual(new Set(records.map((r) => r.id)))
    })

    it('lists newest first with filters, limit and paging', async () => {
      const { store } = await fresh()
      const base = 1_764_000_000_000
      const rows = [
        makeRecord({ received_at: base + 1, endpoint: 'a' }),
        makeRecord({
          received_at: base + 2,
          endpoint: 'b',
          outcome: 'rejected',
          status: 401,
          reason: 'signature_mismatch',
        }),
        makeRecord({
          received_at: base + 3,
          endpoint: 'a',
          outcome: 'rejected',
          status: 401,
          reason: 'timestamp_out_of_window',
        }),
        makeRecord({ received_at: base + 4, endpoint: 'b' }),
        makeRecord({ received_at: base + 5, endpoint: null, kind: 'inspect' }),
      ]
      for (const r of rows) await store.insert(r)
      const ids = (list: AttemptRecord[]) => list.map((r) => r.received_at - base)
      expect(ids(await store.list({}))).toEqual([5, 4, 3, 2, 1])
      expect(ids(await store.list({ endpoint: 'a' }))).toEqual([3, 1])
      expect(ids(await store.list({ outcome: 'rejected' }))).toEqual([3, 2])
      expect(ids(await store.list({ outcome: 'accepted' }))).toEqual([5, 4, 1])
      expect(ids(await store.list({ reason: 'signature_mismatch' }))).toEqual([2])
      expect(ids(await store.list({ endpoint: 'b', outcome: 'accepted' }))).toEqual([4])
      expect(ids(await store.list({ since: base + 2, until: base + 4 }))).toEqual([3, 2])
      expect(ids(await store.list({ limit: 2 }))).toEqual([5, 4])
      const page = await store.list({ limit: 2, before: rows[3]?.id })
      expect(ids(page)).toEqual([3, 2])
      expect(ids(await store.list({ limit: 0 }))).toEqual([5])
    })

    it('filters by tenant and environment, alone and with the other filters', async () => {
      const { store } = await fresh()
      const base = 1_764_000_000_000
      const rows = [
        makeRecord({ received_at: base + 1, tenant: 'acme', environment: 'production' }),
        makeRecord({ received_at: base + 2, tenant: 'globex', environment: 'staging' }),
        makeRecord({
          received_at: base + 3,
          tenant: 'globex',
          environment: 'production',
          outcome: 'rejected',
          status: 401,
          reason: 'signature_mismatch',
        }),
        makeRecord({ received_at: base + 4, tenant: null, environment: null, endpoint: null }),
      ]
      for (const r of rows) await store.insert(r)
      const ids = (list: AttemptRecord[]) => list.map((r) => r.received_at - base)
      expect(ids(await store.list({ tenant: 'globex' }))).toEqual([3, 2])
      expect(ids(await store.list({ tenant: 'acme' }))).toEqual([1])
      expect(ids(await store.list({ environment: 'production' }))).toEqual([3, 1])
      expect(ids(await store.list({ tenant: 'globex', environment: 'staging' }))).toEqual([2])
      expect(ids(await store.list({ tenant: 'globex', outcome: 'rejected' }))).toEqual([3])
      expect(ids(await store.list({ tenant: 'globex', before: rows[2]?.id }))).toEqual([2])
      // Case matters, as for endpoint names; a tenant nobody has matches nothing.
      expect(ids(await store.list({ tenant: 'Globex' }))).toEqual([])
      expect(ids(await store.list({ environment: 'nowhere' }))).toEqual([])
    })

    it('caps list at 1000 and defaults to 50', async () => {
      const { store } = await fresh()
      await Promise.all(
        Array.from({ length: 1005 }, (_, i) =>
          store.insert(makeRecord({ received_at: 1_764_000_000_000 + i })),
        ),
      )
      expect(await store.list({})).toHaveLength(50)
      expect(await store.list({ limit: 5000 })).toHaveLength(1000)
    })

    it('updates the diagnosis and the forward result after the answer', async () => {
      const { store } = await fresh()
      const r = makeRecord()
      await store.insert(r)
      await store.update(r.id, { diagnosis: { cause: 'secret_rotated' }, diagnosis_skipped: null })
      await store.update(r.id, {
        status: 204,
        forward_status: 204,
        forward_latency_ms: 3,
        forward_error: null,
      })
      await store.update(r.id, {})
      await store.update('missing', { forward_status: 500 })
      const got = await store.get(r.id)
      expect(got?.diagnosis).toEqual({ cause: 'secret_rotated' })
      expect(got?.forward_status).toBe(204)
      expect(got?.status).toBe(204)
      expect(got?.forward_latency_ms).toBe(3)
      expect(got?.checks).toEqual(r.checks)
      await store.update(r.id, { diagnosis: null, diagnosis_skipped: 'load' })
      expect((await store.get(r.id))?.diagnosis).toBeNull()
      expect((await store.get(r.id))?.diagnosis_skipped).toBe('load')
    })

    it('counts refusals past a limit into a record: update() writes it, get() and list() read it', async () => {
      const { store } = await fresh()
      const r = makeRecord({ outcome: 'rejected', status: 429, reason: 'rate_limited' })
      const other = makeRecord({ outcome: 'rejected', status: 401, reason: 'signature_mismatch' })
      await store.insert(r)
      await store.insert(other)
      // Nothing counted yet: no count (absent or null), as on every other record.
      expect((await store.get(r.id))?.refusals_past_limit ?? null).toBeNull()
      const until = 1_764_000_060_000
      await store.update(r.id, {
        refusals_past_limit: 3,
        limit_window_until: until,
        refusals_past_limit_by_status: { '429': 3 },
      })
      // The window's next write: the count grew, a 413 came past the limit too.
      await store.update(r.id, {
        refusals_past_limit: 40,
        limit_window_until: until,
        refusals_past_limit_by_status: { '429': 38, '413': 2 },
      })
      const counted = {
        refusals_past_limit: 40,
        limit_window_until: until,
        refusals_past_limit_by_status: { '429': 38, '413': 2 },
      }
      const got = await store.get(r.id)
      expect(got).toMatchObject({ ...counted, diagnosis_skipped: null, status: 429 })
      expect(got?.checks).toEqual(r.checks)
      const listed = await store.list({ reason: 'rate_limited' })
      expect(listed.map((x) => x.id)).toEqual([r.id])
      expect(listed[0]).toMatchObject(counted)
      expect((await store.get(other.id))?.refusals_past_limit ?? null).toBeNull()
    })

    it('an update queued right behind its insert lands', async () => {
      const { store } = await fresh()
      const r = makeRecord()
      const inserted = store.insert(r)
      const updated = store.update(r.id, { forward_status: 202 })
      await Promise.all([inserted, updated])
      expect((await store.get(r.id))?.forward_status).toBe(202)
    })

    it('counts per bucket, endpoint, outcome and reason', async () => {
      const { store } = await fresh()
      const base = 1_764_000_000_000 - (1_764_000_000_000 % 60_000)
      const rows = [
        makeRecord({ received_at: base + 1_000, endpoint: 'a' }),
        makeRecord({ received_at: base + 2_000, endpoint: 'a' }),
        makeRecord({
          received_at: base + 3_000,
          endpoint: 'a',
          outcome: 'rejected',
          status: 401,
          reason: 'signature_mismatch',
        }),
        makeRecord({ received_at: base + 61_000, endpoint: 'a' }),
        makeRecord({ received_at: base - 1, endpoint: 'a' }),
      ]
      await Promise.all(rows.map((r) => store.insert(r)))
      const stats = await store.stats({ since: base, bucketMs: 60_000 })
      const key = (s: (typeof stats)[number]) =>
        `${s.bucket - base}|${s.endpoint}|${s.outcome}|${s.reason}|${s.count}`
      expect(stats.map(key).sort()).toEqual(
        [
          '0|a|accepted|null|2',
          '0|a|rejected|signature_mismatch|1',
          '60000|a|accepted|null|1',
        ].sort(),
      )
    })

    it('counts 5-minute multiples from a since that cuts a slot, exactly as the rows say', async () => {
      const { store } = await fresh()
      const hour = 3_600_000
      const base = 1_764_000_000_000 - (1_764_000_000_000 % hour)
      const at = [
        base - 1, // before since
        base + 60_000, // before since, in the slot since cuts
        base + 120_000, // since itself
        base + 299_999, // the rest of that slot
        base + 300_000,
        base + hour - 1,
        base + hour,
        base + 2 * hour + 5,
      ]
      await Promise.all(
        at.map((t, i) =>
          store.insert(
            makeRecord({
              received_at: t,
              endpoint: i % 2 ? 'a' : 'b',
              ...(i % 3 === 0
                ? { outcome: 'rejected', status: 401, reason: 'signature_mismatch' }
                : {}),
            }),
          ),
        ),
      )
      const since = base + 120_000
      const expected = (bucketMs: number) => {
        const counts = new Map<string, number>()
        at.forEach((t, i) => {
          if (t < since) return
          const key = `${Math.floor(t / bucketMs) * bucketMs - base}|${i % 2 ? 'a' : 'b'}|${i % 3 === 0 ? 'rejected|signature_mismatch' : 'accepted|null'}`
          counts.set(key, (counts.get(key) ?? 0) + 1)
        })
        return [...counts].map(([k, n]) => `${k}|${n}`).sort()
      }
      for (const bucketMs of [300_000, hour, 6 * hour]) {
        const stats = await store.stats({ since, bucketMs })
        expect(
          stats
            .map((s) => `${s.bucket - base}|${s.endpoint}|${s.outcome}|${s.reason}|${s.count}`)
            .sort(),
        ).toEqual(expected(bucketMs))
        // Oldest bucket first.
        expect(stats.map((s) => s.bucket)).toEqual(
          [...stats.map((s) => s.bucket)].sort((x, y) => x - y),
        )
      }
    })

    it('a time range keeps an attempt whose id was made after its arrival (a request cut off mid-body)', async () => {
      const { store } = await fresh()
      const base = 1_764_000_000_000
      // Its headers arrived at base; it was cut off, and given its id, 30 s later.
      const cutOff = { ...makeRecord({ received_at: base }), id: attemptId(base + 30_000) }
      const next = makeRecord({ received_at: base + 40_000 })
      await store.insert(cutOff)
      await store.insert(next)
      const ids = async (q: { since?: number; until?: number }) =>
        (await store.list(q)).map((r) => r.id)
      expect(await ids({ until: base + 1 })).toEqual([cutOff.id])
      expect(await ids({ since: base, until: base + 1 })).toEqual([cutOff.id])
      expect(await ids({ since: base + 1 })).toEqual([next.id])
      expect(await ids({ since: base, until: base + 40_001 })).toEqual([next.id, cutOff.id])
    })

    it('prunes by age and by count, keeping the newest', async () => {
      const { store } = await fresh()
      const day = 86_400_000
      const now = 1_764_000_000_000
      const rows = Array.from({ length: 10 }, (_, i) =>
        makeRecord({ received_at: now - (10 - i) * day + 1 }),
      )
      await Promise.all(rows.map((r) => store.insert(r)))
      // Ages are 10d-1ms … 1d-1ms: keeping 5 days removes the five oldest.
      expect(await store.prune({ days: 5 }, now)).toBe(5)
      expect((await store.list({})).map((r) => r.id)).toEqual(
        rows
          .slice(5)
          .map((r) => r.id)
          .reverse(),
      )
      expect(await store.prune({ max_rows: 2 }, now)).toBe(3)
      expect((await store.list({})).map((r) => r.id)).toEqual(
        rows
          .slice(8)
          .map((r) => r.id)
          .reverse(),
      )
      expect(await store.prune({ days: 30, max_rows: 100 }, now)).toBe(0)
      expect(await store.prune({}, now)).toBe(0)
      expect(await store.prune({ max_rows: 0 }, now)).toBe(2)
    })

    it('prunes a backlog larger than one delete chunk', async () => {
      const { store } = await fresh()
      const now = 1_764_000_000_000
      const rows = Array.from({ length: 2600 }, (_, i) =>
        makeRecord({ received_at: now - 2600 + i }),
      )
      await Promise.all(rows.map((r) => store.insert(r)))
      expect(await store.prune({ max_rows: 100 }, now)).toBe(2500)
      const left = await store.list({ limit: 1000 })
      expect(left.map((r) => r.id)).toEqual(
        rows
          .slice(2500)
          .map((r) => r.id)
          .reverse(),
      )
    })

    it('one bad record (duplicate id) fails alone; its batch-mates commit', async () => {
      const { store } = await fresh()
      const first = makeRecord()
      await store.insert(first)
      const good = [makeRecord(), makeRecord()]
      const results = await Promise.allSettled([
        store.insert(good[0] as AttemptRecord),
        store.insert({ ...makeRecord(), id: first.id }),
        store.insert(good[1] as AttemptRecord),
      ])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError)
      for (const g of good) expect(await store.get(g.id)).not.toBeNull()
    })

    it('close() flushes queued inserts; a closed store refuses with StoreUnavailableError', async () => {
      const { h, store } = await fresh()
      const r = makeRecord()
      const pending = store.insert(r)
      await store.close()
      await pending
      await expect(store.insert(makeRecord())).rejects.toBeInstanceOf(StoreUnavailableError)
      const again = await h.open()
      open.push(again)
      expect(await again.get(r.id)).not.toBeNull()
    })

    it('describes itself', async () => {
      const { store } = await fresh()
      const d = store.describe?.()
      expect(d?.durability).toBeTruthy()
      expect(d?.location).not.toMatch(/:[^/@]+@/)
    })
  })
}
