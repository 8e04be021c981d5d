/**
 * What curl does to URLs and urlencoded data: --data-urlencode's forms and encoding, and the
 * removal of dot segments.
 * @module
 */

/** curl's --data-urlencode forms: `content`, `=content`, `name=content`, `@file`, `name@file`. */
export function urlencodeData(value: string, readFile: (name: string) => string): string {
  const eq = value.indexOf('=')
  if (eq === -1) {
    const at = value.indexOf('@')
    if (at === -1) return urlencode(value)
    const name = value.slice(0, at)
    const content = urlencode(readFile(value.slice(at + 1)))
    return name === '' ? content : `${name}=${content}`
  }
  if (eq === 0) return urlencode(value.slice(1))
  return `${value.slice(0, eq)}=${urlencode(value.slice(eq + 1))}`
}

/** As curl 7.88 encodes: unreserved bytes kept, space → `+`, the rest `%XX`. */
function urlencode(binary: string): string {
  let out = ''
  for (let i = 0; i < binary.length; i++) {
    const c = binary[i]!
    if (/[A-Za-z0-9\-._~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += `%${binary.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** curl removes `.` and `..` path segments (RFC 3986 §5.2.4) unless --path-as-is is given. */
export function withoutDotSegments(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/s.exec(url)
  if (!m || !/(?:^|\/)\.\.?(?:\/|$)/.test(m[2]!)) return url
  const out: string[] = []
  const segments = m[2]!.split('/')
  segments.forEach((segment, k) => {
    const last = k === segments.length - 1
    if (segment === '.' || segment === '..') {
      if (segment === '..' && out.length > 1) out.pop()
      if (last) out.push('')
    } else out.push(segment)
  })
  return `${m[1]}${out.join('/')}${m[3]}`
}
