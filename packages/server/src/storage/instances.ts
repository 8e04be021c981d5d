/**
 * The gateways running on one store. Each one has a row that it refreshes every HEARTBEAT_MS
 * and removes at a graceful close. A gateway without Redis keeps its replay claims in its own
 * memory (saved to its data directory at close), so no gateway starts beside a live one when
 * either of them is without Redis: a copy of a message that one accepted would be accepted by
 * the other, and two gateways on one data directory would each save their claims over the
 * other's.
 * @module
 */

/** One gateway as its row says. */
export interface GatewayInstance {
  id: string
  host: string
  pid: number
  /** Unix milliseconds. */
  started_at: number
  /** Unix milliseconds of its last heartbeat. */
  seen_at: number
  /** Where its replay claims are: shared in Redis, or in its own memory. */
  replay_claims: 'redis' | 'memory'
}

/** How often a gateway refreshes its row (one small write, off the request path). */
export const HEARTBEAT_MS = 5000

/** A gateway not seen for this long (three missed heartbeats) is taken as stopped. */
export const LIVE_WITHIN_MS = 3 * HEARTBEAT_MS

/** Rows of gateways that stopped without a close (kill -9, power loss) go after this long. */
export const FORGET_AFTER_MS = 24 * 3600_000

/** true when `pid` names a process on this host (EPERM: one we may not signal, still alive). */
export function processAlive(pid: number): boolean {
  // 0 and negative pids name process groups: never signal those.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The other gateways that are running: seen within LIVE_WITHIN_MS and, on this host, with a
 * live process. A gateway killed with -9 and started again at once is not its own rival: its
 * old pid is gone, or is its own pid again (a container restarted as pid 1).
 */
export function liveInstances(
  others: readonly GatewayInstance[],
  self: Pick<GatewayInstance, 'id' | 'host' | 'pid'>,
  now: number,
  isAlive: (pid: number) => boolean = processAlive,
): GatewayInstance[] {
  return others.filter((o) => {
    if (o.id === self.id || now - o.seen_at > LIVE_WITHIN_MS) return false
    if (o.host !== self.host) return true
    return o.pid !== self.pid && isAlive(o.pid)
  })
}

/**
 * Why `self` must not start beside the gateways registered on its store (one line naming them
 * and the fix), or null when it may: every live one and itself keep their claims in Redis.
 */
export function refusalBeside(
  others: readonly GatewayInstance[],
  self: Pick<GatewayInstance, 'id' | 'host' | 'pid' | 'replay_claims'>,
  now: number,
  isAlive: (pid: number) => boolean = processAlive,
): string | null {
  const live = liveInstances(others, self, now, isAlive)
  const blocking =
    self.replay_claims === 'memory' ? live : live.filter((o) => o.replay_claims === 'memory')
  if (blocking.length === 0) return null
  const who = blocking
    .map(
      (o) =>
        `host ${o.host} pid ${o.pid}, seen ${Math.max(0, Math.round((now - o.seen_at) / 1000))} s ago`,
    )
    .join('; ')
  const fix = 'set HOOKWARDEN_REDIS_URL on every gateway, or stop the other one first'
  return self.replay_claims === 'memory'
    ? `another gateway is running on this store (${who}); without HOOKWARDEN_REDIS_URL each gateway keeps its own replay claims, so a copy of a message one accepted would be accepted by the other: ${fix}`
    : `another gateway is running on this store without HOOKWARDEN_REDIS_URL (${who}); its replay claims are in its own memory, so a copy of a message it accepted would be accepted here: ${fix}`
}
