import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (p: string, file = 'index') =>
  fileURLToPath(new URL(`./packages/${p}/src/${file}.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run on the TypeScript sources: no build needed between an edit and a test run.
    alias: [
      { find: /^@hookwarden\/core$/, replacement: src('core') },
      { find: /^@hookwarden\/server$/, replacement: src('server') },
      { find: /^@hookwarden\/server\/light$/, replacement: src('server', 'light') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
