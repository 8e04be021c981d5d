/**
 * Reading an answer stays linear in its size. The same code reads the upstream's refusal in
 * the gateway and a pasted answer on the dashboard's public page, so a pattern that backtracks
 * quadratically over a body (an unanchored `[\w-]+` before a literal, `.*` between two
 * literals) lets anyone buy seconds of CPU with 64 KiB of one letter.
 *
 * Every regex literal of the files that read answers is turned into sample strings (one per
 * alternative); each sample, whole and cut one character short, is repeated to fill a body, a
 * JSON message, a challenge and the other headers, next to generic fillers ('a', '-', 'a.',
 * '<a ', digits, '{"'…). Every matcher runs over each input at 64 KiB; any input slower than a
 * few milliseconds is measured at 16 KiB and 64 KiB, and 4× the bytes must cost well under
 * the 16× a quadratic pattern would (a reader is slow when, twice in a row, it takes over
 * 8× its 16 KiB time and over 25 ms at 64 KiB, or over 1.5 s at all). The patterns this caught
 * cost 0.2–7 s at 64 KiB; a linear reader, 1–5 ms.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../message/parse.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import { diffRequests } from './diff.js'
import { diagnose } from './index.js'
import { detectOrigin, FINGERPRINTS, ORIGIN_PRODUCTS, readSignals } from './origin.js'
import {
  apiGatewayNoSuchResource,
  cloudfrontMethodRefused,
  edgeBlock,
  gatewaySaysMissing,
} from './products/blocks.js'
import { graphqlAuthError } from './products/data-apis.js'
import { realm, type Signals } from './products/types.js'
import { responseFindings } from './response-causes.js'
import { challengeGist, classifyResponse } from './response-class.js'
import { statedReasonFindings } from './stated-reason.js'
import { credentialStrippingHints } from './stripping.js'

const here = fileURLToPath(new URL('.', import.meta.url))

/** The sources whose patterns read an answer (its body, headers, the request it answers). */
const ANSWER_SOURCES = [
  ...readdirSync(join(here, 'products')).map((f) => join('products', f)),
  'origin.ts',
  'response-class.ts',
  'response-causes.ts',
  'platform-causes.ts',
  'problem-detail.ts',
  'stripping.ts',
  'stated-reason.ts',
].filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))

/** The sources whose patterns read the request capture alone. */
const REQUEST_SOURCES = [
  'request-alone.ts',
  ...readdirSync(join(here, 'transforms')).map((f) => join('transforms', f)),
].filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))

/** The sources whose patterns read a capture (its format, raw HTTP, curl) or compare two requests. */
const CAPTURE_SOURCES = [
  ...readdirSync(join(here, '..', 'message')).map((f) => join('..', 'message', f)),
  'diff.ts',
  'diff-signature.ts',
  'diff-secrets.ts',
].filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))

/** Every regex literal of a source file, as [source, flags]. */
function regexLiterals(file: string): [string, string][] {
  const text = readFileSync(join(here, file), 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const out: [string, string][] = []
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const lit = node.getText(sf)
      const end = lit.lastIndexOf('/')
      out.push([lit.slice(1, end), lit.slice(end + 1)])
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return out
}

const CLASS_CANDIDATES = ['a', '1', ' ', '-', '.', 'x', 'Z', '_', '"', '=', '#', ';', '/', 'é']

/**
 * Strings the pattern matches, one per alternative of its widest group: the i-th sample takes
 * the i-th alternative of every group (the last when a group has fewer). Quantified atoms are
 * written once (`{n,}` n times), lookarounds and anchors are left out, a class gives the first
 * common character it holds. A sample need not match (a lookaround may refuse it): it only
 * has to put the pattern's own literals in the input.
 */
export function regexSamples(source: string, flags: string): string[] {
  let widest = 1
  const gen = (pick: number): string => {
    let i = 0
    const seq = (): string => {
      const alts: string[] = ['']
      while (i < source.length && source[i] !== ')') {
        if (source[i] === '|') {
          alts.push('')
          i++
          continue
        }
        const atom = atomAt()
        const n = quantifier()
        alts[alts.length - 1] += atom.repeat(n)
      }
      widest = Math.max(widest, alts.length)
      return alts[Math.min(pick, alts.length - 1)]!
    }
    const quantifier = (): number => {
      const c = source[i]
      let n = 1
      if (c === '*' || c === '+' || c === '?') i++
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i))
        if (!m) return 1
        i += m[0].length
        n = Math.max(1, Math.min(Number(m[1]), 64))
      } else return 1
      if (source[i] === '?') i++
      return n
    }
    const atomAt = (): string => {
      const c = source[i]!
      if (c === '\\') {
        const e = source[i + 1]!
        i += 2
        if (e === 'x') {
          i += 2
          return String.fromCharCode(Number.parseInt(source.slice(i - 2, i), 16))
        }
        if (e === 'u') {
          i += 4
          return String.fromCharCode(Number.parseInt(source.slice(i - 4, i), 16))
        }
        if (/\d/.test(e)) return ''
        if (e === 'k') {
          i = source.indexOf('>', i) + 1
          return ''
        }
        return (
          {
            d: '1',
            w: 'a',
            s: ' ',
            D: 'a',
            W: ' ',
            S: 'a',
            n: '\n',
            t: '\t',
            r: '\r',
            b: '',
            B: '',
          }[e] ?? e
        )
      }
      if (c === '[') {
        let j = i + 1
        if (source[j] === '^') j++
        if (source[j] === ']') j++
        while (source[j] !== ']') j += source[j] === '\\' ? 2 : 1
        const cls = new RegExp(`^${source.slice(i, j + 1)}$`, flags.replace(/[gy]/g, ''))
        i = j + 1
        return CLASS_CANDIDATES.find((x) => cls.test(x)) ?? ''
      }
      if (c === '(') {
        i++
        let look = false
        if (source[i] === '?') {
          const m = /^\?(:|=|!|<=|<!|<[A-Za-z]\w*>)/.exec(source.slice(i))
          i += m ? m[0].length : 1
          look = !!m && ['=', '!', '<=', '<!'].includes(m[1]!)
        }
        const inner = seq()
        i++
        return look ? '' : inner
      }
      i++
      if (c === '^' || c === '$') return ''
      if (c === '.') return 'a'
      return c
    }
    return seq()
  }
  const first = gen(0)
  const out = [first]
  for (let k = 1; k < Math.min(widest, 40); k++) out.push(gen(k))
  return [...new Set(out)].filter((s) => s.length > 0)
}

/** Inputs that make a naive pattern backtrack: runs of one class, and open constructs. */
const FILLERS = [
  ...['a', '-', 'a.', ' ', '<a ', '1', '{"', 'a-', '\t', '\n', 'a=', '"', ',', '\\', 'a_', 'a/'],
  // A token's start inside a run of its own characters (`\b` stands at every `-`).
  ...['eyJ', 'eyJa-', 'eyJa_', 'eyJa.', 'eyJa.a-'],
  // A parameter's name over and over, its value never closed.
  ...['realm=', 'realm="a', 'error=', 'error_description="a'],
]

function fragments(files: string[]): string[] {
  const out = new Set(FILLERS)
  for (const f of files)
    for (const [src, flags] of regexLiterals(f))
      for (const s of regexSamples(src, flags)) {
        out.add(s)
        if (s.length > 1) out.add(s.slice(0, -1))
        // A pattern whose `.*` or class stops at a line end, or that ends in an anchor, is
        // put to the test with the line ended after each sample.
        if (/\$|\.\*|\[\^/.test(src)) out.add(`${s}\n`)
      }
  return [...out]
}

const fill = (fragment: string, size: number): string =>
  fragment.repeat(Math.ceil(size / fragment.length)).slice(0, size)

const bytes = (s: string) => new TextEncoder().encode(s)

const request: HttpRequest = {
  method: 'POST',
  url: 'https://hooks.example/webhook',
  headers: [
    ['Host', 'hooks.example'],
    ['Content-Type', 'application/json'],
    [
      'Authorization',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJl',
    ],
  ],
  body: bytes('{"a":1}'),
}

interface Placement {
  name: string
  response(filler: string): HttpResponse
}

const res = (status: number, headers: [string, string][], body: string): HttpResponse => ({
  status,
  statusText: '',
  headers,
  body: bytes(body),
})

/** Where an answer carries text of the sender's choosing. */
const PLACEMENTS: Placement[] = [
  ...[401, 403].map((status) => ({
    name: `body of a ${status}`,
    response: (f: string) =>
      res(
        status,
        [
          ['WWW-Authenticate', 'Bearer'],
          ['Content-Type', 'text/html'],
          // Opens the readers that look at the body only behind their product's header.
          ['X-Nf-Request-Id', '01'],
        ],
        f,
      ),
  })),
  // One key each: several fingerprints take a message only when it is the body's one field.
  ...['message', 'detail', 'error'].map((key) => ({
    name: `JSON "${key}" of a 401`,
    response: (f: string) =>
      res(401, [['Content-Type', 'application/json']], JSON.stringify({ [key]: f })),
  })),
  {
    name: 'GraphQL error of a 200',
    response: (f) =>
      res(
        200,
        [['Content-Type', 'application/json']],
        JSON.stringify({
          errors: [{ message: f, extensions: { code: 'invalid-jwt', path: '$' } }],
        }),
      ),
  },
  {
    name: 'WWW-Authenticate',
    response: (f) =>
      res(
        401,
        [
          ['WWW-Authenticate', f],
          ['WWW-Authenticate', `Bearer realm="${f}", error="invalid_token"`],
          ['WWW-Authenticate', `Bearer error_description="${f}"`],
          ['X-Nf-Request-Id', '01'],
          ['Server', 'caddy'],
        ],
        '',
      ),
  },
  {
    name: 'other headers',
    response: (f) =>
      res(
        403,
        [
          'Server',
          'Location',
          'Via',
          'X-Cache',
          'X-Served-By',
          'X-Timer',
          'Set-Cookie',
          'X-Powered-By',
          'Content-Type',
          'X-Render-Routing',
          'X-Amzn-ErrorType',
          'X-Vercel-Error',
          'Cf-Mitigated',
        ].map((n) => [n, f]),
        '',
      ),
  },
]

type Reader = [string, (s: Signals, r: HttpResponse) => unknown]

/**
 * The readers run together first: the whole pipeline (every fingerprint's answered and onPath
 * runs in detectOrigin) and the readers it calls for one product only, called for all.
 */
const SCREEN: Reader[] = [
  ['readSignals', (_, r) => readSignals(r, request)],
  [
    'detectOrigin + classifyResponse + responseFindings',
    (_, r) => {
      const origin = detectOrigin(r, request)
      return responseFindings(request, r, classifyResponse(r, { origin }), origin, null)
    },
  ],
  ['edgeBlock', (s) => ORIGIN_PRODUCTS.map((p) => edgeBlock(s, p))],
  ['gatewaySaysMissing', (s) => ORIGIN_PRODUCTS.map((p) => gatewaySaysMissing(s, p))],
  ['cloudfrontMethodRefused', (s) => cloudfrontMethodRefused(s, 'cloudfront')],
  ['apiGatewayNoSuchResource', (s) => apiGatewayNoSuchResource(s, 'aws-api-gateway')],
  ['graphqlAuthError', (s) => graphqlAuthError(s)],
  ['statedReasonFindings', (s) => statedReasonFindings(s, 'the receiver', [])],
  ['realm', (s) => realm(s)],
  ['challengeGist', (s) => (s.headers.get('www-authenticate') ?? []).map(challengeGist)],
  [
    'credentialStrippingHints',
    (_, r) =>
      credentialStrippingHints(request, r, { layer: 'unknown', product: null, evidence: [] }),
  ],
]

/** Each reader on its own, to name the slow one. */
const EACH: Reader[] = [
  ...SCREEN,
  ...FINGERPRINTS.flatMap((fp): Reader[] => [
    [`${fp.product}.answered`, (s) => fp.answered(s)],
    [`${fp.product}.onPath`, (s) => fp.onPath?.(s)],
  ]),
]

function time(f: () => unknown): number {
  const start = performance.now()
  f()
  return performance.now() - start
}

/** The least of a few runs: the machine's other work (and a collection) only ever adds time. */
function least(f: () => unknown, runs = 7): number {
  let best = Number.POSITIVE_INFINITY
  for (let k = 0; k < runs; k++) best = Math.min(best, time(f))
  return best
}

const SMALL = 16 * 1024
const LARGE = 64 * 1024
/** Below this a 64 KiB run is no cost worth measuring (and timer noise swamps any ratio). */
const SCREEN_MS = 10
/**
 * A reader is called slow only above this at 64 KiB, whatever its ratio: on a busy machine a
 * collection can still triple a 3 ms run; the quadratic patterns found cost 200 ms and more.
 */
const SLOW_MS = 25
/** 4× the bytes: linear is 4×, quadratic 16×. */
const MAX_RATIO = 8
/** Whatever the ratio, no input may cost this much. */
const CAP_MS = 1500
/** Slow readers listed per placement before it stops looking. */
const MAX_LISTED = 6

interface Slow {
  input: string
  matcher: string
  small: number
  large: number
}

/** Slower than linear: over the cap, or 4× the input costing over MAX_RATIO× the time. */
function grows(
  read: () => unknown,
  readSmall: () => unknown,
): { small: number; large: number } | null {
  const small = least(readSmall)
  const large = least(read)
  return large > CAP_MS || large > Math.max(MAX_RATIO * small, SLOW_MS) ? { small, large } : null
}

/**
 * The readers over each filler at 64 KiB; a filler they take more than a few milliseconds on
 * is measured again reader by reader at 16 and 64 KiB, and a reader kept when it grows faster
 * than linear twice in a row (once could be the machine's other work).
 */
function slowOnes(placement: Placement, inputs: string[]): Slow[] {
  const out: Slow[] = []
  const at = (f: string, size: number) => {
    const r = placement.response(fill(f, size))
    return { r, s: readSignals(r, request) }
  }
  for (const f of inputs) {
    const big = at(f, LARGE)
    if (time(() => SCREEN.map(([, read]) => read(big.s, big.r))) < SCREEN_MS * 2) continue
    const small = at(f, SMALL)
    for (const [name, read] of EACH) {
      const first = time(() => read(big.s, big.r))
      if (first < SCREEN_MS) continue
      const input = `${JSON.stringify(f.slice(0, 40))} repeated in the ${placement.name}`
      if (first > CAP_MS) {
        // Over the cap at once: no need to run it 28 times more to say so.
        out.push({ input, matcher: name, small: time(() => read(small.s, small.r)), large: first })
        continue
      }
      const once = () =>
        grows(
          () => read(big.s, big.r),
          () => read(small.s, small.r),
        )
      const found = once() && once()
      if (found) out.push({ input, matcher: name, ...found })
    }
    // A handful says what is wrong; a pattern gone quadratic would take minutes to list whole.
    if (out.length >= MAX_LISTED) break
  }
  return out
}

const show = (slow: Slow[]) =>
  slow
    .map(
      (s) =>
        `${s.matcher} over ${s.input}: ${s.small.toFixed(1)} ms at 16 KiB, ${s.large.toFixed(1)} ms at 64 KiB`,
    )
    .join('\n')

describe('reading an answer is linear in its size', () => {
  const answerFragments = fragments(ANSWER_SOURCES)

  it('turns regex literals into samples that hold their literals', () => {
    expect(regexSamples('[\\w-]+\\.cloudflareaccess\\.com|Cloudflare Access', 'i')).toEqual([
      'a.cloudflareaccess.com',
      'Cloudflare Access',
    ])
    expect(regexSamples("audience '.*' is (invalid|unknown)", '')).toEqual([
      "audience 'a' is invalid",
      "audience 'a' is unknown",
    ])
    expect(answerFragments.length).toBeGreaterThan(300)
  })

  for (const placement of PLACEMENTS)
    it(`in the ${placement.name}`, { timeout: 240_000 }, () => {
      const slow = slowOnes(placement, answerFragments)
      expect(show(slow)).toBe('')
    })

  it('in the request it answers', { timeout: 240_000 }, async () => {
    const inputs = fragments(REQUEST_SOURCES)
    const answer = res(401, [['WWW-Authenticate', 'Bearer']], '')
    const places: [string, (f: string) => HttpRequest][] = [
      [
        'Authorization',
        (f) => ({ ...request, headers: [...request.headers.slice(0, 2), ['Authorization', f]] }),
      ],
      [
        'Authorization after Bearer',
        (f) => ({
          ...request,
          headers: [...request.headers.slice(0, 2), ['Authorization', `Bearer ${f}`]],
        }),
      ],
      ['body', (f) => ({ ...request, body: bytes(f) })],
      ['URL', (f) => ({ ...request, url: `https://hooks.example/webhook?token=${f}` })],
    ]
    // diagnose() is async; its reading of the request is not: time the promise to its end.
    const slow: Slow[] = []
    for (const [where, make] of places)
      for (const f of inputs) {
        const run = async (size: number) => {
          const start = performance.now()
          await diagnose(make(fill(f, size)), { response: answer, now: 1_700_000_000 })
          return performance.now() - start
        }
        const first = await run(LARGE)
        if (first < SCREEN_MS * 4) continue
        const input = `${JSON.stringify(f.slice(0, 40))} repeated in the request's ${where}`
        if (first > CAP_MS) {
          slow.push({ input, matcher: 'diagnose', small: await run(SMALL), large: first })
          if (slow.length >= MAX_LISTED) break
          continue
        }
        let small = Number.POSITIVE_INFINITY
        let large = Number.POSITIVE_INFINITY
        for (let k = 0; k < 3; k++) {
          small = Math.min(small, await run(SMALL))
          large = Math.min(large, await run(LARGE))
        }
        if (large > CAP_MS || large > Math.max(MAX_RATIO * small, SCREEN_MS * 4))
          slow.push({ input, matcher: 'diagnose', small, large })
        if (slow.length >= MAX_LISTED) break
      }
    expect(show(slow)).toBe('')
  })
})

/**
 * A capture pasted on the dashboard is parsed, and two recorded attempts are compared, with the
 * sender's text in them: each filler goes where a pattern may run to its end, with a character
 * after it that the run's own characters do not take (`t=␠␠…␠x`).
 */
describe('reading a capture and comparing two requests is linear in their size', () => {
  const parse = (text: string) => () => {
    try {
      parseRequest(text, { file: 'capture' })
    } catch {
      // A capture that is not one is refused: the time to say so is what is measured.
    }
  }
  const signed = (name: string, value: string) =>
    ({ ...request, headers: [[name, value]] }) as HttpRequest
  const compare = (good: HttpRequest, bad: HttpRequest) => () => diffRequests(good, bad)
  const places: [string, (f: string) => () => unknown][] = [
    ['the capture', (f) => parse(f)],
    ['a raw header value', (f) => parse(`POST / HTTP/1.1\nA: b${f}x\n\n`)],
    ['a folded header line', (f) => parse(`POST / HTTP/1.1\nA: b\n c${f}x\n\n`)],
    ['a raw header name', (f) => parse(`POST / HTTP/1.1\nA${f}x: b\n\n`)],
    ['a curl header', (f) => parse(`curl https://h.example/x -H 'A: ${f}x'`)],
    ['a curl printf body', (f) => parse(`curl https://h.example/x -d "$(printf 'a${f}x')"`)],
    [
      'a Stripe-Signature',
      (f) =>
        compare(
          signed('Stripe-Signature', 't=1,v1=ab'),
          signed('Stripe-Signature', `t=${f}x,v1=ab`),
        ),
    ],
    [
      'an X-Signature',
      (f) => compare(signed('X-Signature', 'sha256=ab'), signed('X-Signature', `sha256=${f}x`)),
    ],
    [
      'an Authorization header',
      (f) => compare(signed('Authorization', 'Bearer ab'), signed('Authorization', `Bearer ${f}x`)),
    ],
    ['a body', (f) => compare(request, { ...request, body: bytes(`${f}x`) })],
  ]

  it('in a capture and in each request compared', { timeout: 240_000 }, () => {
    const inputs = fragments(CAPTURE_SOURCES)
    const slow: Slow[] = []
    for (const [where, make] of places)
      for (const f of inputs) {
        const big = make(fill(f, LARGE))
        const first = time(big)
        if (first < SCREEN_MS) continue
        const input = `${JSON.stringify(f.slice(0, 40))} repeated in ${where}`
        const found = first > CAP_MS ? { small: time(make(fill(f, SMALL))), large: first } : null
        const small = make(fill(f, SMALL))
        const grown = found ?? (grows(big, small) && grows(big, small))
        if (grown) slow.push({ input, matcher: where, ...grown })
        if (slow.length >= MAX_LISTED) break
      }
    expect(show(slow)).toBe('')
  })
})
