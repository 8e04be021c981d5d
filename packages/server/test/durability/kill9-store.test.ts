/**
 * Store-level durability: a child inserts through the built SQLite store (group commit) and
 * prints each id once its insert() resolved (the "ack"); SIGKILL at a random moment; every
 * acked id must be in the reopened database, integrity ok. Both durability modes.
 * @module
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'

const CHILD = fileURLToPath(new URL('./insert-child.mjs', import.meta.url))
const BUILT = fileURLToPath(new URL('../../dist/storage/sqlite.js', import.meta.url))
const ROUNDS = Number(process.env.HOOKWARDEN_DURABILITY_ROUNDS ?? 3)

async function killedRun(dataDir: string, durability: string, ackEarly = false): Promise<string[]> {
  const child = spawn(
    process.execPath,
    [CHILD, dataDir, durability, ...(ackEarly ? ['ack-early'] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let buffer = ''
  const acked: string[] = []
  let ready!: () => void
  const isReady = new Promise<void>((r) => {
    ready = r
  })
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) {
      if (line === 'ready') ready()
      else if (line) acked.push(line)
    }
  })
  // 'close', not 'exit': exit can come before the last lines in the pipe are read, and those
  // are the acks most likely not yet committed.
  const exited = new Promise((r) => child.once('close', r))
  await isReady
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 700))
  child.kill('SIGKILL')
  await exited
  return acked
}

describe.skipIf(!existsSync(BUILT))(
  'kill -9 of a process inserting through the store (needs `npx tsc -b`)',
  () => {
    it('negative control: acking before the commit does lose acked inserts, and the harness sees it', {
      timeout: 60_000,
    }, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hookwarden-kill9-control-'))
      let lost = 0
      for (let round = 0; round < 5 && lost === 0; round++) {
        const acked = await killedRun(dataDir, 'fdatasync', true)
        const db = new BetterSqlite3(join(dataDir, 'attempts.db'))
        const has = db.prepare('select 1 from attempts where id = ?').pluck()
        lost += acked.filter((id) => has.get(id) === undefined).length
        db.close()
      }
      expect(lost).toBeGreaterThan(0)
      rmSync(dataDir, { recursive: true, force: true })
    })

    for (const durability of ['fdatasync', 'full']) {
      it(`loses no acknowledged insert (${durability}, ${ROUNDS} rounds)`, {
        timeout: 30_000 + ROUNDS * 10_000,
      }, async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'hookwarden-kill9-store-'))
        let total = 0
        for (let round = 0; round < ROUNDS; round++) {
          const acked = await killedRun(dataDir, durability)
          expect(acked.length).toBeGreaterThan(0)
          total += acked.length
          const db = new BetterSqlite3(join(dataDir, 'attempts.db'))
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
          const has = db.prepare('select 1 from attempts where id = ?').pluck()
          const lost = acked.filter((id) => has.get(id) === undefined)
          db.close()
          expect(lost, `${lost.length} of ${acked.length} acked inserts lost`).toEqual([])
        }
        console.info(
          `store kill -9 × ${ROUNDS} (${durability}): ${total} acknowledged inserts, 0 lost`,
        )
        rmSync(dataDir, { recursive: true, force: true })
      })
    }
  },
)
