/**
 * The memory store's snapshot (replay-claims.json) carries the claim key format it was written
 * with; a snapshot of another format is not loaded as if its claims could match, and the one
 * line logged says how long a copy of a message accepted before the restart goes unrecognised.
 * Two stores saving to one file in turn keep both sets of claims (merged, not replaced), with
 * messages signed by the real standardwebhooks signer and verified through core's verify().
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type HttpRequest,
  loadConfig,
  type NonceSnapshot,
  type NonceStore,
  REPLAY_KEY_FORMAT,
  verify,
} from '@hookwarden/core'
import { Webhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_SEED_GROUPS, mergeClaims } from '../../src/nonce/merge-claims.js'
import { openNonceStore } from '../../src/nonce/open-nonce-store.js'

const dir = mkdtempSync(join(tmpdir(), 'hw-nonce-snapshot-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
/** A snapshot written by this build holding `key`, claimed for `ttlMs`; its path and JSON. */
async function written(key: string, ttlMs: number) {
  const file = join(dir, `claims-${++files}.json`)
  const store = await openNonceStore({ snapshotFile: file })
  expect(await store.claim(key, ttlMs)).toBe(true)
  await store.close()
  return { file, json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> }
}

/** Opens the memory store on `file`; the lines it logged and whether `key` is still claimed. */
async function reopened(file: string, key: string) {
  const lines: string[] = []
  const store = await openNonceStore({ snapshotFile: file, onError: (m) => lines.push(m) })
  const claimed = !(await store.claim(key, 60_000))
  await store.close()
  return { lines, claimed }
}

describe('replay-claims.json and the claim key format', () => {
  it('is written with its version and the claim key format', async () => {
    const { json } = await written('orders\x00sig:abc:1', 60_000)
    expect(json.v).toBe(1)
    expect(json.key_format).toBe(REPLAY_KEY_FORMAT)
    expect(REPLAY_KEY_FORMAT).toBe(2)
  })

  it('a snapshot of this format is restored, silently', async () => {
    const { file } = await written('orders\x00sig:same:1', 60_000)
    expect(await reopened(file, 'orders\x00sig:same:1')).toEqual({ lines: [], claimed: true })
  })

  it('a snapshot without key_format (written by b77bcd0, format 2) is restored', async () => {
    const { file, json } = await written('orders\x00sig:b77:1', 60_000)
    delete json.key_format
    writeFileSync(file, JSON.stringify(json))
    expect(await reopened(file, 'orders\x00sig:b77:1')).toEqual({ lines: [], claimed: true })
  })

  it('another key format is not loaded; one line says for how long copies go unrecognised', async () => {
    const { file, json } = await written('orders\x00sig:other:1', 90_000)
    writeFileSync(file, JSON.stringify({ ...json, key_format: 3 }))
    const { lines, claimed } = await reopened(file, 'orders\x00sig:other:1')
    expect(claimed).toBe(false)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(
      `replay claims not restored from ${file}: written with claim key format 3, this build reads version 1 with claim key format 2;`,
    )
    const seconds = Number(/for up to (\d+) s \(until \d{4}-\d\d-\d\dT/.exec(lines[0]!)?.[1])
    expect(seconds).toBeGreaterThan(0)
    expect(seconds).toBeLessThanOrEqual(90)
    expect(lines[0]).toContain(
      'an exact copy of a message accepted before the restart is not recognised as a replay',
    )
  })

  it('another key format whose claims have all expired says nothing goes unrecognised', async () => {
    const { file, json } = await written('orders\x00sig:gone:1', 60_000)
    // Its one claim expired a second ago: the expiry times are all that is read of it.
    const expired = Buffer.from(new Float64Array([Date.now() - 1000]).buffer).toString('base64')
    writeFileSync(file, JSON.stringify({ ...json, key_format: 1, e: expired }))
    const { lines } = await reopened(file, 'orders\x00sig:gone:1')
    expect(lines).toEqual([
      `replay claims not restored from ${file}: written with claim key format 1, this build reads version 1 with claim key format 2; none of its claims was still live, so no replay goes unrecognised`,
    ])
  })

  it('an unknown snapshot version is not loaded; the window is the longest of the endpoints', async () => {
    const { file, json } = await written('orders\x00sig:v2:1', 60_000)
    writeFileSync(file, JSON.stringify({ ...json, v: 2 }))
    const { lines, claimed } = await reopened(file, 'orders\x00sig:v2:1')
    expect(claimed).toBe(false)
    expect(lines).toEqual([
      `replay claims not restored from ${file}: written with snapshot version 2, this build reads version 1 with claim key format 2; until the longest replay window of the endpoints has passed since the stop, an exact copy of a message accepted before the restart is not recognised as a replay`,
    ])
  })

  it('a file that is not a snapshot is one line, not a crash', async () => {
    const file = join(dir, 'garbage.json')
    writeFileSync(file, 'null')
    const { lines, claimed } = await reopened(file, 'k')
    expect(claimed).toBe(false)
    expect(lines).toEqual([`replay claims not restored from ${file}: not a JSON object`])
  })
})

describe('replay-claims.json written by two stores in turn (one data directory, two gateways)', () => {
  const secret = `whsec_${Buffer.from('merge-claims-secret-0123456789ab').toString('base64')}`
  const endpoint = loadConfig(`auth:\n  scheme: standard_webhooks\n  secrets: ["${secret}"]\n`)
    .endpoints[0]!
  const body = '{"type":"invoice.paid"}'
  /** A message signed by the real Standard Webhooks signer, as a sender delivers it. */
  const message = (id: string): HttpRequest => {
    const at = Math.floor(Date.now() / 1000) - 5
    return {
      method: 'POST',
      url: '/sw',
      headers: [
        ['webhook-id', id],
        ['webhook-timestamp', String(at)],
        ['webhook-signature', new Webhook(secret).sign(id, new Date(at * 1000), body)],
      ],
      body: new TextEncoder().encode(body),
    }
  }
  /** What verify() answers for `m` with `store`'s replay claims. */
  const verdict = async (m: HttpRequest, store: NonceStore) => {
    const v = await verify(m, endpoint, { now: Math.floor(Date.now() / 1000), nonceStore: store })
    return v.ok ? 'accepted' : v.reason
  }

  it("the second to stop keeps the first one's claims: after a restart both messages are replays", async () => {
    const file = join(dir, `two-gateways-${++files}.json`)
    // Both open before either saved: each hashes its claims with seeds of its own.
    const first = await openNonceStore({ snapshotFile: file })
    const second = await openNonceStore({ snapshotFile: file })
    const [m1, m2, m3] = ['msg_first_1', 'msg_second_1', 'msg_after_1'].map(message)
    expect(await verdict(m1!, first)).toBe('accepted')
    expect(await verdict(m2!, second)).toBe('accepted')
    await first.close()
    await second.close()
    expect(existsSync(`${file}.lock`)).toBe(false)
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { others?: unknown[] }
    expect(saved.others).toHaveLength(1)

    const lines: string[] = []
    const restarted = await openNonceStore({ snapshotFile: file, onError: (l) => lines.push(l) })
    expect(await verdict(m1!, restarted)).toBe('replay_detected')
    expect(await verdict(m2!, restarted)).toBe('replay_detected')
    expect(await verdict(m3!, restarted)).toBe('accepted')
    expect(await verdict(m3!, restarted)).toBe('replay_detected')
    await restarted.close()
    expect(lines).toEqual([])

    // And again, both restored from that file (its seeds, and the other group): nothing lost.
    const a = await openNonceStore({ snapshotFile: file })
    const b = await openNonceStore({ snapshotFile: file })
    const [m4, m5] = ['msg_a_2', 'msg_b_2'].map(message)
    expect(await verdict(m4!, a)).toBe('accepted')
    expect(await verdict(m5!, b)).toBe('accepted')
    await b.close()
    await a.close()
    const last = await openNonceStore({ snapshotFile: file })
    for (const m of [m1, m2, m3, m4, m5]) expect(await verdict(m!, last)).toBe('replay_detected')
    await last.close()
  })

  it('a file of another claim key format is replaced, not merged', async () => {
    const file = join(dir, `other-format-${++files}.json`)
    const old = await openNonceStore({ snapshotFile: file })
    expect(await verdict(message('msg_old_format'), old)).toBe('accepted')
    await old.close()
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    writeFileSync(file, JSON.stringify({ ...json, key_format: 3 }))
    const lines: string[] = []
    const store = await openNonceStore({ snapshotFile: file, onError: (l) => lines.push(l) })
    expect(await verdict(message('msg_new_format'), store)).toBe('accepted')
    await store.close()
    const written = JSON.parse(readFileSync(file, 'utf8')) as {
      key_format: number
      others?: unknown
    }
    expect(written.key_format).toBe(REPLAY_KEY_FORMAT)
    expect(written.others).toBeUndefined()
    expect(lines).toHaveLength(1) // the restore's line; the save says nothing more
  })
})

describe('mergeClaims', () => {
  const now = 1_800_000_000_000
  const snap = (seeds: [number, number], claims: [number, number, number][]): NonceSnapshot => ({
    seeds,
    a: claims.map((c) => c[0]),
    b: claims.map((c) => c[1]),
    expires: claims.map((c) => c[2]),
  })
  const claims = (s: NonceSnapshot) =>
    Array.from(s.a, (a, i) => [a, s.b[i], s.expires[i]]).sort((x, y) => x[0]! - y[0]!)

  it('one seed pair: the union, a claim held twice at its later expiry, expired ones dropped', () => {
    const live = snap(
      [1, 2],
      [
        [10, 1, now + 5000],
        [11, 1, now + 100],
        [12, 1, now - 1],
      ],
    )
    const saved = snap(
      [1, 2],
      [
        [11, 1, now + 9000],
        [13, 1, now + 50],
        [14, 1, now],
      ],
    )
    const merged = mergeClaims(
      { primary: live, others: [] },
      { primary: saved, others: [] },
      now,
      100,
    )
    expect(merged.others).toEqual([])
    expect(merged.primary.seeds).toEqual([1, 2])
    expect(claims(merged.primary)).toEqual([
      [10, 1, now + 5000],
      [11, 1, now + 9000],
      [13, 1, now + 50],
    ])
  })

  it('other seeds stay a group of their own; the live seeds stay primary', () => {
    const live = snap([1, 2], [[10, 1, now + 5000]])
    const saved = snap([3, 4], [[10, 1, now + 6000]])
    const merged = mergeClaims(
      { primary: live, others: [] },
      { primary: saved, others: [] },
      now,
      100,
    )
    expect(merged.primary.seeds).toEqual([1, 2])
    expect(merged.others.map((o) => o.seeds)).toEqual([[3, 4]])
    expect(claims(merged.others[0]!)).toEqual([[10, 1, now + 6000]])
  })

  it('over the limit, the latest expiries are kept, across groups', () => {
    const live = snap(
      [1, 2],
      [
        [1, 0, now + 10],
        [2, 0, now + 40],
        [3, 0, now + 30],
      ],
    )
    const saved = snap(
      [3, 4],
      [
        [4, 0, now + 20],
        [5, 0, now + 50],
        [6, 0, now + 30],
      ],
    )
    const merged = mergeClaims(
      { primary: live, others: [] },
      { primary: saved, others: [] },
      now,
      4,
    )
    expect(claims(merged.primary)).toEqual([
      [2, 0, now + 40],
      [3, 0, now + 30],
    ])
    // Two claims expire at now + 30 and one of them had room: 50, 40, 30 and 30.
    expect(claims(merged.others[0]!)).toEqual([
      [5, 0, now + 50],
      [6, 0, now + 30],
    ])
  })

  it(`keeps at most ${MAX_SEED_GROUPS} seed groups, dropping those that expire first`, () => {
    const others = Array.from({ length: MAX_SEED_GROUPS + 2 }, (_, i) =>
      snap([100 + i, 0], [[i, 0, now + 1000 * (i + 1)]]),
    )
    const merged = mergeClaims(
      { primary: snap([1, 2], []), others: [] },
      { primary: others[0]!, others: others.slice(1) },
      now,
      100,
    )
    expect(merged.primary.seeds).toEqual([1, 2])
    expect(merged.others.map((o) => o.seeds[0])).toEqual(
      Array.from({ length: MAX_SEED_GROUPS - 1 }, (_, i) => 100 + MAX_SEED_GROUPS + 1 - i),
    )
  })

  it('a million claims under one seed pair, saved twice over, merge into one each', () => {
    const n = 1_000_000
    const a = new Uint32Array(n)
    const b = new Uint32Array(n)
    const e = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      a[i] = Math.imul(i, 0x9e3779b1) >>> 0
      b[i] = i
      e[i] = now + 1 + (i % 5000)
    }
    const one = { seeds: [7, 8] as [number, number], a, b, expires: e }
    const merged = mergeClaims({ primary: one, others: [] }, { primary: one, others: [] }, now, n)
    expect(merged.primary.a).toHaveLength(n)
  })
})
