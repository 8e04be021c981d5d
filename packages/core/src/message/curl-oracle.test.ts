/**
 * Real bash + real curl as the oracle: a command is run against a node:http server on
 * 127.0.0.1, and what the server received must be what parseCurl says the command sends;
 * printCurl's output, run the same way by bash and by a POSIX sh (dash), must send the
 * request it was printed from.
 * @module
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCurl } from './parse-curl.js'
import { printCurl } from './print-curl.js'
import { headerText } from './text.js'
import type { Header, HttpRequest } from './types.js'

const run = promisify(execFile)
const fixtures = fileURLToPath(new URL('../../test/fixtures/captures/', import.meta.url))

interface Received {
  method: string
  url: string
  headers: Header[]
  body: Uint8Array
}

let server: Server
let origin = ''
const inbox: Received[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Header[] = []
      for (let k = 0; k < req.rawHeaders.length; k += 2) {
        // Node reads header bytes as latin-1; decode them the way the capture parsers do.
        headers.push([
          req.rawHeaders[k]!,
          headerText(Buffer.from(req.rawHeaders[k + 1]!, 'latin1')),
        ])
      }
      inbox.push({ method: req.method!, url: req.url!, headers, body: Buffer.concat(chunks) })
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Runs `script` with bash or sh (curl talking to the local server) and returns what arrived. */
async function send(script: string, shell: 'bash' | 'sh' = 'bash'): Promise<Received> {
  inbox.length = 0
  await run(shell, ['-c', script], { cwd: fixtures, timeout: 20_000 })
  expect(inbox).toHaveLength(1)
  return inbox[0]!
}

/** Headers curl adds by itself are left out unless the model has them too. */
const CURL_DEFAULTS = new Set([
  'host',
  'content-length',
  'user-agent',
  'accept',
  'accept-encoding',
  'expect',
])

function comparable(headers: readonly Header[], model: readonly Header[]): string[] {
  const modelNames = new Set(model.map(([n]) => n.toLowerCase()))
  return headers
    .filter(([n]) => !CURL_DEFAULTS.has(n.toLowerCase()) || modelNames.has(n.toLowerCase()))
    .map(([n, v]) => `${n.toLowerCase()}: ${v}`)
    .sort()
}

function expectSame(received: Received, model: HttpRequest): void {
  expect(received.method).toBe(model.method)
  expect(received.url).toBe(model.url.replace(/^[a-z]+:\/\/[^/?#]*/i, '').replace(/#.*$/s, ''))
  expect(comparable(received.headers, model.headers)).toEqual(
    comparable(
      model.headers.map(([n, v]) => [n, v.trim()] as const),
      model.headers,
    ),
  )
  expect(Buffer.from(received.body).toString('hex')).toBe(Buffer.from(model.body).toString('hex'))
}

const API = 'https://api.example.com'

describe('parseCurl agrees with bash + curl', () => {
  const files = ['chrome-bash.curl', 'postman.curl', 'insomnia.curl', 'bearer-prefix-missing.curl']
  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(`${fixtures}${file}`, 'utf8')
        .replaceAll(API, origin)
        .replaceAll('https://receiver.example.org', origin)
      expectSame(await send(text), parseCurl(text, { baseDir: fixtures }))
    })
  }

  const cases: [string, string][] = [
    ['-G moves data into the query', `curl -G -d a=1 --data-urlencode 'q=two words&é' URL/x?z=0`],
    ['-u gives Basic', `curl -u 'make:s3cr:et' URL/x`],
    ['-b, -A, -e', `curl -b 'a=b' -b 'c=d' -A 'Agent/1' -e 'https://from.example/;auto' URL/x`],
    ['Name: removes, Name; sends empty', `curl -H 'X-Empty;' -H 'Content-Type:' -d x URL/x`],
    [
      'typed header wins over implied',
      `curl -u a:b -H 'Authorization: Bearer t' -A ua -H 'User-Agent: mine' URL/x`,
    ],
    ['several -d joined with &', `curl -d a=1 --data-raw 'b=@2' --data-binary c=3 URL/x`],
    ['-d keeps literal newlines', `curl -d $'line one\\r\\nline two\\n' URL/x`],
    ['-d @file strips CR and LF', `curl -d @payload-lines.txt URL/x`],
    ['--data-binary @file keeps them', `curl --data-binary @payload-lines.txt URL/x`],
    [
      '--data-urlencode forms',
      `curl --data-urlencode 'a b' --data-urlencode '=c d' --data-urlencode 'n=e/f' --data-urlencode 'f@payload-lines.txt' URL/x`,
    ],
    ['-H @file', `curl -H @headers.txt URL/x`],
    ['--json twice', `curl --json '{"a":1}' --json '{"b":2}' URL/x`],
    ['-T uploads with PUT', `curl -T payload-lines.txt URL/x`],
    ['clustered short options', `curl -sSXPATCH -H'X-A: 1' -d'k=v' URL/x`],
    ['-X overrides, -I', `curl -I -X GET URL/x`],
    [
      'variables from earlier lines',
      `TOKEN=abc123\nexport KEY="k 1"\ncurl -H "Authorization: Bearer $TOKEN" -H "X-Key: \${KEY}" URL/x`,
    ],
    ['heredoc on @-', `curl -d @- URL/x <<'EOF'\n{"a": 1}\nEOF`],
    ['here-string on @-', `curl --data-binary @- URL/x <<< 'payload'`],
    ['ANSI-C escapes', `curl --data-binary $'\\x41\\101\\u00e9\\U0001F600\\t\\'\\\\\\e\\cA' URL/x`],
    [
      '"$(printf …)" words, as printCurl writes them',
      `curl -H "$(printf 'X-Q: \\047a\\041\\tb')" --data-binary "$(printf '\\055%%\\001\\n\\\\x\\377')"'\n\n' URL/x`,
    ],
    ['double-quote escapes', `curl -H "X-Q: a\\"b\\\\c\\$d\\e" -d "x=\\\`y\\\`" URL/x`],
    ['continuations and comments', `curl \\\n  -H 'X-A: 1' \\\n  URL/x # trailing comment\n`],
    ['pipes and redirects after the command', `curl -s URL/x -d a=b 2>&1 > /dev/null | cat`],
    ['--oauth2-bearer', `curl --oauth2-bearer tok_123 URL/x`],
    ['--url and --url-query', `curl --url URL/x --url-query 'a=b c' --url-query '+raw=%41'`],
    // MAKE@ puts user-info into the URL: `http://make:Tr0ub%263%3F@127.0.0.1:…`.
    ['user-info in the URL gives Basic, percent-decoded', `curl 'MAKE@URL/x' -d a=1`],
    ['user-info without a password', `curl 'ONLYUSER@URL/x'`],
    ['-u wins over user-info in the URL', `curl -u a:b 'MAKE@URL/x'`],
    ['a typed Authorization wins over both', `curl -H 'Authorization: Bearer t' 'MAKE@URL/x'`],
  ]
  for (const [name, command] of cases) {
    it(name, async () => {
      const text = command
        .replaceAll('MAKE@URL', origin.replace('://', '://make:Tr0ub%263%3F%3E~x@'))
        .replaceAll('ONLYUSER@URL', origin.replace('://', '://make@'))
        .replaceAll('URL', origin)
      expectSame(await send(text), parseCurl(text, { baseDir: fixtures }))
    })
  }
})

describe('printCurl output sent by bash or a POSIX sh (dash) + curl', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/)
  const headerName = token.filter(
    (n) =>
      ![
        'host',
        'content-length',
        'transfer-encoding',
        'expect',
        'connection',
        'te',
        'upgrade',
        'keep-alive',
        'trailer',
      ].includes(n.toLowerCase()),
  )
  // Node's server rejects control characters in header values and trims the ends.
  const headerValue = fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('\t', 'é', 'ü', '✓'),
        fc.string({ minLength: 1, maxLength: 1 }),
      ),
    })
    .map((v) => v.trim())
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'REPORT'),
    path: fc.stringMatching(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,30}(\?[A-Za-z0-9=&%._-]{0,20})?$/),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
    // bash cannot put a NUL byte in an argument: the property tests cover NUL without bash.
    body: fc.uint8Array({ maxLength: 200 }).map((b) => b.map((x) => (x === 0 ? 1 : x))),
  })

  for (const shell of ['bash', 'sh'] as const)
    it(`${shell} sends the same method, URL, headers and body bytes`, async () => {
      await fc.assert(
        fc.asyncProperty(request, async ({ method, path, headers, body }) => {
          const req: HttpRequest = { method, url: `${origin}${path}`, headers, body }
          expectSame(await send(printCurl(req), shell), req)
        }),
        { numRuns: 40 },
      )
    })
})

describe('printCurl of a hostile capture, sent by bash + curl', () => {
  it('sends the captured request once, and reads no file the capture names', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hw-curl-oracle-'))
    try {
      const secret = join(scratch, 'operator-secret.txt')
      writeFileSync(secret, 'X-Leak: OPERATOR-LOCAL-FILE\n')
      const req: HttpRequest = {
        method: 'POST',
        // curl's globs ([1-3], {a,b}) would make this six requests.
        url: `${origin}/hooks?page=[1-3]&x={a,b}`,
        headers: [
          ['Content-Type', 'text/plain'],
          // -H @file would send the file's lines as headers.
          [`@${secret}`, 'x'],
        ],
        // --data-binary @file would send the file as the body.
        body: Buffer.from(`@${secret}`),
      }
      const got = await send(printCurl(req))
      expect(got.url).toBe('/hooks?page=[1-3]&x={a,b}')
      expect(Buffer.from(got.body).toString()).toBe(`@${secret}`)
      expect(got.headers.map(([n]) => n.toLowerCase())).not.toContain('x-leak')
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})
