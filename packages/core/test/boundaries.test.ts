/**
 * The dependency direction (ARCHITECTURE.md): core is pure, so no file under
 * packages/core/src imports a server, database, log, HTTP client, CLI or UI package, nor any
 * other @hookwarden package.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { specifiers } from './specifiers.js'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const FORBIDDEN = [
  'fastify',
  'kysely',
  'pg',
  'ioredis',
  'pino',
  'better-sqlite3',
  'undici',
  'prom-client',
  'commander',
  'react',
  'react-dom',
  'croner',
  // the terminal is the CLI's: core returns values and never writes to or reads from a tty
  'node:tty',
  'tty',
  'node:readline',
  'readline',
  'chalk',
  'picocolors',
  'kleur',
]

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : /\.(ts|tsx|js|mjs|cjs)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  )
}

function forbidden(spec: string): boolean {
  if (spec.startsWith('@hookwarden/')) return true
  return FORBIDDEN.some((p) => spec === p || spec.startsWith(`${p}/`))
}

describe('core boundaries', () => {
  it('the scanner sees every kind of import', () => {
    const sample = [
      "import { a } from 'fastify'",
      "import type { B } from 'kysely'",
      "export { c } from '@hookwarden/server'",
      "const d = await import('pg')",
      "const e = require('ioredis')",
      "import 'pino'",
      "import x, {\n  y,\n} from 'undici/lib/x.js'",
    ].join('\n')
    expect(specifiers(sample).filter(forbidden)).toEqual([
      'fastify',
      'kysely',
      '@hookwarden/server',
      'undici/lib/x.js',
      'pino',
      'pg',
      'ioredis',
    ])
    expect(forbidden('pgp')).toBe(false)
    expect(forbidden('node:crypto')).toBe(false)
  })

  it('no file under packages/core/src imports a server, database, log, CLI or UI package', () => {
    const found: string[] = []
    for (const file of files(SRC)) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (forbidden(spec)) found.push(`${relative(SRC, file)}: ${spec}`)
      }
    }
    expect(found).toEqual([])
  })

  it('no relative import leaves packages/core/src (into server, cli or web sources)', () => {
    const found: string[] = []
    for (const file of files(SRC)) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue
        const target = resolve(dirname(file), spec)
        if (!target.startsWith(SRC + sep)) found.push(`${relative(SRC, file)}: ${spec}`)
      }
    }
    expect(found).toEqual([])
  })

  it('core writes nothing to the terminal itself (no process.stdout / process.stderr)', () => {
    const found = files(SRC)
      .filter((f) => !/\.test\.ts$/.test(f))
      .filter((f) => /\bprocess\.(stdout|stderr|stdin)\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
    expect(found).toEqual([])
  })
})
