/**
 * `GET /api/events`: server-sent events, one `data:` line (a JSON attempt summary) per new
 * attempt this gateway records. Admin only (the browser's EventSource sends the cookie).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'
import { requireAdmin } from './admin-auth.js'

export function eventsPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  const open = new Set<() => void>()
  app.get('/api/events', { preHandler: requireAdmin(ctx) }, async (req, reply) => {
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
    const unsubscribe = ctx.events.subscribe((summary) => {
      res.write(`event: attempt\nid: ${summary.id}\ndata: ${JSON.stringify(summary)}\n\n`)
    })
    // A comment every 15 s keeps proxies from closing an idle stream.
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000)
    heartbeat.unref()
    const end = () => {
      clearInterval(heartbeat)
      unsubscribe()
      open.delete(end)
      if (!res.writableEnded) res.end()
    }
    open.add(end)
    req.raw.on('close', end)
  })
  // Open streams would hold a graceful shutdown forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end()
  })
}
