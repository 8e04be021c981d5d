/**
 * Content-Length against the bytes of a raw capture: a receiver reads Content-Length bytes,
 * so a body counted in characters (JavaScript's body.length on UTF-8) or a stale length is cut
 * there, and the disagreement is named in the verdict's check detail.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { diagnose } from '../diagnose/index.js'
import { verify } from '../verdict/verify.js'
import { framedBody, lengthMismatchText } from './framing.js'
import { parseRawHttpRequest } from './parse-raw-http.js'

const SECRET = 'hmac_s3cret_0f1e2d3c4b5a69788796a5b4'
const config = loadConfig(
  `auth:\n  scheme: hmac\n  header: X-Signature\n  algorithm: sha256\n  encoding: hex\n  prefix: "sha256="\n  secrets: ["${SECRET}"]\n`,
)
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex')

function capture(body: string, contentLength: number | string, after = ''): Buffer {
  return Buffer.from(
    `POST /hooks HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\nX-Signature: sha256=${sign(body)}\r\n\r\n${body}${after}`,
  )
}

describe('framedBody', () => {
  it('a length that matches, or only line ends after it: no mismatch', () => {
    const h = (n: number) => [['Content-Length', String(n)] as const]
    expect(framedBody(h(2), Buffer.from('{}')).mismatch).toBeUndefined()
    expect(framedBody(h(2), Buffer.from('{}\r\n\n')).mismatch).toBeUndefined()
    expect(framedBody([], Buffer.from('{}')).mismatch).toBeUndefined()
  })

  it('counted in characters: cut at the declared bytes, the characters counted named', () => {
    const body = Buffer.from('{"name":"Zoë","total":1}')
    const f = framedBody([['Content-Length', '24']], body)
    expect(f.body.length).toBe(24)
    expect(f.mismatch).toMatchObject({ declared: 24, held: 25, chars: 24 })
    expect(lengthMismatchText(f.mismatch!)).toMatch(
      /^Content-Length says 24, the body holds 25 bytes: a receiver reads 24.*count bytes, not characters/,
    )
  })

  it('fewer bytes than declared: kept as they are, named as a wait for the rest', () => {
    const f = framedBody([['Content-Length', '60']], Buffer.from('{"a":1}'))
    expect(Buffer.from(f.body).toString()).toBe('{"a":1}')
    expect(lengthMismatchText(f.mismatch!)).toMatch(/waits for the rest/)
  })
})

describe('a capture whose Content-Length disagrees with its body', () => {
  it.each([
    ['counted in characters (body.length)', '{"name":"Zoë","total":1}', 24],
    ['stale after an edit', '{"order_id":"A-1001","total":42.5,"currency":"EUR"}', 20],
  ])(
    '%s → refused as a receiver refuses it, the check naming the mismatch',
    async (_w, body, cl) => {
      const req = parseRawHttpRequest(capture(body, cl))
      const v = await verify(req, config.endpoints[0]!, { now: 1767000000 })
      expect(v).toMatchObject({ ok: false, status: 401 })
      const detail = v.checks.find((c) => !c.ok)!.detail
      expect(detail).toContain(
        `Content-Length says ${cl}, the body holds ${Buffer.byteLength(body)} bytes`,
      )
      expect(detail).toMatch(/the signature matches the \d+ bytes held/)
      expect(detail).not.toContain(SECRET)
    },
  )

  it('the right length in bytes verifies', async () => {
    const body = '{"name":"Zoë","total":1}'
    const req = parseRawHttpRequest(capture(body, Buffer.byteLength(body)))
    expect((await verify(req, config.endpoints[0]!, { now: 1767000000 })).ok).toBe(true)
  })

  it('without a config, a body shorter than declared → request_incomplete', async () => {
    const req = parseRawHttpRequest(capture('{"a":1}', 60))
    const d = await diagnose(req, { now: 1767000000 })
    expect(d.causes.map((c) => c.code)).toContain('request_incomplete')
    expect(d.causes.find((c) => c.code === 'request_incomplete')!.summary).toMatch(
      /Content-Length says 60, but the capture holds 7 bytes/,
    )
  })
})
