/**
 * Child for kill9-store.test.ts: inserts attempts through the BUILT store with group commit,
 * 64 writers at a time, and prints each id on stdout only after its insert() resolved.
 * argv: dataDir durability [ack-early]. `ack-early` prints BEFORE the insert and writes the
 * record 20 ms later, as a write-behind buffer flushed on a timer would: the negative control,
 * showing the harness does catch an answer given before the commit. The delay makes the loss
 * window most of each writer's cycle; printing just before an immediate insert left a window
 * of one event-loop turn, which a kill on a slow disk (the process idle, awaiting fdatasync)
 * could miss five times running.
 */
import { openSqliteStore } from '../../dist/index.js'

const [dataDir, durability, ackEarly] = process.argv.slice(2)
const store = await openSqliteStore({ dataDir, durability })
let n = 0
const record = (id) => ({
  id,
  received_at: Date.now(),
  endpoint: 'sw',
  tenant: null,
  environment: null,
  method: 'POST',
  path: '/hooks/sw',
  headers: [['content-type', 'application/json']],
  body_size: 0,
  body_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  body: null,
  outcome: 'accepted',
  status: 200,
  reason: null,
  would_have_refused: false,
  checks: [],
  diagnosis: null,
  diagnosis_skipped: null,
  key_id: null,
  forward_status: null,
  forward_latency_ms: null,
  forward_error: null,
  request_id: id,
  kind: 'endpoint',
})
process.stdout.write('ready\n')
const writer = async () => {
  for (;;) {
    const id = `${process.pid}-${String(n++).padStart(9, '0')}`
    if (ackEarly) {
      process.stdout.write(`${id}\n`)
      await new Promise((r) => setTimeout(r, 20))
      await store.insert(record(id))
    } else {
      await store.insert(record(id))
      process.stdout.write(`${id}\n`)
    }
  }
}
await Promise.all(Array.from({ length: 64 }, writer))
