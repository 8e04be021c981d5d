/**
 * Bodies stay bytes: every default parser is removed and one catch-all keeps the raw Buffer.
 * Nothing is parsed before verification (JSON.parse alone costs more than the HMAC, and a
 * re-serialized body would not verify).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

export function rawBodyPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: ctx.limits.bodyLimit },
    (_req, body, done) => done(null, body),
  )
  app.addHook('onRequest', (req, _reply, done) => {
    // Fastify would answer 415 for a malformed Content-Type before the route runs; the media
    // type is not ours to judge here (the captured rawHeaders keep the original value).
    if (req.raw.headers['content-type'] !== undefined)
      req.raw.headers['content-type'] = 'application/octet-stream'
    done()
  })
}
