/**
 * A pasted curl command line → HttpRequest: what curl would send, byte for byte in the body.
 * @module
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CaptureParseError } from '../errors.js'
import { looksLikeCmd, splitCmd } from './cmd-words.js'
import { type Arg, type CurlCommand, curlCommands } from './curl-commands.js'
import { LONG_WITH_VALUE, SHORT } from './curl-options.js'
import { urlencodeData, withoutDotSegments } from './curl-url.js'
import { splitShell } from './shell-words.js'
import { binaryBytes, binaryString, headerTextFromBinary, positionAt } from './text.js'
import type { Header, HttpRequest } from './types.js'

export interface CurlParseOptions {
  /** File name for error positions. */
  file?: string
  /** Which curl command of a paste that holds several (Chrome's "Copy all as cURL"); default 0. */
  entry?: number
  /**
   * Directory against which `-d @file`, `--data-binary @file`, `-T file` and `-H @file` are
   * read. Without it such options are an error: a paste cannot carry a file, and a server that
   * parses pasted text must never read its own files.
   */
  baseDir?: string
}

const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//

interface DataPart {
  bytes: string
  json: boolean
}

/**
 * Parses a curl command line as pasted from Chrome, Firefox, Postman, Insomnia or a shell
 * history, and returns the request curl would send. Headers are the `-H` headers as typed plus
 * those the options imply (Content-Type for data, Authorization for `-u`, User-Agent for
 * `-A`, …); curl's own defaults (Host, User-Agent, Accept, Content-Length) are not added.
 *
 * @example
 * parseCurl(`curl https://h/hooks -H 'Authorization: Bearer x' --data-raw '{"a":1}'`)
 * // → { method: 'POST', url: 'https://h/hooks', headers: [['Authorization', 'Bearer x'],
 * //     ['Content-Type', 'application/x-www-form-urlencoded']], body: <{"a":1}> }
 */
export function parseCurl(input: string | Uint8Array, options: CurlParseOptions = {}): HttpRequest {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  let s = binaryString(bytes)
  if (s.startsWith('\xef\xbb\xbf')) s = `   ${s.slice(3)}`
  const commands = looksLikeCmd(s) ? splitCmd(s, options.file) : splitShell(s, options.file)
  const curls = curlCommands(commands)
  if (curls.length === 0) {
    throw new CaptureParseError('no curl command found', positionAt(s, 0, options.file))
  }
  const index = options.entry ?? 0
  const command = curls[index]
  if (command === undefined) {
    throw new CaptureParseError(
      `the paste holds ${curls.length} curl command${curls.length === 1 ? '' : 's'}; entry ${index} does not exist`,
      positionAt(s, 0, options.file),
    )
  }
  return buildRequest(command, s, options)
}

function buildRequest(command: CurlCommand, s: string, options: CurlParseOptions): HttpRequest {
  const fail = (message: string, at: number): never => {
    throw new CaptureParseError(message, positionAt(s, at, options.file))
  }
  const readFile = (name: string, what: string, at: number): string => {
    if (name === '-') {
      if (command.stdin !== undefined) return command.stdin
      return fail(`${what} @- reads standard input, which the paste does not hold`, at)
    }
    if (options.baseDir === undefined) {
      return fail(
        `${what} ${name} is read from a file, which a pasted command cannot carry: put the body inline (--data-binary $'…') or give the raw HTTP request`,
        at,
      )
    }
    try {
      return binaryString(readFileSync(resolve(options.baseDir, name)))
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable'
      return fail(`cannot read ${name} (${what}): ${code}`, at)
    }
  }

  let url: Arg | undefined
  let method: string | undefined
  let head = false
  let pathAsIs = false
  let get = false
  let upload: string | undefined
  let user: Arg | undefined
  let bearer: string | undefined
  let userAgent: string | undefined
  let referer: string | undefined
  const cookies: string[] = []
  const typed: Header[] = []
  const suppressed = new Set<string>()
  const data: DataPart[] = []
  const queries: string[] = []
  let json = false
  let challengeAuth: string | undefined

  const addHeader = (line: string): void => {
    const colon = line.indexOf(':')
    if (colon === -1) {
      // `-H 'Name;'` sends an empty header; a line without a colon is not a header at all.
      const m = /^([^;]*);[ \t]*$/s.exec(line)
      if (m && m[1] !== '') typed.push([headerTextFromBinary(m[1]!), ''])
      return
    }
    const name = headerTextFromBinary(line.slice(0, colon))
    const rest = line.slice(colon + 1)
    // `-H 'Name:'` removes a header curl would add; it sends nothing.
    if (/^[ \t\n\r\v\f]*$/.test(rest)) suppressed.add(name.toLowerCase())
    else typed.push([name, headerTextFromBinary(rest.replace(/^[ \t]+/, ''))])
  }

  const apply = (name: string, value: Arg | undefined, flagAt: number): void => {
    const v = value?.text ?? ''
    const at = value?.start ?? flagAt
    switch (name) {
      case 'request':
        method = v.toUpperCase()
        break
      case 'header':
        if (v.startsWith('@')) {
          for (const line of readFile(v.slice(1), '-H', at).split(/\r?\n/)) {
            if (line !== '') addHeader(line)
          }
        } else addHeader(v)
        break
      case 'data':
      case 'data-ascii':
        // curl strips CR and LF from a file read by -d, never from a literal value.
        data.push({
          bytes: v.startsWith('@') ? readFile(v.slice(1), '-d', at).replace(/[\r\n]/g, '') : v,
          json: false,
        })
        break
      case 'data-binary':
        data.push({ bytes: v.startsWith('@') ? readFile(v.slice(1), name, at) : v, json: false })
        break
      case 'data-raw':
        data.push({ bytes: v, json: false })
        break
      case 'data-urlencode':
        data.push({ bytes: urlencodeData(v, (f) => readFile(f, name, at)), json: false })
        break
      case 'json':
        json = true
        data.push({ bytes: v.startsWith('@') ? readFile(v.slice(1), name, at) : v, json: true })
        break
      case 'url-query':
        queries.push(
          v.startsWith('+') ? v.slice(1) : urlencodeData(v, (f) => readFile(f, name, at)),
        )
        break
      case 'form':
      case 'form-string':
        fail(
          `${name === 'form' ? '-F' : '--form-string'} sends a multipart body whose boundary curl picks at random, so its bytes cannot be known from the command: give the raw HTTP request or a HAR`,
          flagAt,
        )
        break
      case 'user':
        user = value
        break
      case 'oauth2-bearer':
        bearer = v
        break
      case 'digest':
      case 'ntlm':
      case 'negotiate':
      case 'anyauth':
        challengeAuth = name
        break
      case 'user-agent':
        userAgent = v
        break
      case 'referer':
        referer = v.replace(/;auto$/, '')
        break
      case 'cookie':
        // Without `=` the value names a cookie file to read, which sends nothing by itself.
        if (v.includes('=')) cookies.push(v)
        break
      case 'get':
        get = true
        break
      case 'head':
        head = true
        break
      case 'path-as-is':
        pathAsIs = true
        break
      case 'upload-file':
        upload = readFile(v, '-T', at)
        break
      case 'url':
        url ??= value
        break
    }
  }

  const args = command.args
  for (const arg of args) {
    // Chat apps and word processors turn '…' into ‘…’ and "…" into “…”, which no shell reads as quotes.
    if (/^\xe2\x80[\x98\x99\x9c\x9d]/.test(s.slice(arg.start, arg.start + 3))) {
      fail(
        'typographic quotes (‘ ’ “ ”) are not shell quotes: replace them with \' or "',
        arg.start,
      )
    }
  }
  let onlyUrls = false
  for (let k = 0; k < args.length; k++) {
    const arg = args[k]!
    const t = arg.text
    if (onlyUrls || t === '-' || !t.startsWith('-')) {
      url ??= arg
      continue
    }
    if (t === '--') {
      onlyUrls = true
      continue
    }
    if (t.startsWith('--')) {
      const name = t.slice(2)
      if (LONG_WITH_VALUE.has(name)) {
        const value = args[++k]
        if (value === undefined) fail(`${t} needs a value`, arg.start)
        apply(name, value, arg.start)
      } else apply(name, undefined, arg.start)
      continue
    }
    // A cluster of short options: `-sSL`, `-XPOST`, `-H'…'`.
    for (let j = 1; j < t.length; j++) {
      const long = SHORT[t[j]!]
      if (long === undefined) continue
      if (!LONG_WITH_VALUE.has(long)) {
        apply(long, undefined, arg.start)
        continue
      }
      let value: Arg | undefined
      if (j + 1 < t.length) value = { text: t.slice(j + 1), start: arg.start + j + 1 }
      else value = args[++k]
      if (value === undefined) fail(`-${t[j]} needs a value`, arg.start)
      apply(long, value, arg.start)
      break
    }
  }

  if (url === undefined) return fail('the curl command has no URL', command.start)
  if (challengeAuth !== undefined && user !== undefined) {
    fail(
      `--${challengeAuth} makes curl compute the Authorization header from the server's challenge, which a command alone does not show: give the raw HTTP request`,
      user.start,
    )
  }

  let target = url.text
  if (target === '') fail('the URL is empty', url.start)
  if (!HAS_SCHEME.test(target)) target = `http://${target}`
  if (!pathAsIs) target = withoutDotSegments(target)
  let body = ''
  for (const part of data) body += body !== '' && !part.json ? `&${part.bytes}` : part.bytes
  // curl 7.88 appends through its URL API, which writes the appended %XX in lower case.
  const appendQuery = (q: string): void => {
    const lowered = q.replace(/%[0-9A-Fa-f]{2}/g, (m) => m.toLowerCase())
    target += `${target.includes('?') ? '&' : '?'}${lowered}`
  }
  if (get && data.length > 0) {
    appendQuery(body)
    body = ''
  }
  for (const q of queries) appendQuery(q)
  const hasData = data.length > 0 && !get
  if (upload !== undefined) body = upload

  const headers: Header[] = [...typed]
  const imply = (name: string, value: string): void => {
    const lower = name.toLowerCase()
    if (suppressed.has(lower) || headers.some(([n]) => n.toLowerCase() === lower)) return
    headers.push([name, value])
  }
  if (user !== undefined) {
    const colon = user.text.indexOf(':')
    if (colon === -1) {
      fail(
        `-u ${JSON.stringify(headerTextFromBinary(user.text))} has no password, so curl would prompt for one: write -u user:password`,
        user.start,
      )
    }
    imply('Authorization', `Basic ${Buffer.from(binaryBytes(user.text)).toString('base64')}`)
  } else if (bearer !== undefined) imply('Authorization', `Bearer ${headerTextFromBinary(bearer)}`)
  if (userAgent !== undefined) imply('User-Agent', headerTextFromBinary(userAgent))
  if (referer !== undefined) imply('Referer', headerTextFromBinary(referer))
  if (cookies.length > 0) imply('Cookie', headerTextFromBinary(cookies.join(';')))
  if (hasData) {
    imply('Content-Type', json ? 'application/json' : 'application/x-www-form-urlencoded')
  }
  if (json && hasData) imply('Accept', 'application/json')

  const verb = method ?? (head ? 'HEAD' : upload !== undefined ? 'PUT' : hasData ? 'POST' : 'GET')
  return {
    method: verb,
    url: headerTextFromBinary(target),
    headers,
    body: binaryBytes(hasData || upload !== undefined ? body : ''),
  }
}
