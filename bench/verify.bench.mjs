/**
 * Verification of a 2 KiB body per scheme, as ops/s and as a ratio to a hand-written
 * node:crypto verifier (createHmac + timingSafeEqual) measured in the same rounds; beside
 * the reference libraries' own verify (standardwebhooks, svix, stripe, octokit).
 * hookwarden is measured three ways: the scheme's verify (sync, Check[]), verifySync()
 * (Verdict) and the top-level verify() (async: one Promise per call, awaited). Goal: every scheme ≥ 0.9× node:crypto.
 * `--quick` runs 3 short rounds.
 * @module
 */
import { verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { Webhook as SvixWebhook } from 'svix'
import { getScheme, verify, verifySync } from '../packages/core/dist/index.js'
import { headerObject, jsonBody, NOW, SW_SECRET, schemes, signedRequest } from './lib/fixtures.mjs'
import { fmt, measure, median, pad } from './lib/measure.mjs'

const quick = process.argv.includes('--quick')
const body = jsonBody(2048)
const bodyText = body.toString('utf8')
const stripe = new Stripe('sk_test_bench')

const groups = []
for (const s of schemes) {
  const req = await signedRequest(s, body)
  const h = headerObject(req)
  const scheme = getScheme(s.endpoint.auth.scheme)
  const policy = s.endpoint.auth
  const ctx = { now: NOW }
  const tasks = [
    { name: `${s.name}: node:crypto (baseline)`, fn: () => s.raw(h, req.body), baseline: true },
    {
      name: `${s.name}: hookwarden scheme verify`,
      fn: () => scheme.verify(req, policy, ctx).at(-1).ok,
      ours: true,
    },
    {
      name: `${s.name}: hookwarden verifySync()`,
      fn: () => verifySync(req, s.endpoint, ctx).ok,
      ours: true,
    },
    {
      name: `${s.name}: hookwarden verify()`,
      fn: () => verify(req, s.endpoint, ctx),
      accepted: (v) => v.ok,
      async: true,
      ours: true,
    },
  ]
  if (s.name === 'standard_webhooks') {
    const sw = new StandardWebhook(SW_SECRET)
    const svix = new SvixWebhook(SW_SECRET)
    // Their verify checks the timestamp against the real clock: NOW is the real time at start.
    tasks.push({
      name: `${s.name}: standardwebhooks verify`,
      fn: () => sw.verify(body, h) !== undefined,
    })
    tasks.push({
      name: `${s.name}: standardwebhooks verify (no JSON.parse)`,
      fn: () => {
        sw.verify(body, h, { jsonParse: false })
        return true
      },
    })
    tasks.push({ name: `${s.name}: svix verify`, fn: () => svix.verify(body, h) !== undefined })
  }
  if (s.name === 'stripe') {
    tasks.push({
      name: `${s.name}: stripe constructEvent`,
      fn: () => stripe.webhooks.constructEvent(body, h['stripe-signature'], s.secret) !== undefined,
    })
  }
  if (s.name === 'github') {
    const sig = h['x-hub-signature-256']
    tasks.push({
      name: `${s.name}: @octokit/webhooks-methods verify`,
      fn: () => octokitVerify(s.secret, bodyText, sig),
      async: true,
    })
  }
  groups.push({ scheme: s.name, tasks })
}

const opts = quick ? { rounds: 8, ms: 25 } : { rounds: 25, ms: 40 }
console.log(
  `2 KiB body, ${opts.rounds} rounds × ~${opts.ms} ms per task, order rotated; medians of ops per ${process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'CPU'} second. Node ${process.version}`,
)
console.log(
  `${pad('implementation', 58)} ${pad('ops/s', 10, true)} ${pad('ratio', 7, true)}   (ratio = median of per-round ops / node:crypto ops)`,
)
const summary = []
for (const g of groups) {
  const ops = await measure(g.tasks, opts)
  const base = ops.get(g.tasks[0].name)
  for (const t of g.tasks) {
    const o = ops.get(t.name)
    const ratio = median(o.map((v, i) => v / base[i]))
    console.log(
      `${pad(t.name, 58)} ${pad(fmt(median(o)), 10, true)} ${pad(ratio.toFixed(3), 7, true)}`,
    )
    if (t.ours) summary.push({ name: t.name, ratio })
  }
  console.log('')
}
const lowest = (list) => list.reduce((a, b) => (a.ratio < b.ratio ? a : b))
const sync = lowest(summary.filter((x) => !x.name.endsWith('verify()')))
const async = lowest(summary.filter((x) => x.name.endsWith('verify()')))
console.log(`goal ≥ 0.9× node:crypto. Lowest sync figure: ${sync.ratio.toFixed(3)} (${sync.name})`)
console.log(
  `Lowest async verify() figure: ${async.ratio.toFixed(3)} (${async.name}); the gap to verifySync() is the Promise + await per call`,
)
