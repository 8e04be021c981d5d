/**
 * Payload templates: compiled once, fed as bytes; the body is never decoded.
 * @module
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { HttpRequest } from '../message/types.js'
import {
  compileFeeder,
  compilePayload,
  feedPayload,
  payloadBytes,
  payloadTemplateProblem,
  signedUrl,
} from './payload.js'

const req: HttpRequest = {
  method: 'POST',
  url: '/hooks/x?a=1',
  headers: [
    ['Host', 'example.com'],
    ['X-Shop', 'acme'],
  ],
  body: new Uint8Array([0xff, 0x00, 0xc3, 0x28]), // not UTF-8
}

describe('payload templates', () => {
  it('splits a template into literal text and placeholders', () => {
    expect(compilePayload('{timestamp}.{body}')).toEqual([
      { kind: 'timestamp' },
      { kind: 'text', text: '.' },
      { kind: 'body' },
    ])
    expect(compilePayload('{header:X-Shop}|{method}')).toEqual([
      { kind: 'header', name: 'x-shop' },
      { kind: 'text', text: '|' },
      { kind: 'method' },
    ])
  })

  it('names an unknown placeholder', () => {
    expect(payloadTemplateProblem('{ts}.{body}')).toMatch(/unknown placeholder \{ts\}/)
    expect(payloadTemplateProblem('{timestamp}.{body}')).toBeNull()
    expect(payloadTemplateProblem('{"json": true}')).toBeNull()
  })

  it('builds the payload by concatenating bytes (the body byte for byte)', () => {
    const segs = compilePayload('{method} {url} {path} {header:x-shop} {id}.{timestamp}.{body}')
    const bytes = payloadBytes(segs, req, { timestamp: '1700000000', id: 'msg_1' })
    const text = Buffer.from('POST https://example.com/hooks/x?a=1 /hooks/x acme msg_1.1700000000.')
    expect(Buffer.from(bytes)).toEqual(Buffer.concat([text, Buffer.from(req.body)]))
  })

  it('feeds the HMAC the same bytes payloadBytes returns', () => {
    const segs = compilePayload('v0:{timestamp}:{body}')
    const h = createHmac('sha256', 'k')
    feedPayload(h, segs, req, { timestamp: '1' })
    expect(h.digest('hex')).toBe(
      createHmac('sha256', 'k')
        .update(payloadBytes(segs, req, { timestamp: '1' }))
        .digest('hex'),
    )
  })

  it('compileFeeder feeds exactly the bytes of payloadBytes, for every template shape', () => {
    const templates = [
      '{body}',
      'v0:{body}',
      '{timestamp}.{body}',
      'v0:{timestamp}:{body}',
      '{id}.{timestamp}.{body}',
      '<{id}|{timestamp}|{id}>{body}',
      '{body}.{timestamp}',
      '{method}{path}{body}',
      '{timestamp}',
      '',
    ]
    for (const template of templates) {
      const segs = compilePayload(template)
      for (const values of [{ timestamp: '1700000000', id: 'msg_1' }, {}]) {
        const h = createHmac('sha256', 'k')
        compileFeeder(segs)(h, req, values)
        const expected = createHmac('sha256', 'k')
          .update(payloadBytes(segs, req, values))
          .digest('hex')
        expect(h.digest('hex'), template).toBe(expected)
      }
    }
  })

  it('signedUrl keeps an absolute target and otherwise uses https://Host', () => {
    expect(signedUrl(req)).toBe('https://example.com/hooks/x?a=1')
    expect(signedUrl({ ...req, url: 'http://other.example:8080/p' })).toBe(
      'http://other.example:8080/p',
    )
  })
})
