/**
 * The shape every near-miss transform shares: a Step names one deviation the sender made
 * (its reason code, one sentence, the fix worded per sender, the evidence). A candidate that
 * verifies after its steps were undone is the diagnosis.
 * @module
 */
import type { ReasonCode } from '../../verdict/reasons.js'
import type { Fix } from '../wording.js'

export interface Step {
  code: ReasonCode
  /** One sentence, never a secret (fingerprints only). */
  summary: string
  fix: Fix
  evidence: string[]
  /**
   * Which kind of near miss of its code this is, for a provider's pitfall that applies to one
   * kind only (a body changed `bytes` / `json` / `form`; a timestamp in the `past` / `future`).
   */
  kind?: StepKind
}

export type StepKind = 'bytes' | 'json' | 'form' | 'past' | 'future'

/** A finding of the search: the steps, and how sure we are. */
export interface Finding extends Step {
  confidence: number
}

/**
 * Bounds the search: candidates tried and wall time. Shared by every family. Building a
 * candidate (a body variant) asks overBudget() first, so that the deadline also holds between
 * the HMACs `spend()` counts. The clock is a parameter for tests (the default reads
 * performance.now()), which count work and never measure time.
 */
export class Budget {
  tried = 0
  exhausted = false
  private readonly deadline: number
  constructor(
    readonly maxCandidates: number,
    maxMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.deadline = clock() + maxMs
  }
  /** Counts one candidate; false once the budget is spent (the caller stops). */
  spend(n = 1): boolean {
    if (this.exhausted) return false
    if (this.tried + n > this.maxCandidates || this.clock() > this.deadline) {
      this.exhausted = true
      return false
    }
    this.tried += n
    return true
  }
  /** True once the budget is spent: its candidates counted, or its deadline passed. */
  overBudget(): boolean {
    if (!this.exhausted && this.clock() > this.deadline) this.exhausted = true
    return this.exhausted
  }
}

export function step(code: ReasonCode, summary: string, fix: Fix, evidence: string[] = []): Step {
  return { code, summary, fix, evidence }
}

/** Findings from steps: the first (most specific) step surest, each further one a little less. */
export function findings(steps: readonly Step[], top: number): Finding[] {
  return steps.map((s, i) => ({
    ...s,
    confidence: Math.max(0.05, Math.round((top - i * 0.03) * 100) / 100),
  }))
}
