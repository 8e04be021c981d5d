/**
 * `GET /healthz` (liveness) and `GET|POST /health/auth/{endpoint}`: the contract check of one
 * endpoint — verifies the credentials sent, never forwards, never records a body.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { captureRequest } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, problemAnswer } from '../pipeline/answer.js'
import { handleAttempt } from '../pipeline/handle-attempt.js'

export function healthPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/healthz', async (_req, reply) =>
    reply.header('Content-Type', 'application/json; charset=utf-8').send('{"ok":true}'),
  )

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
