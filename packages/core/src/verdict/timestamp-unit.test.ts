/**
 * timestamp_milliseconds both ways: the failed check's detail says which unit was sent and
 * which is expected; the hint, the same text for both (it is per code), says neither wrongly.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { withHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { buildProblem } from './problem.js'
import { REASONS } from './reasons.js'
import { sign } from './sign.js'
import { verify } from './verify.js'

const NOW = 1_800_000_000

const endpoint = (unit: 'seconds' | 'milliseconds') =>
  loadConfig(
    `auth:\n  scheme: hmac\n  header: X-Signature\n  payload: "{timestamp}.{body}"\n  timestamp: { header: X-Timestamp, unit: ${unit} }\n  secrets: [hmac-secret-0123456789]\n`,
  ).endpoints[0]!

const base: HttpRequest = {
  method: 'POST',
  url: '/hooks/orders',
  headers: [['Content-Type', 'application/json']],
  body: new TextEncoder().encode('{"id":"ord_1"}'),
}

describe('timestamp_milliseconds', () => {
  it.each([
    ['seconds', String(NOW * 1000), 'milliseconds where seconds are expected'],
    ['milliseconds', String(NOW), 'seconds where milliseconds are expected'],
  ] as const)('expecting %s: the detail says which way', async (unit, sent, detail) => {
    const e = endpoint(unit)
    const signed = await sign(base, e, { now: NOW })
    const v = await verify(
      { ...signed, headers: withHeader(signed.headers, 'X-Timestamp', sent) },
      e,
      { now: NOW },
    )
    expect(v.reason).toBe('timestamp_milliseconds')
    const check = v.checks.find((c) => c.reason === 'timestamp_milliseconds')
    expect(check?.detail).toContain(detail)
  })

  it('the hint a refused sender reads is true both ways and names no one direction', () => {
    const hint = REASONS.timestamp_milliseconds.hint
    expect(hint).not.toMatch(/or the reverse/)
    expect(hint).not.toMatch(/not milliseconds|not seconds/)
    expect(hint).toMatch(/unit this endpoint expects/)
    expect(buildProblem('timestamp_milliseconds', 'safe').hint).toBe(hint)
    expect(REASONS.timestamp_milliseconds.title).toBe('The timestamp is in the wrong unit')
  })
})
