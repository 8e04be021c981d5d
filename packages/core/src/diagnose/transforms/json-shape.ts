/**
 * The shape of a JSON text, read in one pass without parsing it: how deep it nests, and how
 * large its pretty-printed forms would be. The body variants use it to decide, before building
 * one, whether a re-serialization is worth building: pretty-printing writes each line's
 * indentation again, so its output grows with size × depth, and 16 KB of nested arrays
 * (`[[[…]]]`) pretty-print to 64 MB. A sender's JSON library could not have produced such an
 * output from a small signed body either: a signed body is what the sender sent, and a pretty
 * form many times its size was never on the wire.
 * @module
 */

/** Nesting past this is no webhook's: JSON libraries stop near it (serde_json at 128, Python's
 * recursion limit near 1000), and JSON.stringify overflows the stack a few thousand deep. */
export const MAX_JSON_DEPTH = 500

/** Keys are sorted only in JSON of at most this many object members (a webhook has hundreds). */
export const MAX_SORTED_MEMBERS = 10_000

/** A pretty-printed form is built only when it is at most this many times the body… */
const PRETTY_FACTOR = 4
/** …plus this much, so that a small body is always tried in every form. */
const PRETTY_SLACK = 64 * 1024

export interface JsonShape {
  /** The deepest nesting, or more than MAX_JSON_DEPTH when the scan stopped there. */
  depth: number
  /** Line breaks JSON.stringify(v, null, indent) writes: before each member and each
   * non-empty container's closing bracket. */
  lines: number
  /** The sum of the nesting levels of those lines: the indentation units written. */
  levels: number
  /** Object members (each `:` becomes `: `). */
  members: number
}

/**
 * One pass over a JSON text, strings skipped. Stops once nesting passes MAX_JSON_DEPTH (its
 * depth then says so). The text is assumed to be JSON; for text that is not, the counts are
 * meaningless but the pass still ends in O(n).
 */
export function jsonShape(text: string): JsonShape {
  let depth = 0
  let deepest = 0
  let lines = 0
  let levels = 0
  let members = 0
  // Just after `[` or `{`: the next token says whether the container is empty.
  let opened = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue
    if (opened) {
      opened = false
      if (c === 0x5d || c === 0x7d) {
        depth--
        continue
      }
      lines++
      levels += depth
    }
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 0x5c) i++
        else if (d === 0x22) break
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++
      opened = true
      if (depth > deepest) deepest = depth
      if (depth > MAX_JSON_DEPTH) break
    } else if (c === 0x5d || c === 0x7d) {
      depth--
      lines++
      levels += depth
    } else if (c === 0x2c) {
      lines++
      levels += depth
    } else if (c === 0x3a) members++
  }
  return { depth: deepest, lines, levels, members }
}

/**
 * An upper bound, in bytes, of JSON.stringify(v, null, indent) for the parsed text (`bytes`
 * long as received): the minified form is never longer than the text, and indenting adds a
 * newline per line, `width` per level, a space per member.
 */
export function prettyBytesBound(shape: JsonShape, width: number, bytes: number): number {
  return bytes + shape.lines + width * shape.levels + shape.members
}

/** Whether a pretty-printed form of `width` is worth building for a body of `bytes`. */
export function prettyWorthBuilding(shape: JsonShape, width: number, bytes: number): boolean {
  return prettyBytesBound(shape, width, bytes) <= PRETTY_FACTOR * bytes + PRETTY_SLACK
}
