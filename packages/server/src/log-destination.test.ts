/**
 * The batched log destination: every line arrives, in order, whether the batch goes out on
 * its timer, on size, on drain() or at process exit.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { BatchedDestination } from './log-destination.js'

const dir = mkdtempSync(join(tmpdir(), 'hookwarden-logdest-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('BatchedDestination', () => {
  it('writes every line in order: on size, then the rest on drain()', async () => {
    const file = join(dir, 'a.log')
    const fd = openSync(file, 'w')
    const dest = new BatchedDestination({ fd, batchChars: 1000, flushMs: 60_000 })
    const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"msg":"attempt ü"}\n`)
    for (const l of lines) dest.write(l)
    await dest.drain()
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''))
  })

  it('a quiet destination still writes its line within flushMs', async () => {
    const file = join(dir, 'b.log')
    const fd = openSync(file, 'w')
    const dest = new BatchedDestination({ fd, flushMs: 20 })
    dest.write('{"msg":"one"}\n')
    expect(readFileSync(file, 'utf8')).toBe('')
    await new Promise((r) => setTimeout(r, 200))
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe('{"msg":"one"}\n')
  })

  it('lines written while a batch is being written go out on their own timer', async () => {
    const file = join(dir, 'timer.log')
    const fd = openSync(file, 'w')
    const dest = new BatchedDestination({ fd, flushMs: 20, batchChars: 50 })
    // Over batchChars: a write starts now; the next lines arrive while it is in flight.
    dest.write(`${'a'.repeat(60)}\n`)
    for (let i = 0; i < 3; i++) dest.write(`line ${i}\n`)
    await new Promise((r) => setTimeout(r, 5))
    dest.write('late\n')
    await new Promise((r) => setTimeout(r, 300))
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe(`${'a'.repeat(60)}\nline 0\nline 1\nline 2\nlate\n`)
  })

  it("pino's logger.flush(cb) writes what is pending, then calls back", async () => {
    const file = join(dir, 'c.log')
    const fd = openSync(file, 'w')
    const logger = pino(
      { base: null, timestamp: false },
      new BatchedDestination({ fd, flushMs: 60_000 }),
    )
    logger.info('one')
    await new Promise<void>((resolve) => logger.flush(() => resolve()))
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe('{"level":30,"msg":"one"}\n')
  })

  it('drops (and counts) lines beyond maxPendingChars instead of growing without bound', () => {
    const dest = new BatchedDestination({
      fd: openSync('/dev/null', 'w'),
      maxPendingChars: 100,
      batchChars: 10_000,
    })
    for (let i = 0; i < 50; i++) dest.write('0123456789\n')
    expect(dest.dropped).toBeGreaterThan(0)
  })

  it('flushes at process.exit(): no line is left in the batch (needs `npx tsc -b`)', () => {
    const module = fileURLToPath(new URL('../dist/log-destination.js', import.meta.url))
    const script = `
      const { BatchedDestination } = await import(${JSON.stringify(module)})
      const dest = new BatchedDestination({ flushMs: 60_000 })
      for (let i = 0; i < 3; i++) dest.write('{"n":' + i + '}\\n')
      process.exit(0)
    `
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    })
    expect(r.stdout).toBe('{"n":0}\n{"n":1}\n{"n":2}\n')
  })
})
