/**
 * `hookwarden serve [--config FILE] [--port N]`: thin over the server's start(). Without
 * --config, examples/demo.yaml when it is there. Runs until SIGTERM/SIGINT, then closes
 * gracefully (in-flight attempts finish, records are flushed).
 * @module
 */
import { existsSync } from 'node:fs'
import { ConfigError } from '@hookwarden/core'
import type { Command } from 'commander'

interface Options {
  config?: string
  port?: string
}

export const DEMO_CONFIG = 'examples/demo.yaml'

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the gateway: verify, record, explain and forward every webhook; serves the dashboard',
    )
    .option('--config <file>', `hookwarden.yaml (default: ${DEMO_CONFIG} when present)`)
    .option('--port <n>', 'port to listen on (default: PORT, else 8787)')
    .action(async (o: Options) => {
      const configFile = o.config ?? (existsSync(DEMO_CONFIG) ? DEMO_CONFIG : undefined)
      if (!configFile)
        throw new ConfigError(
          `no config: pass --config FILE (${DEMO_CONFIG} is not in this directory)`,
          { field: '--config' },
        )
      let port: number | undefined
      if (o.port !== undefined) {
        if (!/^\d{1,5}$/.test(o.port) || Number(o.port) > 65535)
          throw new ConfigError(`--port must be a port number, got ${JSON.stringify(o.port)}`, {
            field: '--port',
          })
        port = Number(o.port)
      }
      const { start } = await import('@hookwarden/server')
      const running = await start({ configFile, ...(port !== undefined ? { port } : {}) })
      await running.closed
    })
}
