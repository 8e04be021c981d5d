/**
 * A diagnosis as contract §3 JSON, and as human text: the verdict, the top cause in one
 * sentence, the fix, then the evidence and the other candidates, the response and its origin;
 * notes on how the capture was read come before the causes (JSON: `notes`).
 * @module
 */
import { type Diagnosis, REASONS } from '@hookwarden/core'
import { bold, dim, FAIL, OK, yellow } from './style.js'
import { verdictJson } from './verdict.js'

export function diagnosisJson(d: Diagnosis) {
  return {
    verdict: d.verdict ? verdictJson(d.verdict) : null,
    causes: d.causes.map((c) => ({
      code: c.code,
      confidence: c.confidence,
      summary: c.summary,
      fix: c.fix,
      evidence: c.evidence,
    })),
    origin: { layer: d.origin.layer, product: d.origin.product, evidence: d.origin.evidence },
    response: d.response ? { status: d.response.status, class: d.response.class } : null,
    notes: d.notes ?? [],
  }
}

const pct = (c: number) => `${Math.round(c * 100)}%`

export function diagnosisHuman(d: Diagnosis): string {
  const lines: string[] = []
  const v = d.verdict
  if (v) {
    lines.push(
      v.ok
        ? d.causes.some((c) => c.code === 'route_not_found')
          ? // The credentials pass, but at a path that is not the endpoint's: a 404 at the gateway.
            `${OK()} ${bold('credentials accepted')} by endpoint ${v.endpoint}${v.key_id ? ` (key ${v.key_id})` : ''}, ${bold('but not at its path')}`
          : `${OK()} ${bold('accepted')} by endpoint ${v.endpoint}${v.key_id ? ` (key ${v.key_id})` : ''}`
        : `${FAIL()} ${bold(`rejected ${v.status}`)} by endpoint ${v.endpoint}: ${v.reason}${v.reason ? ` — ${REASONS[v.reason].title}` : ''}`,
    )
  } else {
    lines.push(dim('no config: reading the request and the response alone'))
  }
  // What reading the capture chose (a HAR's preflight skipped): said before what it found.
  for (const n of d.notes ?? []) lines.push(`${bold('Note:')}  ${n}`)
  const [top, ...rest] = d.causes
  if (!top) {
    lines.push(`${OK()} nothing wrong found`)
  } else {
    lines.push('')
    lines.push(`${bold('Cause:')} ${top.summary}`)
    lines.push(dim(`       ${top.code}, confidence ${pct(top.confidence)}`))
    lines.push(`${bold('Fix:')}   ${top.fix}`)
    if (top.evidence.length) {
      lines.push('')
      lines.push(bold('Evidence:'))
      for (const e of top.evidence) lines.push(`  · ${e}`)
    }
    if (rest.length) {
      lines.push('')
      lines.push(bold('Other candidates:'))
      for (const c of rest) {
        lines.push(`  ${yellow(pct(c.confidence).padStart(4))} ${c.code} — ${c.summary}`)
        lines.push(dim(`       fix: ${c.fix}`))
      }
    }
  }
  if (d.response) {
    lines.push('')
    lines.push(
      `${bold('Response:')} ${d.response.status} ${d.response.class}${d.response.meaning ? dim(` — ${d.response.meaning}`) : ''}`,
    )
  }
  if (d.response || d.origin.layer !== 'unknown') {
    lines.push(
      `${bold('Answered by:')} ${d.origin.layer}${d.origin.product ? ` (${d.origin.product})` : ''}`,
    )
    for (const e of d.origin.evidence.slice(0, 4)) lines.push(dim(`  · ${e}`))
  }
  if (d.candidates_tried)
    lines.push(
      dim(
        `\n${d.candidates_tried} near-miss candidate${d.candidates_tried === 1 ? '' : 's'} tried${d.budget_exhausted ? ' (the search stopped at its budget)' : ''}`,
      ),
    )
  return `${lines.join('\n')}\n`
}
