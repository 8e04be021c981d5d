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
import { verboseStart } from './parse-curl-verbose.js'
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
  /** From --data-urlencode: curl URL-encoded what the command shows. */
  urlencoded?: true
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
  // A command pasted with what `curl -v` printed: the transcript is output, not shell.
  const transcript = verboseStart(s)
  if (transcript > 0) s = s.slice(0, transcript)
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

interface Context {
  command: CurlCommand
  options: CurlParseOptions
  fail(message: string, at: number): never
}

/** What the options of one curl command say, before it becomes a request. */
interface Said {
  url?: Arg
  method?: string
  head: boolean
  pathAsIs: boolean
  get: boolean
  upload?: string
  user?: Arg
  bearer?: string
  userAgent?: string
  referer?: string
  cookies: string[]
  typed: Header[]
  /** Lower-case names removed with `-H 'Name:'`. */
  suppressed: Set<string>
  data: DataPart[]
  queries: string[]
  json: boolean
  challengeAuth?: string
}

function buildRequest(command: CurlCommand, s: string, options: CurlParseOptions): HttpRequest {
  const ctx: Context = {
    command,
    options,
    fail(message, at) {
      throw new CaptureParseError(message, positionAt(s, at, options.file))
    },
  }
  for (const arg of command.args) {
    // Chat apps and word processors turn '…' into ‘…’ and "…" into “…”; no shell reads those.
    if (/^\xe2\x80[\x98\x99\x9c\x9d]/.test(s.slice(arg.start, arg.start + 3))) {
      ctx.fail(
        'typographic quotes (‘ ’ “ ”) are not shell quotes: replace them with \' or "',
        arg.start,
      )
    }
  }
  return toRequest(readOptions(ctx), ctx)
}

/** Walks the arguments: long options, clusters of short ones (`-sSL`, `-XPOST`), URLs. */
function readOptions(ctx: Context): Said {
  const said: Said = {
    head: false,
    pathAsIs: false,
    get: false,
    cookies: [],
    typed: [],
    suppressed: new Set(),
    data: [],
    queries: [],
    json: false,
  }
  const args = ctx.command.args
  let onlyUrls = false
  for (let k = 0; k < args.length; k++) {
    const arg = args[k]!
    const t = arg.text
    if (onlyUrls || t === '-' || !t.startsWith('-')) {
      said.url ??= arg
    } else if (t === '--') {
      onlyUrls = true
    } else if (t.startsWith('--')) {
      const name = t.slice(2)
      let value: Arg | undefined
      if (LONG_WITH_VALUE.has(name)) {
        value = args[++k]
        if (value === undefined) ctx.fail(`${t} needs a value`, arg.start)
      }
      applyOption(said, name, value, arg.start, ctx)
    } else {
      for (let j = 1; j < t.length; j++) {
        const long = SHORT[t[j]!]
        if (long === undefined) continue
        if (!LONG_WITH_VALUE.has(long)) {
          applyOption(said, long, undefined, arg.start, ctx)
          continue
        }
        const value =
          j + 1 < t.length ? { text: t.slice(j + 1), start: arg.start + j + 1 } : args[++k]
        if (value === undefined) ctx.fail(`-${t[j]} needs a value`, arg.start)
        applyOption(said, long, value, arg.start, ctx)
        break
      }
    }
  }
  return said
}

/** `@name` arguments: standard input from a here-document, or a file under `baseDir`. */
function readFileArg(ctx: Context, name: string, what: string, at: number): string {
  if (name === '-') {
    if (ctx.command.stdin !== undefined) return ctx.command.stdin
    return ctx.fail(`${what} @- reads standard input, which the paste does not hold`, at)
  }
  if (ctx.options.baseDir === undefined) {
    return ctx.fail(
      `${what} ${name} is read from a file, which a pasted command cannot carry: put the body inline (--data-binary $'…') or give the raw HTTP request`,
      at,
    )
  }
  try {
    return binaryString(readFileSync(resolve(ctx.options.baseDir, name)))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable'
    return ctx.fail(`cannot read ${name} (${what}): ${code}`, at)
  }
}

/** `-H` lines: `Name: value` as typed; `Name:` removes a header curl adds; `Name;` is empty. */
function addHeaderLine(said: Said, line: string): void {
  const colon = line.indexOf(':')
  if (colon === -1) {
    // A line with neither colon nor trailing semicolon is not a header at all.
    const m = /^([^;]*);[ \t]*$/s.exec(line)
    if (m && m[1] !== '') said.typed.push([headerTextFromBinary(m[1]!), ''])
    return
  }
  const name = headerTextFromBinary(line.slice(0, colon))
  const rest = line.slice(colon + 1)
  if (/^[ \t\n\r\v\f]*$/.test(rest)) said.suppressed.add(name.toLowerCase())
  else said.typed.push([name, headerTextFromBinary(rest.replace(/^[ \t]+/, ''))])
}

function applyOption(
  said: Said,
  name: string,
  value: Arg | undefined,
  flagAt: number,
  ctx: Context,
): void {
  const v = value?.text ?? ''
  const at = value?.start ?? flagAt
  const file = (what: string) => (f: string) => readFileArg(ctx, f, what, at)
  switch (name) {
    case 'request':
      said.method = v.toUpperCase()
      break
    case 'header':
      if (!v.startsWith('@')) addHeaderLine(said, v)
      else {
        for (const line of file('-H')(v.slice(1)).split(/\r?\n/)) {
          if (line !== '') addHeaderLine(said, line)
        }
      }
      break
    case 'data':
    case 'data-ascii':
      // curl strips CR and LF from a file read by -d, never from a literal value.
      said.data.push({
        bytes: v.startsWith('@') ? file('-d')(v.slice(1)).replace(/[\r\n]/g, '') : v,
        json: false,
      })
      break
    case 'data-binary':
      said.data.push({ bytes: v.startsWith('@') ? file(name)(v.slice(1)) : v, json: false })
      break
    case 'data-raw':
      said.data.push({ bytes: v, json: false })
      break
    case 'data-urlencode':
      said.data.push({ bytes: urlencodeData(v, file(name)), json: false, urlencoded: true })
      break
    case 'json':
      said.json = true
      said.data.push({ bytes: v.startsWith('@') ? file(name)(v.slice(1)) : v, json: true })
      break
    case 'url-query':
      said.queries.push(v.startsWith('+') ? v.slice(1) : urlencodeData(v, file(name)))
      break
    case 'form':
    case 'form-string':
      ctx.fail(
        `${name === 'form' ? '-F' : '--form-string'} sends a multipart body whose boundary curl picks at random, so its bytes cannot be known from the command: give the raw HTTP request or a HAR`,
        flagAt,
      )
      break
    case 'user':
      said.user = value
      break
    case 'oauth2-bearer':
      said.bearer = v
      break
    case 'digest':
    case 'ntlm':
    case 'negotiate':
    case 'anyauth':
      said.challengeAuth = name
      break
    case 'user-agent':
      said.userAgent = v
      break
    case 'referer':
      said.referer = v.replace(/;auto$/, '')
      break
    case 'cookie':
      // Without `=` the value names a cookie file to read, which sends nothing by itself.
      if (v.includes('=')) said.cookies.push(v)
      break
    case 'get':
      said.get = true
      break
    case 'head':
      said.head = true
      break
    case 'path-as-is':
      said.pathAsIs = true
      break
    case 'upload-file':
      said.upload = readFileArg(ctx, v, '-T', at)
      break
    case 'url':
      said.url ??= value
      break
  }
}

function toRequest(said: Said, ctx: Context): HttpRequest {
  const { url, user, data } = said
  if (url === undefined) return ctx.fail('the curl command has no URL', ctx.command.start)
  if (said.challengeAuth !== undefined && user !== undefined) {
    ctx.fail(
      `--${said.challengeAuth} makes curl compute the Authorization header from the server's challenge, which a command alone does not show: give the raw HTTP request`,
      user.start,
    )
  }
  if (user !== undefined && !user.text.includes(':')) {
    ctx.fail(
      `-u ${JSON.stringify(headerTextFromBinary(user.text))} has no password, so curl would prompt for one: write -u user:password`,
      user.start,
    )
  }

  let target = url.text
  if (target === '') ctx.fail('the URL is empty', url.start)
  if (!HAS_SCHEME.test(target)) target = `http://${target}`
  // `https://user:pass@host/…`: curl sends the user-info as Basic (percent-decoded; no password
  // is an empty one) and leaves it out of the request; -u, when given, wins over it.
  const userInfo = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/.exec(target)
  let urlUser: string | undefined
  if (userInfo) {
    target = userInfo[1]! + target.slice(userInfo[0].length)
    const info = percentDecodeBinary(userInfo[2]!)
    urlUser = info.includes(':') ? info : `${info}:`
  }
  if (!said.pathAsIs) target = withoutDotSegments(target)
  let body = ''
  for (const part of data) body += body !== '' && !part.json ? `&${part.bytes}` : part.bytes
  // curl 7.88 appends through its URL API, which writes the appended %XX in lower case.
  const appendQuery = (q: string): void => {
    const lowered = q.replace(/%[0-9A-Fa-f]{2}/g, (m) => m.toLowerCase())
    target += `${target.includes('?') ? '&' : '?'}${lowered}`
  }
  if (said.get && data.length > 0) appendQuery(body)
  for (const q of said.queries) appendQuery(q)
  const hasData = data.length > 0 && !said.get

  const method =
    said.method ??
    (said.head ? 'HEAD' : said.upload !== undefined ? 'PUT' : hasData ? 'POST' : 'GET')
  const request: HttpRequest = {
    method,
    url: headerTextFromBinary(target),
    headers: [...said.typed, ...impliedHeaders(said, hasData, urlUser)],
    body: binaryBytes(said.upload ?? (hasData ? body : '')),
  }
  if (hasData && said.upload === undefined && data.some((d) => d.urlencoded))
    request.curlDataUrlencode = true
  return request
}

/** Headers the options imply, unless typed with -H or removed with `-H 'Name:'`. */
function impliedHeaders(said: Said, hasData: boolean, urlUser: string | undefined): Header[] {
  const out: Header[] = []
  const imply = (name: string, value: string): void => {
    const lower = name.toLowerCase()
    if (said.suppressed.has(lower)) return
    if ([...said.typed, ...out].some(([n]) => n.toLowerCase() === lower)) return
    out.push([name, value])
  }
  const user = said.user?.text ?? urlUser
  if (user !== undefined) {
    imply('Authorization', `Basic ${Buffer.from(binaryBytes(user)).toString('base64')}`)
  } else if (said.bearer !== undefined) {
    imply('Authorization', `Bearer ${headerTextFromBinary(said.bearer)}`)
  }
  if (said.userAgent !== undefined) imply('User-Agent', headerTextFromBinary(said.userAgent))
  if (said.referer !== undefined) imply('Referer', headerTextFromBinary(said.referer))
  if (said.cookies.length > 0) imply('Cookie', headerTextFromBinary(said.cookies.join(';')))
  if (hasData) {
    imply('Content-Type', said.json ? 'application/json' : 'application/x-www-form-urlencoded')
    if (said.json) imply('Accept', 'application/json')
  }
  return out
}

/** `%XX` → the byte, in a binary string (one char a byte), as curl decodes URL user-info. */
function percentDecodeBinary(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  )
}
