/**
 * The Overview's Rotations panel in a real Chromium against the real gateway (in process, port
 * 0): a Standard Webhooks endpoint mid-rotation (the old secret ends in two days, the new one
 * unused, a retired one still sent), requests signed by the real `standardwebhooks` signer.
 * The panel shows the warnings and the endpoint's credentials; no secret reaches the page; an
 * installation with nothing to say shows no panel at all.
 * @module
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, type Running, startGateway } from '../../server/test/e2e/helpers.js'
import { dist, ensureBuilt, haveChromium, launchChromium, shots } from './browser.js'

const secret = (label: string) =>
  `whsec_${Buffer.from(`rotations-web-${label}-key-0123456`).toString('base64')}`
const OLD = secret('old')
const NEW = secret('new')
const RETIRED = secret('retired')
const PLAIN = 'rotations-web-plain-token-9a8b7c'
const DAY = 86_400_000

const rotatingConfig = (oldEnds: string) => `
endpoints:
  - name: orders
    path: /hooks/orders
    auth:
      scheme: standard_webhooks
      secrets:
        - { value: "${OLD}", id: "2026-10", not_after: "${oldEnds}" }
        - { value: "${NEW}", id: "2026-11" }
      retired: [ { value: "${RETIRED}", id: "2026-09" } ]
  - name: plain
    path: /hooks/plain
    auth: { scheme: bearer, tokens: ["${PLAIN}"] }
`

/** Signs in through the gateway's own form; the session cookie then opens every admin page. */
async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/overview`)
  await page.locator('input[name=token]').fill(ADMIN)
  await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
}

describe.skipIf(!haveChromium('rotations panel tests'))('Overview: Rotations panel', () => {
  let gw: Running
  let quiet: Running
  let browser: Browser
  let page: Page
  let n = 0

  const send = async (key: string) => {
    const id = `msg_rotations_web_${n++}`
    const at = new Date()
    const body = `{"n":${n}}`
    const res = await fetch(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(key).sign(id, at, body),
        'content-type': 'application/json',
      },
      body,
    })
    await res.arrayBuffer()
    return res.status
  }

  beforeAll(async () => {
    ensureBuilt()
    gw = await startGateway(rotatingConfig(new Date(Date.now() + 2 * DAY + 3_600_000).toISOString()), {
      webDist: dist,
    })
    quiet = await startGateway(
      `endpoints: [ { name: plain, path: /hooks/plain, auth: { scheme: bearer, tokens: ["${PLAIN}"] } } ]`,
      { webDist: dist },
    )
    for (let i = 0; i < 3; i++) expect(await send(OLD)).toBe(200)
    expect(await send(RETIRED)).toBe(401)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await signIn(page, gw.url)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    await quiet?.close()
  })

  it('shows the warnings and the credentials of the endpoint mid-rotation, no secret on the page', async () => {
    await page.goto(`${gw.url}/overview`)
    const warnings = page.locator('[data-testid=rotation-warnings] li')
    await warnings.first().waitFor()
    const texts = await warnings.allTextContents()
    expect(texts).toHaveLength(3)
    expect(texts[0]).toMatch(
      /^act now endpoint orders: credential 2026-09 is retired but was sent once in the last 24 h \(refused as signature_previous_secret\): update the sender to the current credential$/,
    )
    expect(texts[1]).toMatch(
      /^warning endpoint orders: credential 2026-10 stops being accepted in 2 days \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) and 3 of the last 3 accepted attempts \(24 h\) still used it: update the sender before then$/,
    )
    expect(texts[2]).toContain('the new credential 2026-11 has not been used yet')
    expect(await page.locator('[data-testid=rotation-warnings] li[data-level=error]').count()).toBe(1)

    // A table for the endpoint with more than one credential; none for the one with one.
    const rows = await page.$$eval('[data-testid=rotation-table-orders] tbody tr', (trs) =>
      trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())),
    )
    expect(rows.map((r) => [r[0]!.split(' ')[0], r[2], r[3], r[5]])).toEqual([
      ['2026-10', '3', '3', '—'],
      ['2026-11', '0', '0', '—'],
      ['2026-09', '0', '0', '1'],
    ])
    expect(rows[0]![0]).toMatch(/^2026-10 len=\d+ fp:[0-9a-f]{8}$/)
    expect(rows[0]![1]).toMatch(/^until /)
    expect(rows[2]![1]).toBe('retired')
    expect(await page.locator('[data-testid=rotation-table-plain]').count()).toBe(0)
    const text = (await page.locator('main').textContent()) ?? ''
    for (const value of [OLD, NEW, RETIRED, PLAIN, OLD.slice(6)]) expect(text).not.toContain(value)
    await page.locator('[data-testid=rotations]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'overview-rotations.png'), fullPage: true })
  })

  it('usable at 375 px: the table scrolls in its box, the page does not', async () => {
    const narrow = await browser.newPage({ viewport: { width: 375, height: 800 } })
    await narrow.context().addCookies(await page.context().cookies())
    await narrow.goto(`${gw.url}/overview`)
    await narrow.locator('[data-testid=rotation-table-orders]').waitFor()
    const wide = await narrow.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    )
    expect(wide).toBe(false)
    await narrow.screenshot({ path: join(shots, 'overview-rotations-375.png'), fullPage: true })
    await narrow.close()
  })

  it('says nothing when there is nothing to say: no panel', async () => {
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await signIn(other, quiet.url)
    const answered = other.waitForResponse((r) => r.url().endsWith('/api/rotations'))
    await other.goto(`${quiet.url}/overview`)
    expect((await answered).status()).toBe(200)
    await other.locator('[data-testid=overview-summary]').waitFor()
    expect(await other.locator('[data-testid=rotations]').count()).toBe(0)
    expect(await other.getByRole('heading', { name: 'Rotations' }).count()).toBe(0)
    await other.close()
  })
})
