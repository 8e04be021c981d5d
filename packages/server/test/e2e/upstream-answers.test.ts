/**
 * Upstream answers that cannot be relayed, and connections the upstream closes on its own:
 * an answer begun but unusable (too large, never ending, cut off) is a 502 titled as such,
 * with the upstream's status kept in the record; a reused keep-alive connection the upstream
 * closed just as the request went out is tried again once on a new one — never a fresh one.
 * Real upstreams on raw sockets, so that each misbehaviour is exact.
 * @module
 */
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, type Running, startGateway } from './helpers.js'

const TOKEN = 'upstream-answers-token-77aa'

/** A raw upstream: `onRequest(socket, n)` is called once per whole request (n counts them all). */
async function rawUpstream(onRequest: (socket: Socket, n: number, onSocket: number) => void) {
  let n = 0
  let connections = 0
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    let onSocket = 0
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const length = Number(
          /content-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0,
        )
        if (buf.length < end + 4 + length) return
        buf = buf.subarray(end + 4 + length)
        onRequest(socket, ++n, ++onSocket)
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get requests() {
      return n
    },
    get connections() {
      return connections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

const yaml = (forward: string) => `
endpoints:
  - name: up
    path: /up
    forward: ${forward}
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`

let gw: Running | null = null
let closeUpstream: (() => Promise<void>) | null = null
afterEach(async () => {
  await gw?.close()
  await closeUpstream?.()
  gw = null
  closeUpstream = null
})

async function forward(url: string) {
  const res = await fetch(`${url}/up`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: '{"n":1}',
  })
  const text = await res.text()
  const attempt = res.headers.get('x-hookwarden-attempt')!
  return { status: res.status, text, attempt, type: res.headers.get('content-type') }
}

describe('an upstream answer that cannot be relayed', () => {
  const cases = [
    {
      name: '200 with a body over the relay limit',
      write: (s: Socket) => {
        s.write(
          'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 5242880\r\n\r\n',
        )
        s.write(Buffer.alloc(2 * 1024 * 1024, 120))
      },
      error: /^upstream answered 200 with a body larger than 1048576 bytes/,
    },
    {
      name: '200 whose body never ends',
      write: (s: Socket) => {
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n')
        const timer = setInterval(() => s.write('1\r\nx\r\n'), 100)
        s.on('close', () => clearInterval(timer))
      },
      error: /^upstream answered 200, but its body did not end within 600 ms/,
    },
    {
      name: '201 cut off mid-body',
      write: (s: Socket) => {
        s.write('HTTP/1.1 201 Created\r\nContent-Length: 1000\r\n\r\n{"partial":')
        setTimeout(() => s.resetAndDestroy(), 50)
      },
      error: /^upstream answered 201, but its body was cut off/,
    },
  ]
  for (const c of cases)
    it(`${c.name}: 502 "could not be relayed", the upstream's status in the record`, async () => {
      const up = await rawUpstream((s) => c.write(s))
      closeUpstream = up.close
      gw = await startGateway(yaml(up.url), { forward: { timeoutMs: 600 } })
      const a = await forward(gw.url)
      expect(a.status).toBe(502)
      expect(a.type).toBe('application/problem+json')
      const problem = JSON.parse(a.text)
      expect(problem).toMatchObject({
        title: "The upstream's answer could not be relayed",
        reason: 'upstream_answer_unusable',
        status: 502,
      })
      expect(problem.detail).toMatch(c.error)
      const status = Number(/^upstream answered (\d+)/.exec(problem.detail)![1])
      const rec = await gw.store.get(a.attempt)
      expect(rec).toMatchObject({ status: 502, forward_status: status })
      expect(rec!.forward_error).toMatch(c.error)
    })

  it('an upstream that does not answer at all is still "did not answer in time", with no status', async () => {
    const up = await rawUpstream(() => {})
    closeUpstream = up.close
    gw = await startGateway(yaml(up.url), { forward: { timeoutMs: 300 } })
    const a = await forward(gw.url)
    expect(a.status).toBe(504)
    expect(JSON.parse(a.text).title).toBe('The upstream did not answer in time')
    expect(await gw.store.get(a.attempt)).toMatchObject({ status: 504, forward_status: null })
  })
})

describe('connections the upstream closes on its own', () => {
  const ok = (s: Socket) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')

  it('a reused connection closed as the request went out: sent again once, on a new connection', async () => {
    // The second request on any connection meets a close with no answer: what a request
    // written just as the upstream's idle timeout fires meets.
    const up = await rawUpstream((s, _n, onSocket) => (onSocket === 1 ? ok(s) : s.destroy()))
    closeUpstream = up.close
    gw = await startGateway(yaml(up.url))
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await forward(gw.url)).status)
    expect(statuses).toEqual([200, 200, 200, 200])
    // Each request beyond the 4 answered met a reused connection's close, and was sent again
    // (undici may also open a new connection for a request instead of reusing one).
    expect(up.requests).toBeGreaterThan(4)
  })

  it('a new connection closed without an answer is not sent again: the upstream may have acted on it', async () => {
    const up = await rawUpstream((s) => s.destroy())
    closeUpstream = up.close
    gw = await startGateway(yaml(up.url))
    const a = await forward(gw.url)
    expect(a.status).toBe(502)
    expect(JSON.parse(a.text).detail).toBe('upstream closed the connection')
    await eventually(() => up.requests === 1)
    await new Promise((r) => setTimeout(r, 100))
    expect(up.requests).toBe(1)
  })

  it('an upstream that closes idle connections after 1 s, with no Keep-Alive hint: every webhook gets through', {
    timeout: 20_000,
  }, async () => {
    const up = await rawUpstream((s) => {
      ok(s)
      clearTimeout((s as Socket & { idle?: NodeJS.Timeout }).idle)
      ;(s as Socket & { idle?: NodeJS.Timeout }).idle = setTimeout(() => s.destroy(), 1000)
    })
    closeUpstream = up.close
    gw = await startGateway(yaml(up.url))
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      statuses.push((await forward(gw.url)).status)
      await new Promise((r) => setTimeout(r, 990 + Math.random() * 20))
    }
    expect(statuses).toEqual(statuses.map(() => 200))
  })
})

describe('interim (1xx) answers before the upstream’s final one', () => {
  const final = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nupstream'
  /** Writes `pieces` one after another, a few ms apart, as a slow upstream would. */
  const answer = (pieces: string[]) => (s: Socket) => {
    let i = 0
    const next = () => {
      if (i < pieces.length) s.write(pieces[i++]!, () => setTimeout(next, 10))
    }
    next()
  }

  it('a 100 Continue sent unasked before each answer, on a kept-alive connection: every final answer relayed, each webhook delivered once', async () => {
    // RFC 9110 §15.2: a client reads one or more 1xx answers before the final one, even unasked.
    const seen: number[] = []
    const up = await rawUpstream((s, _n, onSocket) => {
      seen.push(onSocket)
      answer(['HTTP/1.1 100 Continue\r\n\r\n', final])(s)
    })
    closeUpstream = up.close
    gw = await startGateway(yaml(up.url))
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await forward(gw.url))
    expect(answers.map((a) => [a.status, a.text])).toEqual(answers.map(() => [200, 'upstream']))
    for (const a of answers)
      expect(await gw.store.get(a.attempt)).toMatchObject({
        status: 200,
        forward_status: 200,
        forward_error: null,
      })
    // Never sent twice (a connection dropped on the 100 would have been retried), and the
    // later ones went on a connection already used: the 100 is read past on each answer.
    expect(up.requests).toBe(4)
    expect(Math.max(...seen)).toBeGreaterThan(1)
  })

  it('103 Early Hints before a 200, and 100, 103, 100 before a 201 cut across the reads', async () => {
    const mixed =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated'
    const cuts = [4, 11, 30, 61, 100, 112, 140]
    const pieces = [...cuts, mixed.length].map((c, i) => mixed.slice(i ? cuts[i - 1] : 0, c))
    const up = await rawUpstream((s, n) =>
      answer(n === 1 ? ['HTTP/1.1 103 Early Hints\r\nLink: </a.js>\r\n\r\n', final] : pieces)(s),
    )
    closeUpstream = up.close
    gw = await startGateway(yaml(up.url))
    const hints = await forward(gw.url)
    expect([hints.status, hints.text]).toEqual([200, 'upstream'])
    const mixedAnswer = await forward(gw.url)
    expect([mixedAnswer.status, mixedAnswer.text]).toEqual([201, 'created'])
    expect(await gw.store.get(mixedAnswer.attempt)).toMatchObject({
      status: 201,
      forward_status: 201,
    })
    expect(up.requests).toBe(2)
  })
})
