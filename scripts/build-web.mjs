#!/usr/bin/env node
// Builds the dashboard (packages/web) with Vite when its sources are there; the gateway serves
// packages/web/dist at / and falls back to a small page of its own when it is absent.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync('packages/web/index.html')) {
  console.log('build: packages/web has no index.html yet; the dashboard is not built')
  process.exit(0)
}
const r = spawnSync('npm', ['run', 'build', '-w', '@hookwarden/web'], { stdio: 'inherit' })
process.exit(r.status ?? 1)
