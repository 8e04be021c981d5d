/**
 * Two recorded attempts side by side (GET /api/compare): what differs between a good one and
 * a bad one, the authentication-relevant differences first. The requests are compared as
 * recorded — credentials already fingerprinted with one key, so equal secrets show equal
 * fingerprints and a changed length shows a pasted newline — plus what only the records hold:
 * the body's hash when bodies were not stored, the verdict, the matched key, each check.
 * @module
 */
import { type Check, type Difference, diffRequests, type HttpRequest } from '@hookwarden/core'
import type { AttemptRecord } from './storage/types.js'

export interface CheckComparison {
  name: string
  /** true/false: passed or failed in that attempt; null: that attempt did not run the check. */
  a: boolean | null
  b: boolean | null
  /** The failing side's detail, when one failed. */
  detail: string | null
}

export interface AttemptComparison {
  same: boolean
  /** Authentication-relevant first, then the rest (each group in diffRequests' order). */
  differences: Difference[]
  /** Every check either attempt ran, the ones whose result differs first. */
  checks: CheckComparison[]
}

const EMPTY = new Uint8Array(0)

function asRequest(r: AttemptRecord): HttpRequest {
  return { method: r.method, url: r.path, headers: r.headers, body: r.body ?? EMPTY }
}

const bodyWords = (r: AttemptRecord) =>
  `${r.body_size} bytes, SHA-256 ${r.body_sha256.slice(0, 12)}…`

export function compareAttempts(a: AttemptRecord, b: AttemptRecord): AttemptComparison {
  const diff = diffRequests(asRequest(a), asRequest(b))
  const extra: Difference[] = []
  if (a.endpoint !== b.endpoint)
    extra.push({
      kind: 'value',
      field: 'endpoint',
      good: a.endpoint,
      bad: b.endpoint,
      note: 'they reached different endpoints: each checks its own credentials',
      auth: true,
      code: null,
    })
  // Without stored bodies the request diff sees two empty bodies; the hashes still tell.
  if (a.body_sha256 !== b.body_sha256 && !diff.differences.some((d) => d.kind === 'body'))
    extra.push({
      kind: 'body',
      field: 'body',
      good: bodyWords(a),
      bad: bodyWords(b),
      note: 'the bodies differ: a signature over the body matches one body only (re-serialized JSON, another event)',
      auth: true,
      code: null,
    })
  if (a.key_id !== b.key_id)
    extra.push({
      kind: 'value',
      field: 'matched key',
      good: a.key_id,
      bad: b.key_id,
      note:
        a.key_id && b.key_id
          ? 'each matched another configured key: a rotation in progress'
          : 'only one of them matched a configured key',
      auth: true,
      code: null,
    })
  // The answers differ because of the differences above: the verdict comes after them.
  const verdict: Difference[] = []
  if (a.outcome !== b.outcome || a.reason !== b.reason || a.status !== b.status)
    verdict.push({
      kind: 'value',
      field: 'verdict',
      good: `${a.status} ${a.reason ?? a.outcome}`,
      bad: `${b.status} ${b.reason ?? b.outcome}`,
      note: 'the gateway answered them differently',
      auth: true,
      code: b.reason as Difference['code'],
    })
  const all = [...extra, ...diff.differences, ...verdict]
  const differences = [...all.filter((d) => d.auth), ...all.filter((d) => !d.auth)]

  // Records hold the verdict's checks as stored JSON.
  const checksOf = (r: AttemptRecord) => r.checks as Check[]
  const names: string[] = []
  for (const c of [...checksOf(a), ...checksOf(b)]) if (!names.includes(c.name)) names.push(c.name)
  const result = (r: AttemptRecord, name: string) => checksOf(r).find((c) => c.name === name)
  const checks = names.map((name): CheckComparison => {
    const ca = result(a, name)
    const cb = result(b, name)
    const failed = ca && !ca.ok ? ca : cb && !cb.ok ? cb : undefined
    return { name, a: ca ? ca.ok : null, b: cb ? cb.ok : null, detail: failed?.detail ?? null }
  })
  checks.sort((x, y) => Number(x.a === x.b) - Number(y.a === y.b))
  return { same: differences.length === 0, differences, checks }
}
