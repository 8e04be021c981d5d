/**
 * `GET /healthz` (liveness), `GET /readyz` (readiness) and `GET|POST /health/auth/{endpoint}`:
 * the contract check of one endpoint — verifies the credentials sent, never forwards, never
 * records a body.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { captureRequest } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, problemAnswer } from '../pipeline/answer.js'
import { handleAttempt } from '../pipeline/handle-attempt.js'

export function healthPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  // Liveness stays 200 while the process answers: a full disk is not cured by a restart (the
  // start fails on it too, and the replay claims kept in memory could not be saved there).
  app.get('/healthz', async (_req, reply) =>
    reply.header('Content-Type', 'application/json; charset=utf-8').send('{"ok":true}'),
  )

  // Readiness: 503 while the attempt store refuses to record (its disk full), so that a load
  // balancer sends the webhooks elsewhere; 200 again by itself once it records.
  app.get('/readyz', async (_req, reply) => {
    const refusal = ctx.store.refusingWrites?.() ?? null
    reply.header('Content-Type', 'application/json; charset=utf-8')
    if (!refusal) return reply.send('{"ok":true}')
    return reply
      .code(503)
      .header('Retry-After', '5')
      .send(
        JSON.stringify({
          ok: false,
          store: 'attempts',
          failure: refusal.failure,
          reason: refusal.reason,
          since: new Date(refusal.since).toISOString(),
        }),
      )
  })

  app.route<{ Params: { endpoint: string } }>({
    method: ['GET', 'POST'],
    url: '/health/auth/:endpoint',
    handler: async (req, reply) => {
      const endpoint = ctx.config.endpoints.find((e) => e.name === req.params.endpoint)
      if (!endpoint) {
        return sendAnswer(
          reply,
          problemAnswer(
            gatewayProblem('not_found', { request_id: req.id, detail: 'no endpoint by that name' }),
          ),
        )
      }
      const answer = await handleAttempt(
        {
          kind: 'health',
          endpoint,
          request: captureRequest(req),
          requestId: req.id,
          source: req.ip,
        },
        ctx,
      )
      return sendAnswer(reply, answer)
    },
  })
}
