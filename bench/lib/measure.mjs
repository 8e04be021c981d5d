/**
 * Measuring helpers for the benches: batched timing with rotated order and medians (the
 * machine is shared, so every figure is a ratio to a baseline measured in the same round),
 * and Welch's t for the timing-leak bench.
 * @module
 */

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Runs `fn` n times (awaiting when `async`) and returns the nanoseconds of CPU time this
 * process spent (user + system): on a shared machine, time spent descheduled is not ours.
 * BENCH_CLOCK=wall measures wall time instead.
 */
export async function timeRuns(task, n) {
  const fn = task.fn
  let sink = 0
  const wall = process.env.BENCH_CLOCK === 'wall'
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  // An async task returns its promise itself (no wrapper of ours around it); `accepted` says
  // whether the awaited value is an acceptance (default: truthy).
  const accepted = task.accepted ?? Boolean
  if (task.async) for (let i = 0; i < n; i++) sink += accepted(await fn()) ? 1 : 0
  else for (let i = 0; i < n; i++) sink += fn() ? 1 : 0
  const wallNs = Number(process.hrtime.bigint() - t0)
  const c = process.cpuUsage(c0)
  if (sink !== n) throw new Error(`${task.name}: ${n - sink} of ${n} calls did not accept`)
  return wall ? wallNs : (c.user + c.system) * 1000
}

/**
 * Measures every task for `rounds` rounds of about `ms` milliseconds each, rotating the order
 * each round. Returns, per task, the ops/s of every round.
 */
export async function measure(tasks, { rounds = 25, ms = 40 } = {}) {
  const perCall = new Map()
  for (const t of tasks) {
    // Warm up (JIT) and calibrate the batch size.
    await timeRuns(t, 2000)
    const ns = await timeRuns(t, 5000)
    perCall.set(t, ns / 5000)
  }
  const ops = new Map(tasks.map((t) => [t.name, []]))
  for (let r = 0; r < rounds; r++) {
    const order = tasks.map((_, i) => tasks[(i + r) % tasks.length])
    for (const t of order) {
      const n = Math.max(1000, Math.round((ms * 1e6) / perCall.get(t)))
      const ns = await timeRuns(t, n)
      ops.get(t.name).push((n * 1e9) / ns)
    }
  }
  return ops
}

/** Welch's t statistic of two samples. */
export function welchT(a, b) {
  const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length
  const variance = (x, m) => x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1)
  const ma = mean(a)
  const mb = mean(b)
  return (ma - mb) / Math.sqrt(variance(a, ma) / a.length + variance(b, mb) / b.length)
}

export function fmt(n) {
  return Math.round(n).toLocaleString('en-US')
}

export function pad(s, n, right = false) {
  s = String(s)
  return right ? s.padStart(n) : s.padEnd(n)
}
