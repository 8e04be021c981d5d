/**
 * A refused request cannot buy CPU through the near-miss search (red team 6A, finding F1):
 * every body variant costs O(n) with a small constant, none is built once the budget is spent,
 * and the search with the gateway's budget stops by its budget or finishes. Work is counted
 * (variants built, their bytes, decoder calls), never timed.
 * @module
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../config/load.js'
import type { HmacPolicy } from '../config/types.js'
import { firstInvalidUtf8, utf8SequenceAt } from '../message/text.js'
import type { HttpRequest } from '../message/types.js'
import { signatureSearch } from './signature-search.js'
import { bodyVariants, latin1BytesAsUtf8 } from './transforms/body.js'
import { jsonShape, prettyBytesBound } from './transforms/json-shape.js'
import { Budget } from './transforms/types.js'

const NOW = 1_700_000_000
/** The gateway's diagnosis budget (handle-attempt.ts). */
const GATEWAY_BUDGET_MS = 25

const POLICY = loadConfig(
  'auth:\n  scheme: hmac\n  header: X-Signature\n  secrets: [hmac-secret-Bw4Tq9Zk2Lm7]\n',
).endpoints[0]!.auth as HmacPolicy

/** Bodies that cost a refused request seconds of CPU before, and shapes found beside them. */
const ADVERSARIAL: [string, Buffer][] = [
  ['100 KB of 0xE9 (no UTF-8)', Buffer.alloc(100_000, 0xe9)],
  ['1 MB of 0xE9 (no UTF-8)', Buffer.alloc(1_000_000, 0xe9)],
  ['16 KB of nested arrays', Buffer.from('['.repeat(8000) + ']'.repeat(8000))],
  [
    '400 levels of arrays around 200 000 numbers',
    Buffer.from(`${'['.repeat(400)}${'1,'.repeat(200_000)}1${']'.repeat(400)}`),
  ],
  ['a form value of 1 MB of spaces', Buffer.from(`a=${' '.repeat(1_000_000)}&`)],
  [
    '100 000 form fields',
    Buffer.from(Array.from({ length: 100_000 }, (_, i) => `a${i}=b+c`).join('&')),
  ],
  ['500 000 numbers written 1.0', Buffer.from(`[${'1.0,'.repeat(250_000)}1.0]`)],
  ['1 MB of line ends', Buffer.from('x\n'.repeat(500_000))],
  [
    '80 000 object members',
    Buffer.from(`{${Array.from({ length: 80_000 }, (_, i) => `"k${i}":1`).join(',')}}`),
  ],
]

function request(body: Buffer): HttpRequest {
  return {
    method: 'POST',
    url: '/hooks/hmac',
    headers: [
      ['x-signature', '0'.repeat(64)],
      ['content-type', 'application/json'],
    ],
    body,
    httpVersion: 'HTTP/1.1',
  } as HttpRequest
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the near-miss search of a hostile body does bounded work', () => {
  for (const [name, body] of ADVERSARIAL) {
    it(`every variant of ${name} is at most a few times the body`, () => {
      // Counted, not replaced: the real decoder runs. One decode per body, not one per byte.
      const decode = vi.spyOn(TextDecoder.prototype, 'decode')
      let built = 0
      let bytes = 0
      for (const v of bodyVariants(body)) {
        built++
        bytes += v.bytes.length
        expect(v.bytes.length).toBeLessThanOrEqual(4 * body.length + 64 * 1024)
      }
      expect(decode.mock.calls.length).toBeLessThanOrEqual(2)
      expect(built).toBeLessThanOrEqual(30)
      expect(bytes).toBeLessThanOrEqual(40 * body.length)
    })

    it(`the search over ${name} with the gateway's budget stops by it or finishes`, () => {
      let all = 0
      for (const _ of bodyVariants(body)) all++
      const budget = new Budget(5000, GATEWAY_BUDGET_MS)
      const r = signatureSearch(request(body), POLICY, { now: NOW, others: [], budget })
      const mismatch = r.findings.find((f) => f.code === 'signature_mismatch')!
      const tried = /(\d+) body re-serializations/.exec(mismatch.evidence[0]!)!
      const stopped = mismatch.evidence[0]!.includes('the search stopped at its budget')
      // Stopped by its budget (no more than every variant built), or finished (all of them).
      if (stopped) expect(Number(tried[1])).toBeLessThanOrEqual(all)
      else expect(Number(tried[1])).toBe(all)
      expect(budget.tried).toBeLessThanOrEqual(5000)
    })
  }

  it('builds no variant once the deadline has passed', () => {
    let now = 0
    const budget = new Budget(5000, 25, () => now)
    const body = Buffer.from('{"a": [1, 2, {"b": "é"}]}\n')
    const gen = bodyVariants(body, {}, budget)
    expect(gen.next().done).toBe(false)
    now = 26
    expect(gen.next().done).toBe(true)
    expect(budget.exhausted).toBe(true)
    // The search then names the budget as why it stopped.
    let later = 0
    const tight = new Budget(5000, 25, () => {
      later += 5
      return later
    })
    const r = signatureSearch(request(body), POLICY, { now: NOW, others: [], budget: tight })
    const mismatch = r.findings.find((f) => f.code === 'signature_mismatch')!
    expect(mismatch.evidence[0]).toContain('the search stopped at its budget')
  })
})

describe('UTF-8 sequences are read without a decoder', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const decoderSays = (b: Uint8Array) => {
    try {
      fatal.decode(b)
      return true
    } catch {
      return false
    }
  }

  it('agrees with a fatal TextDecoder on every lead byte and the edges of the second', () => {
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff]
    for (let lead = 0; lead < 256; lead++)
      for (const second of edges)
        for (const rest of [0x80, 0xbf, 0x41, 0xc0]) {
          const seq = Uint8Array.from([lead, second, rest, rest])
          const len = utf8SequenceAt(seq, 0)
          const one = (k: number) =>
            decoderSays(seq.subarray(0, k)) && [...fatal.decode(seq.subarray(0, k))].length === 1
          if (len > 0) expect(one(len)).toBe(true)
          // No prefix the decoder reads as one character was missed.
          else for (let k = 1; k <= 4; k++) expect(one(k)).toBe(false)
        }
    // Cut short at the end of the bytes.
    expect(utf8SequenceAt(Uint8Array.from([0xe2, 0x82]), 0)).toBe(0)
    expect(utf8SequenceAt(Uint8Array.from([0xe2, 0x82, 0xac]), 0)).toBe(3)
  })

  it('finds the first invalid byte and writes Latin-1 bytes as UTF-8', () => {
    expect(firstInvalidUtf8(Buffer.from('a€b'))).toBe(-1)
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1)
    expect(latin1BytesAsUtf8(Buffer.from([0x61, 0xe9, 0x62])).toString('utf8')).toBe('aéb')
    expect(latin1BytesAsUtf8(Buffer.from('a€', 'utf8')).toString('utf8')).toBe('a€')
  })
})

describe('the size of a pretty-printed form is known before it is built', () => {
  it('bounds JSON.stringify with an indent from above, and closely for minified JSON', () => {
    const samples = [
      '{"a":1,"b":[1,2,{"c":[]}],"d":{},"e":"x,y:z"}',
      '[[[1]],[],{"k":{"l":[true,null]}}]',
      '{"s":"\\"]}[{","n":-1.5e3}',
    ]
    for (const text of samples)
      for (const [indent, width] of [
        [2, 2],
        [4, 4],
        ['\t', 1],
        [1, 1],
      ] as const) {
        const actual = Buffer.byteLength(JSON.stringify(JSON.parse(text), null, indent))
        const bound = prettyBytesBound(jsonShape(text), width, Buffer.byteLength(text))
        expect(bound).toBeGreaterThanOrEqual(actual)
        expect(bound).toBeLessThanOrEqual(actual + 8)
      }
  })

  it('sees 8000 levels of arrays as too deep without parsing them', () => {
    expect(jsonShape('['.repeat(8000) + ']'.repeat(8000)).depth).toBeGreaterThan(500)
  })
})
