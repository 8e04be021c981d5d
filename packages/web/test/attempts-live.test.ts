/**
 * The Attempts list in a real Chromium while attempts keep arriving. Live rows that push the
 * list past its cap never cost a block of attempts: "Older attempts" continues from the oldest
 * row shown (a gateway on SQLite). With two gateways on one PostgreSQL schema and one Redis,
 * the page served by one lists the other's new attempts too, and the tenant and environment
 * filters narrow the list, live rows included.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dist, ensureBuilt, haveChromium, launchChromium } from './browser.js'
import { openNonceStore } from '../../server/src/nonce/open-nonce-store.js'
import { openStore } from '../../server/src/storage/open-store.js'
import { ADMIN, type Running, startGateway } from '../../server/test/e2e/helpers.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.HOOKWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const ACME = 'attempts-live-acme-token-4f2a'
const GLOBEX = 'attempts-live-globex-token-9c3d'
const YAML = `
endpoints:
  - name: orders-acme
    path: /hooks/acme
    tenant: acme
    environment: production
    auth: { scheme: bearer, tokens: ["${ACME}"] }
  - name: orders-globex
    path: /hooks/globex
    tenant: globex
    environment: staging
    auth: { scheme: bearer, tokens: ["${GLOBEX}"] }
`

/** Sends `n` accepted attempts to acme (or globex) on `gw`, a few at a time; their ids. */
async function send(gw: Running, n: number, tenant: 'acme' | 'globex' = 'acme') {
  const ids: string[] = []
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, () =>
      fetch(`${gw.url}/hooks/${tenant}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant === 'acme' ? ACME : GLOBEX}` },
        body: '{}',
      }),
    )
    for (const res of await Promise.all(batch)) {
      expect(res.status).toBe(200)
      ids.push(res.headers.get('x-hookwarden-attempt')!)
      await res.arrayBuffer()
    }
  }
  return ids
}

/** The ids of the rows on the page, top to bottom. */
const shownIds = (page: Page) =>
  page
    .locator('[data-testid=attempts] li a')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href')!.split('/').pop()!))

/** Signs the page's browser in (the session cookie) and opens the Attempts page. */
async function login(page: Page, gw: Running) {
  const res = await page.request.post(`${gw.url}/api/session`, { data: { token: ADMIN } })
  expect(res.status()).toBe(200)
  await page.goto(`${gw.url}/attempts`)
  await page.locator('[data-testid=attempts]').waitFor()
}

describe.skipIf(!haveChromium('attempts live tests'))('the Attempts list, live', () => {
  let browser: Browser
  beforeAll(async () => {
    ensureBuilt()
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
  })

  describe('one gateway on SQLite', () => {
    let gw: Running
    const dataDir = mkdtempSync(join(tmpdir(), 'hw-attempts-live-'))
    beforeAll(async () => {
      gw = await startGateway(YAML, { store: await openStore({ dataDir }), webDist: dist })
    })
    afterAll(async () => {
      await gw?.close()
      rmSync(dataDir, { recursive: true, force: true })
    })

    it('live rows past the cap never cost a block: paging older continues from the oldest row shown', async () => {
      const page = await browser.newPage()
      const history = await send(gw, 150)
      await login(page, gw)
      const rows = page.locator('[data-testid=attempts] li')
      await expect.poll(() => rows.count()).toBe(100)
      await page.getByText('Live: new attempts appear at the top.').waitFor()
      // The operator reads while 450 more arrive: the list sheds rows from its bottom.
      const arrived = await send(gw, 450)
      const all = [...history, ...arrived].sort().reverse()
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(500)
      const older = page.getByRole('button', { name: 'Older attempts' })
      await older.click()
      await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(500)
      // Every attempt between the newest and the oldest row shown is on the page.
      const shown = await shownIds(page)
      const oldest = shown.at(-1)!
      expect(shown).toEqual(all.filter((id) => id >= oldest))
      // And paging to the end shows every attempt, once, newest first.
      while (await older.isVisible()) {
        const before = await rows.count()
        await older.click()
        await expect
          .poll(async () => (await rows.count()) > before || !(await older.isVisible()))
          .toBe(true)
      }
      expect(await shownIds(page)).toEqual(all)
      await page.close()
    }, 120_000)
  })

  describe('two gateways on one PostgreSQL schema and one Redis', () => {
    const schema = `hw_web_live_${process.pid}_${randomBytes(4).toString('hex')}`
    let c: Running
    let d: Running
    const sql = async (text: string) => {
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      try {
        await admin.query(text)
      } finally {
        await admin.end()
      }
    }
    /** A gateway with its own connections to the shared schema and to Redis. */
    const gateway = async () =>
      startGateway(YAML, {
        store: await openStore({ databaseUrl: DATABASE_URL, dataDir: '/nonexistent', schema }),
        nonceStore: await openNonceStore({ redisUrl: REDIS_URL }),
        webDist: dist,
      })
    beforeAll(async () => {
      await sql(`create schema "${schema}"`)
      c = await gateway()
      d = await gateway()
    })
    afterAll(async () => {
      await c?.close()
      await d?.close()
      await sql(`drop schema if exists "${schema}" cascade`)
    })

    it("the page on one gateway lists the other's new attempts too, and says where they come from", async () => {
      const page = await browser.newPage()
      const first = await send(c, 1)
      await login(page, c)
      await page.getByText('Live: new attempts appear at the top.').waitFor()
      expect(await shownIds(page)).toEqual(first)
      const viaC: string[] = []
      const viaD: string[] = []
      for (let i = 0; i < 5; i++) {
        viaC.push(...(await send(c, 1)))
        viaD.push(...(await send(d, 1)))
      }
      const all = [...first, ...viaC, ...viaD].sort().reverse()
      await expect.poll(() => shownIds(page), { timeout: 20_000 }).toEqual(all)
      expect(await page.getByTestId('live-state').textContent()).toContain("other gateways'")
      await page.close()
    }, 60_000)

    it('filters by tenant and environment: the fields, the address, and live rows from both gateways', async () => {
      const page = await browser.newPage()
      await login(page, c)
      await page.getByLabel('Tenant').fill('globex')
      await expect.poll(() => new URL(page.url()).search).toBe('?tenant=globex')
      const rows = page.locator('[data-testid=attempts] li')
      await expect.poll(() => rows.count()).toBe(0)
      await page.getByText('Live: new attempts appear at the top.').waitFor()
      const globex = [...(await send(d, 1, 'globex')), ...(await send(c, 1, 'globex'))]
        .sort()
        .reverse()
      await send(c, 2, 'acme')
      await send(d, 2, 'acme')
      await expect.poll(() => shownIds(page), { timeout: 20_000 }).toEqual(globex)
      // Environment too, from the address; and a value nobody has matches nothing.
      await page.goto(`${c.url}/attempts?environment=staging`)
      await expect.poll(() => shownIds(page)).toEqual(globex)
      expect(await page.getByLabel('Environment').inputValue()).toBe('staging')
      await page.goto(`${c.url}/attempts?tenant=acme&environment=staging`)
      await page.getByText('Live: new attempts appear at the top.').waitFor()
      await expect.poll(() => page.getByText('No attempts match.').count()).toBe(1)
      await page.close()
    }, 60_000)
  })
})
