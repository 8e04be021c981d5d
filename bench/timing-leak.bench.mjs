/**
 * Timing-leak check: does verification time depend on where a wrong signature differs from
 * the right one? For each verifier, two wrong signatures (first byte changed, last byte
 * changed) are verified in randomly interleaved batches; Welch's t compares the two timing
 * samples (dudect-style, slowest 20 % of batches cropped). A constant-time verifier stays
 * under |t| = 10; the positive control (the same HMAC compared with a naive `===` on the
 * encoded text) must exceed 50, or the test had too little power to show anything.
 * `--quick` takes fewer samples. No assertion: figures for a human to read.
 * @module
 */
import { createHmac } from 'node:crypto'
import { getScheme, verifySync } from '../packages/core/dist/index.js'
import { NOW, SW_SECRET, headerObject, jsonBody, schemes, signedRequest } from './lib/fixtures.mjs'
import { median, pad, welchT } from './lib/measure.mjs'

const quick = process.argv.includes('--quick')
const SAMPLES = quick ? 4000 : 20000
/** Each timed batch runs about this long, so cheap functions get big batches. */
const BATCH_NS = 80_000
const body = jsonBody(2048)

/** The request with byte `at` of its (decoded) signature flipped, re-encoded the same way. */
function withSignatureByteChanged(req, s, at) {
  const name = s.signatureHeader
  const p = s.endpoint.auth
  const headers = req.headers.map(([n, v]) => {
    if (n.toLowerCase() !== name) return [n, v]
    // Standard Webhooks: v1,<base64>; GitHub/Slack: prefix + hex; Stripe: t=…,v1=<hex>.
    const m = /^(.*[=,])([0-9a-f]{64}|[A-Za-z0-9+/]{43}=)$/.exec(v)
    const encoding = p.scheme === 'standard_webhooks' ? 'base64' : p.encoding
    const bytes = Buffer.from(m[2], encoding)
    const i = at < 0 ? bytes.length + at : at
    bytes[i] ^= 0x01
    return [n, m[1] + bytes.toString(encoding)]
  })
  return { ...req, headers }
}

function measureLeak(fn, reqFirst, reqLast) {
  let sink = 0
  for (let i = 0; i < 3000; i++) sink += fn(reqFirst) + fn(reqLast)
  const t = process.hrtime.bigint()
  for (let i = 0; i < 1000; i++) sink += fn(reqFirst)
  const BATCH = Math.max(16, Math.round(BATCH_NS / (Number(process.hrtime.bigint() - t) / 1000)))
  const first = []
  const last = []
  for (let s = 0; s < SAMPLES; s++) {
    const useFirst = Math.random() < 0.5
    const r = useFirst ? reqFirst : reqLast
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < BATCH; i++) sink += fn(r)
    const dt = Number(process.hrtime.bigint() - t0)
    ;(useFirst ? first : last).push(dt)
  }
  if (sink !== 0) throw new Error('a wrong signature was accepted')
  // Crop the slowest 20 % of the pooled batches (preemption, GC) before comparing.
  const pooled = [...first, ...last].sort((a, b) => a - b)
  const cut = pooled[Math.floor(pooled.length * 0.8)]
  const f = first.filter((x) => x <= cut)
  const l = last.filter((x) => x <= cut)
  const se = Math.sqrt(variance(f) / f.length + variance(l) / l.length)
  // The smallest per-call difference this run would flag at |t| = 10.
  const detectable = (10 * se) / BATCH
  return {
    t: welchT(f, l),
    nsFirst: median(f) / BATCH,
    nsLast: median(l) / BATCH,
    detectable,
    batch: BATCH,
  }
}

function variance(x) {
  const m = x.reduce((a, b) => a + b, 0) / x.length
  return x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1)
}

const rows = []
const sw = schemes.find((s) => s.name === 'standard_webhooks')
const swKey = Buffer.from(SW_SECRET.slice(6), 'base64')

for (const s of schemes) {
  const req = await signedRequest(s, body)
  const first = withSignatureByteChanged(req, s, 0)
  const last = withSignatureByteChanged(req, s, -1)
  const scheme = getScheme(s.endpoint.auth.scheme)
  const ctx = { now: NOW }
  const hFirst = headerObject(first)
  const hLast = headerObject(last)
  rows.push({
    name: `${s.name}: node:crypto timingSafeEqual`,
    fn: (r) => (s.raw(r === first ? hFirst : hLast, r.body) ? 1 : 0),
    first,
    last,
  })
  rows.push({
    name: `${s.name}: hookwarden scheme verify`,
    fn: (r) => (scheme.verify(r, s.endpoint.auth, ctx).at(-1).ok ? 1 : 0),
    first,
    last,
  })
  if (s === sw) {
    rows.push({
      name: `${s.name}: hookwarden verifySync()`,
      fn: (r) => (verifySync(r, s.endpoint, ctx).ok ? 1 : 0),
      first,
      last,
    })
    // Positive control: the same HMAC, compared as text with ===, which stops at the first
    // differing character.
    const sigOf = (r) => headerObject(r)['webhook-signature'].slice(3)
    const naive = (r, sig) => {
      const h = r === first ? hFirst : hLast
      const mac = createHmac('sha256', swKey)
        .update(`${h['webhook-id']}.${h['webhook-timestamp']}.`)
        .update(r.body)
        .digest('base64')
      return mac === sig ? 1 : 0
    }
    const sFirst = sigOf(first)
    const sLast = sigOf(last)
    rows.push({
      name: `${s.name}: naive === (positive control)`,
      fn: (r) => naive(r, r === first ? sFirst : sLast),
      first,
      last,
      control: true,
    })
    // Positive control without the HMAC around it: the same === alone, on the right signature
    // (built fresh, as a digest would be) against the two wrong ones.
    // A flat, non-internalized copy: === then compares character by character.
    const right = Buffer.from(headerObject(req)['webhook-signature'].slice(3), 'latin1').toString(
      'latin1',
    )
    rows.push({
      name: `${s.name}: naive === alone (positive control)`,
      fn: (r) => (right === (r === first ? sFirst : sLast) ? 1 : 0),
      first,
      last,
      control: true,
    })
  }
}

console.log(
  `${SAMPLES} batches of ~${BATCH_NS / 1000} µs per verifier, classes interleaved at random; Welch's t, slowest 20 % cropped`,
)
console.log(
  `${pad('verifier', 52)} ${pad('|t|', 7, true)} ${pad('ns first', 9, true)} ${pad('ns last', 9, true)} ${pad('flags ≥ ns', 11, true)}  verdict`,
)
for (const r of rows) {
  const { t, nsFirst, nsLast, detectable } = measureLeak(r.fn, r.first, r.last)
  const verdict = r.control
    ? Math.abs(t) > 50
      ? 'leaks (control works)'
      : 'control too weak'
    : Math.abs(t) < 10
      ? 'ok'
      : 'LEAK?'
  console.log(
    `${pad(r.name, 52)} ${pad(Math.abs(t).toFixed(1), 7, true)} ${pad(nsFirst.toFixed(0), 9, true)} ${pad(nsLast.toFixed(0), 9, true)} ${pad(detectable.toFixed(1), 11, true)}  ${verdict}`,
  )
}
