/**
 * The Attempts page's rows and its "Older attempts" cursor, changed together so that the list
 * on screen is always every matching attempt from its oldest row up: paging older continues
 * from the oldest row shown, whatever live rows pushed out.
 * @module
 */
import type { Attempt } from './attempt.js'
import { apiAt } from './client.js'

export interface AttemptList {
  /** Newest first (attempt ids sort by time). */
  rows: Attempt[]
  /** "Older attempts" loads those before this id (the oldest row shown); null: none are older. */
  next: string | null
}

/** New rows never grow the list past this many: it sheds its oldest (paging older may). */
export const LIST_CAP = 500

/** The store is checked for attempts the live stream did not bring (other gateways') this often. */
export const CHECK_MS = 3000

/**
 * How long before the gateway's clock at the last check each check starts again: an attempt
 * that another gateway received before that check but committed after it (a slow commit, or
 * that gateway's clock a little behind) is listed by the next one.
 */
export const CHECK_OVERLAP_MS = 10_000

/** Rows fetched per request while checking the store. */
const CHECK_PAGE = 100

/** What a list request answers. */
export interface ListPage {
  attempts: Attempt[]
  next_before: string | null
}

const newestFirst = (a: Attempt, b: Attempt) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/**
 * `rows` merged in newest first (by id, once each; `replace` takes the incoming copy of a row
 * already shown), then cut to the cap. Whenever the list may lack attempts older than its
 * oldest row, the cursor is that row's id: a cut moves it up, never leaves a block unreachable.
 */
function merged(list: AttemptList, rows: readonly Attempt[], replace: boolean): AttemptList {
  const byId = new Map(list.rows.map((r) => [r.id, r]))
  for (const r of rows) if (replace || !byId.has(r.id)) byId.set(r.id, r)
  const all = [...byId.values()].sort(newestFirst)
  const cap = Math.max(LIST_CAP, list.rows.length)
  const kept = all.slice(0, cap)
  const cut = kept.length < all.length
  const next = cut || list.next !== null ? (kept.at(-1)?.id ?? list.next) : null
  return { rows: kept, next }
}

/**
 * One attempt from the live stream. It is shown only when it is newer than the oldest row
 * shown (or nothing is older): an older one would sit below attempts the list has not loaded.
 */
export function withLive(list: AttemptList, a: Attempt): AttemptList {
  if (list.rows.some((r) => r.id === a.id)) return list
  const oldest = list.rows.at(-1)
  if (list.next !== null && oldest && a.id < oldest.id) return list
  return merged(list, [a], false)
}

/**
 * What a check of the store returned: every matching attempt received since the check's start
 * when `complete`, else only the newest ones (as many as the list holds, so the cut would keep
 * only them anyway), with a gap below them that the list leaves to "Older attempts". Rows
 * already shown take the store's copy.
 */
export function withChecked(
  list: AttemptList,
  rows: readonly Attempt[],
  complete: boolean,
): AttemptList {
  if (complete || rows.length === 0) return merged(list, rows, true)
  const floor = rows.reduce((m, r) => (r.id < m ? r.id : m), rows[0]!.id)
  const above = { rows: list.rows.filter((r) => r.id >= floor), next: floor }
  return merged(above, rows, true)
}

/**
 * A page of older attempts fetched from `cursor`. When the cursor has moved since (a cut), the
 * page no longer joins the list and is dropped: the button fetches from the new cursor.
 */
export function withOlder(
  list: AttemptList,
  cursor: string,
  page: ListPage,
): AttemptList {
  if (list.next !== cursor) return list
  const shown = new Set(list.rows.map((r) => r.id))
  const rows = [...list.rows, ...page.attempts.filter((a) => !shown.has(a.id))].sort(newestFirst)
  return { rows, next: page.next_before }
}

/** The rows a check fetches at most: as many as the list keeps, so none it keeps is skipped. */
export const checkCap = (list: AttemptList) => Math.max(LIST_CAP, list.rows.length)

/**
 * Every attempt matching `filters` received at or after `since` (Unix ms), newest first, at
 * most `cap`; `complete` is false when it stopped at the cap with more below. `at` is the
 * gateway's clock when the first page was read: every attempt committed by then is in `rows`.
 */
export async function fetchSince(
  filters: URLSearchParams,
  since: number | undefined,
  cap: number,
): Promise<{ rows: Attempt[]; complete: boolean; at: number }> {
  const rows: Attempt[] = []
  let before: string | undefined
  let at = Number.NaN
  for (;;) {
    const q = new URLSearchParams(filters)
    q.set('limit', String(CHECK_PAGE))
    if (since !== undefined) q.set('since', String(Math.max(0, since)))
    if (before) q.set('before', before)
    const { data: page, at: pageAt } = await apiAt<ListPage>(`/api/attempts?${q}`)
    if (before === undefined) at = pageAt
    rows.push(...page.attempts)
    if (page.next_before === null) return { rows, complete: true, at }
    // One page past the cap: exactly `cap` rows since `since` is still complete.
    if (rows.length > cap) return { rows, complete: false, at }
    before = page.next_before
  }
}
