/**
 * `hookwarden providers [NAME] [--json]`: the provider presets — what each signs, the headers,
 * the secret format and how the preset is proven; with NAME, one preset in full with its
 * usual mistakes and a ready-to-copy config.
 * @module
 */

import {
  getProvider,
  HANDSHAKE_DESCRIPTIONS,
  InputError,
  listProviders,
  omittedProviders,
  type ProviderPreset,
  sampleConfig,
} from '@hookwarden/core'
import type { Command } from 'commander'
import { bold, dim } from '../output/style.js'

interface Options {
  json?: boolean
}

const PROOF_WORDS = {
  sdk: "the provider's SDK",
  vector: 'published example',
  docs: 'documentation only',
} as const

function presetJson(p: ProviderPreset) {
  return {
    name: p.name,
    title: p.title,
    scheme: p.auth.scheme,
    signs: p.signs,
    headers: p.headers ?? [],
    secret_format: p.secret_format,
    proof: p.proof,
    confidence: p.confidence ?? 'docs',
    source: p.source,
    handshake: p.handshake ?? null,
    pitfalls: p.pitfalls ?? [],
    note: p.note ?? null,
    aliases: p.aliases ?? [],
    auth: p.auth,
  }
}

function proofCounts(list: readonly ProviderPreset[]) {
  const counts = { sdk: 0, vector: 0, docs: 0 }
  for (const p of list) counts[p.proof]++
  return counts
}

function listHuman(list: readonly ProviderPreset[]): string {
  const width = Math.max(...list.map((p) => p.name.length))
  const lines = list.map((p) => {
    const headers = (p.headers ?? []).slice(0, 3).join(', ') || '(in the body)'
    return `${bold(p.name.padEnd(width))}  ${p.signs}\n${' '.repeat(width + 2)}${dim(`headers: ${headers} · secret: ${p.secret_format} · proof: ${PROOF_WORDS[p.proof]}`)}`
  })
  const c = proofCounts(list)
  const omitted = omittedProviders()
    .map((o) => `  ${o.name}: ${o.why}`)
    .join('\n')
  return `${lines.join('\n')}\n\nLeft out (scheme not public or not confirmed):\n${omitted}\n\n${list.length} providers: ${c.sdk} proven with the provider's SDK, ${c.vector} with a published example, ${c.docs} from documentation.\nhookwarden providers NAME shows one with a ready-to-copy config.\n`
}

function oneHuman(p: ProviderPreset): string {
  const out = [
    `${bold(p.title)} (${p.name})`,
    '',
    `signs:    ${p.signs}`,
    `headers:  ${(p.headers ?? []).join(', ') || '(none: in the body)'}`,
    `secret:   ${p.secret_format}`,
    `scheme:   ${String(p.auth.scheme)}`,
    `proof:    ${PROOF_WORDS[p.proof]}`,
    `source:   ${p.source}`,
  ]
  if (p.handshake) out.push(`handshake: ${HANDSHAKE_DESCRIPTIONS[p.handshake]}`)
  if (p.note) out.push(`note:     ${p.note}`)
  if (p.pitfalls?.length) {
    out.push('', 'usual mistakes:')
    for (const pf of p.pitfalls)
      out.push(`  - ${pf.title} [${pf.code}]`, `    ${dim(`fix: ${pf.fix}`)}`)
  }
  out.push('', 'config:', '', sampleConfig(p))
  return `${out.join('\n')}\n`
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    prev = cur
  }
  return prev[b.length]!
}

export function registerProviders(program: Command): void {
  program
    .command('providers')
    .argument('[name]', 'one provider, e.g. stripe')
    .description(
      'list the provider presets (what is signed, headers, secret format, proof), or show one with a config',
    )
    .option('--json', 'print as JSON, with the count and how each preset is proven')
    .action((name: string | undefined, o: Options) => {
      if (name !== undefined) {
        const p = getProvider(name)
        if (!p) {
          const near = listProviders()
            .map((x) => x.name)
            .filter((n) => distance(n, name.toLowerCase()) <= 2 || n.startsWith(name.toLowerCase()))
          throw new InputError(
            'unknown_provider',
            `"${name}" is not a known provider${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}; hookwarden providers lists them`,
            { field: 'name' },
          )
        }
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ ...presetJson(p), sample_config: sampleConfig(p) }, null, 2)}\n`
            : oneHuman(p),
        )
        return
      }
      const list = listProviders()
      if (o.json) {
        const json = {
          count: list.length,
          proofs: proofCounts(list),
          providers: list.map(presetJson),
          omitted: omittedProviders(),
        }
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
      } else process.stdout.write(listHuman(list))
    })
}
