/**
 * The README's provider table is the generated one (`npm run readme:providers` rewrites it).
 * @module
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  providerTableMarkdown,
  replaceProviderTable,
  TABLE_END,
  TABLE_START,
} from '../../src/providers/table.js'

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')

describe('README provider table', () => {
  it('equals the table generated from the presets (run npm run readme:providers)', () => {
    const start = readme.indexOf(TABLE_START)
    const end = readme.indexOf(TABLE_END)
    expect(start).toBeGreaterThan(-1)
    expect(end).toBeGreaterThan(start)
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(providerTableMarkdown())
  })

  it('replaces only the part between the markers, and appends the markers when absent', () => {
    const doc = `# x\n\n${TABLE_START}\nold\n${TABLE_END}\n\n## after\n`
    const out = replaceProviderTable(doc)
    expect(out.startsWith('# x\n\n<!-- providers:start -->\n')).toBe(true)
    expect(out.endsWith(`${TABLE_END}\n\n## after\n`)).toBe(true)
    expect(replaceProviderTable('# y\n')).toMatch(
      /^# y\n\n<!-- providers:start -->\n[\s\S]*<!-- providers:end -->\n$/,
    )
  })
})
