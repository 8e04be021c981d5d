/**
 * Timing-leak check: does verification time depend on where a wrong signature differs from
 * the right one? For each verifier, two wrong signatures (first byte changed, last byte
 * changed) are verified in batches that come in pairs, one of each class back to back in
 * random order; Welch's t compares the two timing samples after the slowest 20 % of pairs are
 * dropped (dudect-style). A constant-time verifier stays under |t| = 10. Positive controls:
 * a naive `===` on the encoded signature alone must exceed |t| = 50 (the method sees a leak of
 * a few ns); the same `===` behind a full HMAC verification shows how small a leak still
 * shows through the HMAC's own noise (the "flags ≥ ns" column, per row).
 * `--quick` takes fewer samples. No assertion: figures for a human to read.
 * @module
 */
import { createHmac } from 'node:crypto'
import { getScheme, verifySync } from '../packages/core/dist/index.js'
import { headerObject, jsonBody, NOW, SW_SECRET, schemes, signedRequest } from './lib/fixtures.mjs'
import { median, pad, welchT } from './lib/measure.mjs'

const quick = process.argv.includes('--quick')
const SAMPLES = quick ? 5000 : 30000
/** Share of the fastest batches kept (the rest is preemption and GC on a shared machine). */
const KEEP = Number(process.env.LEAK_KEEP ?? 0.8)
/** Each timed batch runs about this long, so cheap functions get big batches. */
const BATCH_NS = 12_000
// A small body: the leak under test does not depend on it, and a shorter HMAC means less noise
// around it (more power). LEAK_BODY=2048 measures with the 2 KiB body of verify.bench.
const body = jsonBody(Number(process.env.LEAK_BODY ?? 64))

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
  const BATCH = Math.max(4, Math.round(BATCH_NS / (Number(process.hrtime.bigint() - t) / 1000)))
  const time = (r) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < BATCH; i++) sink += fn(r)
    return Number(process.hrtime.bigint() - t0)
  }
  // Batches come in pairs, one of each class back to back in random order: both see the same
  // machine (load on a shared host drifts far more than any leak), and no class goes first.
  const first = []
  const last = []
  for (let s = 0; s < SAMPLES; s++) {
    if (Math.random() < 0.5) {
      first.push(time(reqFirst))
      last.push(time(reqLast))
    } else {
      last.push(time(reqLast))
      first.push(time(reqFirst))
    }
  }
  if (sink !== 0) throw new Error('a wrong signature was accepted')
  // Drop the slowest pairs (preemption, GC), then compare the classes.
  const sums = first.map((x, i) => x + last[i]).sort((a, b) => a - b)
  const cut = sums[Math.floor(sums.length * KEEP)]
  const kept = first.map((x, i) => x + last[i] <= cut)
  const f = first.filter((_, i) => kept[i])
  const l = last.filter((_, i) => kept[i])
  const se = Math.sqrt(variance(f) / f.length + variance(l) / l.length)
  // The smallest per-call difference this run would flag at |t| = 10.
  const detectable = (10 * se) / BATCH
  return { t: welchT(f, l), nsFirst: median(f) / BATCH, nsLast: median(l) / BATCH, detectable }
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
      name: `${s.name}: HMAC + naive === (control)`,
      fn: (r) => naive(r, r === first ? sFirst : sLast),
      first,
      last,
      control: 'inside',
    })
    // Positive control without the HMAC around it: the same === alone, the right signature
    // against the two wrong ones. Flat, non-internalized copies of the right one are taken in
    // turn so that the JIT cannot hoist the comparison out of the loop.
    const sig = headerObject(req)['webhook-signature'].slice(3)
    const copies = Array.from({ length: 16 }, () => Buffer.from(sig, 'latin1').toString('latin1'))
    let k = 0
    rows.push({
      name: `${s.name}: naive === alone (positive control)`,
      fn: (r) => (copies[k++ & 15] === (r === first ? sFirst : sLast) ? 1 : 0),
      first,
      last,
      control: 'alone',
    })
  }
}

console.log(
  `${SAMPLES} pairs of ~${BATCH_NS / 1000} µs batches (first-byte, last-byte; random order) per verifier, ${body.length} B body; Welch's t over the fastest ${KEEP * 100} % of pairs`,
)
console.log(
  `${pad('verifier', 52)} ${pad('|t|', 7, true)} ${pad('ns first', 9, true)} ${pad('ns last', 9, true)} ${pad('flags ≥ ns', 11, true)}  verdict`,
)
for (const r of rows) {
  const { t, nsFirst, nsLast, detectable } = measureLeak(r.fn, r.first, r.last)
  const verdict =
    r.control === 'alone'
      ? Math.abs(t) > 50
        ? 'leak seen: the method works'
        : 'CONTROL TOO WEAK: rerun on a quieter machine'
      : r.control === 'inside'
        ? Math.abs(t) > 10
          ? 'leak seen through the HMAC'
          : `a leak this small hides in the HMAC's noise`
        : Math.abs(t) < 10
          ? 'ok'
          : 'LEAK?'
  console.log(
    `${pad(r.name, 52)} ${pad(Math.abs(t).toFixed(1), 7, true)} ${pad(nsFirst.toFixed(0), 9, true)} ${pad(nsLast.toFixed(0), 9, true)} ${pad(detectable.toFixed(1), 11, true)}  ${verdict}`,
  )
}
