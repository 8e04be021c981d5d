/**
 * probe against small real receivers on 127.0.0.1 whose behaviour is known: an open one (200
 * to everything), a correct Bearer receiver that answers a plain 401 to a missing and a wrong
 * token alike, one behind Basic, one with no route, and one that records what it receives
 * (a key in the query must travel with the captured variant, never with the bare one).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type HttpRequest, InputError, parseRequest } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { probe } from './probe.js'

const local = { allowPrivate: true, timeoutMs: 5000 }
const TOKEN = 'tok_probe_RIGHT_5f2a9c1e7b'
const KEY = 'key_SECRET_q_987654'

interface Seen {
  method: string
  url: string
  authorization: string | undefined
}

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  run: (url: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
      })
      handle(req, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
}

const open = (_req: IncomingMessage, res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')

const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code)
const fails = (r: { findings: { code: string; level: string }[] }) =>
  r.findings.filter((f) => f.level === 'fail').map((f) => f.code)

describe('probe: an open endpoint', () => {
  it('says it needs no credential (a failure), and claims nothing about reading one', async () => {
    await serve(open, async (url) => {
      const r = await probe(`${url}/hooks/orders`, local)
      expect(fails(r)).toEqual(['no_auth_required'])
      expect(r.findings.find((f) => f.code === 'no_auth_required')?.summary).toMatch(
        /without any credential is accepted \(200\), just as the one with it/,
      )
      expect(codes(r)).not.toContain('credential_read')
      // "credentials are checked before the method" means nothing when nothing is checked.
      expect(codes(r)).not.toContain('auth_before_routing')
      expect(r.credential_read).toBe(false)
      expect(JSON.stringify(r)).not.toMatch(/body differs|refuses it/)
    })
  })
})

describe('probe: a credential in the query', () => {
  it('sends the capture with its ?api_key=, and the bare variant without it', async () => {
    await serve(open, async (url, seen) => {
      const request = parseRequest(
        `POST /hooks/orders?api_key=${KEY}&v=2 HTTP/1.1\r\nHost: example.org\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      )
      const r = await probe(`${url}/hooks/orders`, { ...local, request })
      const byName = Object.fromEntries(r.variants.map((v, i) => [v.name, seen[i]!.url]))
      expect(byName.captured).toBe(`/hooks/orders?api_key=${KEY}&v=2`)
      expect(byName['without-credentials']).toBe('/hooks/orders?v=2')
      expect(byName['other-method']).toBe('/hooks/orders?v=2')
      expect(r.variants[0]!.purpose).toMatch(/query parameter/)
      expect(JSON.stringify(r)).not.toContain(KEY)
    })
  })

  it('a key in the probe URL itself: left out of the bare variant, sent as given', async () => {
    await serve(open, async (url, seen) => {
      const r = await probe(`${url}/hooks/orders?api_key=${KEY}`, local)
      expect(r.variants.map((v) => v.name)).toEqual([
        'without-credentials',
        'as-given',
        'other-method',
        'unknown-path',
      ])
      expect(seen.map((s) => s.url.includes(KEY))).toEqual([false, true, false, false])
      expect(fails(r)).toEqual(['no_auth_required'])
      expect(JSON.stringify(r)).not.toContain(KEY)
    })
  })

  it('a receiver that checks the key: the answer changes with it', async () => {
    await serve(
      (req, res) => {
        if (req.url?.includes(`api_key=${KEY}`)) res.writeHead(200).end('ok')
        else res.writeHead(401, { 'www-authenticate': 'ApiKey realm="hooks"' }).end('no key')
      },
      async (url) => {
        const r = await probe(`${url}/hooks/orders?api_key=${KEY}`, local)
        expect(r.credential_read).toBe(true)
        expect(r.findings.find((f) => f.code === 'credential_read')?.level).toBe('ok')
        expect(fails(r)).toEqual([])
      },
    )
  })
})

describe('probe: identical 401s', () => {
  const bearer = (req: IncomingMessage, res: ServerResponse) =>
    req.headers.authorization === `Bearer ${TOKEN}`
      ? res.writeHead(200).end('ok')
      : res.writeHead(401).end('Unauthorized')

  it('a made-up token against a correct receiver: the likely reading offered, no failure', async () => {
    await serve(bearer, async (url) => {
      const r = await probe(`${url}/hooks/orders`, local)
      expect(r.credential_read).toBeNull()
      const f = r.findings.find((x) => x.code === 'credential_not_distinguished')
      expect(f?.level).toBe('info')
      expect(f?.summary).toMatch(/Most likely it reads the token and refuses the invalid one/)
      expect(f?.summary).toMatch(/--request/)
      expect(codes(r)).not.toContain('credential_not_read')
      expect(fails(r)).toEqual([])
    })
  })

  it('the real request refused like none: worded as what the evidence supports', async () => {
    await serve(bearer, async (url) => {
      const request = parseRequest(
        'POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nAuthorization: Bearer tok_probe_WRONG_0000000\r\nContent-Length: 2\r\n\r\n{}',
      )
      const r = await probe(`${url}/hooks/orders`, { ...local, request })
      expect(r.credential_read).toBe(false)
      const f = r.findings.find((x) => x.code === 'credential_not_read')
      expect(f?.level).toBe('fail')
      expect(f?.summary).toMatch(/nothing shows that .* reads it\. Either it never sees it/)
      expect(f?.summary).toMatch(/or it refuses this credential with the very answer/)
    })
  })

  it('a hop asking for Basic while a Bearer was sent says so, as replay does', async () => {
    await serve(
      (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="closed"' }).end('no'),
      async (url) => {
        const r = await probe(`${url}/hooks/orders`, local)
        const f = r.findings.find((x) => x.code === 'scheme_mismatch')
        expect(f?.summary).toMatch(/asking for Basic .* but the request sent Bearer/)
        expect(f?.level).toBe('warn')
        expect(r.findings.find((x) => x.code === 'credential_not_distinguished')?.summary).toMatch(
          /the challenge asks for Basic: .* most likely takes no Bearer token/,
        )
        const request = parseRequest(
          `POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`,
        )
        const withCapture = await probe(`${url}/hooks/orders`, { ...local, request })
        expect(fails(withCapture)).toContain('scheme_mismatch')
      },
    )
  })

  it('a 404 points at the route, not at the credential', async () => {
    await serve(
      (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found'),
      async (url) => {
        const r = await probe(`${url}/hooks/orders`, local)
        expect(fails(r)).toEqual(['route_not_found'])
        expect(r.findings.find((f) => f.code === 'route_not_found')?.summary).toMatch(
          /404 to \/hooks\/orders, as it does to a path that cannot exist/,
        )
        expect(r.credential_read).toBeNull()
        expect(JSON.stringify(r.findings)).not.toMatch(/does not read it|reads it/)
      },
    )
  })
})

describe('probe: a capture without its body', () => {
  it('is refused before anything is sent', async () => {
    await serve(open, async (url, seen) => {
      const request: HttpRequest = parseRequest(
        'POST /hooks/orders HTTP/1.1\r\nHost: example.org\r\nContent-Length: 50\r\n\r\n',
      )
      await expect(probe(`${url}/hooks/orders`, { ...local, request })).rejects.toSatisfy(
        (e) => InputError.is(e) && /50-byte body/.test((e as Error).message),
      )
      expect(seen).toHaveLength(0)
    })
  })
})
