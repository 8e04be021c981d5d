/**
 * The Attempt page past a source's limit of refusals, in a real Chromium against the real
 * gateway over a real SQLite store: the window's full record shows the count of its compact
 * rows under "Refusals past the limit" (not "Not diagnosed"), a compact row links to that full
 * record, and a record of the release before migration 0006, whose count was text in
 * `diagnosis_skipped`, reads the same way.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newAttemptId } from '../../server/src/ids.js'
import { openSqliteStore } from '../../server/src/storage/sqlite.js'
import type { AttemptStore } from '../../server/src/storage/types.js'
import { ADMIN, eventually, type Running, startGateway } from '../../server/test/e2e/helpers.js'
import { dist, ensureBuilt, haveChromium, launchChromium, shots } from './browser.js'

const TOKEN = 'past-limit-bearer-token-5d6e7f'

describe.skipIf(!haveChromium('past-limit page tests'))('the Attempt page past a limit', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hw-past-limit-'))
  let store: AttemptStore
  let gw: Running
  let browser: Browser
  let page: Page
  // The gateway's clock, moved past the window by the test (the limiter keeps its own).
  let now = Date.now()
  let full = ''
  let compact = ''
  let legacy = ''

  beforeAll(async () => {
    ensureBuilt()
    store = await openSqliteStore({ dataDir })
    gw = await startGateway(
      `endpoints:\n  - name: orders\n    path: /hooks/orders\n    auth: { scheme: bearer, tokens: ["${TOKEN}"] }\n`,
      {
        store: store as never,
        rateLimit: { max: 1, windowMs: 60_000 },
        clock: () => now,
        webDist: dist,
      },
    )
    const refuse = async () => {
      const res = await fetch(`${gw.url}/hooks/orders`, {
        method: 'POST',
        headers: { Authorization: 'Bearer wrong' },
        body: '{}',
      })
      return { status: res.status, attempt: res.headers.get('x-hookwarden-attempt') ?? '' }
    }
    // One refusal within the limit, the window's full record, then three compact rows.
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(await refuse())
    expect(answers.map((a) => a.status)).toEqual([401, 429, 429, 429, 429])
    full = answers[1]!.attempt
    compact = answers[4]!.attempt
    // The window ends: the source's next refusal closes it and its count is written.
    now += 61_000
    expect((await refuse()).status).toBe(429)
    await eventually(async () => (await store.get(full))?.refusals_past_limit === 3)

    // A record as the release before 0006 left it: its count as text in diagnosis_skipped.
    const template = (await store.get(full))!
    legacy = newAttemptId(template.received_at + 1)
    await store.insert({
      ...template,
      id: legacy,
      refusals_past_limit: null,
      limit_window_until: null,
      refusals_past_limit_by_status: null,
      diagnosis_skipped:
        'and 42 more refused (429 ×37, 413 ×5) from this source until 2026-11-30T12:04:10.000Z: over its limit, counted into this record, not recorded or diagnosed one by one',
    })

    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    await page.goto(`${gw.url}/attempts`)
    // The gateway's own sign-in page (no public_diagnose), which returns to /attempts.
    await page.getByLabel('Admin token').fill(ADMIN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('[data-testid=attempts]').waitFor()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const open = async (id: string) => {
    await page.goto(`${gw.url}/attempts/${id}`)
    await page.locator('[data-testid=attempt]').waitFor()
    return (await page.locator('[data-testid=attempt]').textContent()) ?? ''
  }

  it('the full record counts its compact rows under "Refusals past the limit", not "Not diagnosed"', async () => {
    const text = await open(full)
    const line = (await page.locator('[data-testid=refusals-past-limit]').textContent()) ?? ''
    expect(line).toMatch(
      /^Refusals past the limit: 3 more from this source until .+, each answered 429, recorded as compact rows \(without their headers or body, not diagnosed\)\.$/,
    )
    expect(text).not.toContain('Not diagnosed')
    await page.screenshot({ path: join(shots, 'past-limit-full-record.png') })
  })

  it('a compact row links to the full record', async () => {
    const text = await open(compact)
    expect(text).toContain(
      "Past this source's limit: recorded as a compact row, without its headers or body, and not diagnosed.",
    )
    expect(await page.locator('[data-testid=refusals-past-limit]').count()).toBe(0)
    await page.locator('[data-testid=compact-row] a').click()
    await page.waitForURL(`${gw.url}/attempts/${full}`)
    await page.locator('[data-testid=refusals-past-limit]').waitFor()
    expect(await page.locator('[data-testid=refusals-past-limit]').textContent()).toContain(
      '3 more from this source',
    )
  })

  it('a record of the release before 0006 shows its count the same way', async () => {
    const text = await open(legacy)
    const line = (await page.locator('[data-testid=refusals-past-limit]').textContent()) ?? ''
    expect(line).toMatch(
      /^Refusals past the limit: 42 more from this source until .+ \(429 ×37, 413 ×5\), recorded as compact rows/,
    )
    expect(text).not.toContain('Not diagnosed')
    expect(text).not.toContain('and 42 more refused')
  })
})
