/**
 * Reading capture fields out of a located JSON tree (plain JSON captures and HAR): headers in
 * their three shapes, bodies, and errors that name the field path and its line:column.
 * @module
 */
import { decodeStrict } from '../crypto/encoding.js'
import { CaptureParseError } from '../errors.js'
import { type JsonNode, jsonLineColumn, member, parseJsonSource } from './json-source.js'
import { binaryString, firstInvalidUtf8, positionAt, utf8OrUndefined } from './text.js'
import type { Header } from './types.js'

export interface JsonDoc {
  text: string
  root: JsonNode
  file?: string
}

/** UTF-8 bytes → a located JSON tree; a leading BOM is skipped. */
export function readJsonDoc(bytes: Uint8Array, file?: string): JsonDoc {
  const bomless =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes
  const text = utf8OrUndefined(bomless)
  if (text === undefined) {
    const bad = firstInvalidUtf8(bomless)
    throw new CaptureParseError(
      `invalid JSON: byte 0x${bomless[bad]!.toString(16).padStart(2, '0')} is not UTF-8`,
      positionAt(binaryString(bomless), bad, file),
    )
  }
  return { text, root: parseJsonSource(text, file), ...(file !== undefined ? { file } : {}) }
}

/** A CaptureParseError at `node` (or at the start when the field is absent). */
export function fieldError(
  doc: JsonDoc,
  node: JsonNode | undefined,
  path: string,
  message: string,
): CaptureParseError {
  return new CaptureParseError(`${path} ${message}`, {
    ...(doc.file !== undefined ? { file: doc.file } : {}),
    ...jsonLineColumn(doc.text, node?.start ?? 0),
    field: path,
  })
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

/** A required or optional string field; numbers are accepted where a person would type one. */
export function stringField(
  doc: JsonDoc,
  parent: JsonNode,
  path: string,
  key: string,
  required: true,
): string
export function stringField(
  doc: JsonDoc,
  parent: JsonNode,
  path: string,
  key: string,
  required?: false,
): string | undefined
export function stringField(
  doc: JsonDoc,
  parent: JsonNode,
  path: string,
  key: string,
  required = false,
): string | undefined {
  const node = member(parent, key)
  const at = childPath(path, key)
  if (node === undefined || node.type === 'null') {
    if (required) throw fieldError(doc, parent, at, 'is missing')
    return undefined
  }
  return scalarText(doc, node, at)
}

function scalarText(doc: JsonDoc, node: JsonNode, path: string): string {
  if (node.type === 'string') return node.value
  if (node.type === 'number' || node.type === 'boolean') return doc.text.slice(node.start, node.end)
  throw fieldError(doc, node, path, `must be a string, not ${article(node.type)}`)
}

function article(type: JsonNode['type']): string {
  return type === 'object' || type === 'array'
    ? `an ${type}`
    : type === 'null'
      ? 'null'
      : `a ${type}`
}

/**
 * Headers as an object `{name: value}` (a list value repeats the header), a list of
 * `[name, value]` pairs, or a list of `{name, value}` objects (HAR, Make; `key` for Postman).
 * HTTP/2 pseudo-headers (`:authority`) are dropped: they are not header fields.
 */
export function readHeaders(doc: JsonDoc, node: JsonNode | undefined, path: string): Header[] {
  const out: Header[] = []
  const push = (name: string, value: string): void => {
    if (!name.startsWith(':')) out.push([name, value])
  }
  if (node === undefined || node.type === 'null') return out
  if (node.type === 'object') {
    for (const { key, value } of node.entries) {
      const at = childPath(path, key)
      if (value.type !== 'array') push(key, scalarText(doc, value, at))
      else {
        for (const [k, v] of value.items.entries()) push(key, scalarText(doc, v, childPath(at, k)))
      }
    }
    return out
  }
  if (node.type !== 'array') {
    throw fieldError(
      doc,
      node,
      path,
      `must be an object, a list of [name, value] pairs or a list of {name, value} objects, not ${article(node.type)}`,
    )
  }
  node.items.forEach((item, k) => {
    const at = childPath(path, k)
    if (item.type === 'array') {
      if (item.items.length !== 2)
        throw fieldError(
          doc,
          item,
          at,
          `must be a [name, value] pair, not a list of ${item.items.length}`,
        )
      push(
        scalarText(doc, item.items[0]!, childPath(at, 0)),
        scalarText(doc, item.items[1]!, childPath(at, 1)),
      )
    } else if (item.type === 'object') {
      const nameKey = member(item, 'name') !== undefined ? 'name' : 'key'
      push(stringField(doc, item, at, nameKey, true), stringField(doc, item, at, 'value') ?? '')
    } else {
      throw fieldError(
        doc,
        item,
        at,
        `must be a [name, value] pair or a {name, value} object, not ${article(item.type)}`,
      )
    }
  })
  return out
}

/**
 * A body: a string is its UTF-8 bytes (or base64 when `encoding` says so); any other JSON value
 * is taken as the exact text typed in the file, never re-serialized.
 */
export function readBody(
  doc: JsonDoc,
  node: JsonNode | undefined,
  path: string,
  encoding?: string,
): Uint8Array {
  if (node === undefined || node.type === 'null') return new Uint8Array(0)
  if (node.type !== 'string')
    return new Uint8Array(Buffer.from(doc.text.slice(node.start, node.end), 'utf8'))
  if (encoding === 'base64') {
    const decoded = decodeStrict(node.value.replace(/\s+/g, ''), 'base64')
    if (decoded === null)
      throw fieldError(doc, node, path, 'is not valid base64 although its encoding says base64')
    return new Uint8Array(decoded)
  }
  return new Uint8Array(Buffer.from(node.value, 'utf8'))
}
