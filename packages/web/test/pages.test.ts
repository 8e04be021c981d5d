/**
 * The dashboard's Diagnose, Attempts and Attempt pages in a real Chromium against the real
 * gateway (in process, port 0) and a real upstream: captures pasted and dropped, the scheme
 * forms with requests from real signers, copy as curl, replay, the time filter, WCAG AA
 * contrast measured on every page, and a keyboard-only walk.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dist, ensureBuilt, haveChromium, launchChromium, shots } from './browser.js'
import { newAttemptId } from '../../server/src/ids.js'
import {
  ADMIN,
  eventually,
  type Running,
  startGateway,
  startUpstream,
  type Upstream,
} from '../../server/test/e2e/helpers.js'

const TOKEN = 'pages-test-bearer-token-7a8b9c'
const HMAC_SECRET = 'pages-hmac-secret-31c4d5'
const SW_SECRET = `whsec_${Buffer.from('pages-standard-webhooks-key-0001').toString('base64')}`

/** Bytes that change if anything re-encodes them: UTF-8, CRLF, a tab, trailing spaces. */
const BODY = Buffer.from('{"order":"ü-42",\r\n\t"note":"it\'s $HOME"}  \n', 'utf8')

describe.skipIf(!haveChromium('pages tests'))('dashboard pages', () => {
  let gw: Running
  let up: Upstream
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    ensureBuilt()
    up = await startUpstream()
    gw = await startGateway(
      `
public_diagnose: true
endpoints:
  - name: orders
    path: /hooks/orders
    forward: ${up.url}/orders
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: report
    path: /hooks/report
    forward: ${up.url}/report
    enforce: false
    store_body: true
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: unstored
    path: /hooks/unstored
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
  - name: forwarded-unstored
    path: /hooks/forwarded-unstored
    forward: ${up.url}/unstored
    auth: { scheme: bearer, tokens: ["${TOKEN}"] }
`,
      { webDist: dist },
    )
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url })
    page = await context.newPage()
    page.on('dialog', (d) => {
      // The replay confirmation is in the page; a window.confirm would fail this test.
      void d.dismiss()
      throw new Error(`unexpected dialog: ${d.message()}`)
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    await up?.close()
  })

  const send = (path: string, authorization: string, body: Uint8Array = BODY) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body,
    })

  async function login(p: Page = page) {
    await p.goto(`${gw.url}/attempts`)
    const token = p.getByLabel('Admin token')
    const list = p.locator('[data-testid=attempts]')
    await Promise.race([token.waitFor(), list.waitFor()])
    if (await token.isVisible()) {
      await token.fill(ADMIN)
      await p.getByRole('button', { name: 'Log in' }).click()
    }
    await list.waitFor()
  }

  async function runDiagnosis(): Promise<string> {
    await page.getByRole('button', { name: 'Diagnose' }).click()
    const out = page.locator('[data-testid=diagnosis], main .error').first()
    await out.waitFor()
    return (await out.textContent()) ?? ''
  }

  /** A HAR file as a browser's DevTools exports it, one entry. */
  const har = (headers: [string, string][], body: string) =>
    JSON.stringify({
      log: {
        version: '1.2',
        creator: { name: 'WebInspector', version: '537.36' },
        entries: [
          {
            startedDateTime: '2026-11-28T10:00:00.000Z',
            time: 80,
            request: {
              method: 'POST',
              url: 'https://api.example.com/hooks/orders',
              httpVersion: 'HTTP/1.1',
              headers: headers.map(([name, value]) => ({ name, value })),
              queryString: [],
              cookies: [],
              headersSize: -1,
              bodySize: body.length,
              postData: { mimeType: 'application/json', text: body },
            },
            response: {
              status: 401,
              statusText: 'Unauthorized',
              httpVersion: 'HTTP/1.1',
              headers: [],
              cookies: [],
              content: { size: 0, mimeType: 'text/plain' },
              redirectURL: '',
              headersSize: -1,
              bodySize: 0,
            },
            cache: {},
            timings: { send: 1, wait: 70, receive: 9 },
          },
        ],
      },
    })

  async function bearerForm(token: string) {
    await page.getByLabel('Scheme').selectOption('bearer')
    await page.getByLabel('Expected token').fill(token)
  }

  describe('Diagnose', () => {
    it('reads a pasted HAR capture and names the missing Bearer prefix', async () => {
      await page.goto(`${gw.url}/`)
      await page.getByLabel('Request (curl, raw HTTP, HAR or JSON)').fill(
        har(
          [
            ['Authorization', TOKEN],
            ['Content-Type', 'application/json'],
          ],
          '{"id":1}',
        ),
      )
      await bearerForm(TOKEN)
      // The HAR's own response is read as the answer the sender got.
      await page.getByTestId('har-response').waitFor()
      const text = await runDiagnosis()
      expect(text).toContain('scheme_prefix_missing')
      expect(text).toContain('Response: 401')
      expect(text).not.toContain(TOKEN)
      await page.locator('[data-testid=diagnosis]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, 'pages-diagnose-har.png') })
    })

    it("reads Make's JSON with {name, value} headers", async () => {
      await page.goto(`${gw.url}/`)
      const make = [
        {
          url: 'https://receiver.example.org/hooks/orders',
          method: 'post',
          headers: [
            { name: 'Authorization', value: `Bearer  ${TOKEN} ` },
            { name: 'Content-Type', value: 'application/json' },
          ],
          qs: [],
          bodyType: 'raw',
          contentType: 'application/json',
          data: '{"event":"invoice.paid"}',
        },
      ]
      await page.getByLabel('Request (curl, raw HTTP, HAR or JSON)').fill(JSON.stringify(make))
      await page.getByLabel('Sender', { exact: true }).selectOption('make')
      await bearerForm(TOKEN)
      const text = await runDiagnosis()
      expect(text).toContain('credential_whitespace')
      expect(text).not.toContain(TOKEN)
    })

    it('reads a HAR file opened with the file input and one dropped on the paste area', async () => {
      const file = har([['X-Api-Key', TOKEN]], '{"id":3}')
      await page.goto(`${gw.url}/`)
      await page.getByLabel('Or open a capture file (HAR, raw HTTP, JSON, curl)').setInputFiles({
        name: 'capture.har',
        mimeType: 'application/json',
        buffer: Buffer.from(file),
      })
      await page.getByText('Read capture.har').waitFor()
      expect(await page.locator('#request').inputValue()).toBe(file)
      await bearerForm(TOKEN)
      expect(await runDiagnosis()).toMatch(/header_name_wrong|credentials_missing/)

      // A real drop: a DataTransfer holding a File, dispatched on the textarea.
      await page.goto(`${gw.url}/`)
      const dropped = har([['Authorization', `Basic ${TOKEN}`]], '{"id":4}')
      const transfer = await page.evaluateHandle((text) => {
        const dt = new DataTransfer()
        dt.items.add(new File([text], 'dropped.har', { type: 'application/json' }))
        return dt
      }, dropped)
      await page.locator('#request').dispatchEvent('dragenter', { dataTransfer: transfer })
      await page.locator('#request').dispatchEvent('dragover', { dataTransfer: transfer })
      await page.locator('#request').dispatchEvent('drop', { dataTransfer: transfer })
      await page.getByText('Read dropped.har').waitFor()
      expect(await page.locator('#request').inputValue()).toBe(dropped)
      await bearerForm(TOKEN)
      expect(await runDiagnosis()).toContain('scheme_mismatch')
      await page.locator('[data-testid=diagnosis]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, 'pages-diagnose-dropped.png') })
    })

    it('the HMAC form accepts the right signature and names a wrong encoding', async () => {
      const body = '{"event":"payment.succeeded","id":"evt_1"}'
      const mac = createHmac('sha256', HMAC_SECRET).update(body)
      const hex = mac.digest('hex')
      const base64 = Buffer.from(hex, 'hex').toString('base64')
      const request = (sig: string) =>
        `POST /hooks/pay HTTP/1.1\r\nHost: pay.example\r\nX-Pay-Signature: sha256=${sig}\r\nContent-Type: application/json\r\n\r\n${body}`
      const fill = async (sig: string) => {
        await page.goto(`${gw.url}/`)
        await page.getByLabel('Request (curl, raw HTTP, HAR or JSON)').fill(request(sig))
        await page.getByLabel('Scheme').selectOption('hmac')
        await page.getByLabel('Header name').fill('X-Pay-Signature')
        await page.getByLabel('Algorithm').selectOption('sha256')
        await page.getByLabel('Encoding').selectOption('hex')
        await page.getByLabel('Prefix before the signature (optional)').fill('sha256=')
        await page.getByLabel('Signed payload').fill('{body}')
        await page.getByLabel('Secret').fill(HMAC_SECRET)
      }
      await fill(hex)
      expect(await runDiagnosis()).toContain('accepted')
      await fill(base64)
      const text = await runDiagnosis()
      expect(text).toContain('signature_wrong_encoding')
      expect(text).not.toContain(HMAC_SECRET)
      await page.locator('[data-testid=diagnosis]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, 'pages-diagnose-hmac.png') })
    })

    it('the Standard Webhooks form accepts a real signature and names a millisecond timestamp', async () => {
      const body = '{"type":"invoice.paid"}'
      const wh = new Webhook(SW_SECRET)
      const id = 'msg_2Kq'
      const nowMs = Date.now()
      const request = (ts: number, sig: string) =>
        `POST /hooks/sw HTTP/1.1\r\nHost: sw.example\r\nwebhook-id: ${id}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${sig}\r\nContent-Type: application/json\r\n\r\n${body}`
      const fill = async (text: string) => {
        await page.goto(`${gw.url}/`)
        await page.getByLabel('Request (curl, raw HTTP, HAR or JSON)').fill(text)
        await page.getByLabel('Scheme').selectOption('standard_webhooks')
        await page.getByLabel('Secret').fill(SW_SECRET)
      }
      const seconds = Math.floor(nowMs / 1000)
      await fill(request(seconds, wh.sign(id, new Date(seconds * 1000), body)))
      expect(await runDiagnosis()).toContain('accepted')
      // The sender put milliseconds in webhook-timestamp and signed them (the signer divides a
      // Date by 1000, so a Date of ms × 1000 signs the millisecond value).
      await fill(request(nowMs, wh.sign(id, new Date(nowMs * 1000), body)))
      const text = await runDiagnosis()
      expect(text).toContain('timestamp_milliseconds')
      expect(text).not.toContain(SW_SECRET)
    })

    it('the JWT form reads issuer, audience, algorithms and an HS secret', async () => {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      const head = b64({ alg: 'HS256', typ: 'JWT' })
      const claims = b64({ iss: 'https://issuer.example', aud: 'other', iat: now, exp: now + 600 })
      const sig = createHmac('sha256', HMAC_SECRET).update(`${head}.${claims}`).digest('base64url')
      await page.goto(`${gw.url}/`)
      await page
        .getByLabel('Request (curl, raw HTTP, HAR or JSON)')
        .fill(
          `curl -X POST https://x.example/hooks -H 'Authorization: Bearer ${head}.${claims}.${sig}' -d '{}'`,
        )
      await page.getByLabel('Scheme').selectOption('jwt')
      await page.getByLabel('Algorithms (comma-separated)').fill('HS256')
      await page.getByLabel('Issuer (optional)').fill('https://issuer.example')
      await page.getByLabel('Audience (optional)').fill('webhooks')
      await page.getByLabel('Shared secret (HS256/384/512 only)').fill(HMAC_SECRET)
      const text = await runDiagnosis()
      expect(text).toContain('jwt_wrong_audience')
      expect(text).not.toContain(sig)
      await page.locator('[data-testid=diagnosis]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, 'pages-diagnose-jwt.png') })
    })
  })

  describe('Attempts and Attempt', () => {
    let refusedId = ''
    let forwardedId = ''

    beforeAll(async () => {
      expect((await send('/hooks/orders', `Bearer wrong-${TOKEN}`)).status).toBe(401)
      expect((await send('/hooks/orders', `Bearer ${TOKEN}`)).status).toBe(201)
      expect((await send('/hooks/report', TOKEN)).status).toBe(201)
      expect((await send('/hooks/unstored', `Bearer ${TOKEN}`)).status).toBe(200)
      const all = await eventually(async () => {
        const rows = await gw.store.list({})
        return rows.length === 4 &&
          rows.every((r) => r.diagnosis !== null || r.outcome === 'accepted')
          ? rows
          : undefined
      })
      refusedId = all.find((r) => r.endpoint === 'orders' && r.outcome === 'rejected')!.id
      forwardedId = all.find((r) => r.endpoint === 'orders' && r.outcome === 'accepted')!.id
      // One attempt three days old, for the time filter.
      const old = Date.now() - 3 * 24 * 3_600_000
      const template = all.find((r) => r.endpoint === 'unstored')!
      await gw.store.insert({
        ...template,
        id: newAttemptId(old),
        received_at: old,
        path: '/hooks/unstored?old=1',
      })
      await login()
    })

    it('lists time, endpoint, status, reason in words and marks report-only refusals', async () => {
      await page.goto(`${gw.url}/attempts`)
      const rows = page.locator('[data-testid=attempts] li')
      await expect.poll(() => rows.count()).toBe(5)
      const texts = await rows.allTextContents()
      const refused = texts.find((t) => t.includes('401'))!
      expect(refused).toContain('orders')
      expect(refused).not.toMatch(/\b[a-z]+_[a-z_]+\b/) // words, not a code
      const report = page.locator('[data-testid=attempts] li', { hasText: 'report' })
      await expect.poll(() => report.locator('[data-testid=would-have-refused]').count()).toBe(1)
      // The reason filter is a list of reasons in words.
      const options = await page.locator('#flt-reason option').allTextContents()
      expect(options.length).toBeGreaterThan(20)
      expect(options.join('\n')).not.toMatch(/\b[a-z]+_[a-z_]+\b/)
      await page.getByLabel('Reason').selectOption('credentials_missing')
      await expect.poll(() => rows.count()).toBe(0)
      await page.getByLabel('Reason').selectOption('')
      await expect.poll(() => rows.count()).toBe(5)
      await page.screenshot({ path: join(shots, 'pages-attempts.png') })
    })

    it('a live row shows its reason in words', async () => {
      await page.goto(`${gw.url}/attempts`)
      const rows = page.locator('[data-testid=attempts] li')
      await expect.poll(() => rows.count()).toBe(5)
      // Connected after the list was fetched: the next attempt can only arrive live.
      await page.getByText('Live: new attempts appear at the top.').waitFor()
      const res = await fetch(`${gw.url}/hooks/orders`, { method: 'POST', body: '{}' })
      expect(res.status).toBe(401)
      await expect.poll(() => rows.count()).toBe(6)
      const first = (await rows.first().textContent()) ?? ''
      expect(first).toContain('401')
      expect(first).not.toContain('credentials_missing')
      expect(first.toLowerCase()).toContain('no credentials')
    })

    it('an /inspect/ attempt reads "inspected", never "verified"', async () => {
      const res = await fetch(`${gw.url}/inspect/pages-bin?a=1`, { method: 'POST', body: '{}' })
      expect(res.status).toBe(200)
      const id = res.headers.get('x-hookwarden-attempt')!
      await page.goto(`${gw.url}/attempts`)
      const row = page.locator('[data-testid=attempts] li', { hasText: '/inspect/pages-bin' })
      await row.waitFor()
      const text = (await row.textContent()) ?? ''
      expect(text).toContain('200 inspected (nothing verified)')
      expect(text).not.toContain('200 verified')
      await page.goto(`${gw.url}/attempts/${id}`)
      await page.locator('[data-testid=attempt]').waitFor()
      const head = (await page.locator('[data-testid=attempt] > p').first().textContent()) ?? ''
      expect(head).toContain('200 inspected (nothing verified)')
    })

    it('the time filter narrows the list', async () => {
      await page.goto(`${gw.url}/attempts`)
      const rows = page.locator('[data-testid=attempts] li')
      await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(5)
      const all = await rows.count()
      await page.getByLabel('Time').selectOption('24h')
      await expect.poll(() => rows.count()).toBe(all - 1)
      expect((await rows.allTextContents()).join('\n')).not.toContain('?old=1')
      await page.getByLabel('Time').selectOption('7d')
      await expect.poll(() => rows.count()).toBe(all)
      // From four days ago to two days ago: only the old attempt.
      const local = (ms: number) => {
        const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000)
        return d.toISOString().slice(0, 16)
      }
      await page.getByLabel('Time').selectOption('custom')
      await page.getByLabel('From').fill(local(Date.now() - 4 * 24 * 3_600_000))
      await page.getByLabel('To').fill(local(Date.now() - 2 * 24 * 3_600_000))
      await expect.poll(() => rows.count()).toBe(1)
      expect(await rows.first().textContent()).toContain('unstored')
      await page.screenshot({ path: join(shots, 'pages-attempts-time.png') })
    })

    it('copy as curl names the credential as a variable and holds no secret or fingerprint', async () => {
      await page.goto(`${gw.url}/attempts/${refusedId}`)
      await page.locator('[data-testid=attempt]').waitFor()
      await page.getByRole('button', { name: 'Copy as curl' }).click()
      const shown = await page.locator('[data-testid=curl]').inputValue()
      expect(shown).toContain(`-H 'Authorization: Bearer '"\${TOKEN}"`)
      expect(shown).toContain(`curl --globoff -X 'POST' '${gw.url}/hooks/orders'`)
      // The body holds line ends: written "$(printf '…')", which sh, bash and zsh all read.
      expect(shown).toContain(`--data-binary "$(printf '`)
      expect(shown).not.toContain(TOKEN)
      expect(shown).not.toMatch(/fp:[0-9a-f]{8}/)
      // The status line follows the clipboard's answer (copied, or the fallback's instructions).
      const statusLine = page.locator('[data-testid=curl-status]')
      await expect.poll(async () => (await statusLine.textContent()) ?? '').toContain('TOKEN')
      const status = (await statusLine.textContent()) ?? ''
      expect(status).toContain('TOKEN')
      if (status.startsWith('Copied'))
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown)
      // bash reads the command back: the body is the bytes that arrived.
      const script = shown.replace(/^(#.*\n)*curl /, 'printf "%s\\0" ')
      const r = spawnSync('bash', ['-c', script], {
        env: { PATH: process.env.PATH ?? '', TOKEN: 't' },
      })
      const args = r.stdout.toString('latin1').split('\0')
      expect(Buffer.from(args.at(-2) ?? '', 'latin1')).toEqual(BODY)
      await page.locator('[data-testid=curl]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, 'pages-attempt-curl.png') })
    })

    it('replays to the real upstream after an in-page confirmation, byte for byte', async () => {
      await page.goto(`${gw.url}/attempts/${forwardedId}`)
      await page.locator('[data-testid=forward]').waitFor()
      expect(await page.locator('[data-testid=forward]').textContent()).toContain('201')
      const before = up.received.length
      await page.getByRole('button', { name: 'Replay to upstream…' }).click()
      // Nothing is sent before the confirmation.
      expect(up.received.length).toBe(before)
      await page.getByText('Send this attempt to the upstream again?').waitFor()
      expect(await page.locator('[data-testid=replay-confirm-note]').textContent()).toBe(
        'The upstream already received it once (it answered 201): it will receive it a second time.',
      )
      await page.screenshot({ path: join(shots, 'pages-attempt-replay-confirm.png') })
      await page.getByRole('button', { name: 'Cancel' }).click()
      expect(up.received.length).toBe(before)
      await page.getByRole('button', { name: 'Replay to upstream…' }).click()
      await page.getByRole('button', { name: 'Yes, replay now' }).click()
      const result = page.locator('[data-testid=replay-result]')
      await result.waitFor()
      expect(await result.textContent()).toContain('upstream answered 201')
      expect(up.received.length).toBe(before + 1)
      const replayed = up.received.at(-1)!
      expect(replayed.body.equals(BODY)).toBe(true)
      const names = replayed.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())
      expect(names).toContain('x-hookwarden-replay-of')
      expect(names).not.toContain('authorization')
      await page.screenshot({ path: join(shots, 'pages-attempt-replayed.png') })
    })

    it('says why a replay is impossible, and shows a report-only refusal in words', async () => {
      const rows = await gw.store.list({})
      const unstored = rows.find((r) => r.endpoint === 'unstored')!
      await page.goto(`${gw.url}/attempts/${unstored.id}`)
      const why = page.locator('[data-testid=replay-impossible]')
      await why.waitFor()
      expect(await why.textContent()).toContain('no forward: URL')
      // Forwarded, but the body was not kept: the same bytes cannot be sent again.
      expect((await send('/hooks/forwarded-unstored', `Bearer ${TOKEN}`)).status).toBe(201)
      const forwarded = (await gw.store.list({ endpoint: 'forwarded-unstored' }))[0]!
      await page.goto(`${gw.url}/attempts/${forwarded.id}`)
      await why.waitFor()
      expect(await why.textContent()).toContain('The body was not stored')
      expect(await page.getByRole('button', { name: 'Replay to upstream…' }).count()).toBe(0)
      // Refused (a wrong token): the gateway never sends it upstream, and the page says so.
      const before = up.received.length
      await page.goto(`${gw.url}/attempts/${refusedId}`)
      await why.waitFor()
      expect(await why.textContent()).toContain(
        'The gateway refused it, and a refused attempt is never sent to the upstream.',
      )
      expect(await page.getByRole('button', { name: 'Replay to upstream…' }).count()).toBe(0)
      // Report-only: forwarded once although its checks failed; not replayed either.
      const report = rows.find((r) => r.endpoint === 'report')!
      await page.goto(`${gw.url}/attempts/${report.id}`)
      await why.waitFor()
      expect(await why.textContent()).toContain('the endpoint is report-only')
      expect(await page.getByRole('button', { name: 'Replay to upstream…' }).count()).toBe(0)
      // And the API behind the button refuses both, whatever the page shows.
      for (const id of [refusedId, report.id]) {
        const r = await fetch(`${gw.url}/api/attempts/${id}/replay`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${ADMIN}` },
        })
        expect(r.status).toBe(409)
      }
      expect(up.received.length).toBe(before)
      const marker = page.locator('[data-testid=would-have-refused]')
      await marker.waitFor()
      const text = (await marker.textContent()) ?? ''
      expect(text).toContain('Would have refused:')
      expect(text).not.toContain(report.reason!)
      expect(text.length).toBeGreaterThan('Would have refused: '.length + 10)
      await page.screenshot({ path: join(shots, 'pages-attempt-report-only.png') })
    })

    it('every page meets WCAG AA text contrast, measured in the browser', async () => {
      const paths = await navPaths()
      const failures: string[] = []
      const check = async (label: string) => {
        for (const f of await measureContrast(page)) failures.push(`${label}: ${f}`)
      }
      for (const path of paths) {
        await page.goto(`${gw.url}${path}`)
        await page.locator('main h1').waitFor()
        await page.waitForLoadState('networkidle')
        await check(path)
      }
      // The states that only appear after an action: a diagnosis, the scheme forms, the curl
      // command, the replay confirmation, the login page.
      await page.goto(`${gw.url}/`)
      await page
        .getByLabel('Request (curl, raw HTTP, HAR or JSON)')
        .fill(`curl https://x.example -H 'Authorization: ${TOKEN}'`)
      await bearerForm(TOKEN)
      await runDiagnosis()
      await check('/ with a diagnosis')
      await page.getByLabel('Scheme').selectOption('hmac')
      await check('/ hmac form')
      await page.goto(`${gw.url}/attempts/${forwardedId}`)
      await page.locator('[data-testid=forward]').waitFor()
      await page.getByRole('button', { name: 'Copy as curl' }).click()
      await page.getByRole('button', { name: 'Replay to upstream…' }).click()
      await check('/attempts/:id')
      const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      await fresh.goto(`${gw.url}/attempts`)
      await fresh.getByLabel('Admin token').waitFor()
      for (const f of await measureContrast(fresh)) failures.push(`login: ${f}`)
      await fresh.close()
      expect(failures).toEqual([])
      // The measurement itself: grey on white fails; black on a 10% black layer over white (light
      // grey once composited), large text at 3.95:1 and #767676 at 4.54:1 pass.
      await page.evaluate(() => {
        const probe = document.createElement('div')
        probe.id = 'probe'
        probe.innerHTML =
          '<p style="color:#999">grey 2.85</p><div style="background:rgba(0,0,0,.1)"><span style="color:#000">dark on 10% black</span></div><p style="color:#808080;font-size:24px">large 3.95</p><p style="color:#767676">grey 4.54</p>'
        document.querySelector('main')!.append(probe)
      })
      const probe = (await contrastOf(page)).failures.filter((f) => /grey|dark on|large/.test(f))
      expect(probe).toHaveLength(1)
      expect(probe[0]).toContain('grey 2.85')
    }, 60_000)

    it('fits 375 px without sideways scrolling', async () => {
      const small = await context.newPage()
      await small.setViewportSize({ width: 375, height: 800 })
      try {
        for (const path of ['/', '/attempts', `/attempts/${forwardedId}`]) {
          await small.goto(`${gw.url}${path}`)
          await small.locator('main h1').waitFor()
          await small.waitForLoadState('networkidle')
          const wide = await small.evaluate(() =>
            [...document.querySelectorAll('body *')]
              .filter((el) => el.getBoundingClientRect().right > 375.5)
              .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}`)
              .slice(0, 5),
          )
          expect(wide, path).toEqual([])
        }
      } finally {
        await small.close()
      }
    })

    it('keyboard alone: login, attempts, one attempt', async () => {
      const kb = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      try {
        await kb.goto(`${gw.url}/`)
        await kb.locator('main h1').waitFor()
        const tabTo = async (test: () => boolean, what: string) => {
          for (let i = 0; i < 40; i++) {
            await kb.keyboard.press('Tab')
            if (await kb.evaluate(test)) return
          }
          throw new Error(`Tab never reached ${what}`)
        }
        await tabTo(() => document.activeElement?.textContent === 'Attempts', 'the Attempts link')
        await kb.keyboard.press('Enter')
        await kb.getByLabel('Admin token').waitFor()
        await tabTo(() => document.activeElement?.id === 'admin-token', 'the token field')
        await kb.keyboard.type(ADMIN)
        await kb.keyboard.press('Enter')
        await kb.locator('[data-testid=attempts] li').first().waitFor()
        await tabTo(
          () => document.activeElement?.closest('[data-testid=attempts]') != null,
          'a row',
        )
        const href = await kb.evaluate(() => (document.activeElement as HTMLAnchorElement).pathname)
        await kb.keyboard.press('Enter')
        await kb.locator('[data-testid=attempt]').waitFor()
        expect(new URL(kb.url()).pathname).toBe(href)
        await tabTo(() => document.activeElement?.textContent === 'Copy as curl', 'Copy as curl')
        await kb.keyboard.press('Enter')
        await kb.locator('[data-testid=curl]').waitFor()
        // A visible focus ring on what the keyboard reached.
        const outline = await kb.evaluate(
          () => getComputedStyle(document.activeElement!).outlineStyle,
        )
        expect(outline).not.toBe('none')
        await kb.screenshot({ path: join(shots, 'pages-keyboard-attempt.png') })
      } finally {
        await kb.close()
      }
    })
  })

  /** The dashboard's own pages, read from its nav (Overview and Compare too, when they exist). */
  async function navPaths(): Promise<string[]> {
    await page.goto(`${gw.url}/`)
    await page.locator('header nav a').first().waitFor()
    return page.evaluate(() =>
      [...document.querySelectorAll('header nav a')].map((a) => (a as HTMLAnchorElement).pathname),
    )
  }
})

/**
 * WCAG 2.x contrast of every visible text in the page against the background it is painted
 * on (ancestors' background colours composited; text colour alpha blended). Returns one line
 * per failure. Disabled controls are exempt (WCAG 1.4.3).
 */
async function measureContrast(page: Page): Promise<string[]> {
  const { measured, failures } = await contrastOf(page)
  // A page with almost no text measured means the walk missed it, not that it passed.
  if (measured < 5) return [`only ${measured} text elements measured`]
  return failures
}

async function contrastOf(page: Page): Promise<{ measured: number; failures: string[] }> {
  return page.evaluate(() => {
    type RGBA = [number, number, number, number]
    const parse = (c: string): RGBA => {
      const m = /rgba?\(([^)]+)\)/.exec(c)
      if (!m) return [0, 0, 0, 0]
      const p = (m[1] ?? '')
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number)
      return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 1]
    }
    const over = (top: RGBA, bottom: RGBA): RGBA => {
      const a = top[3] + bottom[3] * (1 - top[3])
      if (a === 0) return [0, 0, 0, 0]
      const ch = (i: number) => (top[i]! * top[3] + bottom[i]! * bottom[3] * (1 - top[3])) / a
      return [ch(0), ch(1), ch(2), a]
    }
    const background = (el: Element): RGBA => {
      const layers: RGBA[] = []
      for (let e: Element | null = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor)
        if (bg[3] > 0) layers.push(bg)
        if (bg[3] >= 1) break
      }
      let out: RGBA = [255, 255, 255, 1] // the canvas
      for (const layer of layers.reverse()) out = over(layer, out)
      return out
    }
    const luminance = ([r, g, b]: RGBA) => {
      const f = (v: number) => {
        const s = v / 255
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
      }
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
    }
    const failures: string[] = []
    let measured = 0
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('option, script, style')) continue
      const own = [...el.childNodes].some(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim(),
      )
      const control =
        el instanceof HTMLInputElement ||
        el instanceof HTMLTextAreaElement ||
        el instanceof HTMLSelectElement
      const hasText =
        own ||
        (control &&
          (el as HTMLInputElement).value?.trim() &&
          (el as HTMLInputElement).type !== 'file')
      if (!hasText) continue
      if ((el as HTMLButtonElement).disabled || el.closest('[disabled]')) continue
      const style = getComputedStyle(el)
      const rect = el.getBoundingClientRect()
      if (
        rect.width === 0 ||
        rect.height === 0 ||
        style.visibility !== 'visible' ||
        Number(style.opacity) === 0
      )
        continue
      measured++
      const bg = background(el)
      const fg = over(parse(style.color), bg)
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a) as [number, number]
      const ratio = (hi + 0.05) / (lo + 0.05)
      const size = Number.parseFloat(style.fontSize)
      const bold = Number(style.fontWeight) >= 700
      const large = size >= 24 || (size >= 18.66 && bold)
      const need = large ? 3 : 4.5
      if (ratio < need) {
        const text = (own ? el.textContent : (el as HTMLInputElement).value) ?? ''
        failures.push(
          `${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''} "${text.trim().slice(0, 40)}" ${style.color} on rgb(${bg.slice(0, 3).map(Math.round).join(',')}) = ${ratio.toFixed(2)} < ${need}`,
        )
      }
    }
    return { measured, failures }
  })
}
