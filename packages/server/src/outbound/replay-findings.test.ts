/**
 * replay's words against what happened on real sockets (127.0.0.1): a same-origin redirect
 * keeps Authorization, a reset after the request was written is no failure to connect, the
 * notes name what the HTTP client really wrote, and a Latin-1 header byte goes out as it came.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { type HttpRequest, InputError, parseRequest } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { headerConstructionFix } from './quick-fix.js'
import { replay } from './replay.js'
import { startRecorder } from './test-servers.spec.js'

const local = { allowPrivate: true, timeoutMs: 5000 }
const TOKEN = 'tok_replay_Q8m2Lx7Vb4Nc'
const capture = (method = 'POST', body = '{}'): HttpRequest =>
  parseRequest(
    `${method} /hooks/orders HTTP/1.1\r\nHost: example.org\r\nAuthorization: Bearer ${TOKEN}\r\n${body ? `Content-Length: ${body.length}\r\n` : ''}\r\n${body}`,
  )

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  run: (url: string) => Promise<void>,
): Promise<void> {
  const server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
}

describe('replay: redirects', () => {
  for (const status of [307, 302]) {
    it(`a same-origin ${status}: no claim that Authorization is dropped`, async () => {
      await serve(
        (req, res) => {
          req.resume()
          res.writeHead(status, { location: `/final${req.url}` }).end()
        },
        async (url) => {
          const r = await replay(capture(), { ...local, to: url })
          expect(r.redirect?.finding).toMatch(
            /stays on this origin, so a client that follows it keeps Authorization/,
          )
          if (status === 302) expect(r.redirect?.finding).toMatch(/turns the POST into a GET/)
          else expect(r.redirect?.finding).not.toMatch(/GET/)
          expect(JSON.stringify(r.hints)).not.toMatch(/drops the Authorization/)
        },
      )
    })
  }

  it('another origin: Authorization is dropped there', async () => {
    await serve(
      (req, res) => {
        req.resume()
        res.writeHead(307, { location: 'https://elsewhere.example/hooks' }).end()
      },
      async (url) => {
        const r = await replay(capture(), { ...local, to: url })
        expect(r.redirect?.finding).toMatch(/another origin .* drops Authorization/)
        expect(r.hints.map((h) => h.code)).toContain('credentials_missing')
      },
    )
  })
})

describe('replay: a connection closed without an answer', () => {
  it('after the request was written: connection_reset, not connect_failed', async () => {
    await serve(
      (req) => {
        req.resume()
        req.on('end', () => req.socket.destroy())
      },
      async (url) => {
        const r = await replay(capture(), { ...local, to: url })
        expect(r.response).toBeNull()
        expect(r.error).toMatchObject({ code: 'connection_reset', request_written: true })
        expect(r.error?.message).toMatch(/wrote the request .* may have received/)
      },
    )
  })

  it('nobody listening is still connect_failed', async () => {
    const probe = createNetServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as AddressInfo).port
    await new Promise((r) => probe.close(r))
    const r = await replay(capture(), { ...local, to: `http://127.0.0.1:${port}` })
    expect(r.error?.code).toBe('connect_failed')
  })
})

describe('replay: what the HTTP client writes', () => {
  const head = (raw: Buffer) =>
    raw
      .subarray(0, raw.indexOf('\r\n\r\n'))
      .toString('latin1')
      .split('\r\n')
      .map((l) => l.toLowerCase())

  it('the notes name the connection and length headers that went out', async () => {
    for (const [method, body] of [
      ['POST', '{"a":1}'],
      ['GET', ''],
    ] as const) {
      const rec = await startRecorder()
      try {
        const r = await replay(capture(method, body), { ...local, to: rec.url })
        const sent = head(rec.received())
        const notes = r.sent.notes.join('\n')
        expect(sent).toContain('connection: close')
        expect(notes).toMatch(/connection: close/)
        expect(notes).not.toMatch(/keep-alive/)
        const length = sent.find((l) => l.startsWith('content-length:'))
        if (length) expect(notes).toContain(length)
        else expect(notes).not.toMatch(/content-length/)
        expect(length === undefined).toBe(method === 'GET')
      } finally {
        await rec.close()
      }
    }
  })

  it('a Latin-1 header byte goes out as captured, beside a UTF-8 one, with --fix too', async () => {
    const bytes = Buffer.concat([
      Buffer.from('POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nX-Name: Zo'),
      Buffer.from([0xc3, 0xab]),
      Buffer.from('\r\nX-Latin: caf'),
      Buffer.from([0xe9]),
      Buffer.from(`\r\nAuthorization: ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`),
    ])
    const request = parseRequest(bytes)
    for (const fix of [undefined, headerConstructionFix]) {
      const rec = await startRecorder()
      try {
        await replay(request, { ...local, to: rec.url, capture: bytes, ...(fix ? { fix } : {}) })
        const raw = rec.received()
        const headEnd = raw.indexOf('\r\n\r\n')
        const sentHead = raw.subarray(0, headEnd)
        expect(sentHead.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]))).toBe(true)
        expect(sentHead.includes(Buffer.from([0x5a, 0x6f, 0xc3, 0xab, 0x0d, 0x0a]))).toBe(true)
        if (fix) expect(sentHead.toString('latin1')).toContain(`Authorization: Bearer ${TOKEN}`)
      } finally {
        await rec.close()
      }
    }
  })
})

describe('replay: a capture without its body', () => {
  it('is refused before anything is sent', async () => {
    const rec = await startRecorder()
    try {
      const request = parseRequest(
        'POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nContent-Length: 50\r\n\r\n',
      )
      expect(request.bodyNotCaptured).toBe(50)
      await expect(replay(request, { ...local, to: rec.url })).rejects.toSatisfy(
        (e) => InputError.is(e) && /50-byte body .* holds none/.test((e as Error).message),
      )
      expect(rec.connections).toBe(0)
    } finally {
      await rec.close()
    }
  })
})
