/**
 * Real servers on 127.0.0.1 port 0 for the replay and probe tests (named *.spec.ts so that
 * tsc leaves it out of dist and vitest does not run it as a suite): an nginx-style Basic-auth
 * proxy in front of a Bearer-checking app, a redirecting server, a silent one, and a raw
 * socket that records the exact bytes it receives.
 * @module
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net'

export const APP_TOKEN = 'hw_test_Zq8x1Kf3mB7vL2nP9sR4tW6y'
export const PROXY_USER = 'make'
export const PROXY_PASS = 'pr0xy-s3cret'

export const NGINX_401 =
  '<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n'

export interface Running {
  url: string
  requests: number
  connections: number
  close(): Promise<void>
}

async function listen(server: Server | NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function track(server: Server | NetServer, running: Running): void {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    running.connections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  running.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** The app: accepts exactly `Bearer APP_TOKEN` on POST /hooks/orders, else 401 JSON. */
export async function startApp(): Promise<Running> {
  const running = { url: '', requests: 0, connections: 0, close: async () => {} }
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    running.requests++
    await readBody(req)
    if (!req.url?.startsWith('/hooks/orders')) {
      res
        .writeHead(404, { 'content-type': 'application/json', 'x-powered-by': 'Express' })
        .end('{"error":"not_found"}')
      return
    }
    if (req.method !== 'POST') {
      res
        .writeHead(405, {
          allow: 'POST',
          'content-type': 'application/json',
          'x-powered-by': 'Express',
        })
        .end('{"error":"method_not_allowed"}')
      return
    }
    const auth = req.headers.authorization
    if (auth === `Bearer ${APP_TOKEN}`) {
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-powered-by': 'Express' })
        .end('{"ok":true}')
      return
    }
    res
      .writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': auth
          ? 'Bearer realm="orders", error="invalid_token"'
          : 'Bearer realm="orders"',
        'x-powered-by': 'Express',
      })
      .end(auth ? '{"error":"invalid_token"}' : '{"error":"missing authorization header"}')
  })
  track(server, running)
  running.url = await listen(server)
  return running
}

/** nginx auth_basic in front of `upstream`: 401 with nginx's page unless Basic is right. */
export async function startBasicAuthProxy(upstream: string): Promise<Running> {
  const running = { url: '', requests: 0, connections: 0, close: async () => {} }
  const good = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASS}`).toString('base64')}`
  const server = createServer(async (req, res) => {
    running.requests++
    const body = await readBody(req)
    if (req.headers.authorization !== good) {
      res
        .writeHead(401, {
          Server: 'nginx/1.24.0',
          'Content-Type': 'text/html',
          'WWW-Authenticate': 'Basic realm="Restricted"',
        })
        .end(NGINX_401)
      return
    }
    const up = new URL(req.url ?? '/', upstream)
    const fwd = httpRequest(
      up,
      { method: req.method, headers: { ...req.headers, host: up.host } },
      (ur) => {
        const headers = { ...ur.headers, server: 'nginx/1.24.0' }
        res.writeHead(ur.statusCode ?? 502, headers)
        ur.pipe(res)
      },
    )
    fwd.end(body)
  })
  track(server, running)
  running.url = await listen(server)
  return running
}

/** Answers every request with `status` and a Location (http→https style or trailing slash). */
export async function startRedirector(
  status: number,
  location: (path: string) => string,
): Promise<Running> {
  const running = { url: '', requests: 0, connections: 0, close: async () => {} }
  const server = createServer(async (req, res) => {
    running.requests++
    await readBody(req)
    res.writeHead(status, { Location: location(req.url ?? '/'), 'Content-Length': '0' }).end()
  })
  track(server, running)
  running.url = await listen(server)
  return running
}

/** Accepts connections and never answers. */
export async function startSilent(): Promise<Running> {
  const running = { url: '', requests: 0, connections: 0, close: async () => {} }
  const server = createServer(() => {
    running.requests++
  })
  track(server, running)
  running.url = await listen(server)
  return running
}

/** A raw TCP server: records the bytes of one request, answers 204. */
export async function startRecorder(): Promise<Running & { received: () => Buffer }> {
  const running = {
    url: '',
    requests: 0,
    connections: 0,
    close: async () => {},
    received: () => Buffer.alloc(0),
  }
  let data = Buffer.alloc(0)
  const server = createNetServer((s) => {
    s.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      const headEnd = data.indexOf('\r\n\r\n')
      if (headEnd === -1) return
      const len = Number(
        /\r\ncontent-length: *(\d+)/i.exec(data.subarray(0, headEnd).toString('latin1'))?.[1] ?? 0,
      )
      if (data.length >= headEnd + 4 + len) {
        running.requests++
        s.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')
      }
    })
  })
  track(server, running)
  running.received = () => data
  running.url = await listen(server)
  return running
}
