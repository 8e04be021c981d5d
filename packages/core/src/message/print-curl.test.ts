/**
 * printCurl: readable output, exact bytes. (Sent through bash + curl in curl-oracle.test.ts;
 * round trips in test/property/roundtrip.test.ts.)
 * @module
 */
import { describe, expect, it } from 'vitest'
import { printCurl, shellQuote } from './print-curl.js'

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1')

describe('printCurl', () => {
  it('a JSON POST reads like what a person would type', () => {
    expect(
      printCurl({
        method: 'POST',
        url: 'https://h/hooks',
        headers: [
          ['Authorization', 'Bearer x'],
          ['Content-Type', 'application/json'],
        ],
        body: b('{"a":1}'),
      }),
    ).toBe(
      `curl 'https://h/hooks' \\\n  -H 'Authorization: Bearer x' \\\n  -H 'Content-Type: application/json' \\\n  --data-binary '{"a":1}'`,
    )
  })

  it('-X only when the method is not implied; Content-Type: removed when absent; empty values', () => {
    expect(
      printCurl(
        { method: 'PUT', url: '/a/../b', headers: [['X-Empty', '']], body: b('x') },
        { multiline: false },
      ),
    ).toBe(
      `curl -X 'PUT' --path-as-is 'http://localhost/a/../b' -H 'X-Empty;' -H 'Content-Type:' --data-binary 'x'`,
    )
  })

  it("shellQuote: '…' when exact, $'…' for quotes and bytes that need escaping", () => {
    expect(shellQuote(b(''))).toBe("''")
    expect(shellQuote(b('a b\nc'))).toBe("'a b\nc'")
    expect(shellQuote(b("it's"))).toBe("$'it\\'s'")
    expect(shellQuote(b('\t\\\r\x00\xff'))).toBe("$'\\t\\\\\\r\\x00\\xff'")
    expect(shellQuote(Buffer.from('é\x01', 'utf8'))).toBe("$'é\\x01'")
  })
})
