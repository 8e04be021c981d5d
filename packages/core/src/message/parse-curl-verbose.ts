/**
 * The transcript `curl -v` prints (`> ` request head, `< ` response head, `* ` notes) → the
 * request head and the response. curl does not print the request body, so the request has
 * none: a signature over the body cannot be checked from a transcript alone.
 * @module
 */
import { CaptureParseError } from '../errors.js'
import { parseRawHttpRequest, parseRawHttpResponse } from './parse-raw-http.js'
import { binaryBytes, binaryString } from './text.js'
import type { Capture } from './types.js'

export interface CurlVerboseOptions {
  /** File name for error positions. */
  file?: string
  /**
   * Which exchange of a transcript with several (redirects followed with -L). Without it: the
   * request as first sent, and the final answer with the answers before it as its `earlier`
   * blocks, as `curl -i -L` prints them.
   */
  entry?: number
}

/** Where a `curl -v` transcript starts in a binary string, or -1. */
export function verboseStart(s: string): number {
  const m =
    /(?:^|\n)(?:\*\s+(?:Trying|Connected|Host )|> [!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ \t\r\n]+ HTTP\/\d(?:\.\d)?\r?\n|[ \t]*% Total[ \t]+% Received)/.exec(
      s,
    )
  if (!m) return -1
  return m.index + (m[0].startsWith('\n') ? 1 : 0)
}

interface Exchange {
  request: { lines: string[]; at: number[] }
  /** Every status block of the exchange (a 1xx before the answer), the last one's body. */
  response: { blocks: { lines: string[]; at: number[] }[]; body: string[] }
}

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? \d{3}(?:[ \t]|$)/

/** Progress meter rows and data markers that curl writes among the transcript lines. */
const TIME = '(?:--:--:--|\\d+:\\d\\d:\\d\\d)'
const NOISE = new RegExp(
  `^(?:[{}] \\[\\d+ bytes data\\]|[ \\t]*% Total[ \\t]+% Received.*|[ \\t]+Dload[ \\t]+Upload.*|.*${TIME}[ \\t]+${TIME}.*)$`,
  's',
)

/**
 * Parses a `curl -v` transcript. The response body is the text after the response head that
 * is not one of curl's notes (`* `) or progress rows; its line ends are a best guess.
 *
 * @example
 * parseCurlVerbose('> GET /hooks HTTP/1.1\r\n> Host: h\r\n>\r\n< HTTP/1.1 401 Unauthorized\r\n<\r\n')
 */
export function parseCurlVerbose(
  input: string | Uint8Array,
  options: CurlVerboseOptions = {},
): Capture {
  const s = binaryString(typeof input === 'string' ? Buffer.from(input, 'utf8') : input)
  // A CONNECT through a forward proxy opens the tunnel the real request then goes through.
  const exchanges = readExchanges(s).filter(
    (e, i, all) => i === all.length - 1 || !/^CONNECT /i.test(e.request.lines[0] ?? ''),
  )
  const index = options.entry ?? 0
  const followed = options.entry === undefined && exchanges.length > 1
  const exchange = exchanges[index]
  const where = options.file !== undefined ? { file: options.file } : {}
  if (exchange === undefined) {
    throw new CaptureParseError(
      exchanges.length === 0
        ? 'not a curl -v transcript: no "> METHOD /path HTTP/1.1" line'
        : `the transcript holds ${exchanges.length} request${exchanges.length === 1 ? '' : 's'}; entry ${index} does not exist`,
      { ...where, line: 1, column: 1 },
    )
  }
  // Report the line of the transcript, not of the head rebuilt from it.
  const head = <T>(
    part: { lines: string[]; at: number[] },
    parse: (b: Uint8Array) => T,
    body = '',
  ): T => {
    try {
      return parse(binaryBytes(`${part.lines.join('\r\n')}\r\n\r\n${body}`))
    } catch (e) {
      if (!(e instanceof CaptureParseError) || e.position.line === undefined) throw e
      const line = part.at[e.position.line - 1] ?? part.at[part.at.length - 1] ?? 1
      throw new CaptureParseError(e.message, { ...where, line, column: 3 })
    }
  }
  const out: Capture = { request: head(exchange.request, parseRawHttpRequest) }
  // Redirects followed: every exchange's status blocks in turn, the final one's body.
  const { blocks, body } = followed
    ? {
        blocks: exchanges.flatMap((e) => e.response.blocks),
        body: exchanges[exchanges.length - 1]!.response.body,
      }
    : exchange.response
  if (blocks.length > 0) {
    // The blocks one after the other, as `curl -i` prints them: the raw parser keeps the last.
    const lines: string[] = []
    const at: number[] = []
    blocks.forEach((b, i) => {
      if (i > 0) {
        lines.push('')
        at.push(b.at[0] ?? 1)
      }
      lines.push(...b.lines)
      at.push(...b.at)
    })
    out.response = head({ lines, at }, parseRawHttpResponse, body.join('\n'))
  }
  return out
}

function readExchanges(s: string): Exchange[] {
  const exchanges: Exchange[] = []
  let current: Exchange | undefined
  let state: 'none' | 'request' | 'response' | 'body' = 'none'
  const lines = s.split('\n')
  lines.forEach((raw, k) => {
    const line = raw.replace(/\r$/, '')
    const number = k + 1
    if (line.startsWith('>')) {
      const text = line.replace(/^> ?/, '')
      if (state !== 'request') {
        if (text === '') return
        current = { request: { lines: [], at: [] }, response: { blocks: [], body: [] } }
        exchanges.push(current)
        state = 'request'
      }
      if (text === '') state = 'none'
      else {
        current!.request.lines.push(text)
        current!.request.at.push(number)
      }
    } else if (
      line.startsWith('<') &&
      current !== undefined &&
      (state !== 'body' || STATUS_LINE.test(line.replace(/^< ?/, '')))
    ) {
      const text = line.replace(/^< ?/, '')
      const blocks = current.response.blocks
      if (text === '') state = blocks.length > 0 ? 'body' : state
      else {
        // A status line after a complete head: the head before it was interim (100 Continue).
        if (state !== 'response' && STATUS_LINE.test(text)) {
          blocks.push({ lines: [], at: [] })
          current.response.body = []
        } else if (blocks.length === 0) blocks.push({ lines: [], at: [] })
        const block = blocks[blocks.length - 1]!
        block.lines.push(text)
        block.at.push(number)
        state = 'response'
      }
    } else if (line.startsWith('* ') || line.startsWith('*\t')) {
      // A note. When output is piped, the body comes after curl's closing notes: keep reading.
    } else if (state === 'body' && !NOISE.test(line)) {
      // Without a newline at its end, the body runs into curl's next note on the same line.
      const cut = line.search(/\* (?:Connection #\d+|Closing connection)/)
      current!.response.body.push(cut === -1 ? line : line.slice(0, cut))
    }
  })
  for (const e of exchanges) {
    while (e.response.body.length > 0 && e.response.body[e.response.body.length - 1] === '') {
      e.response.body.pop()
    }
  }
  return exchanges
}
