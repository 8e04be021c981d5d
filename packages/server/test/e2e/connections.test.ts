/**
 * Caps on open connections (HOOKWARDEN_MAX_CONNECTIONS, HOOKWARDEN_CONNECTIONS_PER_SOURCE),
 * against `start()` with the caps set in its environment and raw sockets: idle connections
 * are closed, oldest and longest-silent first, so that a flood of them cannot lock out a real
 * signed request; a connection refused at the cap gets a 503 with Retry-After and is closed,
 * counted in /metrics and never recorded; one address is held to its share while another
 * still gets in, and a trusted proxy's address is not.
 */
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Webhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { maxConnectionsFor } from '../../src/context.js'
import { ASSUMED_OPEN_FILE_LIMIT, openFileLimit } from '../../src/open-file-limit.js'
import { type RunningGateway, start } from '../../src/start.js'
import { eventually } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'hw-connections-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SECRET = `whsec_${Buffer.from('connections-standard-webhooks-key').toString('base64')}`
const CONFIG = join(dir, 'hookwarden.yaml')
writeFileSync(
  CONFIG,
  `endpoints:\n  - name: sw\n    path: /sw\n    auth: { scheme: standard_webhooks, secrets: ["${SECRET}"] }\n`,
)

interface Gw {
  running: RunningGateway
  port: number
  logs: string[]
  /** Connections the gateway counts as open. */
  open(): number
  close(): Promise<void>
}

async function startWith(env: Record<string, string>): Promise<Gw> {
  const logs: string[] = []
  const running = await start({
    configFile: CONFIG,
    port: 0,
    dataDir: mkdtempSync(join(dir, 'data-')),
    env,
    handleSignals: false,
    print: () => {},
    logDestination: new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(line)
        cb()
      },
    }),
    webDist: null,
  })
  return {
    running,
    port: running.port,
    logs,
    open: () => running.gateway.context.metrics.openConnections(),
    close: () => running.close(),
  }
}

/** A raw connection from `from` (any 127.0.0.0/8 address is this machine on Linux). */
async function connectFrom(port: number, from = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from })
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

/** `n` raw connections from `from`, once the gateway counts them all (`open` in all). */
async function connectMany(gw: Gw, n: number, from: string, open: number): Promise<Socket[]> {
  const sockets: Socket[] = []
  for (let i = 0; i < n; i++) sockets.push(await connectFrom(gw.port, from))
  await eventually(() => gw.open() === open)
  return sockets
}

/** What arrives on `socket` until one whole answer (by its Content-Length) is there, or it closes. */
function answerOn(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    const done = () => {
      socket.off('data', onData)
      socket.off('close', done)
      resolve(text)
    }
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const length = /\r\ncontent-length: *(\d+)/i.exec(text)?.[1]
      if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) done()
    }
    socket.on('data', onData)
    socket.on('close', done)
  })
}

const closed = (socket: Socket) =>
  socket.closed ? Promise.resolve() : once(socket, 'close').then(() => {})

/** A Standard Webhooks message signed by the real signer, as raw HTTP/1.1 (kept alive). */
function signedRequest(): string {
  const body = JSON.stringify({ type: 'ping', n: randomUUID() })
  const id = `msg_${randomUUID()}`
  const now = new Date()
  const signature = new Webhook(SECRET).sign(id, now, body)
  const ts = Math.floor(now.getTime() / 1000)
  return [
    'POST /sw HTTP/1.1',
    'Host: gateway',
    'Content-Type: application/json',
    `webhook-id: ${id}`,
    `webhook-timestamp: ${ts}`,
    `webhook-signature: ${signature}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n')
}

/** Sends a signed request on `socket`; its answer as text. */
function sendSigned(socket: Socket): Promise<string> {
  const answer = answerOn(socket)
  socket.write(signedRequest())
  return answer
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])
const headerOf = (answer: string, name: string) =>
  new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'i').exec(answer)?.[1]

/** The /metrics line of `series` (exact), as a number. */
async function metric(gw: Gw, series: string): Promise<number> {
  const text = await gw.running.gateway.context.metrics.registry.metrics()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1))
}

describe('HOOKWARDEN_MAX_CONNECTIONS', () => {
  it('at the cap, idle connections are closed first (silent ones, then the oldest kept alive): signed requests still get in', async () => {
    const gw = await startWith({ HOOKWARDEN_MAX_CONNECTIONS: '8' })
    const sockets: Socket[] = []
    try {
      expect(await metric(gw, 'hookwarden_connections_max')).toBe(8)
      // Four connections that send nothing, then four kept alive after one answered request.
      const silent = [] as Socket[]
      for (let i = 0; i < 4; i++) silent.push(await connectFrom(gw.port))
      const keptAlive = [] as Socket[]
      for (let i = 0; i < 4; i++) {
        const s = await connectFrom(gw.port)
        const answer = answerOn(s)
        s.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n')
        expect(statusOf(await answer)).toBe(200)
        keptAlive.push(s)
      }
      sockets.push(...silent, ...keptAlive)
      await eventually(() => gw.open() === 8)

      // Five signed requests, each on a new connection kept open after its answer: each needs
      // one idle connection closed. The silent ones go first, oldest first; then the oldest
      // kept-alive one (those that read bytes since the last look get a second chance).
      const signed: Socket[] = []
      for (let i = 0; i < 5; i++) {
        const s = await connectFrom(gw.port)
        signed.push(s)
        const answer = sendSigned(s)
        const text = await answer
        expect(statusOf(text)).toBe(200)
        const attempt = headerOf(text, 'X-Hookwarden-Attempt')!
        const record = await gw.running.gateway.context.store.get(attempt)
        expect(record?.outcome).toBe('accepted')
        if (i < 4) await closed(silent[i]!)
      }
      sockets.push(...signed)
      await closed(keptAlive[0]!)
      expect(keptAlive.slice(1).map((s) => s.closed)).toEqual([false, false, false])
      expect(signed.map((s) => s.closed)).toEqual([false, false, false, false, false])
      expect(gw.open()).toBe(8)
      expect(await metric(gw, 'hookwarden_connections_closed_idle_total')).toBe(5)
      expect(
        await metric(gw, 'hookwarden_connections_refused_total{reason="max_connections"}'),
      ).toBe(0)
      expect(await metric(gw, 'hookwarden_connections_open')).toBe(8)
    } finally {
      for (const s of sockets) s.destroy()
      await gw.close()
    }
  })

  it('at the cap with none idle: 503 with Retry-After and Connection: close, then closed; counted in /metrics, one log line, never recorded', async () => {
    const gw = await startWith({ HOOKWARDEN_MAX_CONNECTIONS: '4' })
    const busy: Socket[] = []
    try {
      // Four requests whose bodies are still arriving: none of these connections is idle.
      for (let i = 0; i < 4; i++) {
        const s = await connectFrom(gw.port)
        s.write('POST /sw HTTP/1.1\r\nHost: gateway\r\nContent-Length: 100\r\n\r\n{"partial":')
        busy.push(s)
      }
      // Their headers read (the bodies awaited), not only their connections accepted.
      await eventually(() => gw.running.gateway.context.inFlight.count === 4)
      expect(gw.open()).toBe(4)
      const recordsBefore = (await gw.running.gateway.context.store.list({})).length

      for (let i = 0; i < 3; i++) {
        const s = await connectFrom(gw.port)
        const answer = sendSigned(s)
        const text = await answer
        expect(statusOf(text)).toBe(503)
        expect(headerOf(text, 'Retry-After')).toBe('5')
        expect(headerOf(text, 'Connection')).toBe('close')
        expect(headerOf(text, 'X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
        expect(headerOf(text, 'Content-Type')).toBe('application/problem+json')
        const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
        expect(body).toMatchObject({ status: 503, reason: 'gateway_busy' })
        expect(body.request_id).toBe(headerOf(text, 'X-Request-Id'))
        // The gateway closes it (the peer's close is not waited for).
        await closed(s)
      }
      // A real HTTP client reads the refusal as the answer to its request.
      const viaClient = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: gw.port, path: '/sw', method: 'POST', agent: false },
          resolve,
        )
        req.on('error', reject)
        req.end('{}')
      })
      viaClient.resume()
      expect(viaClient.statusCode).toBe(503)
      expect(viaClient.headers['retry-after']).toBe('5')

      expect(
        await metric(gw, 'hookwarden_connections_refused_total{reason="max_connections"}'),
      ).toBe(4)
      expect(await metric(gw, 'hookwarden_connections_refused_total{reason="per_source"}')).toBe(0)
      expect(await metric(gw, 'hookwarden_connections_closed_idle_total')).toBe(0)
      const lines = gw.logs.filter((l) => l.includes('connections refused'))
      expect(lines).toHaveLength(1)
      expect(JSON.parse(lines[0]!)).toMatchObject({
        level: 40,
        max_connections: 4,
        open_connections: 4,
      })
      // Refused before a request was read: nothing of them reached the store.
      expect((await gw.running.gateway.context.store.list({})).length).toBe(recordsBefore)

      // One busy sender goes away: the next connection is let in.
      busy.pop()!.destroy()
      await eventually(() => gw.open() === 3)
      const s = await connectFrom(gw.port)
      busy.push(s)
      expect(statusOf(await sendSigned(s))).toBe(200)
    } finally {
      for (const s of busy) s.destroy()
      await gw.close()
    }
  })
})

describe('HOOKWARDEN_MAX_CONNECTIONS past the open-file limit', () => {
  const limit = openFileLimit()
  it.runIf(limit !== undefined)(
    'is used as given, with a warning at start naming it and the limit',
    async () => {
      const gw = await startWith({ HOOKWARDEN_MAX_CONNECTIONS: String(limit) })
      try {
        expect(await metric(gw, 'hookwarden_connections_max')).toBe(limit)
        const line = gw.logs.find((l) => l.includes('HOOKWARDEN_MAX_CONNECTIONS ('))
        expect(JSON.parse(line!)).toMatchObject({
          level: 40,
          max_connections: limit,
          open_file_limit: limit,
        })
        expect(JSON.parse(line!).msg).toContain('ulimit -n')
      } finally {
        await gw.close()
      }
    },
  )
})

describe('HOOKWARDEN_CONNECTIONS_PER_SOURCE', () => {
  it('refuses the N+1th connection at once from one address; another address still gets in', async () => {
    const gw = await startWith({ HOOKWARDEN_CONNECTIONS_PER_SOURCE: '3' })
    const sockets: Socket[] = []
    try {
      // HOOKWARDEN_MAX_CONNECTIONS unset: derived from this process's open-file limit.
      expect(await metric(gw, 'hookwarden_connections_max')).toBe(
        maxConnectionsFor(openFileLimit() ?? ASSUMED_OPEN_FILE_LIMIT),
      )
      sockets.push(...(await connectMany(gw, 3, '127.0.0.1', 3)))
      const fourth = await connectFrom(gw.port, '127.0.0.1')
      const text = await sendSigned(fourth)
      expect(statusOf(text)).toBe(503)
      expect(headerOf(text, 'Retry-After')).toBe('5')
      await closed(fourth)
      expect(await metric(gw, 'hookwarden_connections_refused_total{reason="per_source"}')).toBe(1)

      const other = await connectFrom(gw.port, '127.0.0.2')
      sockets.push(other)
      expect(statusOf(await sendSigned(other))).toBe(200)
      expect(gw.open()).toBe(4)

      // The address's share is given back when one of its connections closes.
      sockets.shift()!.destroy()
      await eventually(() => gw.open() === 3)
      const again = await connectFrom(gw.port, '127.0.0.1')
      sockets.push(again)
      expect(statusOf(await sendSigned(again))).toBe(200)
      const line = gw.logs.find((l) => l.includes('connections refused'))
      expect(JSON.parse(line!)).toMatchObject({ source: '127.0.0.1', connections_per_source: 3 })
    } finally {
      for (const s of sockets) s.destroy()
      await gw.close()
    }
  })

  it('behind a proxy (HOOKWARDEN_TRUST_PROXY): the proxy’s connections are not held to one source’s share', async () => {
    const gw = await startWith({
      HOOKWARDEN_CONNECTIONS_PER_SOURCE: '2',
      HOOKWARDEN_TRUST_PROXY: '127.0.0.1',
    })
    const sockets: Socket[] = []
    try {
      sockets.push(...(await connectMany(gw, 4, '127.0.0.1', 4)))
      const last = sockets[3]!
      expect(statusOf(await sendSigned(last))).toBe(200)
      // An address that is no trusted proxy still is.
      sockets.push(...(await connectMany(gw, 2, '127.0.0.2', 6)))
      const third = await connectFrom(gw.port, '127.0.0.2')
      sockets.push(third)
      expect(statusOf(await sendSigned(third))).toBe(503)
    } finally {
      for (const s of sockets) s.destroy()
      await gw.close()
    }
  })
})
