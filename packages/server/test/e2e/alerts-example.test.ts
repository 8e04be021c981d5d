/**
 * examples/prometheus-alerts.yaml is a Prometheus rule file whose every expression names only
 * metrics a running gateway exposes (read from its /metrics), with labels those metrics carry.
 * Each expression is read by a small PromQL tokenizer: functions, keywords, label matchers,
 * `by (…)` lists and durations apart, what is left is a metric name.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { adminHeaders, type Running, startGateway } from './helpers.js'

const FILE = fileURLToPath(new URL('../../../../examples/prometheus-alerts.yaml', import.meta.url))

const FUNCTIONS = new Set([
  'abs',
  'absent',
  'avg',
  'avg_over_time',
  'ceil',
  'clamp_min',
  'count',
  'count_over_time',
  'delta',
  'deriv',
  'floor',
  'histogram_quantile',
  'increase',
  'irate',
  'max',
  'max_over_time',
  'min',
  'min_over_time',
  'predict_linear',
  'rate',
  'round',
  'sum',
  'sum_over_time',
  'time',
  'topk',
  'vector',
])
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
])
const GROUPING = new Set(['by', 'without', 'on', 'ignoring'])

interface ExprParts {
  metrics: Set<string>
  /** Label names used in matchers (per metric) and in grouping clauses. */
  matchers: [metric: string, label: string][]
  grouping: Set<string>
}

/** The metric names, matcher labels and grouping labels of one PromQL expression. */
function readExpr(expr: string): ExprParts {
  const out: ExprParts = { metrics: new Set(), matchers: [], grouping: new Set() }
  const token =
    /\s+|"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[A-Za-z_:][A-Za-z0-9_:]*|\d+(?:\.\d+)?[smhdwy]?|[(),]|[*/+\-<>=!^%]+/y
  const tokens: string[] = []
  for (let m = token.exec(expr); m && token.lastIndex <= expr.length; m = token.exec(expr)) {
    if (!/^\s+$/.test(m[0])) tokens.push(m[0])
    if (token.lastIndex === expr.length) break
  }
  expect(tokens.join('').replace(/\s/g, ''), 'every character read').toBe(expr.replace(/\s/g, ''))
  let lastMetric = ''
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.startsWith('{')) {
      for (const [, label] of t.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g))
        out.matchers.push([lastMetric, label!])
      continue
    }
    if (!/^[A-Za-z_:]/.test(t)) continue
    if (GROUPING.has(t) && tokens[i + 1] === '(') {
      for (i += 2; tokens[i] !== ')' && i < tokens.length; i++)
        if (/^[A-Za-z_]/.test(tokens[i]!)) out.grouping.add(tokens[i]!)
      continue
    }
    if (KEYWORDS.has(t)) continue
    // A function call, or an aggregation with its grouping first: `sum by (endpoint) (…)`.
    if (tokens[i + 1] === '(' || (FUNCTIONS.has(t) && GROUPING.has(tokens[i + 1] ?? ''))) {
      expect(FUNCTIONS, `${t} is a PromQL function`).toContain(t)
      continue
    }
    out.metrics.add(t)
    lastMetric = t
  }
  return out
}

describe('examples/prometheus-alerts.yaml', () => {
  let gw: Running
  /** Metric name → its label names, as the running gateway exposes them. */
  const exposed = new Map<string, Set<string>>()

  beforeAll(async () => {
    gw = await startGateway(`
endpoints:
  - name: orders
    path: /hooks/orders
    auth: { scheme: bearer, tokens: [{ value: "alerts-token-0123456789", id: "2026-11", not_after: "2027-01-01T00:00:00Z" }] }
`)
    const text = await (await fetch(`${gw.url}/metrics`, { headers: adminHeaders })).text()
    const labelsOf = new Map(
      gw.gateway.context.metrics.registry
        .getMetricsAsArray()
        .map((m) => [m.name, new Set((m as { labelNames?: string[] }).labelNames ?? [])]),
    )
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const labels = labelsOf.get(name!) ?? new Set<string>()
      const names =
        type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => name + s) : [name!]
      for (const n of names)
        exposed.set(
          n,
          type === 'histogram' && n.endsWith('_bucket') ? new Set([...labels, 'le']) : labels,
        )
    }
  })
  afterAll(async () => {
    await gw?.close()
  })

  it('is a rule file: groups of rules, each an alert with an expression, a severity and a summary', () => {
    const doc = parse(readFileSync(FILE, 'utf8')) as { groups: unknown }
    expect(Array.isArray(doc.groups)).toBe(true)
    const groups = doc.groups as { name: unknown; rules: unknown }[]
    expect(groups.length).toBeGreaterThan(0)
    const alerts: string[] = []
    for (const g of groups) {
      expect(Object.keys(g).sort()).toEqual(['name', 'rules'])
      expect(typeof g.name).toBe('string')
      for (const rule of g.rules as Record<string, unknown>[]) {
        expect(
          Object.keys(rule).every((k) =>
            ['alert', 'expr', 'for', 'labels', 'annotations'].includes(k),
          ),
          JSON.stringify(rule),
        ).toBe(true)
        expect(rule.alert).toMatch(/^Hookwarden[A-Z][A-Za-z]+$/)
        expect(typeof rule.expr).toBe('string')
        if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smhd]$/)
        expect(['critical', 'warning', 'info']).toContain(
          (rule.labels as { severity: string }).severity,
        )
        expect(typeof (rule.annotations as { summary: unknown }).summary).toBe('string')
        alerts.push(rule.alert as string)
      }
    }
    expect(new Set(alerts).size).toBe(alerts.length)
    // The ones the rotations work asked for.
    expect(alerts).toEqual(
      expect.arrayContaining([
        'HookwardenCredentialExpiringSoon',
        'HookwardenRetiredCredentialUsed',
        'HookwardenRefusalsRising',
        'HookwardenStoreErrors',
        'HookwardenDiagnosisShed',
      ]),
    )
  })

  it('every expression names only metrics the gateway exposes, with labels they carry', () => {
    expect(exposed.has('hookwarden_credential_not_after_timestamp_seconds')).toBe(true)
    const doc = parse(readFileSync(FILE, 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[]
    }
    for (const rule of doc.groups.flatMap((g) => g.rules)) {
      const parts = readExpr(rule.expr)
      expect(parts.metrics.size, rule.alert).toBeGreaterThan(0)
      for (const metric of parts.metrics)
        expect([...exposed.keys()], `${rule.alert}: ${metric}`).toContain(metric)
      for (const [metric, label] of parts.matchers)
        expect([...exposed.get(metric)!], `${rule.alert}: ${metric}{${label}}`).toContain(label)
      // A grouping label must be one of some metric of the expression.
      const labels = new Set([...parts.metrics].flatMap((m) => [...exposed.get(m)!]))
      for (const label of parts.grouping)
        expect([...labels], `${rule.alert}: by (${label})`).toContain(label)
    }
  })

  it('the tokenizer catches a metric the gateway does not expose', () => {
    const parts = readExpr(
      'sum by (endpoint) (rate(hookwarden_attempts_totl{outcome="rejected"}[5m])) > 0',
    )
    expect([...parts.metrics]).toEqual(['hookwarden_attempts_totl'])
    expect(exposed.has('hookwarden_attempts_totl')).toBe(false)
    expect(parts.grouping).toEqual(new Set(['endpoint']))
  })
})
