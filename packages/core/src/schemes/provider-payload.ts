/**
 * The signed message of the provider schemes that are not plain HMAC (Ed25519, ECDSA, RSA,
 * secret hashes): the HMAC template placeholders plus named values the scheme supplies
 * (`{timestamp}`, `{secret}`, `{crc32}`, `{webhook_id}`…). The body goes in as its raw bytes.
 * @module
 */
import { concatBytes, utf8 } from '../crypto/bytes.js'
import { getHeader, requestPath } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { signedUrl } from './payload.js'

const PLACEHOLDER = /\{([A-Za-z_][\w-]*(?::[^{}]+)?)\}/g

/** The placeholders of `template` that are neither built in nor in `known` (for config errors). */
export function unknownPlaceholders(template: string, known: readonly string[]): string[] {
  const builtIn = ['body', 'method', 'path', 'url']
  const out: string[] = []
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!
    if (name.startsWith('header:') || builtIn.includes(name) || known.includes(name)) continue
    out.push(`{${name}}`)
  }
  return out
}

/** Placeholders `template` reads (without braces). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!)
}

/**
 * The message bytes. `values` supplies the named placeholders; a missing value renders empty
 * (the scheme checks presence before it renders).
 */
export function renderMessage(
  template: string,
  req: HttpRequest,
  values: Readonly<Record<string, string | undefined>> = {},
): Uint8Array {
  const parts: Uint8Array[] = []
  let at = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > at) parts.push(utf8(template.slice(at, m.index)))
    parts.push(placeholderBytes(m[1]!, req, values))
    at = m.index + m[0].length
  }
  if (at < template.length) parts.push(utf8(template.slice(at)))
  return concatBytes(parts)
}

function placeholderBytes(
  name: string,
  req: HttpRequest,
  values: Readonly<Record<string, string | undefined>>,
): Uint8Array {
  switch (name) {
    case 'body':
      return req.body
    case 'method':
      return utf8(req.method)
    case 'path':
      return utf8(requestPath(req))
    case 'url':
      return utf8(values.url ?? signedUrl(req))
  }
  if (name.startsWith('header:')) return utf8(getHeader(req.headers, name.slice(7).trim()) ?? '')
  return utf8(values[name] ?? '')
}
