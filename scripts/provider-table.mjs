#!/usr/bin/env node
/**
 * Writes the provider table into README.md between <!-- providers:start --> and
 * <!-- providers:end --> (appended at the end when the markers are absent), from the preset
 * data of the built core. Run `npm run build` first; `npm run readme:providers` does both.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { replaceProviderTable } from '../packages/core/dist/providers/table.js'

const readme = fileURLToPath(new URL('../README.md', import.meta.url))
const before = readFileSync(readme, 'utf8')
const after = replaceProviderTable(before)
if (after !== before) writeFileSync(readme, after)
process.stdout.write(
  after !== before
    ? 'README.md: provider table updated\n'
    : 'README.md: provider table already up to date\n',
)
