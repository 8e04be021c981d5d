/**
 * `hookwarden diff GOOD_FILE BAD_FILE [--json]`: what differs between a request that works
 * and one that does not, authentication-relevant differences first; credentials compared by
 * fingerprint, never printed. Exit 0 same, 1 differences, 2 unusable input.
 * @module
 */

import { type Difference, diffRequests } from '@hookwarden/core'
import type { Command } from 'commander'
import { readRequest } from '../io.js'
import { bold, dim, red } from '../output/style.js'

/** The kind of a difference, and the reason code it amounts to when there is one. */
const label = (x: Difference) => (x.code ? `${x.kind}, ${x.code}` : x.kind)

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare a request that works with one that does not; exit 0 same, 1 differences')
    .argument('<good>', 'the request that works (raw HTTP, curl, HAR or JSON)')
    .argument('<bad>', 'the request that is refused')
    .option('--json', 'print the differences as JSON')
    .action((goodFile: string, badFile: string, o: { json?: boolean }) => {
      const d = diffRequests(readRequest(goodFile), readRequest(badFile))
      if (o.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`)
      else {
        const lines: string[] = []
        const auth = d.differences.filter((x) => x.auth)
        const other = d.differences.filter((x) => !x.auth)
        if (d.same) lines.push('the two requests are the same, byte for byte where it matters')
        else
          lines.push(
            `${d.differences.length} difference${d.differences.length === 1 ? '' : 's'}, ${auth.length} relevant to authentication`,
          )
        if (auth.length) {
          lines.push('', bold('Authentication:'))
          for (const x of auth) {
            lines.push(`  ${red('✗')} ${x.field} (${label(x)}): ${x.note}`)
            lines.push(
              dim(`      good: ${x.good ?? '(absent)'}`),
              dim(`      bad:  ${x.bad ?? '(absent)'}`),
            )
          }
        }
        if (other.length) {
          lines.push('', bold('Other differences:'))
          for (const x of other)
            lines.push(
              `  · ${x.field} (${label(x)}): ${x.note}${dim(` — good ${x.good ?? '(absent)'}, bad ${x.bad ?? '(absent)'}`)}`,
            )
        }
        process.stdout.write(`${lines.join('\n')}\n`)
      }
      process.exitCode = d.same ? 0 : 1
    })
}
