/**
 * The memory store's snapshot (replay-claims.json) carries the claim key format it was written
 * with; a snapshot of another format is not loaded as if its claims could match, and the one
 * line logged says how long a copy of a message accepted before the restart goes unrecognised.
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPLAY_KEY_FORMAT } from '@hookwarden/core'
import { afterAll, describe, expect, it } from 'vitest'
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
