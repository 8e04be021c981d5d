/**
 * The gateway under load: requests per second and p50/p99 latency for a 2 KiB Standard
 * Webhooks (HMAC-SHA256) signed POST, each mode beside a bare node:http server (reads the
 * body, answers 204) measured in the same rounds, printed as a ratio.
 *
 * Modes: bare · gateway without recording (verify + answer; the store is a no-op) · a bare
 * forwarder (node:http + undici, nothing verified: the ceiling of any forwarding on this
 * machine) · the gateway forwarding to a bare upstream (on core 1, beside the load) · gateway
 * + SQLite (group commit + fdatasync, the default) · gateway + SQLite synchronous=FULL ·
 * gateway + PostgreSQL (when reachable). Every recorded mode answers only after the commit.
 * The server runs in a child pinned to core 0 (`taskset -c 0`), the load (autocannon, every
 * request freshly signed with a unique webhook-id, so no replay refusals) in a child pinned to
 * core 1 (the bare baseline gets one pre-built request instead). Modes rotate between rounds;
 * medians are printed. Server CPU is read from /proc, so
 * "per core" shows req/s per busy server core too (the machine is shared), and "loop p99" the
 * server's event-loop delay during the load: wrk's p99 far above it was spent outside the
 * server's loop (in socket queues, or on the load generator's own core). "round ratios" is the
 * range of the per-round ratios (each against that round's bare run): the run's own noise.
 * Reference modes: perf.md's own prototypes rebuilt, no gateway at all, run by default:
 * plain-verify (node:http + a node:crypto check) and plain-log (that + "id ts body" appended,
 * fdatasync per batch, then 204): the designs the goals were set from, on the day's machine.
 * Only with --modes: segment-log (the gateway, each record one JSON line appended to a file,
 * writev + fdatasync per batch, nothing indexed: perf.md's stretch design at its cheapest) and
 * segment-log-nosync (the same without the fdatasync).
 * Goals: recorded ≥ 0.4× bare (never < 0.3×), p99 < 20 ms at 50 connections; no recording ≥ 0.6×.
 * Then the store alone: rows/s with 50 concurrent writers beside a bare better-sqlite3 INSERT.
 * Flags: --quick (1 round of 3 s), --rounds N, --seconds N, --connections N, --store-only,
 * --modes a,b (only those modes, beside bare), --no-store (skip the store-alone section).
 * @module
 */
import { spawn } from 'node:child_process'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  closeSync,
  existsSync,
  fdatasync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writev,
} from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const self = fileURLToPath(import.meta.url)
const root = join(self, '..', '..')
const DATABASE_URL =
  process.env.HOOKWARDEN_BENCH_DATABASE_URL ??
  process.env.HOOKWARDEN_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test'
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SW_KEY = Buffer.from(SW_SECRET.slice(6), 'base64')
const PATH = '/hooks/sw'

const argv = process.argv.slice(2)
// A flag's value, `--name V` or `--name=V`: undefined when the flag is absent, '' when it has
// no value.
const flagText = (name) => {
  const i = argv.indexOf(`--${name}`)
  if (i >= 0) return argv[i + 1] ?? ''
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}
// A numeric flag; anything but a positive integer is a one-line error.
const flag = (name, dflt) => {
  const text = flagText(name)
  if (text === undefined) return dflt
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) {
    console.error(
      `gateway.bench: --${name} wants a positive whole number, got ${JSON.stringify(text)}`,
    )
    process.exit(2)
  }
  return n
}

// The entry point is at the end of the file, after every constant it needs.

// ---------------------------------------------------------------- server child (core 0)

async function serve(mode, dir, upstream) {
  let server
  // The event loop's own delay while the load runs: a tail that wrk sees but the loop does not
  // comes from outside the server (its socket queues, or the load generator's core).
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const loopFigures = () => ({ loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 })
  process.on('message', (m) => {
    if (m === 'mark') loop.reset()
  })
  let cleanup = async () => {}
  // A plain node:http server that reads the whole body, then answers through `answer`.
  const plain = async (answer) => {
    server = http.createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => answer(req, Buffer.concat(chunks), res))
    })
    server.keepAliveTimeout = 65_000
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    process.send({ port: server.address().port })
  }
  if (mode === 'bare') {
    await plain((_req, _body, res) => res.writeHead(204).end())
  } else if (mode === 'plain-verify' || mode === 'plain-log') {
    // perf.md's own prototypes, rebuilt: node:http + a hand-written Standard Webhooks check
    // (createHmac + timingSafeEqual); plain-log also appends "id ts body" to a file, one
    // writev + fdatasync per batch, and answers after it. What the goals were set against.
    const log = mode === 'plain-log' ? segmentLogStore(join(dir, 'plain.log'), true) : null
    await plain((req, body, res) => {
      const h = req.headers
      const id = h['webhook-id']
      const ts = h['webhook-timestamp']
      const mac = createHmac('sha256', SW_KEY).update(`${id}.${ts}.`).update(body).digest()
      const given = Buffer.from(String(h['webhook-signature']).slice(3), 'base64')
      if (given.length !== mac.length || !timingSafeEqual(given, mac))
        return res.writeHead(401).end()
      if (!log) return res.writeHead(204).end()
      log.insert({ id, ts, body: body.toString('latin1') }).then(
        () => res.writeHead(204).end(),
        () => res.writeHead(503).end(),
      )
    })
  } else if (mode === 'proxy') {
    // The least a forwarder does: read the body, send it upstream on undici's keep-alive
    // pool, relay the answer. No verification, no recording: the ceiling for 'forward'.
    const { Pool } = await import('undici')
    const pool = new Pool(upstream)
    await plain((req, body, res) =>
      pool
        .request({ path: '/hooks', method: 'POST', headers: req.rawHeaders, body })
        .then(async (up) => {
          const relayed = Buffer.from(await up.body.arrayBuffer())
          res.writeHead(up.statusCode).end(relayed)
        })
        .catch(() => res.writeHead(502).end()),
    )
  } else {
    const core = await import(join(root, 'packages/core/dist/index.js'))
    const srv = await import(join(root, 'packages/server/dist/index.js'))
    const file = join(dir, 'hookwarden.yaml')
    writeFileSync(
      file,
      `admin: { token: "bench-admin-token-0123456789" }\nendpoints:\n  - name: sw\n    path: ${PATH}\n    auth:\n      scheme: standard_webhooks\n      secrets: ["${SW_SECRET}"]\n      tolerance: 300\n${upstream ? `    forward: ${upstream}/hooks\n` : ''}`,
    )
    const config = core.loadConfigFile(file, { env: {} })
    let store
    if (mode === 'norecord' || mode === 'forward') store = nullStore()
    else if (mode === 'segment-log' || mode === 'segment-log-nosync')
      store = segmentLogStore(join(dir, 'attempts.log'), mode === 'segment-log')
    else if (mode === 'sqlite')
      store = await srv.openSqliteStore({ dataDir: dir, durability: 'fdatasync' })
    else if (mode === 'sqlite-full')
      store = await srv.openSqliteStore({ dataDir: dir, durability: 'full' })
    else if (mode === 'postgres') {
      const schema = `hw_bench_${process.pid}_${randomBytes(3).toString('hex')}`
      store = await srv.openPostgresStore({ databaseUrl: DATABASE_URL, schema })
      cleanup = async () => {
        const pg = (await import('pg')).default
        const c = new pg.Client({ connectionString: DATABASE_URL })
        await c.connect()
        await c.query(`drop schema if exists "${schema}" cascade`)
        await c.end()
      }
    } else throw new Error(`unknown mode ${mode}`)
    const gateway = await srv.createGateway({
      config,
      adminToken: 'bench-admin-token-0123456789',
      store,
      webDist: null,
    })
    const url = await gateway.listen(0, '127.0.0.1')
    const countRows = async () => {
      if (mode === 'norecord' || mode === 'forward') return null
      if (store.appended !== undefined) return store.appended()
      // Every answered attempt is recorded: the count must be at least the 2xx answers.
      const rows = await store.list({ limit: 1 })
      return rows.length > 0 ? await rowCount(store) : 0
    }
    process.on('message', async (m) => {
      if (m === 'count') process.send({ rows: await countRows(), ...loopFigures() })
      if (m === 'stop') {
        await gateway.close()
        await cleanup()
        process.exit(0)
      }
    })
    process.send({ port: Number(new URL(url).port) })
    return
  }
  process.on('message', (m) => {
    if (m === 'stop') server.close(() => process.exit(0))
    if (m === 'count') process.send({ rows: null, ...loopFigures() })
  })
}

async function rowCount(store) {
  const db = store.db
  const r = await db
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst()
  return Number(r.n)
}

/**
 * The cheapest durable store there is: records appended as JSON lines to one file, one writev
 * and (when `sync`) one fdatasync per batch, up to four batches in flight like the SQLite
 * store; inserts resolve after their batch's fdatasync. No index, no reads: a reference for
 * what a segment log could gain over SQLite on this machine, not a store.
 */
function segmentLogStore(file, sync) {
  const fd = openSync(file, 'a')
  const writevAsync = promisify(writev)
  const fdatasyncAsync = promisify(fdatasync)
  let queue = []
  let scheduled = false
  let inFlight = 0
  let appended = 0
  const flush = () => {
    scheduled = false
    if (queue.length === 0 || inFlight >= 4) return
    const batch = queue
    queue = []
    inFlight++
    const lines = batch.map((p) => Buffer.from(`${JSON.stringify(p.record)}\n`))
    writevAsync(fd, lines)
      .then(() => (sync ? fdatasyncAsync(fd) : undefined))
      .then(
        () => {
          appended += batch.length
          for (const p of batch) p.resolve()
        },
        (error) => {
          for (const p of batch) p.reject(error)
        },
      )
      .finally(() => {
        inFlight--
        if (queue.length > 0) flush()
      })
  }
  return {
    ...nullStore(),
    insert: (record) =>
      new Promise((resolve, reject) => {
        queue.push({ record, resolve, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      }),
    appended: () => appended,
    close: async () => closeSync(fd),
  }
}

function nullStore() {
  const ok = () => Promise.resolve()
  return {
    migrate: ok,
    insert: ok,
    update: ok,
    get: async () => null,
    list: async () => [],
    stats: async () => [],
    prune: async () => 0,
    close: ok,
  }
}

// ---------------------------------------------------------------- load child (core 1)

/**
 * wrk, when installed: a Lua script sends pre-signed requests (one unique webhook-id each, from
 * a pool signed before the round), so the load generator spends no HMAC and no request
 * building per request. Signing inside autocannon's setupRequest cost about 30 µs of core 1
 * per request, which capped the load near 33k req/s, below what is being measured.
 */
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p)) ?? null

/** Signs `count` unique messages (ids `msg_<prefix>_<i>`, one timestamp) into a pool file. */
function writePool(dir, count) {
  const body = jsonBody(2048)
  const prefix = randomBytes(4).toString('hex')
  const ts = Math.floor(Date.now() / 1000)
  const lines = [String(ts)]
  for (let i = 0; i < count; i++) {
    const id = `msg_${prefix}_${i}`
    const mac = createHmac('sha256', SW_KEY).update(`${id}.${ts}.`).update(body).digest('base64')
    lines.push(`${id} ${mac}`)
  }
  const file = join(dir, 'pool.txt')
  writeFileSync(file, `${lines.join('\n')}\n`)
  writeFileSync(join(dir, 'body.json'), body)
  writeFileSync(join(dir, 'load.lua'), LUA)
  writeFileSync(join(dir, 'fixed.lua'), LUA_FIXED)
  return { file, count }
}

const LUA = `
local pre, mid, post
local ids, sigs = {}, {}
local i, last = 0, 0
function init(args)
  local pool, first, n, bodyFile = args[1], tonumber(args[2]), tonumber(args[3]), args[4]
  local f = io.open(bodyFile, "rb"); local body = f:read("*a"); f:close()
  local lines = io.lines(pool)
  local ts = lines()
  local k = 0
  for line in lines do
    if k >= first + n then break end
    if k >= first then
      local id, sig = line:match("^(%S+) (%S+)$")
      ids[#ids + 1] = id; sigs[#sigs + 1] = sig
    end
    k = k + 1
  end
  last = #ids
  pre = "POST ${PATH} HTTP/1.1\\r\\nHost: " .. wrk.host .. ":" .. wrk.port ..
    "\\r\\nContent-Type: application/json\\r\\nContent-Length: " .. #body ..
    "\\r\\nwebhook-timestamp: " .. ts .. "\\r\\nwebhook-id: "
  mid = "\\r\\nwebhook-signature: v1,"
  post = "\\r\\n\\r\\n" .. body
  -- The pool is read: the load starts now (the parent times the server's CPU from here).
  io.stderr:write("WRK-READY\\n"); io.stderr:flush()
end
function request()
  -- Past the pool's end the ids repeat: the gateway refuses those as replays (counted non-2xx).
  i = i + 1
  if i > last then i = 1 end
  return pre .. ids[i] .. mid .. sigs[i] .. post
end
function done(summary, latency, requests)
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"non2xx":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

/**
 * The bare baseline verifies nothing: it gets wrk's static request (the pool's first message,
 * built once), so that the load generator's per-request work never caps the baseline. wrk only
 * builds a static request when the script defines no request(), hence a script of its own.
 */
const LUA_FIXED = `
function init(args)
  local pool, bodyFile = args[1], args[4]
  local f = io.open(bodyFile, "rb"); wrk.body = f:read("*a"); f:close()
  local lines = io.lines(pool)
  local ts = lines()
  local id, sig = lines():match("^(%S+) (%S+)$")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["webhook-timestamp"] = ts
  wrk.headers["webhook-id"] = id
  wrk.headers["webhook-signature"] = "v1," .. sig
  io.stderr:write("WRK-READY\\n"); io.stderr:flush()
end
${LUA.slice(LUA.indexOf('function done'))}`

async function load({ port, seconds, connections, fixed, pool }) {
  if (WRK) return loadWrk({ port, seconds, connections, fixed, pool })
  process.send({ ready: true })
  const autocannon = (await import('autocannon')).default
  const body = jsonBody(2048)
  let n = 0
  const prefix = randomBytes(4).toString('hex')
  const ts = Math.floor(Date.now() / 1000)
  const id = `msg_${prefix}`
  // The bare server verifies nothing: it gets one pre-built signed request, so that signing
  // in the load generator never caps the baseline.
  const fixedRequest = {
    method: 'POST',
    path: PATH,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${createHmac('sha256', SW_KEY).update(`${id}.${ts}.`).update(body).digest('base64')}`,
    },
    body,
  }
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: fixed
      ? [fixedRequest]
      : [
          {
            method: 'POST',
            path: PATH,
            setupRequest(req) {
              // A unique id per request: the gateway's replay check must accept every one.
              const id = `msg_${prefix}_${n++}`
              const ts = Math.floor(Date.now() / 1000)
              const mac = createHmac('sha256', SW_KEY)
                .update(`${id}.${ts}.`)
                .update(body)
                .digest('base64')
              req.headers = {
                'content-type': 'application/json',
                'webhook-id': id,
                'webhook-timestamp': String(ts),
                'webhook-signature': `v1,${mac}`,
              }
              req.body = body
              return req
            },
          },
        ],
  })
  process.send({
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ok2xx: result['2xx'],
  })
}

/** wrk on this (core 1) process's CPU set, over its slice of the round's pool. */
async function loadWrk({ port, seconds, connections, fixed, pool }) {
  const script = join(pool.dir, fixed ? 'fixed.lua' : 'load.lua')
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    '5s',
    '-s',
    script,
    `http://127.0.0.1:${port}${PATH}`,
    '--',
    pool.file,
    String(pool.first),
    String(pool.count),
    join(pool.dir, 'body.json'),
  ]
  const out = await new Promise((resolve, reject) => {
    const w = spawn(WRK, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    w.stderr.on('data', (d) => {
      if (String(d).includes('WRK-READY')) process.send({ ready: true })
      else process.stderr.write(d)
    })
    let text = ''
    w.stdout.on('data', (d) => {
      text += d
    })
    w.on('error', reject)
    w.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}`))))
  })
  const line = out.split('\n').find((l) => l.startsWith('WRK '))
  if (!line) throw new Error(`wrk printed no summary:\n${out}`)
  const r = JSON.parse(line.slice(4))
  const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  process.send({
    loadTicks: Number(stat[13]) + Number(stat[14]),
    rps: r.requests / (r.duration_us / 1e6),
    total: r.requests,
    p50: r.p50_us / 1000,
    p99: r.p99_us / 1000,
    non2xx: r.non2xx,
    errors: r.errors,
    ok2xx: r.requests - r.non2xx,
  })
}

/** A deterministic JSON body of exactly `size` bytes (same shape as bench/lib/fixtures.mjs). */
function jsonBody(size) {
  const head = '{"type":"invoice.paid","id":"evt_1NqB2x","note":"'
  return Buffer.from(`${head}${'x'.repeat(size - head.length - 2)}"}`)
}

// ---------------------------------------------------------------- parent

function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(f[11]) + Number(f[12]) // utime + stime
  } catch {
    return null
  }
}

function child(args, core) {
  const pin = existsSync('/usr/bin/taskset') ? ['taskset', '-c', String(core)] : []
  // BENCH_SERVER_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to the measured
  // server on core 0 only, not to the upstream or the load.
  const nodeFlags =
    core === 0 ? (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean) : []
  const [cmd, ...rest] = [...pin, process.execPath, ...nodeFlags, self, ...args]
  const c = spawn(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const next = () =>
    new Promise((resolve, reject) => {
      c.once('message', resolve)
      c.once('exit', (code) => reject(new Error(`${args[0]} ${args[1] ?? ''} exited ${code}`)))
    })
  // A load child reports { ready } when its load starts, then its result.
  const ready = new Promise((resolve) => c.on('message', (m) => m?.ready && resolve()))
  const result = new Promise((resolve, reject) => {
    c.on('message', (m) => m?.rps !== undefined && resolve(m))
    c.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)))
  })
  result.catch(() => {})
  return { c, next, ready, result }
}

async function runMode(mode, opts, pool) {
  const dir = mkdtempSync(join(tmpdir(), `hookwarden-bench-${mode}-`))
  // Forwarding: the upstream (a bare node:http server answering 204) shares core 1 with the
  // load generator, so the gateway's core does the gateway's work only.
  const upstream =
    mode === 'forward' || mode === 'proxy' ? child(['--serve', 'bare', dir], 1) : null
  const upstreamUrl = upstream ? `http://127.0.0.1:${(await upstream.next()).port}` : undefined
  const server = child(['--serve', mode, dir, ...(upstreamUrl ? [upstreamUrl] : [])], 0)
  try {
    const { port } = await server.next()
    // Warm-up (JIT, connections, SQLite pages), then the measured run.
    await child(
      [
        '--load',
        JSON.stringify({
          port,
          seconds: 1,
          connections: opts.connections,
          fixed: mode === 'bare',
          pool: pool && { ...pool, first: pool.measured, count: pool.warmup },
        }),
      ],
      1,
    ).result
    const loader = child(
      [
        '--load',
        JSON.stringify({
          port,
          seconds: opts.seconds,
          connections: opts.connections,
          fixed: mode === 'bare',
          pool: pool && { ...pool, first: 0, count: pool.measured },
        }),
      ],
      1,
    )
    // The server's CPU is timed from the moment the load starts (wrk has read its pool).
    await loader.ready
    server.c.send('mark')
    const before = cpuTicks(server.c.pid)
    const t0 = process.hrtime.bigint()
    let loadCpu = null
    const sampler = setInterval(() => {
      loadCpu = cpuTicks(loader.c.pid) ?? loadCpu
    }, 200)
    const r = await loader.result
    clearInterval(sampler)
    const wall = Number(process.hrtime.bigint() - t0) / 1e9
    const after = cpuTicks(server.c.pid)
    const cores = before !== null && after !== null ? (after - before) / 100 / wall : null
    // wrk is the load child's child: its CPU comes back in the report (cutime + cstime).
    const loadCores =
      r.loadTicks !== undefined
        ? r.loadTicks / 100 / wall
        : loadCpu !== null
          ? loadCpu / 100 / wall
          : null
    server.c.send('count')
    const { rows, loopP99, loopMax } = await server.next()
    server.c.send('stop')
    await new Promise((r) => server.c.once('exit', r))
    return { ...r, cores, loadCores, rows, loopP99, loopMax }
  } finally {
    upstream?.c.kill('SIGKILL')
    if (server.c.exitCode === null) server.c.kill('SIGKILL')
    // BENCH_KEEP=1 keeps each mode's data directory (its database) for a look afterwards.
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true })
  }
}

async function postgresReachable() {
  try {
    const pg = (await import('pg')).default
    const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
    await c.connect()
    await c.end()
    return true
  } catch {
    return false
  }
}

/** Milliseconds as printed: whole (autocannon's resolution) or to 0.01 ms (wrk). */
const msText = (ms) => (WRK ? ms.toFixed(2) : String(ms))

function median(xs) {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b)
  if (s.length === 0) return null
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main() {
  if (!existsSync(join(root, 'packages/server/dist/index.js'))) {
    console.error('gateway.bench: packages/server/dist is missing; run `npx tsc -b` first')
    process.exit(2)
  }
  const quick = argv.includes('--quick')
  const opts = {
    rounds: flag('rounds', quick ? 1 : 3),
    seconds: flag('seconds', quick ? 3 : 8),
    connections: flag('connections', 50),
  }
  if (argv.includes('--store-only')) return storeSection(opts, await postgresReachable())
  const modes = [
    'bare',
    'plain-verify',
    'plain-log',
    'norecord',
    'proxy',
    'forward',
    'sqlite',
    'sqlite-full',
  ]
  const known = [...modes, 'postgres', 'segment-log', 'segment-log-nosync']
  const only = flagText('modes')?.split(',') ?? null
  const unknown = only?.find((m) => !known.includes(m))
  if (unknown !== undefined) {
    console.error(
      `gateway.bench: --modes: unknown mode ${JSON.stringify(unknown)} (modes: ${known.join(', ')})`,
    )
    process.exit(2)
  }
  const postgres = (!only || only.includes('postgres')) && (await postgresReachable())
  if (postgres) modes.push('postgres')
  else if (!only || only.includes('postgres'))
    console.log(
      `(PostgreSQL not reachable at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}: skipped)`,
    )
  // --modes bare,sqlite: only those, in the usual order (bare is always kept, it is every
  // ratio's denominator); the reference segment-log modes run only when named.
  if (only)
    modes.splice(
      0,
      modes.length,
      ...known.filter((m) => m === 'bare' || (only.includes(m) && (m !== 'postgres' || postgres))),
    )
  console.log(
    `gateway bench: 2 KiB Standard Webhooks POST, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, server on core 0, ${WRK ? 'wrk (pre-signed requests)' : 'autocannon (signing each request)'} on core 1`,
  )
  const results = Object.fromEntries(modes.map((m) => [m, []]))
  const poolDir = WRK ? mkdtempSync(join(tmpdir(), 'hookwarden-bench-pool-')) : null
  for (let round = 0; round < opts.rounds; round++) {
    const order = modes.map((_, i) => modes[(i + round) % modes.length])
    // A fresh pool per round keeps every timestamp well inside the 300 s tolerance. 100k/s
    // leaves room above the bare server's rate; past the end ids would repeat (replays, non-2xx).
    const measured = opts.seconds * 100_000
    const warmup = 100_000
    const pool = poolDir
      ? { dir: poolDir, ...writePool(poolDir, measured + warmup), measured, warmup }
      : null
    for (const mode of order) {
      const r = await runMode(mode, opts, pool)
      results[mode].push(r)
      console.log(
        `  round ${round + 1} ${mode.padEnd(12)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${msText(r.p50)} ms  p99 ${msText(r.p99)} ms  loop p99 ${r.loopP99?.toFixed(1) ?? '?'} max ${r.loopMax?.toFixed(1) ?? '?'} ms  server ${r.cores?.toFixed(2) ?? '?'} cores  load ${r.loadCores?.toFixed(2) ?? '?'} cores  non2xx ${r.non2xx}  errors ${r.errors}${r.rows !== null ? `  rows ${r.rows} ≥ 2xx ${r.ok2xx}` : ''}`,
      )
      if (r.rows !== null && r.rows < r.ok2xx) {
        console.log(`  !! ${mode}: ${r.ok2xx - r.rows} answered attempts missing from the store`)
        process.exitCode = 1
      }
    }
  }
  const label = {
    bare: 'bare node:http, read body, 204 (baseline)',
    norecord: 'gateway, verify + answer, no recording',
    proxy: 'bare forwarder: node:http + undici, no verify (ref.)',
    forward: 'gateway, verify + forward (undici), no recording',
    sqlite: 'gateway + SQLite, group commit + fdatasync (default)',
    'sqlite-full': 'gateway + SQLite, synchronous=FULL group commit',
    postgres: 'gateway + PostgreSQL, group commit',
    'segment-log': 'gateway + JSON-line log, fdatasync per batch (ref.)',
    'segment-log-nosync': 'gateway + JSON-line log, no fdatasync (ref.)',
    'plain-verify': "perf.md's node:http + node:crypto verify (ref.)",
    'plain-log': "perf.md's log-group: verify + append + fdatasync (ref.)",
  }
  const med = (mode, key) => median(results[mode].map((r) => r[key]))
  const bare = med('bare', 'rps')
  const bareCore = median(results.bare.map((r) => (r.cores ? r.rps / r.cores : null)))
  console.log('')
  console.log(
    `${'mode'.padEnd(54)} ${'req/s'.padStart(8)} ${'ratio'.padStart(6)} ${'p50'.padStart(5)} ${'p99'.padStart(5)} ${'per core'.padStart(9)} ${'ratio'.padStart(6)} ${'loop p99'.padStart(9)}  ${'round ratios'}`,
  )
  for (const mode of modes) {
    const rps = med(mode, 'rps')
    // Each round's ratio against that round's bare run: their range is the run's own noise.
    const rounds = results[mode].map((r, i) => r.rps / results.bare[i].rps)
    const range = `${Math.min(...rounds).toFixed(2)}–${Math.max(...rounds).toFixed(2)}×`
    const perCore = median(results[mode].map((r) => (r.cores ? r.rps / r.cores : null)))
    console.log(
      `${label[mode].padEnd(54)} ${Math.round(rps).toString().padStart(8)} ${(rps / bare).toFixed(2).padStart(5)}× ${msText(med(mode, 'p50')).padStart(5)} ${msText(med(mode, 'p99')).padStart(5)} ${perCore ? Math.round(perCore).toString().padStart(9) : '?'.padStart(9)} ${perCore && bareCore ? `${(perCore / bareCore).toFixed(2).padStart(5)}×` : '      '} ${med(mode, 'loopP99')?.toFixed(1).padStart(9) ?? ''}  ${range}`,
    )
  }
  const goal = (name, ok) => console.log(`  ${ok ? 'ok  ' : 'MISS'} ${name}`)
  console.log(`\ngoals${WRK ? '' : ' (latency in whole ms: autocannon resolution)'}:`)
  if (modes.includes('norecord'))
    goal(
      `no recording ≥ 0.6× bare: ${(med('norecord', 'rps') / bare).toFixed(2)}×`,
      med('norecord', 'rps') / bare >= 0.6,
    )
  // The goals came from perf.md's prototypes on a given day; how far they get on this one.
  if (modes.includes('plain-verify'))
    console.log(
      `       (perf.md's bare node:crypto verify: ${(med('plain-verify', 'rps') / bare).toFixed(2)}× bare today, 0.75× in perf.md)`,
    )
  if (modes.includes('forward'))
    goal(
      `verify + forward, no recording ≥ 0.6× bare: ${(med('forward', 'rps') / bare).toFixed(2)}×`,
      med('forward', 'rps') / bare >= 0.6,
    )
  if (modes.includes('forward') && modes.includes('proxy'))
    console.log(
      `       (verify + forward is ${(med('forward', 'rps') / med('proxy', 'rps')).toFixed(2)}× the bare forwarder, which itself is ${(med('proxy', 'rps') / bare).toFixed(2)}× bare)`,
    )
  if (modes.includes('plain-log'))
    console.log(
      `       (perf.md's log-group design, verify + append + fdatasync per batch: ${(med('plain-log', 'rps') / bare).toFixed(2)}× bare today, 0.42× in perf.md)`,
    )
  for (const mode of ['sqlite', 'sqlite-full', 'postgres'].filter((m) => modes.includes(m))) {
    const ratio = med(mode, 'rps') / bare
    goal(
      `${mode}: ≥ 0.4× bare (floor 0.3×): ${ratio.toFixed(2)}×${ratio < 0.3 ? ', under the floor' : ''}`,
      ratio >= 0.4,
    )
    goal(
      `${mode}: p99 < 20 ms at ${opts.connections} connections: ${msText(med(mode, 'p99'))} ms`,
      med(mode, 'p99') < 20,
    )
  }
  console.log(
    '\n(server cores well under 1: other tenants or the load generator set the pace, not the gateway; compare "per core")',
  )
  console.log(
    "(loop p99: the server's event-loop delay under load, ms; a p99 far above it was spent outside the server's loop)",
  )
  if (poolDir) rmSync(poolDir, { recursive: true, force: true })
  if (!argv.includes('--no-store')) await storeSection(opts, modes.includes('postgres'))
}

// ---------------------------------------------------------------- the store alone (core 0)

/** Rows/s with 50 concurrent writers, each awaiting its insert (the gateway's pattern). */
async function storeSection(opts, withPostgres) {
  const modes = [
    'bare-normal',
    'bare-full',
    'fdatasync',
    'full',
    ...(withPostgres ? ['postgres'] : []),
  ]
  const n = opts.seconds >= 8 ? 30_000 : 10_000
  const results = Object.fromEntries(modes.map((m) => [m, []]))
  for (let round = 0; round < opts.rounds; round++) {
    for (const mode of modes.map((_, i) => modes[(i + round) % modes.length])) {
      results[mode].push(await child(['--inserts', mode, String(n)], 0).next())
    }
  }
  const label = {
    'bare-normal': 'better-sqlite3 INSERT per request, WAL NORMAL (not power-safe)',
    'bare-full': 'better-sqlite3 INSERT per request, WAL FULL (fsync each)',
    fdatasync: 'store: group commit + fdatasync (default)',
    full: 'store: group commit, synchronous=FULL',
    postgres: 'store: PostgreSQL group commit',
  }
  const base = median(results['bare-normal'].map((r) => r.rate))
  console.log(`\nthe store alone: ${n} attempt rows, 50 concurrent writers, core 0`)
  for (const mode of modes) {
    const rate = median(results[mode].map((r) => r.rate))
    const cpu = median(results[mode].map((r) => r.cpuUs))
    console.log(
      `${label[mode].padEnd(64)} ${Math.round(rate).toString().padStart(7)} rows/s ${(rate / base).toFixed(2).padStart(5)}×  ${cpu.toFixed(1).padStart(5)} µs CPU/row`,
    )
  }
}

async function inserts(mode, n) {
  const dir = mkdtempSync(join(tmpdir(), 'hookwarden-bench-inserts-'))
  const srv = await import(join(root, 'packages/server/dist/index.js'))
  let insert
  let close
  let drop = async () => {}
  if (mode.startsWith('bare')) {
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(dir, 'bare.db'))
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${mode === 'bare-full' ? 'FULL' : 'NORMAL'}`)
    db.exec(
      'create table attempts (id text primary key, received_at integer, endpoint text, headers text, checks text, request_id text, body_sha256 text)',
    )
    const st = db.prepare('insert into attempts values (?, ?, ?, ?, ?, ?, ?)')
    insert = async (r) => {
      st.run(
        r.id,
        r.received_at,
        r.endpoint,
        JSON.stringify(r.headers),
        JSON.stringify(r.checks),
        r.request_id,
        r.body_sha256,
      )
    }
    close = async () => db.close()
  } else {
    let store
    if (mode === 'postgres') {
      const schema = `hw_bench_ins_${process.pid}`
      store = await srv.openPostgresStore({ databaseUrl: DATABASE_URL, schema })
      drop = async () => {
        const pg = (await import('pg')).default
        const c = new pg.Client({ connectionString: DATABASE_URL })
        await c.connect()
        await c.query(`drop schema if exists "${schema}" cascade`)
        await c.end()
      }
    } else store = await srv.openSqliteStore({ dataDir: dir, durability: mode })
    insert = (r) => store.insert(r)
    close = () => store.close()
  }
  let seq = 0
  const record = () => {
    const t = Date.now()
    const s = String(seq++).padStart(16, '0')
    return {
      id: t.toString(32).toUpperCase().padStart(10, '0') + s,
      received_at: t,
      endpoint: 'sw',
      tenant: null,
      environment: null,
      method: 'POST',
      path: PATH,
      headers: [
        ['host', '127.0.0.1:8787'],
        ['content-type', 'application/json'],
        ['content-length', '2048'],
        ['webhook-id', `msg_${s}`],
        ['webhook-timestamp', '1764000000'],
        ['webhook-signature', 'len=47 fp:1a2b3c4d'],
      ],
      body_size: 2048,
      body_sha256: 'a'.repeat(64),
      body: null,
      outcome: 'accepted',
      status: 200,
      reason: null,
      would_have_refused: false,
      checks: [{ name: 'signature', ok: true, detail: 'v1 matched the configured secret' }],
      diagnosis: null,
      diagnosis_skipped: null,
      key_id: null,
      forward_status: null,
      forward_latency_ms: null,
      forward_error: null,
      request_id: `req_${s}`,
      kind: 'endpoint',
    }
  }
  for (let i = 0; i < 1000; i++) await insert(record())
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  let sent = 0
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (sent < n) {
        sent++
        await insert(record())
      }
    }),
  )
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(c0)
  await close()
  await drop()
  rmSync(dir, { recursive: true, force: true })
  process.send({ rate: n / wall, cpuUs: (cpu.user + cpu.system) / n })
  process.exit(0)
}

if (argv[0] === '--serve') await serve(argv[1], argv[2], argv[3])
else if (argv[0] === '--load') await load(JSON.parse(argv[1]))
else if (argv[0] === '--inserts') await inserts(argv[1], Number(argv[2]))
else await main()
