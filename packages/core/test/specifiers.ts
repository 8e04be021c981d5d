/**
 * A module's import specifiers read from its text, for the tests that hold package
 * boundaries (core imports no server package; the server's light entry no gateway).
 * @module
 */

/** Every module specifier: static and type imports, re-exports, import(), require(). */
export function specifiers(source: string): string[] {
  const out: string[] = []
  const patterns = [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!)
  return out
}
