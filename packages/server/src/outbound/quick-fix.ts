/**
 * Header-construction fixes that need no config: the mistakes a sender makes while typing a
 * credential into a header (no `Bearer `, `Bearer{{token}}` glued, `Bearer: x`, `Bearer Bearer
 * x`, spaces or a newline around it, zero-width characters, quotes). Used by `replay --fix`
 * and `probe` until the diagnosis offers its own fix.
 * @module
 */
import { credentialHeaders, type Header, type HttpRequest } from '@hookwarden/core'

export interface QuickFix {
  request: HttpRequest
  /** What was changed, one line each (no secret in it). */
  fixes: string[]
}

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g
const NBSP = /\u00A0/g
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

function unquote(v: string): string | null {
  const m = /^(["'`])([\s\S]*)\1$/.exec(v)
  return m ? m[2]! : null
}

function fixValue(name: string, value: string, fixes: string[]): string {
  let v = value
  if (INVISIBLE.test(v)) {
    v = v.replace(INVISIBLE, '')
    fixes.push(`${name}: removed invisible characters (zero-width space, BOM or soft hyphen)`)
  }
  if (NBSP.test(v)) {
    v = v.replace(NBSP, ' ')
    fixes.push(`${name}: replaced a non-breaking space with a space`)
  }
  if (v !== v.trim()) {
    v = v.trim()
    fixes.push(`${name}: removed whitespace or a line break around the value`)
  }
  const q = unquote(v)
  if (q !== null) {
    v = q
    fixes.push(`${name}: removed the quotes around the value`)
  }
  if (!/^(proxy-)?authorization$/i.test(name)) return v

  // Authorization: `scheme SP credentials` (RFC 9110 §11.6.2).
  const colon = /^(bearer|basic|token)\s*:\s*(.+)$/i.exec(v)
  if (colon) {
    v = `${colon[1]} ${colon[2]}`
    fixes.push(`${name}: removed the colon after "${colon[1]}"`)
  }
  const twice = /^(bearer)\s+bearer[\s:]+(.+)$/i.exec(v)
  if (twice) {
    v = `${twice[1]} ${twice[2]}`
    fixes.push(`${name}: wrote "Bearer" once`)
  }
  const glued = /^bearer(?!\s)([A-Za-z0-9\-._~+/]{8,}=*)$/i.exec(v)
  if (glued) {
    v = `Bearer ${glued[1]}`
    fixes.push(`${name}: added the space after "Bearer"`)
  }
  const spaced = /^(\S+)\s{2,}(\S+)$/.exec(v)
  if (spaced) {
    v = `${spaced[1]} ${spaced[2]}`
    fixes.push(`${name}: one space between the scheme and the credential`)
  }
  const quotedCred = /^(\S+) (["'])(.*)\2$/.exec(v)
  if (quotedCred) {
    v = `${quotedCred[1]} ${quotedCred[3]}`
    fixes.push(`${name}: removed the quotes around the credential`)
  }
  if (!/\s/.test(v) && B64TOKEN.test(v) && !/^(bearer|basic|token)$/i.test(v)) {
    v = `Bearer ${v}`
    fixes.push(`${name}: added the "Bearer " prefix`)
  }
  return v
}

/**
 * The request with its credential headers' construction mended. `only`: the header names
 * (lower case) a receiver reads, when known (an endpoint's config): other headers are left as
 * captured, whatever they hold.
 */
export function headerConstructionFix(request: HttpRequest, only?: readonly string[]): QuickFix {
  const names = new Set(
    credentialHeaders(request)
      .map((c) => c.name.toLowerCase())
      .filter((n) => only === undefined || only.includes(n)),
  )
  const fixes: string[] = []
  // An unchanged header stays the same tuple: it may remember the bytes it was captured as
  // (capture.ts valueAsSent), which replay sends again.
  const headers: Header[] = request.headers.map((h) => {
    const [n, v] = h
    if (!names.has(n.toLowerCase())) return h
    const fixed = fixValue(n, v, fixes)
    return fixed === v ? h : [n, fixed]
  })
  return { request: { ...request, headers }, fixes }
}
