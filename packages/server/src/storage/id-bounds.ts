/**
 * Time bounds as bounds on the primary key. An attempt id begins with the millisecond it was
 * made (ids.ts), never before the attempt arrived: `received_at >= t` holds for no row below
 * `idAt(t)`. A query that adds the id bound to its time bound reads a range of the primary key
 * that ends at the bound, instead of walking the key until `limit` rows match (F1, F2, F8).
 * @module
 */
import { attemptIdFloor } from '../ids.js'

/**
 * How much later than its arrival an attempt's id may be made: a request cut off mid-body gets
 * its id when it is cut off (endpoint-server.ts), at most the request timeout (30 s) after its
 * headers arrived, and its record keeps the arrival. `received_at < t` becomes
 * `id < idAt(t + ID_AFTER_ARRIVAL_MS)`, the rows of that minute read and filtered by time.
 */
export const ID_AFTER_ARRIVAL_MS = 60_000

/** Ids hold 48 bits of milliseconds; every id sorts below this text ('8' > '7ZZZZZZZZZ…'). */
const ABOVE_EVERY_ID = '8'
const ID_TIME_LIMIT = 2 ** 48

/**
 * The lowest id an attempt received at `ms` (Unix ms) or later can have; for a time past the
 * ids' range (the API takes up to year 275 760), a text above every id, so that the bound stays
 * a bound instead of wrapping around.
 */
export function idAt(ms: number): string {
  return ms < ID_TIME_LIMIT ? attemptIdFloor(ms) : ABOVE_EVERY_ID
}
