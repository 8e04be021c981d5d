/**
 * Test helpers: run the BUILT `hookwarden` bin (as users and /work/shared/tools/run-cases do),
 * building it once first.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const BIN = `${ROOT}node_modules/.bin/hookwarden`

let built = false
/** `tsc -b` once per test process (emits even when another package has type errors). */
export function ensureBuilt(): void {
  if (built) return
  spawnSync('npx', ['tsc', '-b'], { cwd: ROOT, stdio: 'ignore' })
  built = true
  if (!existsSync(BIN)) throw new Error(`no ${BIN}: run npm install`)
}

export interface Run {
  status: number | null
  stdout: string
  stderr: string
}

export function run(args: string[]): Promise<Run> {
  return runEnv(args, {})
}

/** `run` with extra environment variables. */
export function runEnv(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** Runs `jobs` with at most `n` at a time (the machine is shared). */
export async function pool<T>(jobs: (() => Promise<T>)[], n = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length)
  let next = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++
        out[i] = await jobs[i]!()
      }
    }),
  )
  return out
}
