/** Small pieces every page's form uses. @module */

/** One option per name (endpoint names from the config: shown as text). */
export function NameOptions({ names }: { names: readonly string[] }) {
  return (
    <>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </>
  )
}

/** An error in one line, announced to screen readers; nothing when there is none. */
export function ErrorLine({ message }: { message: string }) {
  if (!message) return null
  return (
    <p className="error" role="alert">
      {message}
    </p>
  )
}
