/**
 * The Attempts list's rows and cursor: whatever live rows, store checks and older pages do to
 * the list, paging older continues from the oldest row shown, so no block is ever unreachable.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Attempt } from '../src/api/attempt.js'
import {
  type AttemptList,
  LIST_CAP,
  withChecked,
  withLive,
  withOlder,
} from '../src/api/attempt-list.js'

/** An attempt whose id sorts as `n` does (ids sort by time). */
const row = (n: number, over: Partial<Attempt> = {}): Attempt => ({
  id: `01M8${String(n).padStart(22, '0')}`,
  received_at: n,
  endpoint: 'orders',
  method: 'POST',
  path: '/hooks/orders',
  outcome: 'accepted',
  status: 200,
  reason: null,
  ...over,
})
/** Rows `from` down to `to`, newest first. */
const range = (from: number, to: number) =>
  Array.from({ length: from - to + 1 }, (_, i) => row(from - i))
const numbers = (l: AttemptList) => l.rows.map((r) => r.received_at)

describe('withLive', () => {
  it('sheds the oldest rows past the cap and moves the cursor to the oldest kept', () => {
    // The first page: 100 rows (1100…1001), more below.
    let list: AttemptList = { rows: range(1100, 1001), next: row(1001).id }
    for (let n = 1101; n <= 1550; n++) list = withLive(list, row(n))
    expect(list.rows).toHaveLength(LIST_CAP)
    expect(numbers(list)[0]).toBe(1550)
    expect(list.next).toBe(row(1051).id)
    // Without older attempts, a cut still leaves a cursor to what it shed.
    let few: AttemptList = { rows: range(10, 1), next: null }
    for (let n = 11; n <= LIST_CAP + 10; n++) few = withLive(few, row(n))
    expect(few.next).toBe(row(11).id)
  })

  it('never grows a list the operator paged past the cap, and never shrinks it', () => {
    let list: AttemptList = { rows: range(1700, 1001), next: row(1001).id }
    list = withLive(list, row(1701))
    expect(list.rows).toHaveLength(700)
    expect(list.next).toBe(row(1002).id)
  })

  it('keeps one copy of a row, and leaves out one older than the oldest shown while older ones are unloaded', () => {
    const list: AttemptList = { rows: range(20, 11), next: row(11).id }
    expect(withLive(list, row(15))).toBe(list)
    expect(withLive(list, row(5))).toBe(list)
    // Nothing older exists: it belongs in the list.
    expect(numbers(withLive({ rows: range(20, 11), next: null }, row(5))).at(-1)).toBe(5)
  })
})

describe('withChecked', () => {
  it('merges what other gateways recorded in between, taking the store copy of rows shown', () => {
    const list: AttemptList = { rows: [row(30), row(10)], next: null }
    const got = [row(40), row(30, { reason: 'x' }), row(20)]
    const out = withChecked(list, got, true)
    expect(numbers(out)).toEqual([40, 30, 20, 10])
    expect(out.rows[1]!.reason).toBe('x')
    expect(out.next).toBeNull()
  })

  it('an incomplete check drops the rows below it and pages older from its oldest', () => {
    const list: AttemptList = { rows: range(100, 1), next: null }
    const out = withChecked(list, range(899, 400), false)
    expect(numbers(out)[0]).toBe(899)
    expect(numbers(out).at(-1)).toBe(400)
    expect(out.next).toBe(row(400).id)
  })
})

describe('withOlder', () => {
  it('appends the page fetched from the current cursor', () => {
    const list: AttemptList = { rows: range(20, 11), next: row(11).id }
    const out = withOlder(list, row(11).id, { attempts: range(10, 1), next_before: null })
    expect(numbers(out)).toEqual(range(20, 1).map((r) => r.received_at))
    expect(out.next).toBeNull()
  })

  it('drops a page fetched from a cursor a cut has moved since', () => {
    const list: AttemptList = { rows: range(600, 101), next: row(101).id }
    const page = { attempts: range(50, 1), next_before: null }
    expect(withOlder(list, row(51).id, page)).toBe(list)
  })
})
