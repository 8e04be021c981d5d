/**
 * `hookwarden jwt TOKEN_OR_FILE [--now UNIX] [--json]`: the header and claims decoded (not
 * verified), exp/nbf/iat in words against --now, problems flagged. The signature is never
 * printed. Exit 0 no problem, 1 problems found, 2 no JWT to read.
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { findJwt, InputError, inspectJwt } from '@hookwarden/core'
import type { Command } from 'commander'
import { parseNow, readInput } from '../io.js'
import { bold, dim, FAIL, OK } from '../output/style.js'

/** A path, not a token: base64url has no slash, and a JWT ends in its signature, not `.txt`. */
const LOOKS_LIKE_PATH = /[/\\]|\.(txt|jwt|http|har|json|log|token|curl)$/i

function tokenFrom(arg: string): { token: string; file?: string } {
  if (arg === '-' || (existsSync(arg) && statSync(arg).isFile()) || LOOKS_LIKE_PATH.test(arg)) {
    const text = readInput(arg, 'token').toString('utf8')
    const token =
      findJwt(text) ?? (/^\s*[\w-]+\.[\w-]*\.[\w-]*\s*$/.test(text) ? text.trim() : null)
    if (!token)
      throw new InputError(
        'ERR_NO_JWT',
        'no JWT found (expected three base64url parts, e.g. in "Authorization: Bearer eyJ…")',
        { file: arg },
      )
    return { token, file: arg }
  }
  const token =
    findJwt(arg) ??
    (arg.trim().split('.').length >= 2 ? arg.trim().replace(/^bearer\s+/i, '') : null)
  if (!token)
    throw new InputError(
      'ERR_NO_JWT',
      `not a JWT and not a file: expected header.payload.signature (got ${arg.length} characters)`,
      { field: 'TOKEN_OR_FILE' },
    )
  return { token }
}

export function registerJwt(program: Command): void {
  program
    .command('jwt')
    .description(
      'decode a JWT (without verifying it) and explain its times and problems; exit 0 fine, 1 problems',
    )
    .argument(
      '<token-or-file>',
      'the token, or a file holding it (a capture with Authorization: Bearer … works)',
    )
    .option('--now <unix>', 'fix the clock, seconds since the epoch')
    .option('--json', 'print the report as JSON')
    .action((arg: string, o: { now?: string; json?: boolean }) => {
      const now = parseNow(o.now)
      const { token } = tokenFrom(arg)
      const r = inspectJwt(token, now)
      if (o.json) {
        const out = {
          header: r.header,
          claims: r.claims,
          times: r.times,
          problems: r.problems.map((p) => ({ code: p.code, summary: p.summary, fix: p.fix.code })),
          signature: r.signature,
        }
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
      } else {
        const lines: string[] = []
        lines.push(`${bold('JWT')} ${dim(`(not verified; signature ${r.signature}, never shown)`)}`)
        if (r.header) lines.push(`${bold('Header:')} ${JSON.stringify(r.header)}`)
        if (r.claims) {
          lines.push(bold('Claims:'))
          for (const [k, v] of Object.entries(r.claims)) {
            const t = r.times.find((x) => x.claim === k)
            lines.push(
              `  ${k.padEnd(6)} ${JSON.stringify(v)}${t ? dim(`  ${t.iso} (${t.relative})`) : ''}`,
            )
          }
          if (r.claims.exp === undefined) lines.push(dim('  (no exp: the token never expires)'))
        }
        lines.push('')
        if (r.problems.length === 0) lines.push(`${OK()} no problem found in the header and claims`)
        for (const p of r.problems)
          lines.push(`${FAIL()} ${p.code}: ${p.summary}`, dim(`    fix: ${p.fix.code}`))
        process.stdout.write(`${lines.join('\n')}\n`)
      }
      process.exitCode = r.problems.length > 0 ? 1 : 0
    })
}
