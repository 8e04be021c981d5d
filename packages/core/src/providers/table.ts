/**
 * The README's provider table, generated from the preset data so that it cannot drift
 * (scripts/provider-table.mjs writes it; a test compares it with README.md).
 * @module
 */
import { listProviders, omittedProviders } from './registry.js'
import type { ProviderPreset } from './types.js'

export const TABLE_START = '<!-- providers:start -->'
export const TABLE_END = '<!-- providers:end -->'

const PROOF = { sdk: "provider's SDK", vector: 'published example', docs: 'documentation' } as const

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function row(p: ProviderPreset): string {
  const headers = (p.headers ?? []).map((h) => `\`${h}\``).join(', ') || 'in the body'
  const name = `\`${p.name}\`${p.aliases?.length ? ` (${p.aliases.map((a) => `\`${a}\``).join(', ')})` : ''}`
  return `| ${cell(p.title)} | ${name} | ${cell(p.signs)} | ${headers} | ${cell(p.secret_format)} | ${PROOF[p.proof]} |`
}

/** The markdown between the markers (without them). */
export function providerTableMarkdown(): string {
  const list = listProviders()
  const counts = { sdk: 0, vector: 0, docs: 0 }
  for (const p of list) counts[p.proof]++
  const lines = [
    `${list.length} provider presets (\`provider: NAME\` in an endpoint's auth block). Proven by a test against the provider's own SDK: ${counts.sdk}; against a published example: ${counts.vector}; from documentation only (round trip and one-byte change): ${counts.docs}.`,
    '',
    '| Provider | `provider:` | What is signed | Headers | Secret | Proof |',
    '| --- | --- | --- | --- | --- | --- |',
    ...list.map(row),
    '',
    'Left out, because their scheme is not public or not confirmed:',
    '',
    ...omittedProviders().map((o) => `- ${o.title}: ${o.why}.`),
  ]
  return lines.join('\n')
}

/** `readme` with the text between the markers replaced (markers appended when absent). */
export function replaceProviderTable(readme: string): string {
  const block = `${TABLE_START}\n${providerTableMarkdown()}\n${TABLE_END}`
  const start = readme.indexOf(TABLE_START)
  const end = readme.indexOf(TABLE_END)
  if (start === -1 || end === -1 || end < start)
    return `${readme.replace(/\n*$/, '\n\n')}${block}\n`
  return readme.slice(0, start) + block + readme.slice(end + TABLE_END.length)
}
