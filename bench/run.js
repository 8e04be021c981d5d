#!/usr/bin/env node
/**
 * `npm run bench`: builds the packages (`tsc -b`; benches import the BUILT dist/), then runs
 * every bench/*.bench.js and bench/*.bench.mjs in its own process, one after the other.
 * Arguments after `--` go to every bench (e.g. `npm run bench -- --quick`); a name filter:
 * `npm run bench -- verify` runs only files whose name contains "verify".
 * `--no-build` skips the build.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const args = process.argv.slice(2)
const flags = args.filter((a) => a.startsWith('--'))
const filters = args.filter((a) => !a.startsWith('--'))

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
