/**
 * Which registered gateways a starting one must not run beside: the rule itself, over rows as
 * the store returns them (the processes are real: this one, and a child that has exited).
 */
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import {
  type GatewayInstance,
  LIVE_WITHIN_MS,
  liveInstances,
  processAlive,
  refusalBeside,
} from './instances.js'

const now = 1_800_000_000_000
const host = hostname()
/** A pid that named a process a moment ago and names none now. */
const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number

const row = (over: Partial<GatewayInstance>): GatewayInstance => ({
  id: 'other',
  host,
  pid: process.ppid,
  started_at: now - 60_000,
  seen_at: now - 1000,
  replay_claims: 'memory',
  ...over,
})
const self = { id: 'self', host, pid: process.pid, replay_claims: 'memory' as const }

describe('liveInstances', () => {
  it('a gateway on this host with a live process, seen lately, is live', () => {
    expect(processAlive(process.ppid)).toBe(true)
    expect(liveInstances([row({})], self, now)).toHaveLength(1)
  })

  it('a gateway killed with -9 (its pid gone) is not, however lately it was seen', () => {
    expect(processAlive(deadPid)).toBe(false)
    expect(liveInstances([row({ pid: deadPid, seen_at: now })], self, now)).toEqual([])
  })

  it("a row with this process's own pid on this host is an earlier life of it (a container's pid 1)", () => {
    expect(liveInstances([row({ pid: process.pid, seen_at: now })], self, now)).toEqual([])
  })

  it('another host is taken at its word until three heartbeats are missed', () => {
    const far = row({ host: `${host}-elsewhere`, pid: deadPid })
    expect(liveInstances([{ ...far, seen_at: now - LIVE_WITHIN_MS }], self, now)).toHaveLength(1)
    expect(liveInstances([{ ...far, seen_at: now - LIVE_WITHIN_MS - 1 }], self, now)).toEqual([])
  })

  it('never signals a process group (pid 0 or negative)', () => {
    expect(processAlive(0)).toBe(false)
    expect(processAlive(-1)).toBe(false)
  })
})

describe('refusalBeside', () => {
  it('without Redis, any live gateway refuses the start, named with the fix', () => {
    const said = refusalBeside([row({ replay_claims: 'redis', seen_at: now - 2400 })], self, now)
    expect(said).toBe(
      `another gateway is running on this store (host ${host} pid ${process.ppid}, seen 2 s ago); without HOOKWARDEN_REDIS_URL each gateway keeps its own replay claims, so a copy of a message one accepted would be accepted by the other: set HOOKWARDEN_REDIS_URL on every gateway, or stop the other one first`,
    )
  })

  it('with Redis, only a live gateway without it refuses the start', () => {
    const withRedis = { ...self, replay_claims: 'redis' as const }
    expect(refusalBeside([row({ replay_claims: 'redis' })], withRedis, now)).toBeNull()
    expect(refusalBeside([row({})], withRedis, now)).toMatch(
      /^another gateway is running on this store without HOOKWARDEN_REDIS_URL \(host .* pid \d+, seen 1 s ago\); its replay claims are in its own memory/,
    )
  })

  it('nothing live, nothing to refuse', () => {
    expect(refusalBeside([], self, now)).toBeNull()
    expect(refusalBeside([row({ pid: deadPid })], self, now)).toBeNull()
  })
})
