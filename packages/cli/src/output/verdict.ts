/**
 * A verdict as contract §3 JSON, and as human text: one line, then the checks with ✓/✗.
 * @module
 */
import { REASONS, type Verdict } from '@hookwarden/core'
import { bold, dim, FAIL, OK } from './style.js'

export function verdictJson(v: Verdict) {
  return {
    ok: v.ok,
    status: v.status,
    reason: v.reason,
    www_authenticate: v.www_authenticate,
    endpoint: v.endpoint,
    key_id: v.key_id,
    checks: v.checks.map((c) => ({
      name: c.name,
      ok: c.ok,
      reason: c.reason,
      detail: c.detail ?? '',
      ...(c.key_id ? { key_id: c.key_id } : {}),
    })),
  }
}

export function verdictHuman(v: Verdict): string {
  const lines: string[] = []
  const key = v.key_id ? ` (key ${v.key_id})` : ''
  lines.push(
    v.ok
      ? `${OK()} ${bold('accepted')} by endpoint ${v.endpoint}${key}`
      : `${FAIL()} ${bold(`rejected ${v.status}`)} ${v.reason}: ${v.reason ? REASONS[v.reason].title : ''}`,
  )
  for (const c of v.checks)
    lines.push(
      `  ${c.ok ? OK() : FAIL()} ${c.name}${c.reason ? ` ${c.reason}` : ''}${c.detail ? dim(` — ${c.detail}`) : ''}`,
    )
  if (!v.ok) {
    if (v.reason) lines.push(`  hint: ${REASONS[v.reason].hint}`)
    if (v.www_authenticate)
      lines.push(dim(`  answer: ${v.status}, WWW-Authenticate: ${v.www_authenticate}`))
  }
  return `${lines.join('\n')}\n`
}
