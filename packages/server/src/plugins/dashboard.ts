/**
 * `/`: the built dashboard (packages/web/dist) or a placeholder page, behind the admin token
 * (a login form sets the cookie). With `public_diagnose: true` the pages load without it (the
 * diagnose page works; the API still answers 401 for the rest).
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { safeEqual } from '@hookwarden/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../context.js'
import { adminAuth, adminCookie, clearedAdminCookie, revokeSession } from './admin-auth.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Frame-Options', 'DENY')
    .header('Cache-Control', 'no-store')
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}input{font:inherit;padding:.4rem;width:20rem}button{font:inherit;padding:.4rem 1rem}code{background:#f3f3f3;padding:0 .3rem}</style></head><body>${body}</body></html>`

function loginPage(message = ''): string {
  return page(
    'hookwarden — sign in',
    `<h1>hookwarden</h1><p>Enter the admin token (printed by <code>hookwarden serve</code> at start, or set with <code>HOOKWARDEN_ADMIN_TOKEN</code>).</p>${message ? `<p><strong>${message}</strong></p>` : ''}<form method="post" action="/login"><input type="password" name="token" autocomplete="current-password" autofocus required> <button type="submit">Sign in</button></form>`,
  )
}

const PLACEHOLDER = page(
  'hookwarden',
  '<h1>hookwarden gateway</h1><p>The dashboard is not built (<code>npm run build</code> builds <code>packages/web</code>). The gateway and its API run: <code>GET /api/attempts</code>, <code>GET /api/endpoints</code>, <code>GET /metrics</code>, <code>GET /healthz</code>.</p>',
)

export interface Dashboard {
  serve(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>
}

export function dashboardPlugin(app: FastifyInstance, ctx: GatewayContext): Dashboard {
  const root =
    ctx.webDist && existsSync(join(ctx.webDist, 'index.html')) ? normalize(ctx.webDist) : null

  app.post('/login', async (req, reply) => {
    const body = req.body instanceof Uint8Array ? Buffer.from(req.body).toString('utf8') : ''
    const token = new URLSearchParams(body).get('token') ?? ''
    if (token === '' || !safeEqual(token, ctx.adminToken)) {
      return secure(reply)
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="hookwarden admin"')
        .header('Content-Type', 'text/html; charset=utf-8')
        .send(loginPage('That token is not the admin token.'))
    }
    return secure(reply)
      .code(303)
      .header('Set-Cookie', adminCookie(ctx.adminToken, req))
      .header('Location', '/')
      .send()
  })

  // A plain form post ends the session (the app's Log out uses DELETE /api/session).
  app.post('/logout', async (req, reply) => {
    revokeSession(req)
    return secure(reply)
      .code(303)
      .header('Set-Cookie', clearedAdminCookie())
      .header('Location', '/')
      .send()
  })

  function fileFor(path: string): string | null {
    if (!root) return null
    let rel: string
    try {
      rel = decodeURIComponent(path)
    } catch {
      return null
    }
    if (rel.includes('\0')) return null
    const file = normalize(join(root, rel))
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return null
    try {
      return statSync(file).isFile() ? file : null
    } catch {
      return null
    }
  }

  return {
    async serve(req, reply) {
      const url = new URL(req.raw.url ?? '/', 'http://gateway.invalid')
      // Browsers ask for it on every page, signed in or not: no icon, and no error in the console.
      if (url.pathname === '/favicon.ico')
        return secure(reply).code(204).header('Cache-Control', 'max-age=86400').send()
      const token = url.searchParams.get('token')
      // The printed dashboard URL carries the token once: trade it for the cookie and drop it from the address bar.
      if (token !== null && safeEqual(token, ctx.adminToken)) {
        url.searchParams.delete('token')
        return secure(reply)
          .code(303)
          .header('Set-Cookie', adminCookie(ctx.adminToken, req))
          .header('Location', url.pathname + url.search)
          .send()
      }
      // A file that is not there (a stale /assets/…js, a typo) is a 404 for anyone: the login
      // page's 401 would be one more unexplained 401, and a script tag cannot sign in.
      if (extname(url.pathname) && !fileFor(url.pathname))
        return secure(reply)
          .code(404)
          .header('Content-Type', 'text/plain; charset=utf-8')
          .send('not found')
      if (!adminAuth(req, ctx.adminToken) && ctx.config.public_diagnose !== true) {
        return secure(reply)
          .code(401)
          .header('WWW-Authenticate', 'Bearer realm="hookwarden admin"')
          .header('Content-Type', 'text/html; charset=utf-8')
          .send(loginPage())
      }
      if (!root)
        return secure(reply)
          .code(200)
          .header('Content-Type', 'text/html; charset=utf-8')
          .send(PLACEHOLDER)
      let file = fileFor(url.pathname === '/' ? '/index.html' : url.pathname)
      // Client-side routes (/attempts/…) get the app's index.html.
      if (!file && !extname(url.pathname)) file = join(root, 'index.html')
      if (!file)
        return secure(reply)
          .code(404)
          .header('Content-Type', 'text/plain; charset=utf-8')
          .send('not found')
      const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
      const r = secure(reply).code(200).header('Content-Type', type)
      // Vite's hashed assets never change under one name.
      if (url.pathname.startsWith('/assets/'))
        r.header('Cache-Control', 'public, max-age=31536000, immutable')
      return r.send(readFileSync(file))
    },
  }
}
