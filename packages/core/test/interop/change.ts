/**
 * Test helper: change one character of an encoded signature to another character of the
 * same alphabet, so the text stays well-formed and only the bytes differ.
 * @module
 */
export function changeOneChar(text: string, index: number): string {
  const c = text[index]!
  const next = /[0-9]/.test(c)
    ? String((Number(c) + 1) % 10)
    : c === 'a'
      ? 'b'
      : c === 'A'
        ? 'B'
        : /[a-z]/.test(c)
          ? 'a'
          : /[A-Z]/.test(c)
            ? 'A'
            : '0'
  return text.slice(0, index) + next + text.slice(index + 1)
}
