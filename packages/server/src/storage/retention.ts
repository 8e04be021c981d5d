/**
 * Retention: prunes attempts by age and by count on a schedule (croner).
 * @module
 */
import { Cron } from 'croner'
import type { AttemptStore } from './types.js'

export interface RetentionPolicy {
  /** Delete attempts older than this many days. */
  days?: number
  /** Keep at most this many attempts (the newest). */
  max_rows?: number
}

export interface RetentionOptions {
  /** Cron pattern; default every 10 minutes. */
  schedule?: string
  /** Also prune once right away; default true. */
  runNow?: boolean
  /** Called after each run with the number of rows removed, or with the error. */
  onRun?: (result: { removed: number } | { error: unknown }) => void
  now?: () => number
}

export interface RetentionHandle {
  /** Prunes now (the scheduled runs call this too). Never throws: errors go to onRun. */
  runOnce(): Promise<number>
  stop(): void
}

/**
 * The policy as the stores can apply it. `days` becomes a whole number of 1/1024 days (84.375
 * s): days × 86 400 000 ms is then a whole number of milliseconds (86 400 000 = 1024 × 84 375),
 * which PostgreSQL needs to compare with its bigint column; 1/7 day would be 12342857.142857142
 * ms, refused as "invalid input syntax for type bigint" at every run. At least 1/1024 day, so
 * that a tiny fraction never rounds to "delete everything".
 */
export function storablePolicy(policy: RetentionPolicy): RetentionPolicy {
  if (policy.days === undefined) return policy
  return { ...policy, days: Math.max(1, Math.round(policy.days * 1024)) / 1024 }
}

/** Starts the scheduler; a run never overlaps the previous one. No policy → nothing runs. */
export function startRetention(
  store: AttemptStore,
  policy: RetentionPolicy | undefined,
  options: RetentionOptions = {},
): RetentionHandle {
  const now = options.now ?? Date.now
  const active =
    policy !== undefined && (policy.days !== undefined || policy.max_rows !== undefined)
  const storable = active ? storablePolicy(policy) : {}
  let running: Promise<number> | null = null
  const runOnce = (): Promise<number> => {
    if (!active) return Promise.resolve(0)
    running ??= store
      .prune(storable, now())
      .then(
        (removed) => {
          options.onRun?.({ removed })
          return removed
        },
        (error: unknown) => {
          options.onRun?.({ error })
          return 0
        },
      )
      .finally(() => {
        running = null
      })
    return running
  }
  if (!active) return { runOnce, stop() {} }
  const job = new Cron(
    options.schedule ?? '*/10 * * * *',
    { protect: true, unref: true },
    async () => {
      await runOnce()
    },
  )
  if (options.runNow ?? true) void runOnce()
  return {
    runOnce,
    stop() {
      job.stop()
    },
  }
}
