/**
 * What a tester broke the dashboard with, in a real Chromium against the real gateway (in
 * process, port 0): a 3,000-character query must not widen the page; bidi overrides and
 * zero-widths must show as markers, never live; a body that is not UTF-8 is said so; the list's
 * filters live in the address; and the attempt's page says which hop answered.
 * @module
 */
import { connect } from 'node:net'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dist, ensureBuilt, haveChromium, launchChromium, shots } from './browser.js'
import { newAttemptId } from '../../server/src/ids.js'
import type { AttemptRecord } from '../../server/src/storage/types.js'
import {
  ADMIN,
  eventually,
  type Running,
  startGateway,
  startUpstream,
  type Upstream,
} from '../../server/test/e2e/helpers.js'

const TOKEN = 'request-text-bearer-token-4d5e6f'
const LONG = 'a'.repeat(3000)
/** Characters that must never reach the page live. */
const HIDDEN = /\u202e|\u202d|\u200b|\u200c|\u200d|\u2060|\ufeff/

describe.skipIf(!haveChromium('request text tests'))('dashboard: hostile request text', () => {
  let gw: Running
  let up: Upstream
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    ensureBuilt()
    up = await startUpstream()
    // A port nothing listens on: the forward to it fails (502).
    const gone = await startUpstream()
    const goneUrl = gone.url
    await gone.close()
    gw = await startGateway(
      `
endpoints:
  - name: local
    path: /hooks/local
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: relayed
    path: /hooks/relayed
    forward: ${up.url}/in
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: down
    path: /hooks/down
    forward: ${goneUrl}/in
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      { webDist: dist },
    )
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    page.on('dialog', (d) => {
      void d.dismiss()
      throw new Error(`unexpected dialog: ${d.message()}`)
    })
    // The gateway's login page, which returns to the page asked for.
    await page.goto(`${gw.url}/attempts`)
    await page.getByLabel('Admin token').fill(ADMIN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('No attempts match.').waitFor()
    expect(page.url()).toBe(`${gw.url}/attempts`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    await up?.close()
  })

  /**
   * A request written byte for byte (header values as UTF-8, as some senders do: fetch and
   * node:http refuse them). Answers the status and the attempt id.
   */
  function rawSend(
    path: string,
    headers: [string, string][],
    body: Uint8Array,
  ): Promise<{ status: number; attempt: string }> {
    const { hostname, port } = new URL(gw.url)
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      ...headers.map(([n, v]) => `${n}: ${v}`),
      `Content-Length: ${body.length}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n')
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname)
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      socket.on('error', reject)
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString('latin1')
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
        const attempt = /\r\nX-Hookwarden-Attempt: (\S+)/i.exec(text)?.[1] ?? ''
        resolve({ status, attempt })
      })
      socket.end(Buffer.concat([Buffer.from(head, 'utf8'), body]))
    })
  }

  const send = (path: string, authorization: string, body: string | Uint8Array = '{}') =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body,
    })

  /** The id the gateway answered for this attempt (header, else problem+json). */
  const attemptOf = (res: Response) => res.headers.get('x-hookwarden-attempt') ?? ''

  /** Waits until the attempt is recorded with its diagnosis (refusals) or forward result. */
  const recorded = (id: string) =>
    eventually(async () => {
      const r = await gw.store.get(id)
      if (!r) return null
      if (r.outcome === 'rejected' && r.diagnosis === null && r.diagnosis_skipped === null)
        return null
      return r
    })

  const fits = (p: Page) =>
    p.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }))

  it('a 3,000-character query, header and body fit 375 px and 1280 px', async () => {
    const res = await fetch(`${gw.url}/hooks/local?q=${LONG}`, {
      method: 'POST',
      headers: { Authorization: `Bearer wrong-${TOKEN}`, 'X-Long': LONG.slice(0, 2000) },
      body: `{"blob":"${LONG}"}`,
    })
    expect(res.status).toBe(401)
    const real = await recorded(attemptOf(res))
    // A row with no endpoint shows its path; its evidence quotes the path whole.
    const pathOnly: AttemptRecord = {
      ...real,
      id: newAttemptId(Date.now()),
      endpoint: null,
      path: `/nowhere/${LONG}?x=${LONG}`,
      diagnosis: {
        verdict: null,
        causes: [
          {
            code: 'route_not_found',
            confidence: 0.9,
            summary: 'No endpoint has this path.',
            fix: 'Use the endpoint path.',
            evidence: [`path: /nowhere/${LONG}`],
          },
        ],
        origin: { layer: 'unknown', product: null, evidence: [] },
        response: null,
      },
    }
    await gw.store.insert(pathOnly)
    for (const width of [375, 1280]) {
      const p = await context.newPage()
      try {
        await p.setViewportSize({ width, height: 800 })
        await p.goto(`${gw.url}/attempts`)
        await expect.poll(() => p.locator('[data-testid=attempts] li').count()).toBeGreaterThan(1)
        const list = await fits(p)
        expect(list.scroll).toBeLessThanOrEqual(list.inner + 1)
        // The row shows the start of the path, the whole of it as the title.
        const row = p.locator('[data-testid=attempts] li', { hasText: '/nowhere/' })
        expect(((await row.textContent()) ?? '').length).toBeLessThan(400)
        expect(await row.locator('[title]').first().getAttribute('title')).toContain(LONG)
        await p.screenshot({ path: join(shots, `long-query-list-${width}.png`) })

        for (const id of [real.id, pathOnly.id]) {
          await p.goto(`${gw.url}/attempts/${id}`)
          await p.getByText('Request headers (redacted)').waitFor()
          const h1 = (await p.locator('main h1').textContent()) ?? ''
          expect(h1.length).toBeLessThan(200)
          // The whole path and query, one click away.
          await p.locator('[data-testid=full-path] summary').click()
          expect(await p.locator('[data-testid=full-path] pre').textContent()).toContain(LONG)
          const detail = await fits(p)
          expect(detail.scroll, `attempt ${id} at ${width} px`).toBeLessThanOrEqual(
            detail.inner + 1,
          )
        }
        expect(await p.locator('ul.evidence').textContent()).toContain(LONG)
        await p.goto(`${gw.url}/attempts/${real.id}`)
        await p.locator('[data-testid=body]').waitFor()
        expect(await p.locator('[data-testid=body]').textContent()).toContain(LONG)
        expect(await p.locator('[data-testid=headers]').textContent()).toContain(
          LONG.slice(0, 2000),
        )
        const detail = await fits(p)
        expect(detail.scroll).toBeLessThanOrEqual(detail.inner + 1)
        await p.screenshot({ path: join(shots, `long-query-attempt-${width}.png`) })
      } finally {
        await p.close()
      }
    }
  }, 120_000)

  it('shows bidi overrides and zero-widths as markers, never live', async () => {
    const body = Buffer.from('{"note":"x\u202ey\u2060z"}', 'utf8')
    const { status, attempt } = await rawSend(
      '/hooks/local',
      [
        ['Authorization', `Bearer \u200b${TOKEN}`],
        ['X-Rtl', 'abc\u202edcba'],
        ['X-Zw', 'to\u200bken\u200c\u200d'],
        ['X-Nbsp', 'a\u00a0b'],
        ['X-Bom', '\ufeffv'],
        ['Content-Type', 'application/json'],
      ],
      body,
    )
    expect(status).toBe(401)
    await recorded(attempt)
    await page.goto(`${gw.url}/attempts/${attempt}`)
    const headers = page.locator('[data-testid=headers]')
    await headers.waitFor()
    const text = (await headers.textContent()) ?? ''
    expect(text).toContain('X-Rtl: abc⟨U+202E⟩dcba')
    expect(text).toContain('X-Zw: to⟨U+200B⟩ken⟨U+200C⟩⟨U+200D⟩')
    expect(text).toContain('X-Nbsp: a⟨U+00A0⟩b')
    expect(text).toContain('X-Bom: ⟨U+FEFF⟩v')
    expect(text).not.toMatch(/[\u00a0\u00e2\u0080]/)
    expect(await page.locator('[data-testid=body]').textContent()).toBe(
      '{"note":"x⟨U+202E⟩y⟨U+2060⟩z"}',
    )
    // Each marker is a styled element that names the character.
    const rtl = headers.locator('.invisible-char', { hasText: 'U+202E' })
    expect(await rtl.getAttribute('title')).toBe('U+202E RIGHT-TO-LEFT OVERRIDE')
    // Nowhere on the page (text or tooltips) is one of them live; nor in the list.
    const everywhere = () =>
      page.evaluate(
        () =>
          document.body.textContent +
          [...document.querySelectorAll('[title]')].map((e) => e.getAttribute('title')).join(''),
      )
    expect(await everywhere()).not.toMatch(HIDDEN)
    // What is rendered, too (innerText: the text as laid out).
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point here
    expect(await page.evaluate(() => document.body.innerText)).not.toMatch(HIDDEN)
    await page.screenshot({ path: join(shots, 'invisible-characters.png') })
    await page.goto(`${gw.url}/attempts`)
    await page.locator('[data-testid=attempts] li').first().waitFor()
    expect(await everywhere()).not.toMatch(HIDDEN)
  }, 60_000)

  it('says a body is not UTF-8 and shows its bytes in hex', async () => {
    const res = await send('/hooks/local', 'Bearer nope', Uint8Array.from([0xff, 0xfe, 0x41, 0x80]))
    expect(res.status).toBe(401)
    await recorded(attemptOf(res))
    await page.goto(`${gw.url}/attempts/${attemptOf(res)}`)
    const note = page.locator('[data-testid=body-not-utf8]')
    await note.waitFor()
    expect(await note.textContent()).toContain('Not valid UTF-8: 4 bytes')
    expect(await page.locator('[data-testid=body-hex]').textContent()).toContain('ff fe 41 80')
    expect(await page.evaluate(() => document.body.textContent)).not.toContain('\ufffd')
  }, 60_000)

  it('keeps the filters in the address: reload, back and forward', async () => {
    expect((await send('/hooks/local', `Bearer ${TOKEN}`)).status).toBe(200)
    const refused = await send('/hooks/local', `Bearer wrong-${TOKEN}`)
    expect(refused.status).toBe(401)
    const reason = (await recorded(attemptOf(refused))).reason!
    const all = (await gw.store.list({ limit: 1000 })).length
    const rejected = (await gw.store.list({ outcome: 'rejected', limit: 1000 })).length
    const withReason = (await gw.store.list({ outcome: 'rejected', reason, limit: 1000 })).length
    expect(rejected).toBeLessThan(all)
    expect(withReason).toBeLessThan(rejected)

    const rows = page.locator('[data-testid=attempts] li')
    await page.goto(`${gw.url}/attempts`)
    await expect.poll(() => rows.count()).toBe(all)
    await page.getByLabel('Outcome').selectOption('rejected')
    await expect.poll(() => page.url()).toBe(`${gw.url}/attempts?outcome=rejected`)
    await expect.poll(() => rows.count()).toBe(rejected)
    await page.getByLabel('Reason').selectOption(reason)
    await expect.poll(() => page.url()).toBe(`${gw.url}/attempts?outcome=rejected&reason=${reason}`)
    await expect.poll(() => rows.count()).toBe(withReason)

    // A reload (or the link shared) keeps the filters and the filtered rows.
    await page.reload()
    await expect.poll(() => rows.count()).toBe(withReason)
    expect(await page.getByLabel('Outcome').inputValue()).toBe('rejected')
    expect(await page.getByLabel('Reason').inputValue()).toBe(reason)

    // Back: the reason goes, the outcome stays; back again: no filter; forward: the outcome.
    await page.goBack()
    await expect.poll(() => page.url()).toBe(`${gw.url}/attempts?outcome=rejected`)
    await expect.poll(() => page.getByLabel('Reason').inputValue()).toBe('')
    await expect.poll(() => rows.count()).toBe(rejected)
    await page.goBack()
    await expect.poll(() => page.url()).toBe(`${gw.url}/attempts`)
    await expect.poll(() => page.getByLabel('Outcome').inputValue()).toBe('')
    await expect.poll(() => rows.count()).toBe(all)
    await page.goForward()
    await expect.poll(() => page.getByLabel('Outcome').inputValue()).toBe('rejected')
    await expect.poll(() => rows.count()).toBe(rejected)

    // The endpoint too; the nav link clears every filter.
    await page.getByLabel('Endpoint').fill('relayed')
    await expect.poll(() => page.url()).toBe(`${gw.url}/attempts?outcome=rejected&endpoint=relayed`)
    await expect.poll(() => rows.count()).toBe(0)
    await page.locator('nav').getByRole('link', { name: 'Attempts' }).click()
    await expect.poll(() => page.url()).toBe(`${gw.url}/attempts`)
    await expect.poll(() => page.getByLabel('Endpoint').inputValue()).toBe('')
    await expect.poll(() => rows.count()).toBe(all)
  }, 60_000)

  it('says which hop answered and what the sender got', async () => {
    const answered = async (id: string) => {
      await page.goto(`${gw.url}/attempts/${id}`)
      const p = page.locator('[data-testid=answered-by]')
      await p.waitFor()
      return (await p.textContent()) ?? ''
    }
    // Refused by the gateway itself.
    const refused = await send('/hooks/local', `Bearer wrong-${TOKEN}`)
    expect(refused.status).toBe(401)
    const refusedRecord = await recorded(attemptOf(refused))
    const own = await answered(refusedRecord.id)
    expect(own).toContain('Answered by: hookwarden (the gateway, this hop)')
    expect(own).toContain('refused the request itself')
    expect(own).toContain('The sender got 401')
    await page.screenshot({ path: join(shots, 'answered-by-gateway.png') })

    // Verified and forwarded: the upstream answered, its status relayed.
    const relayed = await send('/hooks/relayed', `Bearer ${TOKEN}`)
    expect(relayed.status).toBe(201)
    const relayedId = attemptOf(relayed)
    await eventually(async () => (await gw.store.get(relayedId))?.forward_status === 201)
    const upstream = await answered(relayedId)
    expect(upstream).toContain('Answered by: the upstream')
    // The upstream's URL comes from the endpoint list, which the page fetches on its own.
    await expect
      .poll(async () => (await page.locator('[data-testid=answered-by]').textContent()) ?? '')
      .toContain(`${up.url}/in`)
    expect(upstream).toContain('The sender got 201')

    // Forwarded to an upstream that is down: the gateway answered 502.
    const down = await send('/hooks/down', `Bearer ${TOKEN}`)
    expect(down.status).toBe(502)
    const downId = attemptOf(down)
    await eventually(async () => Boolean((await gw.store.get(downId))?.forward_error))
    const unreachable = await answered(downId)
    expect(unreachable).toContain('hookwarden (the gateway, this hop)')
    expect(unreachable).toContain('could not be reached')
    expect(unreachable).toContain('The sender got 502')

    // A diagnosis that names the hop: its layer and product, and its evidence.
    const behind: AttemptRecord = {
      ...refusedRecord,
      id: newAttemptId(Date.now()),
      endpoint: 'relayed',
      outcome: 'accepted',
      status: 200,
      reason: null,
      forward_status: 401,
      forward_latency_ms: 3,
      diagnosis: {
        verdict: null,
        causes: [],
        origin: { layer: 'proxy', product: 'nginx', evidence: ['server: nginx'] },
        response: { status: 401, class: 'authentication' },
      },
    }
    await gw.store.insert(behind)
    const proxy = await answered(behind.id)
    expect(proxy).toContain('Answered by: proxy (nginx)')
    expect(proxy).toContain('The sender got 401')
    expect(await page.locator('ul.evidence').textContent()).toContain('server: nginx')
    await page.screenshot({ path: join(shots, 'answered-by-proxy.png') })

    // The gateway's own refusal as the record will name it: hookwarden, this hop.
    const named: AttemptRecord = {
      ...refusedRecord,
      id: newAttemptId(Date.now()),
      diagnosis: {
        ...(refusedRecord.diagnosis as object),
        origin: { layer: 'gateway', product: 'hookwarden', evidence: [] },
      },
    }
    await gw.store.insert(named)
    expect(await answered(named.id)).toContain('Answered by: hookwarden (the gateway, this hop)')
  }, 60_000)
})
