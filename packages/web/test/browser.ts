/**
 * What every dashboard browser test shares: Debian's Chromium (installed by .ci/run), the
 * built dashboard (built here when missing), the screenshot folder and the launch flags.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const webDir = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The built dashboard the gateway serves in these tests. */
export const dist = join(webDir, 'dist')
/** Screenshots at 1280×800 go here (not committed). */
export const shots = join(webDir, '..', '..', 'test-results')

/** Is Chromium here? Without it the browser tests are skipped with one line saying why. */
export function haveChromium(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true
  console.warn(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`)
  return false
}

/** Builds packages/web when dist is missing, and makes the screenshot folder. */
export function ensureBuilt(): void {
  if (!existsSync(join(dist, 'index.html'))) {
    const r = spawnSync('npx', ['vite', 'build'], {
      cwd: webDir,
      stdio: 'inherit',
      // vitest sets NODE_ENV=test, which would bundle React's development build
      env: { ...process.env, NODE_ENV: 'production' },
    })
    if (r.status !== 0) throw new Error('vite build of packages/web failed')
  }
  mkdirSync(shots, { recursive: true })
}

/**
 * Headless Chromium as root on this machine: no sandbox, no GPU, and none of the background
 * connections that the closed network would refuse.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
