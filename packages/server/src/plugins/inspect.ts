/**
 * `ANY /inspect/{bin}`: the request inspector. Records the request as it came (credentials
 * fingerprinted) and answers it echoed back as JSON; each request counts against the source's
 * limit (429 past it).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { captureRequest } from '../capture.js'
import { type GatewayContext, sendAnswer } from '../context.js'
import { gatewayProblem, problemAnswer } from '../pipeline/answer.js'
import { handleInspection } from '../pipeline/handle-attempt.js'

const BIN = /^[A-Za-z0-9_.-]{1,64}$/

export function inspectPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  app.all<{ Params: { bin: string } }>('/inspect/:bin', async (req, reply) => {
    if (!BIN.test(req.params.bin)) {
      return sendAnswer(
        reply,
        problemAnswer(
          gatewayProblem('bad_request', {
            request_id: req.id,
            detail: 'a bin name is 1 to 64 of A-Z a-z 0-9 _ . -',
          }),
        ),
      )
    }
    return sendAnswer(
      reply,
      await handleInspection(
        { bin: req.params.bin, request: captureRequest(req), requestId: req.id, source: req.ip },
        ctx,
      ),
    )
  })
}
