/**
 * Two far answers read as they came, against real servers on 127.0.0.1: a `100 Continue`
 * sent unasked before the final answer (RFC 9110 §15.2: the client reads past it), and an
 * edge's block page, which probe must not also read as the route checking credentials.
 * @module
 */
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { type HttpRequest, parseRequest } from '@hookwarden/core'
import { afterEach, describe, expect, it } from 'vitest'
import { probe } from './probe.js'
import { replay } from './replay.js'

const BODY = '{"event":"order.created"}'
const capture: HttpRequest = parseRequest(
  `POST /hooks/orders HTTP/1.1\r\nHost: hooks.example.org\r\nContent-Type: application/json\r\nAuthorization: Bearer wrong-token-ABCDEFGHIJ\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
)
const local = { allowPrivate: true, timeoutMs: 3000 }

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A raw server that answers the first bytes it reads with `pieces`, written one by one. */
async function rawServer(pieces: string[], end = true): Promise<string> {
  const server = createServer((socket: Socket) => {
    socket.once('data', async () => {
      for (const p of pieces) {
        socket.write(p)
        await new Promise((r) => setTimeout(r, 15))
      }
      if (end) socket.end()
      else socket.destroy()
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  return `http://127.0.0.1:${port}`
}

const FINAL_401 =
  'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="api", error="invalid_token"\r\nContent-Length: 5\r\n\r\nnope!'

describe('a 100 Continue sent unasked', () => {
  it('reads the 401 after it, and says the 100 came first', async () => {
    const to = await rawServer([`HTTP/1.1 100 Continue\r\n\r\n${FINAL_401}`])
    const r = await replay(capture, { ...local, to })
    expect(r.error).toBeNull()
    expect(r.response?.status).toBe(401)
    expect(r.response?.meaning).toMatch(/names an error/)
    expect(r.origin?.evidence.join('\n')).toMatch(/100 Continue came first: an interim answer/)
  })

  it('reads past several, cut anywhere across the reads', async () => {
    const stream = `HTTP/1.1 100 Continue\r\nX-Note: one\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n${FINAL_401}`
    // Pieces that end inside the status code, inside a head and inside the final line.
    const cuts = [5, 11, 30, 52, 70]
    const pieces = cuts.map((c, i) => stream.slice(i ? cuts[i - 1] : 0, c))
    pieces.push(stream.slice(cuts[cuts.length - 1]))
    const to = await rawServer(pieces)
    const r = await replay(capture, { ...local, to })
    expect(r.error).toBeNull()
    expect(r.response?.status).toBe(401)
    expect(r.origin?.evidence.filter((e) => e.startsWith('100 Continue came first')).length).toBe(2)
  })

  it('reads past a 100 that comes after a 103 Early Hints', async () => {
    const to = await rawServer([
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n',
      `HTTP/1.1 100 Continue\r\n\r\n${FINAL_401}`,
    ])
    const r = await replay(capture, { ...local, to })
    expect(r.error).toBeNull()
    expect(r.response?.status).toBe(401)
    expect(r.origin?.evidence.filter((e) => e.startsWith('100 Continue came first')).length).toBe(2)
  })

  it('says what happened when no final answer follows the 100', async () => {
    const to = await rawServer(['HTTP/1.1 100 Continue\r\n\r\n'], false)
    const r = await replay(capture, { ...local, to })
    expect(r.response).toBeNull()
    expect(r.error?.code).toBe('connection_reset')
    expect(r.error?.message).toMatch(/answered 100 Continue unasked and closed the connection/)
  })

  it('leaves an answer that is no 100 as it is (102 Processing, a 200 starting with "HTTP/1.1 1")', async () => {
    const to = await rawServer([
      'HTTP/1.1 1',
      '02 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ])
    const r = await replay(capture, { ...local, to })
    expect(r.error).toBeNull()
    expect(r.response?.status).toBe(200)
  })
})

describe('probe of an edge block page', () => {
  it('never says the route checks credentials when the block answered before them', async () => {
    const server = createHttpServer((req, res) => {
      req.resume()
      req.on('end', () => {
        if (req.url?.startsWith('/hooks/')) {
          res.writeHead(403, {
            'Content-Type': 'text/plain',
            Server: 'cloudflare',
            'CF-RAY': '8f3a1c2b9d4e7f63-LHR',
          })
          res.end('error code: 1020')
        } else {
          res.writeHead(404)
          res.end('nf')
        }
      })
    })
    servers.push(server as unknown as Server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as { port: number }
    const p = await probe(`http://127.0.0.1:${port}/hooks/orders`, local)
    const said = p.findings.map((f) => f.summary).join('\n')
    expect(p.findings.map((f) => f.code)).toContain('ip_not_allowed')
    expect(said).toMatch(/never checked/)
    expect(said).not.toMatch(/checks credentials itself/)
    expect(said).not.toMatch(/credentials are checked before the method/)
    expect(said).not.toMatch(/Most likely it reads the token/)
    expect(p.findings.map((f) => f.code)).toContain('block_per_route')
    expect(said).toMatch(/refuses the request before any credential is looked at/)
  })
})
