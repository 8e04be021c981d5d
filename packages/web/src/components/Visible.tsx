/**
 * Request text on the page: every invisible or format character (U+202E, U+200B, U+FEFF,
 * U+00A0, controls…) becomes a small styled marker such as ⟨U+202E⟩, so nothing reads
 * backwards and nothing hides. Used wherever a captured value is shown. Text only, never HTML.
 * @module
 */
import { clip, escapeInvisible, marker, visibleParts } from '../api/text.js'

interface Props {
  text: string
  /** A body: tab, line feed and carriage return stay as they are. */
  multiline?: boolean
  /** Show at most this many characters; the whole value (markers written out) is the title. */
  max?: number
}

export function Visible({ text, multiline = false, max }: Props) {
  const shown = max !== undefined ? clip(text, max) : text
  const parts = visibleParts(shown, multiline)
  const title = shown !== text ? escapeInvisible(text, multiline) : undefined
  return (
    <span className="visible" title={title}>
      {parts.map((p, i) => {
        if (typeof p === 'string') return p
        const m = marker(p.ch)
        return (
          <span key={i} className="invisible-char" title={m.name} data-char={m.text}>
            {m.text}
          </span>
        )
      })}
    </span>
  )
}

/** Evidence lines (they may quote a capture), each with its invisible characters marked. */
export function Evidence({ lines }: { lines: readonly string[] | undefined }) {
  if (!lines || lines.length === 0) return null
  return (
    <ul className="evidence">
      {lines.map((e, i) => (
        <li key={i}>
          <Visible text={e} />
        </li>
      ))}
    </ul>
  )
}
