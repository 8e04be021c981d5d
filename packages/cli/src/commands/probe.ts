/**
 * `hookwarden probe URL [--request FILE] [--timeout S] [--block-private] [--json]`
 * At most six controlled variants to the URL given (no redirect followed), and what they say
 * together: which hop answers, whether it needs a credential, whether it reads the one sent.
 * Exit 0 when the endpoint behaves (no finding marked ✗), 1 when a finding is ✗ (no auth
 * required, the capture refused, a 404, a redirect…) or no request got an answer (refused,
 * timed out, no such host), 2 unusable input (as the README's exit status says for every
 * command: 1 is "causes found").
 * @module
 */
import type { HttpRequest } from '@hookwarden/core'
import type { ProbeFinding, ProbeResult } from '@hookwarden/server'
import type { Command } from 'commander'
import { parseEntry, parseRequestAt, readInput } from '../io.js'
import { bold, dim, FAIL, OK, yellow } from '../output/style.js'
import { parseTimeout, refuseBodyless, resolveFix } from './replay.js'

interface Options {
  request?: string
  json?: boolean
  timeout?: string
  entry?: string
  blockPrivate?: boolean
}

const MARK: Record<ProbeFinding['level'], () => string> = {
  ok: OK,
  info: () => '•',
  warn: () => yellow('!'),
  fail: FAIL,
}

/** 0 when something answered and no finding is a failure; 1 otherwise. */
export function probeExitCode(r: ProbeResult): number {
  const answered = r.variants.some((v) => !v.error)
  return answered && !r.findings.some((f) => f.level === 'fail') ? 0 : 1
}

export function probeHuman(r: ProbeResult): string {
  const lines: string[] = [
    `${bold('probe')} ${r.url} ${dim(`(${r.variants.length} requests, no redirect followed)`)}`,
  ]
  const width = Math.max(...r.variants.map((v) => v.name.length))
  for (const v of r.variants) {
    // The URL as shown (credentials fingerprinted), not re-encoded by a URL parser.
    const path = v.sent.url.slice(new URL(v.sent.url).origin.length)
    const answer = v.error
      ? `no answer (${v.error.code})`
      : `${v.response!.status} ${v.response!.class} — ${v.origin?.product ?? 'unknown'} (${v.origin?.layer ?? 'unknown'})`
    lines.push(`  ${v.name.padEnd(width)}  ${v.sent.method} ${path} → ${answer}`)
    const cred = v.sent.headers.filter(
      ([n, val]) => /fp:[0-9a-f]{8}/.test(val) || /^authorization$/i.test(n),
    )
    for (const [n, val] of cred) lines.push(dim(`  ${''.padEnd(width)}    ${n}: ${val}`))
  }
  lines.push('')
  lines.push(bold('findings'))
  for (const f of r.findings) {
    lines.push(`  ${MARK[f.level]()} ${f.summary}`)
    if (f.fix && f.level !== 'ok') lines.push(dim(`    fix: ${f.fix}`))
  }
  return `${lines.join('\n')}\n`
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description(
      'send a few controlled variants to a URL and say which hop answers and whether it reads the credential',
    )
    .argument('<url>', 'the webhook URL (only this URL is contacted)')
    .option('--request <file>', 'a captured request to vary (raw HTTP, curl, HAR or JSON)')
    .option('--timeout <seconds>', 'per request (default 10; 500ms also accepted)')
    .option(
      '--block-private',
      'refuse loopback and private addresses (as the server side always does)',
    )
    .option(
      '--entry <n>',
      'which entry of a HAR, a JSON list or a curl -v -L transcript (default: the first; a transcript: the request first sent and the final answer)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (url: string, o: Options) => {
      const timeoutMs = parseTimeout(o.timeout)
      const entry = parseEntry(o.entry)
      const capture = o.request !== undefined ? readInput(o.request, 'request') : undefined
      const request: HttpRequest | undefined =
        o.request !== undefined && capture ? parseRequestAt(capture, o.request, entry) : undefined
      if (request && o.request !== undefined) refuseBodyless(request, o.request)
      const { probe } = await import('@hookwarden/server')
      const r = await probe(url, {
        timeoutMs,
        allowPrivate: !o.blockPrivate,
        fix: resolveFix(),
        ...(request && capture ? { request, capture } : {}),
      })
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : probeHuman(r))
      process.exitCode = probeExitCode(r)
    })
}
