/**
 * HAR entries as a browser recorded them: a CORS preflight before the request it cleared,
 * and a form kept only as `postData.params`, serialized back as the browser sent it.
 */
import { describe, expect, it } from 'vitest'
import { parseHar } from './parse-har.js'

const URL_ = 'https://hooks.example/hooks/orders'
const entry = (method: string, url: string, headers: [string, string][], body?: string) => ({
  request: {
    method,
    url,
    httpVersion: 'HTTP/1.1',
    headers: headers.map(([name, value]) => ({ name, value })),
    ...(body === undefined ? {} : { postData: { mimeType: 'application/json', text: body } }),
  },
  response: { status: method === 'OPTIONS' ? 204 : 200, headers: [], content: {} },
})
const preflight = entry('OPTIONS', URL_, [
  ['Access-Control-Request-Method', 'POST'],
  ['Origin', 'https://app.example'],
])
const post = entry('POST', URL_, [['Authorization', 'Bearer tok']], '{}')
const har = (...entries: unknown[]) => JSON.stringify({ log: { version: '1.2', entries } })

describe('a CORS preflight first', () => {
  it('without --entry, the request after it for the same URL is read, and a note says so', () => {
    const { request, response } = parseHar(har(preflight, entry('GET', 'https://x/y', []), post))
    expect(request?.method).toBe('POST')
    expect(request?.headers).toContainEqual(['Authorization', 'Bearer tok'])
    expect(response?.status).toBe(200)
    expect(request?.captureNotes?.[0]).toMatch(/entry 0 is a CORS preflight.*read entry 2/)
  })

  it('--entry 0 still reads the preflight itself', () => {
    const { request } = parseHar(har(preflight, post), { entry: 0 })
    expect(request?.method).toBe('OPTIONS')
    expect(request?.captureNotes).toBeUndefined()
  })

  it('no later entry for the URL: entry 0, with a note that points to --entry', () => {
    const { request } = parseHar(har(preflight, entry('POST', 'https://other/x', [], '{}')))
    expect(request?.method).toBe('OPTIONS')
    expect(request?.captureNotes?.[0]).toMatch(/--entry N/)
  })

  it('an OPTIONS that is no preflight is read as it is', () => {
    const { request } = parseHar(har(entry('OPTIONS', URL_, []), post))
    expect(request?.method).toBe('OPTIONS')
    expect(request?.captureNotes).toBeUndefined()
  })
})

describe('postData.params without text', () => {
  it("is serialized as a browser does (URLSearchParams): !'()*~ and spaces", () => {
    const params = [
      { name: 'msg', value: "it's (really) done! *ok* ~x" },
      { name: 'a b', value: 'ü&=' },
    ]
    const { request } = parseHar(
      har({
        request: {
          method: 'POST',
          url: URL_,
          headers: [],
          postData: { mimeType: 'application/x-www-form-urlencoded', params },
        },
      }),
    )
    const expected = new URLSearchParams(params.map((p) => [p.name, p.value])).toString()
    expect(Buffer.from(request!.body).toString()).toBe(expected)
    expect(expected).toBe('msg=it%27s+%28really%29+done%21+*ok*+%7Ex&a+b=%C3%BC%26%3D')
  })
})
