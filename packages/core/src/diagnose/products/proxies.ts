/**
 * Web servers and reverse proxies: nginx (incl. auth_basic), Apache (AuthType Basic), Caddy,
 * HAProxy, IIS, Traefik, Varnish. Their built-in error pages are unmistakable; their Server header
 * alone is not, since a proxy stamps it on the answers it relays too.
 * @module
 */
import { VARNISH_PAGE } from './edge.js'
import { isEasyAuth } from './platforms.js'
import { answered, bodyEv, ev, type Fingerprint, h, realm } from './types.js'

export const nginx: Fingerprint = {
  product: 'nginx',
  layer: 'proxy',
  answered(s) {
    const b =
      bodyEv(s, /<hr><center>(nginx|openresty|tengine)(\/[\d.]+)?[^<]*<\/center>/i) ??
      bodyEv(s, /<center>(nginx|openresty)(\/[\d.]+)?<\/center>/i)
    if (!b) return null
    const server = h(s, 'server')
    const www = h(s, 'www-authenticate')
    return answered(
      100,
      b,
      server && /nginx|openresty/i.test(server) ? ev('server', server) : null,
      s.status === 401 && www && /^basic/i.test(www)
        ? `${ev('WWW-Authenticate', www)} (auth_basic)`
        : null,
    )
  },
  onPath(s) {
    const server = h(s, 'server') ?? ''
    return /^(nginx|openresty)/i.test(server) ? [ev('server', server)] : null
  },
}

export const apache: Fingerprint = {
  product: 'apache',
  layer: 'proxy',
  answered(s) {
    const b =
      bodyEv(s, /<address>Apache(\/[\d.]+)?[^<]*<\/address>/i) ??
      bodyEv(
        s,
        /This server could not verify that you\s+are authorized to access the document\s+requested\./i,
      ) ??
      bodyEv(s, /You don't have permission to access this resource\./i)
    if (!b) return null
    const server = h(s, 'server')
    const www = h(s, 'www-authenticate')
    return answered(
      100,
      b,
      server && /apache/i.test(server) ? ev('server', server) : null,
      www ? `${ev('WWW-Authenticate', www)} (AuthType Basic)` : null,
    )
  },
  onPath(s) {
    const server = h(s, 'server') ?? ''
    return /^apache/i.test(server) ? [ev('server', server)] : null
  },
}

export const caddy: Fingerprint = {
  product: 'caddy',
  layer: 'proxy',
  answered(s) {
    const server = h(s, 'server') ?? ''
    if (!/^caddy/i.test(server)) return null
    const r = realm(s)
    if (s.status === 401 && r === 'restricted')
      return answered(
        100,
        ev('server', server),
        ev('WWW-Authenticate', h(s, 'www-authenticate')),
        'realm "restricted" is Caddy basic_auth\'s default',
      )
    if (s.body.length === 0 && s.status >= 400)
      return answered(
        80,
        ev('server', server),
        'empty body: Caddy answers its own errors without one',
      )
    return null
  },
  onPath(s) {
    return /^caddy/i.test(h(s, 'server') ?? '') ? [ev('server', h(s, 'server'))] : null
  },
}

export const haproxy: Fingerprint = {
  product: 'haproxy',
  layer: 'proxy',
  answered(s) {
    const b =
      bodyEv(s, /You need a valid user and password to access this content\./i) ??
      bodyEv(s, /Request forbidden by administrative rules\./i) ??
      bodyEv(s, /You have sent too many requests in a given amount of time\./i) ??
      bodyEv(s, /No server is available to handle this request\./i) ??
      bodyEv(s, /The server didn't respond in time\./i)
    return b ? answered(100, b) : null
  },
}

export const iis: Fingerprint = {
  product: 'iis',
  layer: 'proxy',
  answered(s) {
    // App Service Authentication (Easy Auth) answers with IIS's words too, in front of any
    // stack (platforms.ts: azure-app-service-auth).
    if (isEasyAuth(s)) return null
    const server = h(s, 'server') ?? ''
    const b =
      bodyEv(s, /HTTP Error 40\d\.\d+ - [^<\n]*/i) ??
      bodyEv(s, /40\d - (Unauthorized|Forbidden): Access is denied[^<\n]*/i) ??
      bodyEv(s, /You do not have permission to view this directory or page[^<\n]*/i) ??
      bodyEv(s, /Internet Information Services|<title>IIS/i)
    if (b) return answered(100, b, /microsoft-iis/i.test(server) ? ev('server', server) : null)
    return null
  },
  onPath(s) {
    return /microsoft-iis/i.test(h(s, 'server') ?? '') ? [ev('server', h(s, 'server'))] : null
  },
}

export const traefik: Fingerprint = {
  product: 'traefik',
  layer: 'proxy',
  answered(s) {
    const r = realm(s)
    if (
      s.status === 401 &&
      /^401 Unauthorized\s*$/.test(s.body) &&
      (r === 'traefik' || !h(s, 'server'))
    )
      return answered(
        r === 'traefik' ? 100 : 80,
        'body: "401 Unauthorized"',
        ev('WWW-Authenticate', h(s, 'www-authenticate')),
        r === 'traefik' ? 'realm "traefik" is the BasicAuth middleware\'s default' : null,
      )
    if (s.status === 404 && /^404 page not found\s*$/.test(s.body) && !h(s, 'server'))
      return answered(60, 'body: "404 page not found" (Traefik\'s answer when no router matches)')
    return null
  },
}

/**
 * A plain Varnish's synthetic error page ("Error 503 Backend fetch failed", "Guru Meditation",
 * an XID). Fastly runs Varnish too; its pages and headers are taken first (edge.ts: fastly).
 */
export const varnish: Fingerprint = {
  product: 'varnish',
  layer: 'proxy',
  answered(s) {
    if (!VARNISH_PAGE.test(s.body)) return null
    const server = h(s, 'server')
    const xid = bodyEv(s, /XID: \d+/)
    return answered(
      xid ? 100 : 90,
      bodyEv(s, /Error \d{3} [^<\n]*/) ?? bodyEv(s, VARNISH_PAGE),
      xid,
      server && /varnish/i.test(server) ? ev('server', server) : null,
    )
  },
  onPath(s) {
    const out: string[] = []
    const via = h(s, 'via')
    if (via && /varnish/i.test(via)) out.push(ev('via', via))
    if (h(s, 'x-varnish')) out.push(ev('x-varnish', h(s, 'x-varnish')))
    return out.length ? out : null
  },
}

export const PROXIES: Fingerprint[] = [nginx, apache, caddy, haproxy, iis, traefik, varnish]
