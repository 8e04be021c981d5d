/**
 * What the outage tests share: a Standard Webhooks delivery signed by the real signer, a
 * gateway over a given store whose log lines are kept for the test to read, and a small disk
 * of their own to fill.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, truncateSync, writeSync } from 'node:fs'
import { join } from 'node:path'
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

/** A small tmpfs of our own at `dir` (root only); its unmount, or null when it cannot be mounted. */
export function smallDisk(dir: string, size: string): (() => void) | null {
  mkdirSync(dir, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
  } catch {
    return null
  }
  return () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
}

/** Fills the file system holding `dir` with one new file, leaving about `leave` bytes free. */
export function fill(dir: string, leave: number, name = 'filler'): string {
  const filler = join(dir, name)
  const fd = openSync(filler, 'w')
  let written = 0
  try {
    // Big writes first, then small ones: the last few KiB of the disk are taken too.
    for (const size of [64 * 1024, 512]) {
      const chunk = Buffer.alloc(size, 1)
      try {
        for (;;) written += writeSync(fd, chunk)
      } catch {
        // ENOSPC: full at this write size.
      }
    }
  } finally {
    closeSync(fd)
  }
  truncateSync(filler, Math.max(0, written - leave))
  return filler
}
