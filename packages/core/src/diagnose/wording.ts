/**
 * The words a diagnosis speaks: fixes in the sender's own tool (Make, Zapier, n8n, curl, code),
 * the sender guessed from the User-Agent, and durations as people say them ("2 h 14 min").
 * @module
 */
import { getHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import type { Sender } from './types.js'

/** A fix worded for each sender; `code` is the fallback and the wording for developers. */
export type Fix = { code: string } & Partial<Record<Exclude<Sender, 'code'>, string>>

export function pickFix(fix: Fix, sender: Sender): string {
  return (sender === 'code' ? undefined : fix[sender]) ?? fix.code
}

export const SENDERS: readonly Sender[] = ['make', 'zapier', 'n8n', 'curl', 'code']

/**
 * The sender from the User-Agent: `Make/production`, `Zapier`, `n8n`, `curl/8.5.0`. Else from
 * the capture: a curl command (it holds no User-Agent), or a HAR that Postman or Insomnia
 * saved, is sent again with curl (or its like), so its fixes are worded for curl. Else code.
 */
export function guessSender(request: HttpRequest): Sender {
  const ua = getHeader(request.headers, 'user-agent') ?? ''
  if (/^make\/|integromat/i.test(ua)) return 'make'
  if (/zapier/i.test(ua)) return 'zapier'
  if (/\bn8n\b/i.test(ua)) return 'n8n'
  if (/^curl\//i.test(ua)) return 'curl'
  const source = request.source
  if (source?.format === 'curl') return 'curl'
  if (source?.format === 'har' && /postman|insomnia/i.test(source.creator ?? '')) return 'curl'
  return 'code'
}

/** Where a header is set, in each tool. `value` is shown as written, e.g. `Bearer <token>`. */
export function headerFix(name: string, value: string, before = ''): Fix {
  // "Rename the header X_API_KEY: send the header …" — the sentence goes on after `before`.
  const lead = (s: string) => (before ? `${before} ${s[0]!.toLowerCase()}${s.slice(1)}` : s)
  return {
    code: lead(`Send the header \`${name}: ${value}\`.`),
    make: lead(`In the HTTP module, Headers → add the item Name \`${name}\`, Value \`${value}\`.`),
    zapier: lead(
      `In the Webhooks by Zapier action, Headers → \`${name}\` with the value \`${value}\`.`,
    ),
    n8n: lead(`In the HTTP Request node, Send Headers → Name \`${name}\`, Value \`${value}\`.`),
    curl: lead(`Pass \`-H '${name}: ${value}'\` to curl.`),
  }
}

/** One sentence for every sender. */
export function plainFix(text: string): Fix {
  return { code: text }
}

/** The Make trap worth a line whenever a Make scenario got a 4xx. */
export const MAKE_401_NOTE =
  'Make\'s HTTP module counts a 401 as success unless "Evaluate all states as errors" is on: turn it on so the scenario stops on this error.'

/** 8040 s → `2 h 14 min`; 59 s → `59 s`; 3 days → `3 d 0 h`. */
export function durationWords(seconds: number): string {
  const s = Math.round(Math.abs(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) {
    const m = Math.floor(s / 60)
    const r = s % 60
    return r ? `${m} min ${r} s` : `${m} min`
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600)
    const m = Math.floor((s % 3600) / 60)
    return m ? `${h} h ${m} min` : `${h} h`
  }
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  return `${d} d ${h} h`
}

/** `2 h 14 min ago` / `in 5 min` relative to now. */
export function relativeWords(at: number, now: number): string {
  const d = at - now
  if (Math.abs(d) < 1) return 'now'
  return d < 0 ? `${durationWords(d)} ago` : `in ${durationWords(d)}`
}

export function isoTime(unix: number): string {
  const ms = unix * 1000
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15
    ? new Date(ms).toISOString().replace('.000Z', 'Z')
    : String(unix)
}
