/**
 * Every fixture case (packages/core/test/cases, and /work/shared/examples when present) run
 * through the built CLI exactly as /work/shared/tools/run-cases does; then every output, human
 * and JSON, scanned for the case's secrets, whole tokens and whole signatures.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { ensureBuilt, pool, ROOT, type Run, run } from './helpers.js'

const CASES = join(ROOT, 'packages/core/test/cases')
const SHARED = '/work/shared/examples'
const dirsOf = (root: string) =>
  existsSync(root)
    ? readdirSync(root)
        .map((n) => join(root, n))
        .filter((d) => existsSync(join(d, 'expect.json')))
    : []
const dirs = [...dirsOf(CASES), ...dirsOf(SHARED)]

interface Expect {
  now: number
  ok?: boolean
  codes?: string[]
  status?: number
  origin?: string[]
  product?: string[]
  class?: string
  endpoint?: string
}

function argsFor(dir: string, exp: Expect, json: boolean): string[] {
  const f = (n: string) => join(dir, n)
  const req = ['request.http', 'request.json', 'request.txt', 'request.har', 'request.curl']
    .map(f)
    .find((x) => existsSync(x))!
  const args = ['diagnose', '--request', req, '--now', String(exp.now)]
  if (json) args.push('--json')
  if (existsSync(f('response.http'))) args.push('--response', f('response.http'))
  if (existsSync(f('hookwarden.yaml'))) args.push('--config', f('hookwarden.yaml'))
  if (exp.endpoint) args.push('--endpoint', exp.endpoint)
  return args
}

/** What run-cases checks, as a list of reasons the case does not hold. */
function holds(exp: Expect, r: Run): string[] {
  let j: {
    causes?: { code: string }[]
    verdict?: { status?: number }
    origin?: { layer?: string; product?: string | null }
    response?: { class?: string }
  } | null = null
  try {
    j = JSON.parse(r.stdout)
  } catch {}
  if (!j) return [`no JSON on stdout (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`]
  const why: string[] = []
  const top = j.causes?.[0]?.code
  if (exp.ok && (r.status !== 0 || (j.causes ?? []).length))
    why.push(`want ok, got exit ${r.status}, top cause ${top}`)
  if (exp.codes && !exp.codes.includes(top as string))
    why.push(`top cause ${top}, want ${exp.codes.join(' | ')}`)
  if (exp.codes && r.status !== 1) why.push(`exit ${r.status}, want 1`)
  if (exp.status && j.verdict?.status !== exp.status)
    why.push(`verdict.status ${j.verdict?.status}, want ${exp.status}`)
  if (exp.origin && !exp.origin.includes(j.origin?.layer as string))
    why.push(`origin.layer ${j.origin?.layer}`)
  if (exp.product && !exp.product.some((re) => new RegExp(re, 'i').test(j!.origin?.product ?? '')))
    why.push(`origin.product ${j.origin?.product}`)
  if (exp.class && j.response?.class !== exp.class)
    why.push(`response.class ${j.response?.class}, want ${exp.class}`)
  return why
}

/** The case's secrets: config credentials, and every credential-bearing value of the request. */
function secretsOf(dir: string): string[] {
  const out = new Set<string>()
  const add = (s: unknown) => {
    if (typeof s !== 'string') return
    const v = s.trim()
    if (v.length >= 10) out.add(v)
    if (v.startsWith('whsec_') && v.length >= 16) out.add(v.slice(6))
  }
  if (existsSync(join(dir, 'hookwarden.yaml'))) {
    const walk = (node: unknown, key = ''): void => {
      if (Array.isArray(node)) for (const x of node) walk(x, key)
      else if (node && typeof node === 'object')
        for (const [k, v] of Object.entries(node)) walk(v, k === 'value' ? key : k)
      else if (/^(tokens|keys|secrets|secret|retired|password|value)$/.test(key)) add(node)
    }
    walk(parseYaml(readFileSync(join(dir, 'hookwarden.yaml'), 'utf8')))
  }
  const reqFile = ['request.http', 'request.json', 'request.har']
    .map((n) => join(dir, n))
    .find((x) => existsSync(x))!
  const text = readFileSync(reqFile, 'utf8')
  const jsonHeaders = (h: unknown): [string, string][] =>
    Array.isArray(h)
      ? h.map((x) => (Array.isArray(x) ? x : [x.name, x.value]) as [string, string])
      : Object.entries(h as Record<string, string>)
  const headerLines = reqFile.endsWith('.json')
    ? jsonHeaders(JSON.parse(text).headers).map(([n, v]) => `${n}: ${v}`)
    : reqFile.endsWith('.har')
      ? (JSON.parse(text).log.entries[0].request.headers as { name: string; value: string }[]).map(
          (h) => `${h.name}: ${h.value}`,
        )
      : text.split('\n\n')[0]!.split('\n').slice(1)
  for (const line of headerLines) {
    const i = line.indexOf(':')
    const name = line.slice(0, i).trim()
    const value = line.slice(i + 1).trim()
    if (/^(host|content-type|content-length|user-agent|x-github-event)$|timestamp|-id$/i.test(name))
      continue
    // An unrendered template ({{connection.basic_auth}}) holds no credential: naming it is the fix.
    if (/^(\w+\s+)?\{\{[^}]*\}\}$/.test(value)) continue
    add(value)
    // A signature header's t= is its timestamp, shown freely (a diagnosis names a wrong one).
    for (const piece of value.split(/[\s,;"]+/))
      if (!/^t=/.test(piece)) add(piece.replace(/^(v\d|sha\d+)=/, ''))
    const basic = /^Basic\s+(\S+)/i.exec(value)
    if (basic) for (const p of Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')) add(p)
  }
  const q = text.split('\n')[0]!.split('?')[1]?.split(' ')[0]
  if (q) for (const [, v] of new URLSearchParams(q)) add(v)
  return [...out]
}

describe('diagnose fixture cases through the built CLI', () => {
  const results = new Map<string, { json: Run; human: Run; exp: Expect }>()
  beforeAll(async () => {
    ensureBuilt()
    await pool(
      dirs.map((dir) => async () => {
        const exp = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expect
        // Other work on this machine rebuilds dist/ at any time; a process that died while
        // loading half-written modules is run once more (a real crash dies twice).
        const once = async (json: boolean) => {
          const r = await run(argsFor(dir, exp, json))
          const died = r.status !== 0 && r.status !== 1 && /Node\.js v\d/.test(r.stderr)
          return died ? run(argsFor(dir, exp, json)) : r
        }
        const [json, human] = [await once(true), await once(false)]
        results.set(dir, { json, human, exp })
      }),
    )
  }, 300_000)

  it('has cases', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(60)
  })

  it.each(dirs.map((d) => [d.replace(`${ROOT}`, ''), d]))('%s holds', (_name, dir) => {
    const r = results.get(dir)!
    expect(holds(r.exp, r.json)).toEqual([])
    expect(r.human.status).toBe(r.json.status)
    expect(r.human.stderr).toBe('')
  })

  it.each(dirs.map((d) => [d.replace(`${ROOT}`, ''), d]))(
    '%s prints no secret, whole token or whole signature',
    (_name, dir) => {
      const r = results.get(dir)!
      const printed = r.json.stdout + r.json.stderr + r.human.stdout + r.human.stderr
      const leaked = secretsOf(dir).filter((s) => printed.includes(s))
      expect(leaked).toEqual([])
    },
  )

  it('finds the secrets it scans for (the scan is not vacuous)', () => {
    const jwtCase = join(CASES, 'jwt-expired')
    const token = /Bearer (\S+)/.exec(readFileSync(join(jwtCase, 'request.http'), 'utf8'))![1]!
    expect(secretsOf(jwtCase)).toContain(token)
    expect(secretsOf(join(CASES, 'signature-secret-whitespace'))).toContain(
      'hmac-secret-Vx81Qm3Lz7Rt',
    )
    const sig = /X-Signature: (\S+)/.exec(
      readFileSync(join(CASES, 'signature-wrong-encoding', 'request.http'), 'utf8'),
    )![1]!
    expect(secretsOf(join(CASES, 'signature-wrong-encoding'))).toContain(sig)
    expect(secretsOf(join(CASES, 'basic-wrong-credentials'))).toContain('wrong-password-1')
  })

  it('covers every reason code diagnose can produce', () => {
    const produced = new Set<string>()
    for (const { exp } of results.values()) for (const c of exp.codes ?? []) produced.add(c)
    const contract = [
      'credentials_missing',
      'header_name_wrong',
      'credential_in_query',
      'credential_in_header',
      'scheme_prefix_missing',
      'scheme_prefix_malformed',
      'scheme_mismatch',
      'duplicate_auth_header',
      'credential_whitespace',
      'credential_invisible_chars',
      'credential_quoted',
      'credential_url_encoded',
      'credential_truncated',
      'credential_unknown',
      'credential_wrong_environment',
      'credential_wrong_tenant',
      'credential_revoked',
      'basic_not_base64',
      'basic_raw_credentials',
      'basic_no_colon',
      'basic_wrong_credentials',
      'jwt_malformed',
      'jwt_expired',
      'jwt_not_yet_valid',
      'jwt_signature_invalid',
      'jwt_alg_not_allowed',
      'jwt_wrong_issuer',
      'jwt_wrong_audience',
      'jwt_unknown_kid',
      'jwt_insufficient_scope',
      'signature_missing',
      'signature_header_malformed',
      'signature_mismatch',
      'signature_body_modified',
      'signature_wrong_encoding',
      'signature_wrong_algorithm',
      'signature_wrong_payload',
      'signature_secret_encoding',
      'signature_secret_whitespace',
      'signature_previous_secret',
      'timestamp_missing',
      'timestamp_malformed',
      'timestamp_milliseconds',
      'timestamp_out_of_window',
      'insufficient_scope',
      'ip_not_allowed',
      'route_not_found',
      'method_not_allowed',
      'payload_too_large',
      'rate_limited',
    ]
    // replay_detected needs a second delivery and invalid_credentials is the gateway's public word: neither comes from one diagnosis.
    expect(contract.filter((c) => !produced.has(c))).toEqual([])
  })
})
