/**
 * `hookwarden replay --request FILE --to URL [--fix] [--timeout S] [--block-private] [--json]`
 * Re-sends the capture byte for byte (Host rewritten to the target), never follows a redirect,
 * and says what answered. Exit 0 when the answer is 2xx, 1 otherwise (refused, redirected, no
 * answer), 2 unusable input.
 * @module
 */
import * as core from '@hookwarden/core'
import { ConfigError, type HttpRequest, InputError } from '@hookwarden/core'
import type { ReplayResult } from '@hookwarden/server'
import { headerConstructionFix } from '@hookwarden/server/light'
import type { Command } from 'commander'
import { parseEntry, parseNow, parseRequestAt, readConfig, readInput } from '../io.js'
import { bold, dim, FAIL, OK, yellow } from '../output/style.js'

interface Options {
  request: string
  to: string
  fix?: boolean
  json?: boolean
  timeout?: string
  entry?: string
  blockPrivate?: boolean
  config?: string
  endpoint?: string
  now?: string
}

type FixResult = HttpRequest | { request: HttpRequest; fixes: string[]; note?: string }

/** `--timeout`: seconds (`10`, `2.5`, `10s`) or milliseconds (`500ms`). */
export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 10_000
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim())
  const ms = m ? (m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000) : Number.NaN
  if (!Number.isFinite(ms) || ms <= 0 || ms > 600_000)
    throw new ConfigError(
      `--timeout must be seconds (e.g. 10 or 2.5) or milliseconds (500ms), at most 600 s; got ${JSON.stringify(value)}`,
      { field: '--timeout' },
    )
  return Math.round(ms)
}

/**
 * The fix for `--fix`: the diagnosis's own `applyTopFix` when core offers one, else the
 * header-construction quick fix (Bearer prefix, whitespace, invisible characters, quotes).
 */
export function resolveFix(): (req: HttpRequest) => Promise<FixResult> {
  const top = (core as Record<string, unknown>).applyTopFix
  if (typeof top !== 'function') return async (req) => headerConstructionFix(req)
  return async (req) => {
    try {
      // It may run the diagnosis, which is async.
      const r = await (top as (r: HttpRequest) => unknown)(req)
      if (r && typeof r === 'object' && 'headers' in r && 'method' in r) return r as HttpRequest
      if (r && typeof r === 'object' && 'request' in r) {
        const x = r as { request: HttpRequest; fixes?: string[]; fix?: string }
        return {
          request: x.request,
          fixes: x.fixes ?? (x.fix ? [x.fix] : ['the top diagnosed cause, fixed']),
        }
      }
    } catch {
      // No diagnosis-backed fix for this request: fall through to the quick fix.
    }
    return headerConstructionFix(req)
  }
}

/** The headers an endpoint's scheme reads its credential from (lower case), when known. */
function headersRead(auth: core.AuthPolicy): string[] {
  const a = auth as core.AuthPolicy & Partial<core.HmacPolicy> & { header?: string }
  switch (auth.scheme) {
    case 'bearer':
    case 'jwt':
    case 'basic':
      return ['authorization']
    case 'api_key':
      return a.header ? [a.header.toLowerCase()] : []
    case 'hmac':
      return [a.header, ...(a.header_aliases ?? []), a.timestamp?.header, a.id?.header]
        .filter((n): n is string => typeof n === 'string')
        .map((n) => n.toLowerCase())
    case 'standard_webhooks':
      return ['webhook', 'svix'].flatMap((p) =>
        ['id', 'timestamp', 'signature'].map((h) => `${p}-${h}`),
      )
    default:
      return []
  }
}

/**
 * `--fix --config`: what the endpoint accepts is sent as captured (the output says so); else
 * the construction of the headers its scheme reads is mended, and when the endpoint still
 * refuses (a signature over a re-serialized body, a stale timestamp, a wrong secret), the
 * request is re-signed over its raw body with the endpoint's current credential, as `sign`
 * does. Headers the endpoint does not read are never touched.
 */
export function configFix(
  config: core.Config,
  endpointName: string | undefined,
  now: number,
): (req: HttpRequest) => Promise<FixResult> {
  return async (req) => {
    const endpoint = core.selectEndpoint(config, req, endpointName)
    const captured = await core.verify(req, endpoint, { now })
    if (captured.ok)
      return {
        request: req,
        fixes: [],
        note: `endpoint ${endpoint.name} accepts the request as captured, so --fix changed nothing: sent as captured`,
      }
    const quick = headerConstructionFix(req, headersRead(endpoint.auth))
    if (quick.fixes.length > 0 && (await core.verify(quick.request, endpoint, { now })).ok)
      return quick
    const signed = await core.sign(quick.request, endpoint, { now })
    return {
      request: signed,
      fixes: [
        ...quick.fixes,
        `re-signed over the raw body for endpoint ${endpoint.name} (it refused with ${captured.reason})`,
      ],
    }
  }
}

/**
 * `--config`, `--endpoint` and `--now` say how `--fix` re-signs: without `--fix` (or, for the
 * last two, without `--config`) nothing would use them, and the request would go out otherwise
 * than the user expects. Unusable input, said before anything is sent.
 */
export function refuseUnusedFixOptions(o: Options): void {
  const given = (keys: readonly ('config' | 'endpoint' | 'now')[]) =>
    keys.filter((k) => o[k] !== undefined)
  const unused = !o.fix
    ? given(['config', 'endpoint', 'now'])
    : !o.config
      ? given(['endpoint', 'now'])
      : []
  if (unused.length === 0) return
  const flags = unused.map((k) => `--${k}`).join(', ')
  const one = unused.length === 1
  throw new ConfigError(
    !o.fix
      ? `${flags} only ${one ? 'applies' : 'apply'} with --fix (to re-sign the request for the endpoint); add --fix, or leave ${one ? 'it' : 'them'} out to send the request as captured`
      : `${flags} only ${one ? 'applies' : 'apply'} with --config (the endpoint to re-sign for); add --config FILE, or leave ${one ? 'it' : 'them'} out`,
    { field: `--${unused[0]}` },
  )
}

/**
 * A capture that declares a body it does not hold (a raw head with Content-Length, a HAR or
 * JSON entry with Content-Length and no body, a raw capture cut short of its Content-Length)
 * cannot be sent as captured: what it holds in its place would get an answer about another
 * request, a signature over those bytes refused as if the secret were wrong. Exit 2 with one
 * line, before anything is sent; the gateway's replay() refuses it the same way.
 */
export function refuseBodyless(request: HttpRequest, file: string): void {
  const missing = core.missingBody(request)
  if (!missing) return
  throw new InputError(
    'ERR_BODY_NOT_CAPTURED',
    missing.held === 0
      ? `the capture declares a ${missing.declared}-byte body but holds none, so it cannot be sent as captured: capture the request with its body, or delete its Content-Length line to send it without one`
      : `the capture declares a ${missing.declared}-byte body but holds ${missing.held} bytes of it, so it cannot be sent as captured: capture the whole body, or correct its Content-Length`,
    { file, field: '--request' },
  )
}

export function replayJson(r: ReplayResult) {
  return {
    target: r.target,
    fixed: r.fixed,
    fixes: r.fixes,
    ...(r.fix_note ? { fix_note: r.fix_note } : {}),
    sent: r.sent,
    response: r.response
      ? {
          status: r.response.status,
          class: r.response.class,
          meaning: r.response.meaning,
          headers: r.response.headers,
          body_bytes: r.response.body_bytes,
        }
      : null,
    origin: r.origin,
    redirect: r.redirect,
    hints: r.hints,
    error: r.error,
    elapsed_ms: r.elapsed_ms,
  }
}

export function replayHuman(r: ReplayResult): string {
  const lines: string[] = []
  const path = new URL(r.target)
  lines.push(`${bold('→')} ${r.sent.method} ${r.target}`)
  lines.push(
    dim(
      `  ${r.sent.headers.length} header${r.sent.headers.length === 1 ? '' : 's'} and ${r.sent.body_bytes} bytes of body, as ${r.fixes.length ? 'fixed' : 'captured'}`,
    ),
  )
  for (const [n, v] of r.sent.headers)
    lines.push(dim(`    ${n}: ${v.length > 100 ? `${v.slice(0, 97)}…` : v}`))
  for (const n of r.sent.notes) lines.push(dim(`    + ${n}`))
  for (const d of r.sent.dropped) lines.push(dim(`    − ${d}`))
  if (r.fixed)
    lines.push(
      r.fixes.length
        ? `  fixed: ${r.fixes.join('; ')}`
        : r.fix_note
          ? `  --fix: ${r.fix_note}`
          : yellow('  --fix: nothing to fix in the header construction; sent as captured'),
    )
  if (r.error) {
    lines.push(
      `${FAIL()} ${bold('no answer')} from ${path.host}: ${r.error.message} (${r.error.code})`,
    )
    return `${lines.join('\n')}\n`
  }
  const res = r.response!
  const ok = res.class === 'success'
  lines.push(
    `${ok ? OK() : FAIL()} ${bold(`← ${res.status}${res.status_text ? ` ${res.status_text}` : ''}`)} (${res.class}) in ${r.elapsed_ms} ms${res.truncated ? dim(' (body cut at 1 MiB)') : ''}`,
  )
  if (r.origin) {
    lines.push(`  answered by: ${r.origin.product ?? 'unknown product'} (${r.origin.layer})`)
    for (const e of r.origin.evidence.slice(0, 4)) lines.push(dim(`    ${e}`))
  }
  if (res.meaning) lines.push(`  ${res.meaning}`)
  if (r.redirect) lines.push(yellow(`  ! ${r.redirect.finding}`))
  for (const h of r.hints) {
    lines.push(`  ${yellow('hint')} ${h.summary}`)
    lines.push(`       fix: ${h.fix}`)
  }
  return `${lines.join('\n')}\n`
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      're-send a captured request byte for byte to a URL and say what answered; exit 0 on 2xx, 1 otherwise',
    )
    .requiredOption('--request <file>', 'the request: raw HTTP, curl, HAR or JSON')
    .requiredOption(
      '--to <url>',
      'where to send it: a full URL, or an origin (http://127.0.0.1:3000) to keep the captured path',
    )
    .option('--fix', 'fix the request first (the top diagnosed cause, or the header construction)')
    .option('--timeout <seconds>', 'give up after this long (default 10; 500ms also accepted)')
    .option(
      '--block-private',
      'refuse loopback and private addresses (as the server side always does)',
    )
    .option(
      '--entry <n>',
      'which entry of a HAR, a JSON list or a curl -v -L transcript (default: the first; a transcript: the request first sent and the final answer)',
    )
    .option('--config <file>', 'with --fix: hookwarden.yaml, to re-sign for the endpoint')
    .option('--endpoint <name>', 'with --config: the endpoint (default: by path)')
    .option('--now <unix>', 'with --config: the clock for signing, seconds since the epoch')
    .option('--json', 'print the result as JSON')
    .action(async (o: Options) => {
      refuseUnusedFixOptions(o)
      const timeoutMs = parseTimeout(o.timeout)
      // The file's bytes too: header values that are not UTF-8 are sent as those bytes.
      const capture = readInput(o.request, 'request')
      const request = parseRequestAt(capture, o.request, parseEntry(o.entry))
      refuseBodyless(request, o.request)
      // The gateway package loads only for the commands that send (see server/src/light.ts).
      const { replay } = await import('@hookwarden/server')
      const r = await replay(request, {
        to: o.to,
        capture,
        timeoutMs,
        allowPrivate: !o.blockPrivate,
        ...(o.fix
          ? {
              fix: o.config
                ? configFix(readConfig(o.config), o.endpoint, parseNow(o.now))
                : resolveFix(),
            }
          : {}),
      })
      process.stdout.write(o.json ? `${JSON.stringify(replayJson(r), null, 2)}\n` : replayHuman(r))
      process.exitCode = r.response?.class === 'success' ? 0 : 1
    })
}
