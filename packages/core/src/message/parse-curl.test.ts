/**
 * parseCurl on what people paste: browser, Postman, Insomnia, shell history, Windows.
 * (What curl really sends for each option is checked against bash + curl in curl-oracle.test.ts.)
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseCurl } from './parse-curl.js'
import type { HttpRequest } from './types.js'

const fixtures = fileURLToPath(new URL('../../test/fixtures/captures/', import.meta.url))
const fixture = (name: string): Buffer => readFileSync(`${fixtures}${name}`)
const body = (req: HttpRequest): string => Buffer.from(req.body).toString('latin1')

function parseError(input: string, options = {}): CaptureParseError {
  try {
    parseCurl(input, options)
  } catch (e) {
    if (e instanceof CaptureParseError) return e
    throw e
  }
  throw new Error('expected a CaptureParseError')
}

describe('realistic pastes', () => {
  it("Chrome's Copy as cURL (bash), with $'…' data", () => {
    const req = parseCurl(fixture('chrome-bash.curl'))
    expect(req.method).toBe('POST')
    expect(req.url).toBe('https://api.example.com/hooks/orders?source=web')
    expect(req.headers.map(([n]) => n)).toEqual([
      'accept',
      'accept-language',
      'authorization',
      'content-type',
      'origin',
      'sec-ch-ua',
      'user-agent',
    ])
    expect(req.headers[2]).toEqual(['authorization', 'Bearer example_token_Ab12Cd34Ef56'])
    expect(Buffer.from(req.body).toString('utf8')).toBe(
      '{"note":"it\'s paid","tab":"a\tb","check":"✓","line":"one\\ntwo"}',
    )
  })

  it("Chrome's Copy as cURL (cmd), caret escapes and continuations", () => {
    const req = parseCurl(fixture('chrome-cmd.curl'))
    expect(req.url).toBe('https://api.example.com/hooks/orders')
    expect(req.headers).toEqual([
      ['accept', '*/*'],
      ['authorization', 'Bearer example_token_Ab12Cd34Ef56'],
      ['content-type', 'application/json'],
    ])
    expect(body(req)).toBe('{"event":"order.created","q":"a&b"}')
  })

  it('Postman, with a multi-line --data', () => {
    const req = parseCurl(fixture('postman.curl'))
    expect(req.method).toBe('POST')
    expect(req.headers).toEqual([
      ['Content-Type', 'application/json'],
      ['X-API-Key', 'k_live_51HxYz'],
    ])
    expect(body(req)).toBe('{\n    "event": "order.created",\n    "id": 42\n}')
  })

  it('Insomnia: --request, --url, two --data joined with &', () => {
    const req = parseCurl(fixture('insomnia.curl'))
    expect(req.method).toBe('POST')
    expect(req.url).toBe('https://api.example.com/hooks/orders?debug=1')
    expect(body(req)).toBe('event=order.created&note=two words')
  })

  it('shell history: prompts, export, $VAR, heredoc on -d @-', () => {
    const req = parseCurl(fixture('shell-history.curl'))
    expect(req.headers[0]).toEqual(['Authorization', 'Bearer example_token_Ab12Cd34Ef56'])
    expect(body(req)).toBe('{"event":"order.created"}')
  })

  it('PowerShell: curl.exe with backtick continuations', () => {
    const req = parseCurl(fixture('powershell.curl'))
    expect(req.url).toBe('https://api.example.com/hooks/orders')
    expect(req.headers[0]).toEqual(['Authorization', 'Bearer example_token_Ab12Cd34Ef56'])
    expect(body(req)).toBe('{"event":"order.created"}')
  })

  it('a newline pasted inside a quoted key survives', () => {
    const req = parseCurl(fixture('pasted-newline-in-key.curl'))
    expect(req.headers[0]).toEqual(['Authorization', 'Bearer example_token_Ab12Cd34Ef56\n'])
  })

  it("Chrome's Copy all as cURL: entry picks the command", () => {
    const all = `curl 'https://a.example/1' -H 'x-n: 1' ;\ncurl 'https://a.example/2' -H 'x-n: 2' ;\ncurl 'https://a.example/3'`
    expect(parseCurl(all).url).toBe('https://a.example/1')
    expect(parseCurl(all, { entry: 1 }).url).toBe('https://a.example/2')
    expect(parseError(all, { entry: 3 }).message).toMatch(/holds 3 curl commands; entry 3/)
  })
})

describe('paste damage a person would not notice', () => {
  it('blanks after a continuation backslash', () => {
    const req = parseCurl("curl https://h/x \\  \n  -H 'A: 1' \\\t\n  -d x")
    expect(req.headers[0]).toEqual(['A', '1'])
    expect(body(req)).toBe('x')
  })

  it('option lines whose backslash was lost still belong to the curl above', () => {
    const req = parseCurl("curl https://h/x\n  -H 'A: 1'\n  -d x\necho done\n-H 'B: 2'")
    expect(req.headers.map(([n]) => n)).toEqual(['A', 'Content-Type'])
  })

  it('continuation prompts (> ) in a terminal copy of a here-document', () => {
    const req = parseCurl('$ curl -d @- https://h/x <<EOF\n> {"a":1}\n> EOF\n')
    expect(body(req)).toBe('{"a":1}')
  })

  it('typographic quotes are named, not misread', () => {
    const e = parseError('curl \u201chttps://h/x\u201d')
    expect(e.message).toMatch(/typographic quotes/)
    expect(e.position).toEqual({ line: 1, column: 6 })
    expect(parseCurl("curl https://h/x -H 'X: \u201cq\u201d'").headers[0]![1]).toBe('\u201cq\u201d')
  })
})

describe('quoting', () => {
  it("$'…' escapes: \\n \\t \\xHH \\uHHHH \\' \\\\ and octal", () => {
    const req = parseCurl(`curl u --data-binary $'a\\nb\\tc\\x00\\xff\\u00e9\\'\\\\\\101'`)
    expect([...req.body]).toEqual([
      0x61, 0x0a, 0x62, 0x09, 0x63, 0x00, 0xff, 0xc3, 0xa9, 0x27, 0x5c, 0x41,
    ])
  })

  it('double quotes keep backslashes except before $ ` " \\ and newline', () => {
    const req = parseCurl('curl u -H "X-A: a\\"b\\\\c\\nd\\$e" -H "X-B: one\\\ntwo"')
    expect(req.headers).toEqual([
      ['X-A', 'a"b\\c\\nd$e'],
      ['X-B', 'onetwo'],
    ])
  })

  it('words glue quoted and unquoted parts; a backslash escapes outside quotes', () => {
    const req = parseCurl(`curl u -H X-A:\\ 'a b'"c d"e\\"`)
    expect(req.headers).toEqual([['X-A', 'a bc de"']])
  })

  it('values are kept as typed: only the blanks after the colon go', () => {
    const req = parseCurl(`curl u -H 'Authorization:   Bearer  x  ' -H $'X-Tab:\\tv\\t'`)
    expect(req.headers).toEqual([
      ['Authorization', 'Bearer  x  '],
      ['X-Tab', 'v\t'],
    ])
  })

  it('an undefined variable is kept as typed, so the verdict shows it', () => {
    expect(parseCurl('curl u -H "Authorization: Bearer $TOKEN"').headers[0]![1]).toBe(
      'Bearer $TOKEN',
    )
    const braced = 'Bearer $' + '{TOKEN}' // a literal ${TOKEN}, not a template
    expect(parseCurl(`curl u -H "Authorization: ${braced}"`).headers[0]![1]).toBe(braced)
  })

  it('$(…) and `…` are kept literally: nothing runs', () => {
    const req = parseCurl('curl u -H "X-A: $(cat /etc/passwd)" -H "X-B: `id`"')
    expect(req.headers).toEqual([
      ['X-A', '$(cat /etc/passwd)'],
      ['X-B', '`id`'],
    ])
  })

  it('UTF-8 in a header value is read as UTF-8, other bytes as latin-1', () => {
    expect(parseCurl(`curl u -H 'X-A: Zoë'`).headers[0]![1]).toBe('Zoë')
    expect(parseCurl(`curl u -H $'X-A: \\xe9'`).headers[0]![1]).toBe('é')
  })

  it('CRLF line ends and a BOM are fine', () => {
    const req = parseCurl('\ufeffcurl https://h/x \\\r\n  -H "X-A: 1" \\\r\n  -d a=b\r\n')
    expect(req.headers[0]).toEqual(['X-A', '1'])
    expect(body(req)).toBe('a=b')
  })
})

describe('options', () => {
  it('method: GET by default, POST with data, -X wins, -I is HEAD, -T is PUT', () => {
    expect(parseCurl('curl https://h/').method).toBe('GET')
    expect(parseCurl('curl https://h/ -d x').method).toBe('POST')
    expect(parseCurl('curl -X put https://h/ -d x').method).toBe('PUT')
    expect(parseCurl('curl -I https://h/').method).toBe('HEAD')
    expect(parseCurl('curl -XDELETE https://h/').method).toBe('DELETE')
  })

  it('--json sets Content-Type and Accept unless typed, and POST', () => {
    const req = parseCurl(`curl --json '{"a":1}' -H 'Accept: text/plain' https://h/`)
    expect(req.method).toBe('POST')
    expect(req.headers).toEqual([
      ['Accept', 'text/plain'],
      ['Content-Type', 'application/json'],
    ])
  })

  it('-u gives Basic; without a password it is an error, not a guess', () => {
    expect(parseCurl('curl -u make:pa:ss https://h/').headers).toEqual([
      ['Authorization', `Basic ${Buffer.from('make:pa:ss').toString('base64')}`],
    ])
    const e = parseError('curl https://h/ \\\n  -u make')
    expect(e.message).toMatch(/no password/)
    expect(e.position).toMatchObject({ line: 2, column: 6 })
  })

  it('-G moves the data into the query string', () => {
    const req = parseCurl('curl -G https://h/x?a=1 -d b=2 --data-urlencode "c=d e"')
    expect(req.method).toBe('GET')
    expect(req.url).toBe('https://h/x?a=1&b=2&c=d+e')
    expect(req.body).toHaveLength(0)
    expect(req.headers).toEqual([])
  })

  it('flags that do not change the request are ignored, with or without values', () => {
    const req = parseCurl(
      'curl -sSLkiv --compressed --retry 3 -o out.json -w "%{http_code}" --max-time 5 --http1.1 https://h/x',
    )
    expect(req).toMatchObject({ method: 'GET', url: 'https://h/x', headers: [] })
  })

  it('a URL without a scheme gets http://, as curl does', () => {
    expect(parseCurl('curl localhost:8787/hooks').url).toBe('http://localhost:8787/hooks')
  })

  it('@file needs baseDir; with it, files are read relative to it', () => {
    const e = parseError('curl https://h/ --data-binary @payload-lines.txt')
    expect(e.message).toMatch(/cannot carry/)
    expect(e.position).toMatchObject({ line: 1, column: 31 })
    const req = parseCurl('curl https://h/ --data-binary @payload-lines.txt', {
      baseDir: fixtures,
    })
    expect(body(req)).toBe('line one\r\nline two\n')
    expect(parseError('curl https://h/ -d @nope.txt', { baseDir: fixtures }).message).toMatch(
      /cannot read nope.txt.*ENOENT/,
    )
  })

  it('-F is refused: curl picks the multipart boundary at random', () => {
    expect(parseError('curl -F a=b https://h/').message).toMatch(/multipart/)
  })
})

describe('errors carry a position', () => {
  it('unterminated quotes point at the opening quote', () => {
    expect(parseError("curl https://h/ \\\n  -H 'X-A: 1").position).toEqual({ line: 2, column: 6 })
    expect(parseError('curl https://h/ -d "abc').position).toEqual({ line: 1, column: 20 })
    expect(parseError("curl https://h/ -d $'abc").position).toEqual({ line: 1, column: 20 })
    expect(parseError('curl ^"https://h/ -H x', {}).message).toMatch(/unterminated " quote/)
  })

  it('a missing value or URL', () => {
    expect(parseError('curl https://h/ -H').message).toBe('-H needs a value')
    expect(parseError('curl -H "X: 1"').message).toBe('the curl command has no URL')
    expect(parseError('wget https://h/').message).toBe('no curl command found')
  })

  it('the file name is part of the position', () => {
    expect(parseError("curl 'x", { file: 'a.curl' }).oneLine()).toBe(
      "a.curl:1:6: unterminated ' quote",
    )
  })
})
