/**
 * `GET /metrics`: Prometheus text. Open like /healthz (scrapers carry no admin token); the
 * labels carry no secret.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

export function metricsPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/metrics', async (_req, reply) => {
    reply.header('Content-Type', ctx.metrics.registry.contentType)
    return reply.send(await ctx.metrics.registry.metrics())
  })
}
