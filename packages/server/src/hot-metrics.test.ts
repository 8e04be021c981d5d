import fc from 'fast-check'
import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { HotCounter, HotHistogram } from './hot-metrics.js'

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.1, 1, 10]
const endpoint = fc.constantFrom('orders', 'billing', 'a "quoted"\\name', 'ünï')
const value = fc.oneof(
  fc.double({ min: 0, max: 20, noNaN: true }),
  fc.constantFrom(0, 0.0005, 0.001, 10, 11, 1e-9),
)

/** The same observations through prom-client and through ours: the /metrics text is equal. */
async function both(
  feed: (
    h: { observe(l: Record<string, string> | number, v?: number): void },
    c: { inc(l?: Record<string, string> | number, v?: number): void },
    h0: { observe(v: number): void },
    c0: { inc(v?: number): void },
  ) => void,
) {
  const theirs = new Registry()
  const ours = new Registry()
  const configs = {
    h: { name: 'h', help: 'a histogram', labelNames: ['endpoint', 'result'], buckets: BUCKETS },
    c: { name: 'c', help: 'a counter', labelNames: ['endpoint', 'kind', 'outcome', 'reason'] },
    h0: { name: 'h0', help: 'no labels', buckets: BUCKETS },
    c0: { name: 'c0', help: 'no labels' },
  }
  // The same four metrics from each pair of classes, into each registry.
  const build = (H: new (c: never) => unknown, C: new (c: never) => unknown, r: Registry) => {
    const registers = [r]
    const m = (Cls: typeof H, config: object) => new Cls({ ...config, registers } as never) as never
    feed(m(H, configs.h), m(C, configs.c), m(H, configs.h0), m(C, configs.c0))
  }
  build(Histogram, Counter, theirs)
  const expected = await theirs.metrics()
  build(HotHistogram, HotCounter, ours)
  return {
    expected,
    actual: await ours.metrics(),
    json: [await theirs.getMetricsAsJSON(), await ours.getMetricsAsJSON()],
  }
}

describe('HotCounter and HotHistogram', () => {
  it('give the /metrics text prom-client gives for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(endpoint, fc.constantFrom('2xx', 'error'), value, fc.nat(3)), {
          maxLength: 60,
        }),
        async (events) => {
          const { expected, actual, json } = await both((h, c, h0, c0) => {
            for (const [e, result, v, n] of events) {
              h.observe({ endpoint: e, result }, v)
              h0.observe(v)
              c.inc({
                endpoint: e,
                kind: 'endpoint',
                outcome: n > 1 ? 'rejected' : 'accepted',
                reason: '',
              })
              if (n > 0) c.inc({ endpoint: e, kind: 'health', outcome: 'accepted', reason: 'x' }, n)
              c0.inc()
            }
          })
          expect(actual).toBe(expected)
          // JSON too (prom-client adds an empty exemplar field there, which ours leaves out).
          const plain = (j: unknown) =>
            JSON.parse(JSON.stringify(j, (k, v) => (k === 'exemplar' ? undefined : v)))
          expect(plain(json[1])).toEqual(plain(json[0]))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('shows unlabelled metrics at zero before anything is observed', async () => {
    const { expected, actual } = await both(() => {})
    expect(actual).toBe(expected)
    expect(actual).toContain('h0_bucket{le="+Inf"} 0')
    expect(actual).toContain('c0 0')
  })

  it('keeps a series without a label apart from one whose value reads "undefined"', async () => {
    const { expected, actual } = await both((h, c) => {
      c.inc({ endpoint: 'undefined', kind: 'k', outcome: 'o', reason: 'r' })
      c.inc({ kind: 'k', outcome: 'o', reason: 'r' })
      h.observe({ endpoint: 'undefined', result: '2xx' }, 0.001)
      h.observe({ result: '2xx' }, 0.001)
    })
    expect(actual).toBe(expected)
  })

  it('refuses what prom-client refuses: a counter going down, a value that is not a number', () => {
    const registers = [new Registry()]
    expect(() => new HotCounter({ name: 'c', help: 'c', registers }).inc(-1)).toThrow()
    expect(() =>
      new HotHistogram({ name: 'h', help: 'h', buckets: BUCKETS, registers }).observe(Number.NaN),
    ).toThrow()
  })
})
