#!/usr/bin/env node
// Builds the dashboard (packages/web) with Vite when its sources are there; the gateway serves
// packages/web/dist at / and falls back to a small page of its own when it is absent.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

/** The issue's budget for the JavaScript a first visit loads (gzip). */
const FIRST_LOAD_BUDGET = 300 * 1024

if (!existsSync('packages/web/index.html')) {
  console.log('build: packages/web has no index.html yet; the dashboard is not built')
  process.exit(0)
}
const r = spawnSync('npm', ['run', 'build', '-w', '@hookwarden/web'], { stdio: 'inherit' })
if (r.status !== 0) process.exit(r.status ?? 1)

// First load: every script and modulepreload that index.html names, gzipped as served.
const dist = 'packages/web/dist'
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const files = [
  ...html.matchAll(
    /<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g,
  ),
].map((m) => m[1])
const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f))).length, 0)
const kb = (n) => `${(n / 1024).toFixed(1)} kB`
console.log(
  `dashboard first load: ${files.length} JavaScript file(s), ${kb(gzip)} gzip (budget ${kb(FIRST_LOAD_BUDGET)})`,
)
if (files.length === 0 || gzip > FIRST_LOAD_BUDGET) {
  console.error(
    files.length === 0 ? 'build: index.html names no script' : 'build: over the first-load budget',
  )
  process.exit(1)
}
