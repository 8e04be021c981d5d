/**
 * The Overview and Compare pages in a real Chromium against the real gateway (in process,
 * port 0): attempts sent over HTTP — good ones signed by the real `standardwebhooks` signer —
 * show up in the chart, the table, the top reasons and the rising endpoints; two attempts are
 * compared with the authentication-relevant difference first, from the form (by keyboard),
 * from the "latest accepted vs latest refused" button and from an attempt's page.
 * @module
 */

import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dist, ensureBuilt, haveChromium, launchChromium, shots } from './browser.js'
import { ADMIN, adminHeaders, type Running, startGateway } from '../../server/test/e2e/helpers.js'

const TOKEN = 'overview-test-bearer-token-5e6f'
const SW_SECRET = `whsec_${Buffer.from('overview-standard-webhooks-key-01').toString('base64')}`

describe.skipIf(!haveChromium('overview and compare tests'))('Overview and Compare pages', () => {
  let gw: Running
  let browser: Browser
  let page: Page
  const ids = { goodOrders: [] as string[], badOrders: [] as string[] }
  let prefixTitle = ''

  const send = async (path: string, headers: Record<string, string>, body: string) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body })
    await res.arrayBuffer()
    return { status: res.status, id: res.headers.get('x-hookwarden-attempt') ?? '' }
  }

  beforeAll(async () => {
    ensureBuilt()
    gw = await startGateway(
      `
endpoints:
  - name: orders
    path: /hooks/orders
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: events
    path: /hooks/events
    auth: { scheme: standard_webhooks, secrets: ["${SW_SECRET}"] }
`,
      { webDist: dist },
    )
    // orders: 3 accepted, 3 refused (the token without "Bearer ") → its refusals rose.
    for (let i = 0; i < 3; i++) {
      const ok = await send('/hooks/orders', { Authorization: `Bearer ${TOKEN}` }, `{"n":${i}}`)
      expect(ok.status).toBe(200)
      ids.goodOrders.push(ok.id)
      const bad = await send('/hooks/orders', { Authorization: TOKEN }, `{"n":${i}}`)
      expect(bad.status).toBe(401)
      ids.badOrders.push(bad.id)
    }
    // events: 2 signed by the real signer, 1 with a signature over another body.
    const wh = new Webhook(SW_SECRET)
    for (let i = 0; i < 3; i++) {
      const id = `msg_overview_${i}`
      const at = new Date()
      const body = `{"event":${i}}`
      const signature = wh.sign(id, at, i === 2 ? '{"event":"other"}' : body)
      const r = await send(
        '/hooks/events',
        {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
          'content-type': 'application/json',
        },
        body,
      )
      expect(r.status).toBe(i === 2 ? 401 : 200)
    }
    const reasons = (await (
      await fetch(`${gw.url}/api/reasons`, { headers: adminHeaders })
    ).json()) as {
      reasons: { code: string; title: string }[]
    }
    prefixTitle = reasons.reasons.find((r) => r.code === 'scheme_prefix_missing')!.title
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    // Log in once (the gateway's own sign-in form: this config has no public_diagnose): the
    // session cookie then opens every admin page.
    await page.goto(`${gw.url}/overview`)
    await page.screenshot({ path: join(shots, 'sign-in.png') })
    await page.locator('input[name=token]').fill(ADMIN)
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
  })

  /** Sum of the bar segments of one series in the chart. */
  const barTotal = (p: Page, series: string) =>
    p.$$eval(`[data-testid=overview-chart] rect[data-series="${series}"]`, (rects) =>
      rects.reduce((n, r) => n + Number(r.getAttribute('data-count')), 0),
    )

  it('Overview: the chart, the table, the top reasons and the rising endpoint show what was sent', async () => {
    await page.goto(`${gw.url}/overview`)
    await page.locator('[data-testid=overview-chart] rect').first().waitFor()
    expect(await page.locator('[data-testid=overview-summary]').textContent()).toMatch(
      /9 attempts .*4 refused/,
    )
    expect(await barTotal(page, 'accepted')).toBe(5)
    expect(await barTotal(page, 'refused')).toBe(4)
    // The same numbers in the table.
    await page.getByText('The numbers as a table').click()
    const cells = await page.$$eval('[data-testid=stats-table] tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.textContent))),
    )
    const columnSums = cells.reduce(
      (sum, row) => row.map((v, i) => v + (sum[i] ?? 0)),
      [] as number[],
    )
    expect(columnSums.sort()).toEqual([4, 5])
    // Top reasons of 24 h, in words.
    const top = page.locator('[data-testid=top-reasons] li').first()
    expect(await top.textContent()).toContain(prefixTitle)
    expect(await top.textContent()).toContain('3 (75 %')
    // orders: no attempts before this hour, 50 % refused in it: new traffic, not a rise from
    // "0 % before".
    await page.locator('[data-testid=rising-none]').waitFor()
    const fresh = (await page.locator('[data-testid=new-traffic]').textContent()) ?? ''
    expect(fresh).toMatch(/orders: new traffic, no attempts in the 23 hours before; 50 % refused/)
    expect(fresh).not.toContain('events')
    expect(fresh).not.toContain('refused before')
    await page.screenshot({ path: join(shots, 'overview.png') })

    // Split by endpoint, then by reason: the same attempts, other series.
    await page.getByLabel('Split by').selectOption('endpoint')
    expect(await barTotal(page, 'orders')).toBe(6)
    expect(await barTotal(page, 'events')).toBe(3)
    await page.getByLabel('Split by').selectOption('reason')
    expect(await barTotal(page, 'scheme_prefix_missing')).toBe(3)
    await page.getByLabel('Endpoint').selectOption('events')
    expect(await barTotal(page, 'scheme_prefix_missing')).toBe(0)
    expect(await barTotal(page, 'accepted')).toBe(2)
    await page.screenshot({ path: join(shots, 'overview-by-reason.png') })
  })

  it('Compare: latest accepted vs latest refused of an endpoint, the missing "Bearer " first', async () => {
    await page.goto(`${gw.url}/compare`)
    await page.getByLabel('Or pick from endpoint').selectOption('orders')
    await page.getByRole('button', { name: 'Latest accepted vs latest refused' }).click()
    const first = page.locator('[data-testid=auth-differences] li').first()
    await first.waitFor()
    expect(await first.textContent()).toMatch(/verdict|Authorization/)
    const auth = await page.locator('[data-testid=auth-differences]').textContent()
    expect(auth).toContain('Authorization')
    expect(auth).toMatch(/Bearer/)
    expect(await page.locator('main').textContent()).not.toContain(TOKEN)
    // The check that failed in the bad one only is listed first.
    const row = page.locator('[data-testid=check-comparison] tbody tr').first()
    expect(await row.getAttribute('class')).toBe('differs')
    expect(page.url()).toContain(`a=${ids.goodOrders.at(-1)}`)
    expect(page.url()).toContain(`b=${ids.badOrders.at(-1)}`)
    await page.screenshot({ path: join(shots, 'compare.png') })
  })

  it('Compare by keyboard alone: type the two ids, Enter', async () => {
    await page.goto(`${gw.url}/compare`)
    await page.getByLabel('Good attempt (id)').focus()
    await page.keyboard.type(ids.goodOrders[0]!)
    await page.keyboard.press('Tab')
    await page.keyboard.type(ids.badOrders[0]!)
    await page.keyboard.press('Enter')
    await page.locator('[data-testid=auth-differences] li').first().waitFor()
    expect(await page.locator('[data-testid=comparison]').textContent()).toContain('Authorization')
  })

  it('from a refused attempt: "compare with the latest accepted" opens the comparison', async () => {
    await page.goto(`${gw.url}/attempts/${ids.badOrders[0]}`)
    await page
      .getByRole('link', { name: /Compare with the latest accepted attempt of orders/ })
      .click()
    await page.locator('[data-testid=auth-differences] li').first().waitFor()
    expect(page.url()).toContain(`b=${ids.badOrders[0]}`)
    expect(await page.getByLabel('Good attempt (id)').inputValue()).toBe(ids.goodOrders.at(-1))
  })

  it('usable at 375 px: no sideways scroll on Overview and Compare', async () => {
    const narrow = await browser.newPage({ viewport: { width: 375, height: 800 } })
    await narrow.context().addCookies(await page.context().cookies())
    for (const path of ['/overview', `/compare?a=${ids.goodOrders[0]}&b=${ids.badOrders[0]}`]) {
      await narrow.goto(`${gw.url}${path}`)
      await narrow.locator('main h1').waitFor()
      await narrow.waitForTimeout(300)
      const wide = await narrow.evaluate(
        () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
      )
      expect(wide, path).toBe(false)
      await narrow.screenshot({
        path: join(shots, `${path.startsWith('/overview') ? 'overview' : 'compare'}-375.png`),
        fullPage: true,
      })
    }
    await narrow.close()
  })
})
