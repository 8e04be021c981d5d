/**
 * The per-attempt log line is built by hand for our own loggers: it must be, byte for byte,
 * the line pino writes for the same fields (time aside), escaping included.
 * @module
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { makeRecord } from '../test/storage/attempt-store.contract.js'
import { attemptFields, createLogger, logAttempt } from './logging.js'
import type { AttemptRecord } from './storage/types.js'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _e, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  return { lines, destination }
}

// The stores' fixture record, with the fields a log line shows set plainly.
const base: AttemptRecord = makeRecord({
  endpoint: 'sw',
  path: '/hooks/sw',
  request_id: 'req_1',
  key_id: null,
})

const cases: [string, AttemptRecord, number, Record<string, number>, boolean][] = [
  ['accepted, timed', base, 200, { verify_ms: 0.01, record_ms: 0.79 }, true],
  [
    'rejected, would have refused, quotes and unicode in the path and request id',
    {
      ...base,
      outcome: 'rejected',
      reason: 'signature_mismatch',
      would_have_refused: true,
      path: '/hooks/sw?q="x"\\\u0001ü\u2028',
      request_id: 'req "quoted" \n line',
    },
    200,
    { verify_ms: 1.5 },
    true,
  ],
  [
    'forwarded with an error, no endpoint, not recorded',
    {
      ...base,
      endpoint: null,
      forward_status: 502,
      forward_error: 'connect ECONNREFUSED 127.0.0.1:1 "x"',
    },
    503,
    { verify_ms: 0.02, record_ms: 3, forward_ms: 12.25 },
    false,
  ],
  ['no timings at all', { ...base, kind: 'health' }, 200, {}, true],
]

const withoutTime = (line: string) => line.replace(/"time":\d+,/, '')

describe('logAttempt', () => {
  it.each(cases)('%s: the same line pino writes', (_name, record, status, timings, recorded) => {
    const fast = capture()
    const slow = capture()
    const ours = createLogger({ destination: fast.destination })
    // The same options through pino's own path: a logger createLogger did not make.
    const theirs = pino(
      { base: { service: 'hookwarden' }, redact: { paths: ['headers'], censor: '[redacted]' } },
      slow.destination,
    )
    logAttempt(ours, record, status, timings, recorded)
    logAttempt(theirs, record, status, timings, recorded)
    expect(fast.lines).toHaveLength(1)
    expect(withoutTime(fast.lines[0]!)).toBe(withoutTime(slow.lines[0]!))
    expect(JSON.parse(fast.lines[0]!)).toMatchObject({
      level: 30,
      msg: 'attempt',
      ...JSON.parse(JSON.stringify(attemptFields(record, status, timings, recorded))),
    })
  })

  it('writes nothing above info', () => {
    const fast = capture()
    const ours = createLogger({ destination: fast.destination, level: 'warn' })
    logAttempt(ours, base, 200, {}, true)
    expect(fast.lines).toEqual([])
  })
})
