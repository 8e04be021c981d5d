/**
 * `@hookwarden/server/light` is what every CLI run loads (bin.ts, replay's quick fix): it must
 * not pull in the gateway (Fastify, Kysely, drivers, pino, undici), which costs about 0.6 s a run.
 * @module
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { specifiers } from '../../core/test/specifiers.js'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

/** Every bare specifier the module reaches through its relative imports (type imports too). */
function reached(entry: string): Set<string> {
  const seen = new Set<string>()
  const bare = new Set<string>()
  const walk = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else bare.add(spec)
    }
  }
  walk(entry)
  return bare
}

describe('the light entry', () => {
  it('reaches only node builtins and core', () => {
    const bare = [...reached(resolve(SRC, 'light.ts'))]
    expect(bare.length).toBeGreaterThan(0)
    expect(bare.filter((s) => !s.startsWith('node:') && s !== '@hookwarden/core')).toEqual([])
  })

  it('the full entry does reach the gateway (the walk sees what it should)', () => {
    expect([...reached(resolve(SRC, 'index.ts'))]).toContain('fastify')
  })
})
