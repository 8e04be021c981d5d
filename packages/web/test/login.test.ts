/**
 * The gateway's login page in a real Chromium (no `public_diagnose`, so every page asks for
 * it): a deep link opened while logged out is where the browser lands after signing in, a
 * token in the address is not taken, and Log out ends the session on the server.
 * @module
 */

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, type Running, startGateway } from '../../server/test/e2e/helpers.js'
import { dist, ensureBuilt, haveChromium, launchChromium } from './browser.js'

const TOKEN = 'login-test-bearer-token-7a8b'

describe.skipIf(!haveChromium('login tests'))('login', () => {
  let gw: Running
  let browser: Browser
  let attemptId: string

  beforeAll(async () => {
    ensureBuilt()
    gw = await startGateway(
      `
endpoints:
  - name: orders
    path: /hooks/orders
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      { webDist: dist },
    )
    const res = await fetch(`${gw.url}/hooks/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer wrong-${TOKEN}` },
      body: '{"n":1}',
    })
    expect(res.status).toBe(401)
    attemptId = res.headers.get('x-hookwarden-attempt') ?? ''
    expect(attemptId).toMatch(/^[0-9A-Z]{26}$/)
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
  })

  async function signIn(page: import('playwright-core').Page, token = ADMIN) {
    await page.getByLabel('Admin token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  it('a filtered list opened while logged out is the page shown after signing in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    try {
      const asked = `${gw.url}/attempts?outcome=rejected&endpoint=orders`
      const first = await page.goto(asked)
      expect(first?.status()).toBe(401)
      // A wrong token first: the form keeps the page asked for.
      await signIn(page, 'not-the-admin-token')
      await page.getByText('That token is not the admin token.').waitFor()
      const listed = page.waitForResponse(
        (r) => r.url().includes('/api/attempts?') && r.url().includes('outcome=rejected'),
      )
      await signIn(page)
      expect((await listed).status()).toBe(200)
      expect(page.url()).toBe(asked)
      expect(await page.getByLabel('Outcome').inputValue()).toBe('rejected')
      await page.locator('[data-testid=attempts] li').first().waitFor()
    } finally {
      await context.close()
    }
  }, 60_000)

  it('one attempt opened while logged out is the attempt shown after signing in; Log out ends the session', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    try {
      await page.goto(`${gw.url}/attempts/${attemptId}`)
      await signIn(page)
      await page.locator('[data-testid=attempt]').waitFor()
      expect(page.url()).toBe(`${gw.url}/attempts/${attemptId}`)
      expect(await page.locator('[data-testid=body]').textContent()).toBe('{"n":1}')
      const cookie = (await context.cookies()).find((c) => c.name === 'hookwarden_admin')
      expect(cookie?.httpOnly).toBe(true)
      await page.getByRole('button', { name: 'Log out' }).click()
      await expect
        .poll(() => page.evaluate(() => fetch('/api/attempts').then((r) => r.status)))
        .toBe(401)
      // The cookie copied before the logout is refused by the server, not just forgotten.
      const reused = await fetch(`${gw.url}/api/attempts`, {
        headers: { cookie: `hookwarden_admin=${cookie?.value}` },
      })
      expect(reused.status).toBe(401)
    } finally {
      await context.close()
    }
  }, 60_000)

  it('a token in the address opens nothing and leaves no cookie; the form does', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    try {
      const res = await page.goto(`${gw.url}/overview?token=${ADMIN}`)
      expect(res?.status()).toBe(401)
      await page.getByText('A token in the address is not accepted').waitFor()
      expect(await context.cookies()).toEqual([])
      await signIn(page)
      await page.waitForURL(`${gw.url}/overview`)
      expect((await context.cookies()).map((c) => c.name)).toEqual(['hookwarden_admin'])
    } finally {
      await context.close()
    }
  }, 60_000)
})
