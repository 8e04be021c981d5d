#!/usr/bin/env node
/**
 * `npm run bench`: builds the packages (`tsc -b`; benches import the BUILT dist/), then runs
 * every bench/*.bench.js and bench/*.bench.mjs in its own process, one after the other.
 * Arguments after `--` go to every bench (e.g. `npm run bench -- --quick`); a name filter:
 * `npm run bench -- verify` runs only files whose name contains "verify".
 * `--no-build` skips the build. Flags that take a value (`--rounds 2`, `--seconds 6`,
 * `--connections 50`, `--modes a,b`) keep it: the value is not a name filter.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const args = process.argv.slice(2)
const VALUE_FLAGS = new Set(['--rounds', '--seconds', '--connections', '--modes'])
const flags = []
const filters = []
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (!a.startsWith('--')) filters.push(a)
  else if (VALUE_FLAGS.has(a)) {
    if (i + 1 >= args.length || args[i + 1].startsWith('--')) {
      console.error(`bench: ${a} needs a value`)
      process.exit(2)
    }
    flags.push(a, args[++i])
  } else flags.push(a)
}

if (!flags.includes('--no-build')) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const build = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) {
    // A type error elsewhere still leaves the packages emitted; run what was built.
    console.error(
      `bench: tsc -b exited ${build.status}; running against the dist/ that was emitted`,
    )
  }
}
if (!existsSync(join(root, 'packages', 'core', 'dist', 'index.js'))) {
  console.error('bench: packages/core/dist is missing; run `npx tsc -b` first')
  process.exit(2)
}

const files = readdirSync(here)
  .filter((f) => /\.bench\.m?js$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
let failed = 0
for (const f of files) {
  console.log(`\n=== ${f} ===`)
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', join(here, f), ...flags.filter((x) => x !== '--no-build')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
  if (r.status !== 0) {
    failed++
    console.error(`bench: ${f} exited ${r.status ?? r.signal}`)
  }
}
process.exit(failed > 0 ? 1 : 0)
