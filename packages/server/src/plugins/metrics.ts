/**
 * `GET /metrics`: Prometheus text. Open like /healthz (scrapers often carry no token); the
 * labels carry no secret. Without the admin token, an endpoint's credential-matching reasons
 * are shown as its callers are told them (`explain: safe`: `invalid_credentials`), or anyone
 * could read `reason="credential_revoked"` and learn that a leaked old token was once valid.
 * A scraper that sends `Authorization: Bearer <admin token>` reads every reason.
 * @module
 */
import { type Config, publicReason, REASONS, type ReasonCode } from '@hookwarden/core'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'
import { isAdmin } from './admin-auth.js'

const ATTEMPTS = 'hookwarden_attempts_total{'

export function metricsPlugin(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/metrics', async (req, reply) => {
    reply.header('Content-Type', ctx.metrics.registry.contentType)
    const text = await ctx.metrics.registry.metrics()
    return reply.send((await isAdmin(req, ctx)) ? text : publicMetrics(text, ctx.config))
  })
}

/** The exposition with each endpoint's attempt reasons as its callers see them, series merged. */
export function publicMetrics(text: string, config: Config): string {
  const explain = new Map(config.endpoints.map((e) => [e.name, e.explain] as const))
  const out: string[] = []
  const merged = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith(ATTEMPTS)) {
      out.push(line)
      continue
    }
    const close = line.lastIndexOf('} ')
    let labels = line.slice(ATTEMPTS.length, close)
    const value = Number(line.slice(close + 2))
    const endpoint = /(?:^|,)endpoint="([^"]*)"/.exec(labels)?.[1]
    const reason = /(?:^|,)reason="([^"]*)"/.exec(labels)?.[1]
    if (endpoint !== undefined && reason !== undefined && reason in REASONS) {
      const mode = explain.get(endpoint) ?? 'safe'
      // `none` tells callers nothing; its series read as `safe` ones (construction problems
      // are what the caller sent, not what the gateway knows).
      const shown = publicReason(reason as ReasonCode, mode === 'none' ? 'safe' : mode) ?? reason
      labels = labels.replace(`reason="${reason}"`, `reason="${shown}"`)
    }
    const key = `${ATTEMPTS}${labels}}`
    if (!merged.has(key)) out.push(key)
    merged.set(key, (merged.get(key) ?? 0) + value)
  }
  return out.map((l) => (merged.has(l) ? `${l} ${merged.get(l)}` : l)).join('\n')
}
