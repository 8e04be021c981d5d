/**
 * Case-insensitive lookups over an ordered header list.
 * @module
 */
import type { Header, HttpRequest } from './types.js'

/** The first value of header `name` (case-insensitive), or undefined. */
export function getHeader(headers: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v
  return undefined
}

/** Every value of header `name`, in order. */
export function getAllHeaders(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase()
  const out: string[] = []
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v)
  return out
}

export function hasHeader(headers: readonly Header[], name: string): boolean {
  return getHeader(headers, name) !== undefined
}

/** A copy with every `name` header removed. */
export function withoutHeader(headers: readonly Header[], name: string): Header[] {
  const lower = name.toLowerCase()
  return headers.filter(([n]) => n.toLowerCase() !== lower)
}

/** A copy with `name` set to `value`: replaces the first occurrence in place, drops the others. */
export function withHeader(headers: readonly Header[], name: string, value: string): Header[] {
  const lower = name.toLowerCase()
  const out: Header[] = []
  let done = false
  for (const h of headers) {
    if (h[0].toLowerCase() === lower) {
      if (!done) out.push([h[0], value])
      done = true
    } else out.push(h)
  }
  if (!done) out.push([name, value])
  return out
}

const BASE = 'http://hookwarden.invalid'

/** The request URL parsed; origin-form targets are resolved against the Host header. */
export function requestUrl(req: HttpRequest): URL {
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(req.url)) return new URL(req.url)
    const host = getHeader(req.headers, 'host')
    const base = host ? `https://${host.trim()}` : BASE
    try {
      return new URL(req.url, base)
    } catch {
      return new URL(req.url, BASE)
    }
  } catch {
    return new URL(BASE)
  }
}

/** The path of the request target, without the query, as sent (not percent-decoded). */
export function requestPath(req: HttpRequest): string {
  const raw = req.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
  const cut = raw.search(/[?#]/)
  const path = cut === -1 ? raw : raw.slice(0, cut)
  return path === '' ? '/' : path
}

/** The raw query string without `?` ('' when none). */
export function requestQuery(req: HttpRequest): string {
  const q = req.url.indexOf('?')
  if (q === -1) return ''
  const h = req.url.indexOf('#', q)
  return req.url.slice(q + 1, h === -1 ? undefined : h)
}
