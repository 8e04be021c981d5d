/**
 * `/`: the built dashboard (packages/web/dist) or a placeholder page, behind the admin token
 * (a login form sets the cookie, then returns to the page asked for). With `public_diagnose:
 * true` the pages load without it (the diagnose page works; the API still answers 401 for the
 * rest, and the app's own login form keeps the address).
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { safeEqual } from '@hookwarden/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../context.js'
import {
  adminAuth,
  adminCookie,
  clearedAdminCookie,
  countWrongAdminToken,
  crossOrigin,
  retryAfterOf,
  revokeSession,
} from './admin-auth.js'

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
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}input{font:inherit;padding:.4rem;width:20rem;max-width:100%}button{font:inherit;padding:.4rem 1rem}code{background:#f3f3f3;padding:0 .3rem}label{display:block;margin-bottom:.3rem}</style></head><body>${body}</body></html>`

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** `next` is resolved against this and must stay on it: the gateway's own origin, whatever it is. */
const SAME_ORIGIN = 'http://gateway.invalid'
const LOCAL_PATH = /^\/(?![/\\])/

/**
 * Where a login may send the browser: a path on this gateway (a single `/` first; no `//`,
 * `/\`, scheme, control character or space, which browsers would read as another host), as
 * the URL parser normalises it, without a `token` parameter; `/` for anything else.
 */
export function loginTarget(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048) return '/'
  if (!LOCAL_PATH.test(next) || /[\u0000-\u0020\u007f\\]/.test(next)) return '/'
  let url: URL
  try {
    url = new URL(next, SAME_ORIGIN)
  } catch {
    return '/'
  }
  if (url.origin !== SAME_ORIGIN) return '/'
  url.searchParams.delete('token')
  // `/.//host` normalises to `//host`: checked again after the parser.
  const target = url.pathname + url.search
  return LOCAL_PATH.test(target) ? target : '/'
}

function loginPage(options: { message?: string; next?: string } = {}): string {
  const next = loginTarget(options.next)
  return page(
    'hookwarden — sign in',
    `<h1>hookwarden</h1><p>Enter the admin token (printed by <code>hookwarden serve</code> at start, or set with <code>HOOKWARDEN_ADMIN_TOKEN</code>).</p>${options.message ? `<p role="alert"><strong>${escapeHtml(options.message)}</strong></p>` : ''}<form method="post" action="/login"><label for="admin-token">Admin token</label><input id="admin-token" type="password" name="token" autocomplete="current-password" autofocus required>${next === '/' ? '' : `<input type="hidden" name="next" value="${escapeHtml(next)}">`} <button type="submit">Sign in</button></form>`,
  )
}

/** A page that only says what happened, with a way back. */
const notice = (title: string, text: string) =>
  page(
    `hookwarden — ${escapeHtml(title)}`,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="/">Back to the dashboard</a></p>`,
  )

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return secure(reply).code(status).header('Content-Type', 'text/html; charset=utf-8').send(body)
}

/** The store could not say whether the session was logged out: no page (fail closed). */
function storeDown(reply: FastifyReply, error: unknown): FastifyReply {
  return html(
    reply.header('Retry-After', String(retryAfterOf(error))),
    503,
    notice(
      'Try again shortly',
      'The gateway cannot reach its store, so it cannot check your session right now. Reload this page in a few seconds.',
    ),
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

  // The form of the login page: to the page that was asked for (`next`), with the cookie.
  app.post('/login', async (req, reply) => {
    const body = req.body instanceof Uint8Array ? Buffer.from(req.body).toString('utf8') : ''
    const form = new URLSearchParams(body)
    const token = form.get('token') ?? ''
    const next = loginTarget(form.get('next'))
    if (token !== '' && safeEqual(token, ctx.adminToken))
      return secure(reply)
        .code(303)
        .header('Set-Cookie', adminCookie(ctx.adminToken, req))
        .header('Location', next)
        .send()
    // Counted like a wrong token on the API; the right one still opens while limited.
    const limit = await countWrongAdminToken(ctx, req)
    if (limit.limited)
      return html(
        reply.header('Retry-After', String(limit.retryAfter)),
        429,
        loginPage({
          message: `Too many wrong tokens from this address: try again in ${limit.retryAfter} s.`,
          next,
        }),
      )
    return html(
      reply.header('WWW-Authenticate', 'Bearer realm="hookwarden admin"'),
      401,
      loginPage({ message: 'That token is not the admin token.', next }),
    )
  })

  // A plain form post ends the session (the app's Log out uses DELETE /api/session); from
  // this origin only, or any page could sign the admin out (CSRF).
  app.post('/logout', async (req, reply) => {
    if (crossOrigin(req))
      return html(
        reply,
        403,
        notice('Not logged out', 'A page of another site asked to end your session: refused.'),
      )
    const cleared = clearedAdminCookie()
    try {
      await revokeSession(req, ctx)
    } catch (error) {
      ctx.logger.warn({ err: error, request_id: req.id }, 'logout not recorded: store unavailable')
      return html(
        reply.header('Set-Cookie', cleared).header('Retry-After', String(retryAfterOf(error))),
        503,
        notice(
          'Logout not recorded',
          'The gateway cannot reach its store: this browser forgot the session, but a copy of its cookie stays valid until it expires.',
        ),
      )
    }
    return secure(reply).code(303).header('Set-Cookie', cleared).header('Location', '/').send()
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
      // A file that is not there (a stale /assets/…js, a typo) is a 404 for anyone: the login
      // page's 401 would be one more unexplained 401, and a script tag cannot sign in.
      if (extname(url.pathname) && !fileFor(url.pathname))
        return secure(reply)
          .code(404)
          .header('Content-Type', 'text/plain; charset=utf-8')
          .send('not found')
      if (ctx.config.public_diagnose !== true) {
        let signedIn: boolean
        try {
          signedIn = (await adminAuth(req, ctx)) !== null
        } catch (error) {
          return storeDown(reply, error)
        }
        // The login returns to the page asked for. A token in the address is not taken: it
        // would stay in the browser's history and in proxy logs.
        if (!signedIn)
          return html(
            reply.header('WWW-Authenticate', 'Bearer realm="hookwarden admin"'),
            401,
            loginPage({
              next: url.pathname + url.search,
              ...(url.searchParams.has('token')
                ? {
                    message:
                      'A token in the address is not accepted (it would stay in the browser history): enter it here.',
                  }
                : {}),
            }),
          )
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
