/**
 * The product's own words: the reason codes and the words of their titles and hints (the one
 * reason table). A configured secret may contain them ("acme-signature-timestamp-2025"), and
 * every diagnosis is written with them: the piece pass (scrub.ts) must tell our words from a
 * quote of the secret, or it would mangle `signature_mismatch` and, by where it put its
 * marker, tell the reader which word the secret holds.
 * @module
 */
import { REASONS } from '../verdict/reasons.js'

/** Every reason code, longest first: a code in a text is kept whole, wherever it stands. */
export const REASON_CODE_TERMS: readonly string[] = Object.keys(REASONS).sort(
  (a, b) => b.length - a.length,
)

const OWN_WORDS: ReadonlySet<string> = (() => {
  const words = new Set<string>()
  for (const [code, spec] of Object.entries(REASONS))
    for (const text of [code, spec.title, spec.hint])
      for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) words.add(word)
  return words
})()

/**
 * Whether `word` (letters only) is one of the reason table's words, as written in a sentence:
 * any case, and in the plural ("secrets", "signatures").
 */
export function isOwnWord(word: string): boolean {
  const w = word.toLowerCase()
  return (
    OWN_WORDS.has(w) ||
    (w.endsWith('s') && OWN_WORDS.has(w.slice(0, -1))) ||
    (w.endsWith('es') && OWN_WORDS.has(w.slice(0, -2)))
  )
}

const TABLE_TEXTS: ReadonlySet<string> = new Set(
  Object.entries(REASONS).flatMap(([code, spec]) => [
    spec.title,
    spec.hint,
    `https://hookwarden.dev/reasons/${code}`,
  ]),
)

/** Whether `text` is a reason's title, hint or problem `type` URL, as the reason table writes it. */
export function isReasonTableText(text: string): boolean {
  return TABLE_TEXTS.has(text)
}
