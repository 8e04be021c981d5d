/**
 * `GET /api/events`: server-sent events, one `data:` line (a JSON attempt summary) per new
 * attempt this gateway records. Admin only (the browser's EventSource sends the cookie), for
 * as long as the credential holds: a stream ends, sending nothing more, once its session is
 * logged out (here at its next event; on another gateway sharing the store at its next
 * heartbeat), expires, or its token is replaced.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'
import { adminGrant, requireAdmin } from './admin-auth.js'

export function eventsPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  const open = new Set<() => void>()
  app.get('/api/events', { preHandler: requireAdmin(ctx) }, async (req, reply) => {
    const grant = await adminGrant(req, ctx)
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Request-Id': req.id,
      'X-Accel-Buffering': 'no',
    })
    res.write(': connected\n\n')
    let heartbeat: NodeJS.Timeout | undefined
    let unsubscribe: () => void = () => {}
    const end = () => {
      clearInterval(heartbeat)
      unsubscribe()
      open.delete(end)
      if (!res.writableEnded) res.end()
    }
    // Per event, only what this process knows (no store query per attempt and stream).
    unsubscribe = ctx.events.subscribe((summary) => {
      if (!grant.holds()) return end()
      res.write(`event: attempt\nid: ${summary.id}\ndata: ${JSON.stringify(summary)}\n\n`)
    })
    // A comment every 15 s keeps proxies from closing an idle stream; the store is asked then
    // whether the session was logged out on another gateway.
    heartbeat = setInterval(() => {
      void grant.recheck().then((holds) => {
        if (!holds) end()
        else if (!res.writableEnded) res.write(': ping\n\n')
      })
    }, ctx.limits.eventsHeartbeatMs)
    heartbeat.unref()
    open.add(end)
    req.raw.on('close', end)
  })
  // Open streams would hold a graceful shutdown forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end()
  })
}
