/**
 * What the capture itself says, used by the diagnosis: JSON sent URL-encoded or as form fields
 * (curl --data-urlencode, Zapier's Payload Type "form"), a curl or Postman capture worded for
 * curl, a Content-Length that disagrees with the body, and the notes on how it was read.
 * Signatures are made with node:crypto's HMAC (as openssl or the sender would), never ours.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { parseCapture } from '../message/parse.js'
import type { HttpRequest } from '../message/types.js'
import { diagnose } from './index.js'
import { guessSender } from './wording.js'

const NOW = 1767225600
const SECRET = 'hmac-secret-for-capture-kinds-0123'
const config = loadConfig(
  `auth:\n  scheme: hmac\n  header: X-Signature\n  algorithm: sha256\n  encoding: hex\n  prefix: "sha256="\n  secrets: ["${SECRET}"]\n`,
)
const JSON_BODY = '{"order_id":"A-1001","total":42.5,"currency":"EUR","paid":true}'
const sig = (s: string) => `sha256=${createHmac('sha256', SECRET).update(s).digest('hex')}`
const request = (text: string): HttpRequest => parseCapture(text).request!

const rawForm = (body: string, extra = '') =>
  `POST /hooks HTTP/1.1\nHost: h.example\n${extra}Content-Type: application/x-www-form-urlencoded\nX-Signature: ${sig(JSON_BODY)}\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`

describe('JSON signed, sent form-encoded', () => {
  it('curl --data-urlencode payload={json}: the field holds the signed JSON; the fix names the flag', async () => {
    const req = request(
      `curl https://h.example/hooks -H 'X-Signature: ${sig(JSON_BODY)}' --data-urlencode 'payload=${JSON_BODY}'`,
    )
    expect(req.curlDataUrlencode).toBe(true)
    const d = await diagnose(req, { config, now: NOW })
    expect(d.causes[0]!.code).toBe('signature_body_modified')
    expect(d.causes[0]!.summary).toMatch(/form field payload=/)
    expect(d.causes[0]!.fix).toMatch(/--data-urlencode/)
    expect(d.causes[0]!.fix).toMatch(/--data-binary/)
  })

  it('curl --data-urlencode {json} (no name): the whole body URL-decoded verifies', async () => {
    const req = request(
      `curl https://h.example/hooks -H 'Content-Type: application/json' -H 'X-Signature: ${sig(JSON_BODY)}' --data-urlencode '${JSON_BODY}'`,
    )
    const d = await diagnose(req, { config, now: NOW })
    expect(d.causes[0]!.code).toBe('signature_body_modified')
    expect(d.causes[0]!.evidence.join(' ')).toMatch(/URL-decoded body verifies/)
    expect(d.causes[0]!.fix).toMatch(/--data-binary/)
  })

  it('a raw form field holding URL-encoded JSON (no curl): the fix is worded for code', async () => {
    const d = await diagnose(request(rawForm(`payload=${encodeURIComponent(JSON_BODY)}`)), {
      config,
      now: NOW,
    })
    expect(d.causes[0]!.code).toBe('signature_body_modified')
    expect(d.causes[0]!.fix).not.toMatch(/--data-urlencode/)
    expect(d.causes[0]!.fix).toMatch(/application\/json/)
  })

  it("Zapier's Payload Type form: fields rebuilt as typed JSON verify; the fix names the setting", async () => {
    const body = 'order_id=A-1001&total=42.5&currency=EUR&paid=true'
    const d = await diagnose(request(rawForm(body, 'User-Agent: Zapier\n')), { config, now: NOW })
    expect(d.causes[0]!.code).toBe('signature_body_modified')
    expect(d.causes[0]!.evidence.join(' ')).toMatch(/numbers and booleans/)
    expect(d.causes[0]!.fix).toMatch(/Payload Type to json, not form/)
  })

  it('fields rebuilt as a JSON object of strings verify too', async () => {
    const strings = '{"order_id":"A-1001","total":"42.5"}'
    const text = rawForm('order_id=A-1001&total=42.5').replace(sig(JSON_BODY), sig(strings))
    const d = await diagnose(request(text), { config, now: NOW })
    expect(d.causes[0]!.code).toBe('signature_body_modified')
  })

  it('a malformed escape (%E9 alone) is no candidate and no crash', async () => {
    const d = await diagnose(request(rawForm('a=%E9&b=%7B')), { config, now: NOW })
    expect(d.causes[0]!.code).toBe('signature_mismatch')
  })
})

describe('the sender from the capture', () => {
  const har = (creator: string) =>
    JSON.stringify({
      log: {
        version: '1.2',
        creator: { name: creator, version: '1' },
        entries: [
          {
            request: {
              method: 'POST',
              url: 'https://h.example/hooks',
              httpVersion: 'HTTP/1.1',
              headers: [{ name: 'X-Signature', value: sig(JSON_BODY) }],
              postData: { mimeType: 'application/json', text: JSON_BODY },
            },
          },
        ],
      },
    })

  it('a curl command (no User-Agent) and a Postman or Insomnia HAR are worded for curl', () => {
    const curl = request(`curl https://h.example/hooks -d 'a=1'`)
    expect(curl.source).toEqual({ format: 'curl' })
    expect(guessSender(curl)).toBe('curl')
    expect(guessSender(request(har('Postman')))).toBe('curl')
    expect(guessSender(request(har('Insomnia')))).toBe('curl')
    expect(guessSender(request(har('WebInspector')))).toBe('code')
    expect(guessSender(request('POST /h HTTP/1.1\nHost: h\n\n'))).toBe('code')
  })

  it('a User-Agent still wins; an explicit sender wins over both', async () => {
    const make = request(`curl https://h.example/hooks -A 'Make/production' -d 'a=1'`)
    expect(guessSender(make)).toBe('make')
    // curl -d strips the newline of the pretty-printed file the sender signed.
    const pretty = `${JSON.stringify(JSON.parse(JSON_BODY), null, 2)}\n`
    const req = request(
      `curl https://h.example/hooks -H 'Content-Type: application/json' -H 'X-Signature: ${sig(pretty)}' -d '${pretty.replace(/\n/g, '')}'`,
    )
    const byDefault = await diagnose(req, { config, now: NOW })
    expect(byDefault.causes[0]!.code).toBe('signature_body_modified')
    expect(byDefault.causes[0]!.fix).toMatch(/--data-binary @file/)
    const forCode = await diagnose(req, { config, now: NOW, sender: 'code' })
    expect(forCode.causes[0]!.fix).toMatch(/raw request body/)
  })
})

describe('Content-Length against the body', () => {
  const body = '{"name":"Zoë","total":1}'
  const head = (declared: number, auth: string) =>
    `POST /hooks HTTP/1.1\nHost: h.example\nContent-Type: application/json\n${auth}\nContent-Length: ${declared}\n\n`

  it('counted in characters, with a config: content_length_mismatch above signature_mismatch', async () => {
    const req = request(head(body.length, `X-Signature: ${sig(body)}`) + body)
    const d = await diagnose(req, { config, now: NOW })
    expect(d.causes[0]!.code).toBe('content_length_mismatch')
    expect(d.causes[0]!.confidence).toBe(0.96)
    expect(d.causes[0]!.fix).toMatch(/Buffer\.byteLength/)
    expect(d.causes.some((c) => c.code === 'signature_mismatch')).toBe(true)
  })

  it('without a config: content_length_mismatch at 0.7; a short body stays request_incomplete', async () => {
    const more = await diagnose(request(head(10, 'Authorization: Bearer abcdefghijkl') + body), {
      now: NOW,
    })
    const m = more.causes.find((c) => c.code === 'content_length_mismatch')
    expect(m?.confidence).toBe(0.7)
    const less = await diagnose(request(head(80, 'Authorization: Bearer abcdefghijkl') + body), {
      now: NOW,
    })
    expect(less.causes.map((c) => c.code)).toContain('request_incomplete')
    expect(less.causes.map((c) => c.code)).not.toContain('content_length_mismatch')
  })

  it('a credential check that fails is not blamed on the framing', async () => {
    const bearer = loadConfig('auth:\n  scheme: bearer\n  tokens: ["tok_abcdefghijkl0123"]\n')
    const req = request(head(10, 'Authorization: Bearer tok_other_000000') + body)
    const d = await diagnose(req, { config: bearer, now: NOW })
    expect(d.causes.map((c) => c.code)).not.toContain('content_length_mismatch')
  })
})

describe('notes on how the capture was read', () => {
  it("a HAR's skipped CORS preflight is a note of the diagnosis, credentials fingerprinted", async () => {
    const token = 'tok_live_secret_0123456789'
    const entry = (method: string, headers: { name: string; value: string }[]) => ({
      request: { method, url: 'https://h.example/hooks', httpVersion: 'HTTP/1.1', headers },
    })
    const har = JSON.stringify({
      log: {
        version: '1.2',
        entries: [
          entry('OPTIONS', [{ name: 'Access-Control-Request-Method', value: 'POST' }]),
          entry('POST', [{ name: 'Authorization', value: `Bearer ${token}` }]),
        ],
      },
    })
    const d = await diagnose(request(har), { now: NOW })
    expect(d.notes).toHaveLength(1)
    expect(d.notes![0]).toMatch(/CORS preflight/)
    expect(JSON.stringify(d)).not.toContain(token)
    const plain = await diagnose(request('POST /h HTTP/1.1\nHost: h\n\n'), { now: NOW })
    expect(plain.notes).toBeUndefined()
  })
})
