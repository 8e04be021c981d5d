/**
 * Runs the real gateway as a child process (`hookwarden serve`, the BUILT CLI) on port 0 and
 * reads its URL from the banner: for tests that need separate processes (scale-out, kill -9).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
export const BIN = join(ROOT, 'packages/cli/bin/hookwarden.js')

/** null when the gateway can run as a process; else why not (the tests skip with it). */
export function gatewayProcessUnavailable(): string | null {
  for (const f of [
    'packages/cli/dist/bin.js',
    'packages/server/dist/index.js',
    'packages/server/dist/start.js',
  ]) {
    if (!existsSync(join(ROOT, f)))
      return `needs the built gateway (${f} missing): run \`npx tsc -b\` first`
  }
  return null
}

export const ADMIN_TOKEN = 'test-admin-token-7f3b9c2d1e'
export const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

/** A config with one Standard Webhooks endpoint at /hooks/sw, no upstream (answers 200). */
export function writeConfig(dir: string): string {
  const file = join(dir, 'hookwarden.yaml')
  writeFileSync(
    file,
    [
      `admin: { token: "${ADMIN_TOKEN}" }`,
      'endpoints:',
      '  - name: sw',
      '    path: /hooks/sw',
      '    auth:',
      '      scheme: standard_webhooks',
      `      secrets: ["${SW_SECRET}"]`,
      '      tolerance: 300',
      '',
    ].join('\n'),
  )
  return file
}

export interface GatewayProcess {
  url: string
  child: ChildProcess
  /** Everything the child printed (stdout + stderr), for failure messages. */
  output(): string
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>
  /** SIGTERM (graceful), and wait for the exit. */
  stop(): Promise<void>
}

export async function spawnGateway(options: {
  config: string
  dataDir: string
  env?: Record<string, string>
  /** e.g. ['taskset', '-c', '0'] */
  prefix?: string[]
}): Promise<GatewayProcess> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOOKWARDEN_DATA_DIR: options.dataDir,
    HOOKWARDEN_DATABASE_URL: '',
    HOOKWARDEN_REDIS_URL: '',
    NODE_ENV: 'production',
    ...options.env,
  }
  const [cmd, ...args] = [
    ...(options.prefix ?? []),
    process.execPath,
    BIN,
    'serve',
    '--config',
    options.config,
    '--port',
    '0',
  ]
  const child = spawn(cmd as string, args, {
    cwd: options.dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start in 20 s:\n${out}`)),
      20_000,
    )
    const onData = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    }
    child.stdout?.on('data', onData)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`gateway exited before listening (code ${child.exitCode}):\n${out}`))
    })
  })
  return {
    url,
    child,
    output: () => out,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
