/**
 * diffRequests on bodies: where two bodies first differ is shown, except inside a credential
 * field (Figma's passcode, a form's password=), whose values are fingerprinted.
 * @module
 */
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../message/parse.js'
import { diffRequests } from './diff.js'

const post = (body: string, type = 'application/json') =>
  parseRequest(
    `POST /hooks/figma HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
const bodyNote = (a: string, b: string, type?: string) =>
  diffRequests(post(a, type), post(b, type)).differences.find((d) => d.kind === 'body')?.note

describe('body differences', () => {
  it('quote where ordinary bodies first differ', () => {
    expect(bodyNote('{"event":"PING","n":1}', '{"event":"PONG","n":1}')).toMatch(
      /first differ at offset 11: good "ING/,
    )
  })

  it('fingerprint a credential field of a JSON or form body instead of quoting it', () => {
    const secret = 'SECRET-SHOULD-NOT-LEAK-123'
    const json = bodyNote(
      `{"event_type":"PING","passcode":"${secret}"}`,
      `{"event_type":"PING","passcode":"xx${secret}"}`,
    )
    expect(json).toMatch(/in the body's passcode field: good len=26 fp:[0-9a-f]{8}, bad len=28 fp:/)
    expect(json).not.toContain('SECRET')
    const form = bodyNote(
      `user=make&password=${secret}`,
      `user=make&password=${secret.slice(0, -1)}`,
      'application/x-www-form-urlencoded',
    )
    expect(form).toMatch(/in the body's password field/)
    expect(form).not.toContain('SECRET')
  })
})

describe('headers the client adds itself', () => {
  it('a raw capture and the curl line of the same request are the same (curl adds Host and Content-Length)', () => {
    const raw = parseRequest(
      Buffer.from(
        'POST /hooks HTTP/1.1\r\nHost: h.example\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
      ),
    )
    const curl = parseRequest(
      Buffer.from(
        `curl 'https://h.example/hooks' -H 'Content-Type: application/json' --data-raw '{"a":1}'`,
      ),
    )
    const d = diffRequests(raw, curl)
    expect(d.differences.map((x) => x.field)).not.toContain('Host')
    expect(d.differences.map((x) => x.field)).not.toContain('Content-Length')
  })
})
