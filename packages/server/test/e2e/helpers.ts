/**
 * Shared by the gateway's end-to-end tests: a real gateway on 127.0.0.1 port 0 with captured
 * logs, and a real node:http upstream that records what it received.
 * @module
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { loadConfig } from '@hookwarden/core'
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js'
import { MemoryAttemptStore } from '../../src/storage/memory.js'

export const ADMIN = 'admin-token-for-tests-0123456789'

export interface Running {
  gateway: Gateway
  url: string
  store: MemoryAttemptStore
  logs: string[]
  close(): Promise<void>
}

export async function startGateway(
  yaml: string,
  options: Partial<GatewayOptions> = {},
  env: Record<string, string> = {},
): Promise<Running> {
  const config = loadConfig(yaml, { env })
  const logs: string[] = []
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(line)
      cb()
    },
  })
  const store = (options.store as MemoryAttemptStore | undefined) ?? new MemoryAttemptStore()
  const gateway = await createGateway({
    config,
    adminToken: ADMIN,
    store,
    logDestination,
    webDist: null,
    ...options,
  })
  const url = await gateway.listen(0)
  return { gateway, url, store, logs, close: () => gateway.close() }
}

export interface Received {
  method: string
  url: string
  rawHeaders: string[]
  body: Buffer
}

export interface Upstream {
  url: string
  received: Received[]
  close(): Promise<void>
}

/** A real upstream; `respond` decides the answer (default 201 with a small JSON body). */
export async function startUpstream(
  respond?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<Upstream> {
  const received: Received[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    received.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body })
    if (respond) return respond(req, res, body)
    res.writeHead(201, {
      'Content-Type': 'application/json',
      'X-Upstream': 'yes',
      Connection: 'keep-alive',
    })
    res.end('{"stored":true}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function header(rawHeaders: string[], name: string): string[] {
  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === name.toLowerCase()) out.push(rawHeaders[i + 1]!)
  return out
}

/** Waits until `check` passes (diagnosis runs after the answer). */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  tries = 400,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check()
    if (v) return v
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('condition not met in time')
}

export const adminHeaders = { Authorization: `Bearer ${ADMIN}` }
