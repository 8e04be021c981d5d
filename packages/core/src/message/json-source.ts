/**
 * A strict JSON parser that keeps where each value sits in the text: errors get a line and
 * column, fields a path (`headers[2].value`), and a body given as a JSON value can be taken as
 * the exact text that was typed.
 * @module
 */
import { CaptureParseError } from '../errors.js'

interface Span {
  /** Offset of the first character in the text. */
  start: number
  /** Offset after the last character. */
  end: number
}

export type JsonNode =
  | (Span & { type: 'object'; entries: { key: string; value: JsonNode }[] })
  | (Span & { type: 'array'; items: JsonNode[] })
  | (Span & { type: 'string'; value: string })
  | (Span & { type: 'number'; value: number })
  | (Span & { type: 'boolean'; value: boolean })
  | (Span & { type: 'null' })

const MAX_DEPTH = 256
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings.
const PLAIN_STRING = /[^"\\\x00-\x1f]*/y
const LITERALS = [
  ['true', { type: 'boolean', value: true }],
  ['false', { type: 'boolean', value: false }],
  ['null', { type: 'null' }],
] as const
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

/** 1-based line and column (in UTF-16 units) of `offset` in `text`. */
export function jsonLineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/** Parses JSON text; CaptureParseError with line:column on the first error. */
export function parseJsonSource(text: string, file?: string): JsonNode {
  let i = 0
  const fail = (message: string, at = i): never => {
    throw new CaptureParseError(`invalid JSON: ${message}`, {
      ...(file !== undefined ? { file } : {}),
      ...jsonLineColumn(text, at),
    })
  }
  const describe = (at: number): string =>
    at >= text.length ? 'the end of the text' : JSON.stringify(text[at])
  const skip = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++
      else break
    }
  }
  const expect = (c: string, what: string): void => {
    if (text[i] !== c) fail(`expected ${what}, found ${describe(i)}`)
    i++
  }

  const readString = (): string => {
    const start = i
    i++
    let out = ''
    let run = i
    for (;;) {
      PLAIN_STRING.lastIndex = i
      PLAIN_STRING.test(text)
      i = PLAIN_STRING.lastIndex
      if (i >= text.length) fail('unterminated string', start)
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        out += text.slice(run, i)
        i++
        return out
      }
      if (c < 0x20) fail('control character in a string: write it as an escape such as \\n')
      if (c !== 0x5c) {
        i++
        continue
      }
      out += text.slice(run, i)
      const e = text[i + 1]
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u must be followed by 4 hex digits', i)
        out += String.fromCharCode(Number.parseInt(hex, 16))
        i += 6
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e]
        i += 2
      } else fail(`invalid escape \\${e ?? ''}`, i)
      run = i
    }
  }

  const readValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`)
    skip()
    const start = i
    const c = text[i]
    if (c === '{') {
      i++
      const entries: { key: string; value: JsonNode }[] = []
      skip()
      if (text[i] === '}') {
        i++
        return { type: 'object', entries, start, end: i }
      }
      for (;;) {
        skip()
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe(i)}`)
        const key = readString()
        skip()
        expect(':', "':' after a property name")
        entries.push({ key, value: readValue(depth + 1) })
        skip()
        if (text[i] === ',') {
          i++
          continue
        }
        expect('}', "',' or '}' after a property value")
        return { type: 'object', entries, start, end: i }
      }
    }
    if (c === '[') {
      i++
      const items: JsonNode[] = []
      skip()
      if (text[i] === ']') {
        i++
        return { type: 'array', items, start, end: i }
      }
      for (;;) {
        items.push(readValue(depth + 1))
        skip()
        if (text[i] === ',') {
          i++
          continue
        }
        expect(']', "',' or ']' after an array element")
        return { type: 'array', items, start, end: i }
      }
    }
    if (c === '"') return { type: 'string', value: readString(), start, end: i }
    for (const [word, node] of LITERALS) {
      if (text.startsWith(word, i)) {
        i += word.length
        return { ...node, start, end: i }
      }
    }
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text)
    if (m) {
      i += m[0].length
      return { type: 'number', value: Number(m[0]), start, end: i }
    }
    return fail(`expected a value, found ${describe(i)}`)
  }

  const root = readValue(0)
  skip()
  if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`)
  return root
}

/** The value of `key` in an object node (the last one, as JSON.parse does), or undefined. */
export function member(node: JsonNode, key: string): JsonNode | undefined {
  if (node.type !== 'object') return undefined
  for (let k = node.entries.length - 1; k >= 0; k--) {
    if (node.entries[k]!.key === key) return node.entries[k]!.value
  }
  return undefined
}
