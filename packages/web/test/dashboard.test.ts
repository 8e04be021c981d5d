/**
 * The dashboard in a real Chromium against the real gateway (in process, port 0): the Diagnose
 * page reads pasted captures and renders hostile text as text.
 * @module
 */

import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dist, ensureBuilt, haveChromium, launchChromium, shots } from './browser.js'
import { ADMIN, type Running, startGateway } from '../../server/test/e2e/helpers.js'

const TOKEN = 'web-test-bearer-token-5e6f'

describe.skipIf(!haveChromium('dashboard tests'))('dashboard', () => {
  let gw: Running
  let browser: Browser
  let page: Page
  const dialogs: string[] = []

  beforeAll(async () => {
    ensureBuilt()
    gw = await startGateway(
      `
public_diagnose: true
endpoints:
  - name: orders
    path: /hooks/orders
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      { webDist: dist },
    )
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
  })

  async function diagnose(request: string, token?: string): Promise<string> {
    await page.goto(`${gw.url}/`)
    await page.getByLabel('Request (curl, raw HTTP, HAR or JSON)').fill(request)
    if (token) {
      await page.getByLabel('Scheme').selectOption('bearer')
      await page.getByLabel('Expected token').fill(token)
    }
    await page.getByRole('button', { name: 'Diagnose' }).click()
    const out = page.locator('[data-testid=diagnosis], .error').first()
    await out.waitFor()
    return (await out.textContent()) ?? ''
  }

  it('names scheme_prefix_missing for a curl command whose Authorization lacks Bearer', async () => {
    const text = await diagnose(
      `curl -X POST http://localhost/hooks/orders -H 'Authorization: ${TOKEN}' -H 'Content-Type: application/json' -d '{"id":1}'`,
      TOKEN,
    )
    expect(text).toContain('scheme_prefix_missing')
    expect(text).toContain('refused')
    expect(text).not.toContain(TOKEN)
    await page.locator('[data-testid=diagnosis]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'diagnose-curl.png') })
  }, 60_000)

  it('reads raw HTTP and accepts a correct request', async () => {
    const text = await diagnose(
      `POST /hooks/orders HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n\r\n{"id":2}`,
      TOKEN,
    )
    expect(text).toContain('accepted')
    await page.screenshot({ path: join(shots, 'diagnose-raw-http.png') })
  }, 60_000)

  it('renders hostile captured text as text: nothing executes', async () => {
    await page.goto(`${gw.url}/`)
    await page.evaluate(() => {
      ;(window as unknown as { pwned: boolean }).pwned = false
    })
    const payload = `<script>window.pwned=true;alert(1)</script><img src=x onerror="window.pwned=true;alert(2)"><a href="javascript:alert(3)">x</a>`
    const text = await diagnose(
      `POST /hooks/orders HTTP/1.1\r\nHost: localhost\r\nAuthorization: <img src=x onerror=alert(4)>\r\nX-Evil: ${payload}\r\n\r\n${payload}`,
      TOKEN,
    )
    expect(text.length).toBeGreaterThan(0)
    expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).not.toBe(true)
    expect(await page.locator('main img, main script, main a[href^="javascript"]').count()).toBe(0)
    expect(dialogs).toEqual([])
    await page.screenshot({ path: join(shots, 'diagnose-xss.png') })
  }, 60_000)

  it('logs in, shows a new attempt live, and renders a hostile attempt as text', async () => {
    await page.goto(`${gw.url}/attempts`)
    await page.getByLabel('Admin token').fill(ADMIN)
    // The list is fetched once after login; the attempt sent after that can only arrive live.
    const listed = page.waitForResponse((r) => r.url().includes('/api/attempts?'))
    await page.getByRole('button', { name: 'Log in' }).click()
    expect((await (await listed).json()).attempts).toEqual([])
    await page.getByText('Live: new attempts appear at the top.').waitFor()
    const payload = `<script>window.pwned=true;alert(1)</script><img src=x onerror="window.pwned=true;alert(2)"><a href="javascript:alert(3)">x</a>`
    const res = await fetch(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer wrong-${TOKEN}`, 'X-Evil': payload.replaceAll('"', "'"), 'Content-Type': 'text/html' },
      body: payload,
    })
    expect(res.status).toBe(401)
    const row = page.locator('[data-testid=attempts] li').first()
    await row.waitFor()
    expect(await row.textContent()).toContain('401')
    await page.screenshot({ path: join(shots, 'attempts-live.png') })
    await row.locator('a').click()
    const detail = page.locator('[data-testid=attempt]')
    await detail.waitFor()
    await page.getByText('Request headers (redacted)').waitFor()
    const text = (await detail.textContent()) ?? ''
    expect(text).toContain('X-Evil')
    expect(text).toContain('<script>')
    expect(text).not.toContain(TOKEN)
    // The stored body is shown as text, byte for byte what was sent.
    expect(await page.locator('[data-testid=body]').textContent()).toBe(payload)
    expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).not.toBe(true)
    expect(await page.locator('main img, main script, main a[href^="javascript"]').count()).toBe(0)
    expect(dialogs).toEqual([])
    await page.screenshot({ path: join(shots, 'attempt-xss.png') })
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByLabel('Admin token').waitFor()
    // The browser's cookie is gone: the attempts API now answers 401 to it.
    expect(await page.evaluate(() => fetch('/api/attempts').then((r) => r.status))).toBe(401)
  }, 60_000)

  it('fits 375 px without sideways scrolling and is keyboard reachable', async () => {
    const small = await browser.newPage({ viewport: { width: 375, height: 800 } })
    try {
      for (const path of ['/', '/attempts']) {
        await small.goto(`${gw.url}${path}`)
        await small.locator('main h1').waitFor()
        const width = await small.evaluate(() => document.documentElement.scrollWidth)
        expect(width).toBeLessThanOrEqual(375)
      }
      await small.goto(`${gw.url}/`)
      await small.locator('main h1').waitFor()
      const focused: string[] = []
      for (let i = 0; i < 12; i++) {
        await small.keyboard.press('Tab')
        focused.push(await small.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''))
      }
      expect(focused).toContain('request')
      expect(focused).toContain('scheme')
      // Every form control has a label the browser associates with it.
      const unlabelled = await small.evaluate(
        () =>
          [...document.querySelectorAll('input, textarea, select')].filter(
            (el) => (el as HTMLInputElement).labels?.length === 0,
          ).length,
      )
      expect(unlabelled).toBe(0)
    } finally {
      await small.close()
    }
  }, 60_000)
})
