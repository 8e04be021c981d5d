/**
 * What the outage tests share: a Standard Webhooks delivery signed by the real signer, and a
 * gateway over a given store whose log lines are kept for the test to read.
 */
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { loadConfig } from '@hookwarden/core'
import { Webhook } from 'standardwebhooks'
import { createGateway } from '../../src/gateway.js'
import type { KyselyAttemptStore } from '../../src/storage/store.js'

/** A fresh message signed by `standardwebhooks` with `secret`, ready for fetch or undici. */
export function signedDelivery(secret: string) {
  const id = `msg_${randomBytes(8).toString('hex')}`
  const body = JSON.stringify({ id })
  const ts = new Date()
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, ts, body),
    },
  }
}

/** A gateway listening on a free port over `store`, its log lines collected in `logs`. */
export async function gatewayWithLogs(yaml: string, store: KyselyAttemptStore, adminToken: string) {
  const logs: string[] = []
  const gateway = await createGateway({
    config: loadConfig(yaml),
    adminToken,
    store,
    webDist: null,
    logDestination: new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(line)
        cb()
      },
    }),
  })
  return { gateway, url: await gateway.listen(0), logs }
}
