/**
 * Time near misses: a timestamp in milliseconds where seconds are expected (or the reverse),
 * or outside the window — said as how far ("2 h 14 min in the past"), with what it looks like:
 * clock skew, a time-zone offset, a delayed retry or a replayed old message.
 * @module
 */
import type { TimestampPolicy } from '../../config/types.js'
import { ONE_SIDED_AHEAD } from '../../schemes/hmac.js'
import { durationWords, headerFix, isoTime, plainFix } from '../wording.js'
import { type Step, step } from './types.js'

/** What the distance between a timestamp and now looks like. */
export function skewKind(ageSeconds: number): string {
  const a = Math.abs(ageSeconds)
  const hours = Math.round(a / 3600)
  if (ageSeconds < 0 && a < 3600)
    return "it lies in the future: the sender's clock runs ahead of the receiver's (clock skew on one side or the other)"
  if (hours >= 1 && hours <= 14 && Math.abs(a - hours * 3600) <= 120)
    return `it is off by almost exactly ${hours} h: a time-zone error (local time sent as if it were UTC)`
  if (ageSeconds < 0)
    return "it lies far in the future: the sender's clock or its timestamp source is wrong (or the receiver's clock is far behind)"
  if (a < 3600) return 'that is a few minutes late: clock skew or a slow queue/retry'
  if (a < 86400 * 2)
    return 'that is hours late: a delayed retry, or a captured request replayed later'
  return 'that is days old: a replay of an old or stored request (or a fixed timestamp in the sender)'
}

/**
 * The time step for a timestamp the endpoint refused, or null when it is fine. `source` names
 * where it was read ("webhook-timestamp header").
 */
export function timestampStep(
  raw: string | undefined,
  tp: TimestampPolicy,
  now: number,
  source: string,
  header: string | undefined,
): Step | null {
  if (raw === undefined) {
    return step(
      'timestamp_missing',
      `No timestamp was sent (${source} is absent).`,
      header
        ? headerFix(
            header,
            `<${tp.unit === 'seconds' ? 'unix seconds' : 'unix milliseconds'}>`,
            'Send the time of signing:',
          )
        : plainFix(`Send the time of signing as ${source}.`),
      [`${source}: absent`],
    )
  }
  const trimmed = raw.trim()
  if (!/^\d{1,16}$/.test(trimmed)) {
    const iso = Date.parse(trimmed)
    const what = Number.isNaN(iso) ? 'not an integer' : 'a date string, not a number'
    return step(
      'timestamp_malformed',
      `The timestamp in ${source} is ${what}; it must be integer ${tp.unit} since the epoch.`,
      plainFix(
        `Send integer ${tp.unit} since the epoch (e.g. ${tp.unit === 'seconds' ? 'Math.floor(Date.now() / 1000)' : 'Date.now()'}), not a formatted date.`,
      ),
      [`${source} has ${trimmed.length} characters and is ${what}`],
    )
  }
  const value = Number(trimmed)
  const seconds = tp.unit === 'seconds' ? value : value / 1000
  const age = now - seconds
  if (age <= tp.tolerance && age >= (tp.one_sided === true ? -ONE_SIDED_AHEAD : -tp.tolerance))
    return null
  // The value read in the other unit, as seconds (as `now` is).
  const asOther = tp.unit === 'seconds' ? value / 1000 : value
  if (Math.abs(now - asOther) <= Math.max(tp.tolerance, 86400)) {
    const sent = tp.unit === 'seconds' ? 'milliseconds' : 'seconds'
    return step(
      'timestamp_milliseconds',
      `The timestamp is in ${sent} (${trimmed}), but this endpoint expects ${tp.unit}.`,
      {
        code:
          tp.unit === 'seconds'
            ? 'Send seconds: Math.floor(Date.now() / 1000), not Date.now().'
            : 'Send milliseconds: Date.now(), not seconds.',
        make:
          tp.unit === 'seconds'
            ? 'In Make, use {{formatDate(now; "X")}} (seconds), not "x" (milliseconds).'
            : 'In Make, use {{formatDate(now; "x")}} (milliseconds).',
        n8n:
          tp.unit === 'seconds'
            ? 'Use {{ Math.floor(Date.now() / 1000) }} (seconds), not Date.now().'
            : 'Use {{ Date.now() }} (milliseconds).',
      },
      [
        `read as ${sent}, ${trimmed} is ${isoTime(asOther)} — within ${durationWords(now - asOther)} of now`,
      ],
    )
  }
  const direction = age > 0 ? 'in the past' : 'in the future'
  const s = step(
    'timestamp_out_of_window',
    `The timestamp is ${durationWords(age)} ${direction}, outside ${tp.one_sided === true && age < 0 ? `the ${durationWords(ONE_SIDED_AHEAD)} a one-sided window allows ahead of now` : `the ${durationWords(tp.tolerance)} window`}; ${skewKind(age)}.`,
    {
      code:
        age > 0 && Math.abs(age) > 3600
          ? 'Sign each delivery with the current time when it is sent (re-sign retries and replays), and check the sender clock (NTP).'
          : age > 0
            ? "Sync the sender's clock (NTP) and sign with the current time."
            : "Sync both clocks with NTP (the sender signs with a time ahead of the receiver's) and sign with the current time.",
      make: 'Compute the timestamp in the same scenario run that sends the request ({{formatDate(now; "X")}}), not once when the scenario was built.',
    },
    [
      `timestamp ${trimmed} = ${isoTime(seconds)}; now ${isoTime(now)}; tolerance ${tp.one_sided === true ? '' : '±'}${tp.tolerance} s`,
    ],
  )
  s.kind = age > 0 ? 'past' : 'future'
  return s
}
