/**
 * Strict decoders for hex, base64 and base64url. Node's Buffer.from(…, 'base64') is lenient
 * (it skips junk and ignores non-zero padding bits); a signature or secret that only decodes
 * leniently is malformed, so these return null instead.
 * @module
 */

export type Encoding = 'hex' | 'base64' | 'base64url'

const HEX = /^(?:[0-9a-fA-F]{2})*$/
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const B64URL = /^[A-Za-z0-9_-]*$/

export function decodeStrict(text: string, encoding: Encoding): Buffer | null {
  switch (encoding) {
    case 'hex':
      return HEX.test(text) ? Buffer.from(text, 'hex') : null
    case 'base64': {
      if (!B64.test(text)) return null
      const buf = Buffer.from(text, 'base64')
      // Reject non-canonical padding bits: `QR==` must not pass for `QQ==`.
      return buf.toString('base64') === text ? buf : null
    }
    case 'base64url': {
      // A loop, not replace(/=+$/): that runs to the end of every inner run of `=` from each one.
      let end = text.length
      while (end > 0 && text[end - 1] === '=') end--
      const t = text.slice(0, end)
      if (!B64URL.test(t) || t.length % 4 === 1) return null
      const buf = Buffer.from(t, 'base64url')
      return buf.toString('base64url') === t ? buf : null
    }
  }
}

export function encode(bytes: Uint8Array, encoding: Encoding): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding)
}
