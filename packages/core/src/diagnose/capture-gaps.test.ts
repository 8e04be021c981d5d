/** A capture that declares a body it does not hold: the signature cannot be judged from it. */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { parseCapture } from '../message/parse.js'
import { diagnose } from './index.js'

const NOW = 1767225600
const SECRET = 'hmac-secret-for-gaps-0123'
const config = loadConfig(
  `auth:\n  scheme: hmac\n  header: X-Signature\n  algorithm: sha256\n  encoding: hex\n  secrets: ["${SECRET}"]\n`,
)
const body = '{"event":"order.created","id":42}'
const sig = createHmac('sha256', SECRET).update(body).digest('hex')

describe('a capture without the body it declares', () => {
  it('HAR entry without postData (DevTools dropped it), or a raw head without its body', async () => {
    const har = JSON.stringify({
      log: {
        version: '1.2',
        entries: [
          {
            request: {
              method: 'POST',
              url: 'https://h.example/hooks',
              httpVersion: 'HTTP/1.1',
              headers: [{ name: 'X-Signature', value: sig }],
              bodySize: body.length,
            },
          },
        ],
      },
    })
    const raw = `POST /hooks HTTP/1.1\r\nHost: h\r\nX-Signature: ${sig}\r\nContent-Length: ${body.length}\r\n\r\n`
    for (const text of [har, raw]) {
      const request = parseCapture(Buffer.from(text)).request!
      expect(request.bodyNotCaptured).toBe(body.length)
      const d = await diagnose(request, { config, now: NOW })
      expect(d.causes).toHaveLength(1)
      expect(d.causes[0]).toMatchObject({ code: 'signature_mismatch', confidence: 0.9 })
      expect(d.causes[0]!.summary).toMatch(/^The capture holds no body/)
      expect(d.causes[0]!.summary).not.toMatch(/another secret/)
    }
    // With the body, the same signature verifies.
    const whole = parseCapture(Buffer.from(`${raw}${body}`)).request!
    expect(whole.bodyNotCaptured).toBeUndefined()
    expect((await diagnose(whole, { config, now: NOW })).verdict?.ok).toBe(true)
  })
})

describe('a capture that changed the body’s encoding', () => {
  it("Firefox's Copy as cURL writes é as $'\\xe9' (one Latin-1 byte) beside UTF-8 ✓: named, not 'another secret'", async () => {
    const sent = '{"note":"café ✓"}'
    const signature = createHmac('sha256', SECRET).update(sent).digest('hex')
    const curl = `curl 'https://h.example/hooks' -H 'X-Signature: ${signature}' --data-raw $'{"note":"caf\\xe9 \\u2713"}'`
    const request = parseCapture(Buffer.from(curl)).request!
    expect(Buffer.from(request.body).includes(0xe9)).toBe(true)
    const d = await diagnose(request, { config, now: NOW })
    expect(d.causes[0]).toMatchObject({ code: 'signature_body_modified' })
    expect(d.causes[0]!.summary).toMatch(/non-ASCII characters in UTF-8/)
  })
})
