/**
 * `hookwarden probe URL [--request FILE] [--timeout S] [--block-private] [--json]`
 * At most six controlled variants to the URL given (no redirect followed), and what they say
 * together: which hop answers, whether the credential is read at all. Exit 0 when something
 * answered (whatever it said), 1 when no request got an answer (refused, timed out, no such
 * host: there is nothing to learn about the receiver), 2 unusable input.
 * @module
 */
import type { HttpRequest } from '@hookwarden/core'
import type { ProbeResult } from '@hookwarden/server'
import type { Command } from 'commander'
import { parseEntry, readRequest } from '../io.js'
import { bold, dim, FAIL, OK, yellow } from '../output/style.js'
import { parseTimeout, resolveFix } from './replay.js'

interface Options {
  request?: string
  json?: boolean
  timeout?: string
  entry?: string
  blockPrivate?: boolean
}

const GOOD = new Set(['credential_read', 'fix_works', 'auth_per_route', 'method_routed_first'])
const NEUTRAL = new Set(['answered_by', 'fix_changes_answer'])

export function probeHuman(r: ProbeResult): string {
  const lines: string[] = [
    `${bold('probe')} ${r.url} ${dim(`(${r.variants.length} requests, no redirect followed)`)}`,
  ]
  const width = Math.max(...r.variants.map((v) => v.name.length))
  for (const v of r.variants) {
    const target = new URL(v.sent.url)
    const answer = v.error
      ? `no answer (${v.error.code})`
      : `${v.response!.status} ${v.response!.class} — ${v.origin?.product ?? 'unknown'} (${v.origin?.layer ?? 'unknown'})`
    lines.push(
      `  ${v.name.padEnd(width)}  ${v.sent.method} ${target.pathname}${target.search} → ${answer}`,
    )
    const cred = v.sent.headers.filter(
      ([n, val]) => /fp:[0-9a-f]{8}/.test(val) || /^authorization$/i.test(n),
    )
    for (const [n, val] of cred) lines.push(dim(`  ${''.padEnd(width)}    ${n}: ${val}`))
  }
  lines.push('')
  lines.push(bold('findings'))
  for (const f of r.findings) {
    const mark = GOOD.has(f.code)
      ? OK()
      : NEUTRAL.has(f.code)
        ? '•'
        : f.code === 'redirect'
          ? yellow('!')
          : FAIL()
    lines.push(`  ${mark} ${f.summary}`)
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
      const request: HttpRequest | undefined =
        o.request !== undefined ? readRequest(o.request, parseEntry(o.entry)) : undefined
      const { probe } = await import('@hookwarden/server')
      const r = await probe(url, {
        timeoutMs,
        allowPrivate: !o.blockPrivate,
        fix: resolveFix(),
        ...(request ? { request } : {}),
      })
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : probeHuman(r))
      process.exitCode = r.variants.some((v) => !v.error) ? 0 : 1
    })
}
