/**
 * `hookwarden fingerprint [--config FILE [--endpoint NAME]] [--json]`: the keyed fingerprint
 * (`len=29 fp:1a2b3c4d`) of a secret read from standard input, or typed at a prompt that
 * does not echo it — never from the command line, which `ps` and the shell history keep —
 * under the key the gateway and the other commands use, so that "compare fingerprints" in a
 * diagnosis can be carried out. With --config, the configured credentials' fingerprints too,
 * and which of them is the secret read. Exit 0; 1 when --config is given and none is exactly
 * the secret read; 2 unusable input.
 * @module
 */
import { readFileSync } from 'node:fs'
import {
  ConfigError,
  type Endpoint,
  fingerprint,
  InputError,
  safeEqual,
  selectEndpoint,
  setFingerprintKey,
} from '@hookwarden/core'
import { type CliFingerprintKey, resolveCliFingerprintKey } from '@hookwarden/server/light'
import type { Command } from 'commander'
import { readConfig } from '../io.js'
import { bold, dim } from '../output/style.js'

interface Options {
  config?: string
  endpoint?: string
  json?: boolean
}

/** One configured credential: where it is in the config, and its fingerprint. */
interface Configured {
  endpoint: string
  /** `tokens[0]`, `users[1].password`: the path under the endpoint's `auth`. */
  field: string
  id: string | null
  /** The user a Basic password is of. */
  user?: string
  fingerprint: string
  /** Whether it is the secret read (exactly, or once the whitespace around it is removed). */
  same: 'exact' | 'trimmed' | null
}

/** `auth` keys that hold public keys, not secrets. */
const PUBLIC = new Set(['jwks', 'jwks_url', 'public_keys'])

/** A configured credential's place and value (the value never printed: fingerprinted). */
type Found = Pick<Configured, 'field' | 'id' | 'user'> & { value: string }

/** Every credential of an endpoint's auth block, with its path: tokens, keys, secrets, passwords. */
function credentialsOf(endpoint: Endpoint): Found[] {
  const out: Found[] = []
  for (const [key, list] of Object.entries(endpoint.auth as unknown as Record<string, unknown>)) {
    if (PUBLIC.has(key) || !Array.isArray(list)) continue
    list.forEach((item: unknown, i) => {
      if (!item || typeof item !== 'object') return
      const c = item as { value?: unknown; password?: unknown; username?: unknown; id?: unknown }
      const id = typeof c.id === 'string' ? c.id : null
      if (typeof c.value === 'string') out.push({ field: `${key}[${i}]`, id, value: c.value })
      else if (typeof c.password === 'string')
        out.push({
          field: `${key}[${i}].password`,
          id,
          ...(typeof c.username === 'string' ? { user: c.username } : {}),
          value: c.password,
        })
    })
  }
  return out
}

/** What the key is, and what the fingerprints compare with, in words. */
function keyWords(k: CliFingerprintKey): string {
  switch (k.source) {
    case 'env':
      return 'HOOKWARDEN_FINGERPRINT_KEY: compares with every gateway and run that use this key'
    case 'data_dir':
      return `${k.path}, the gateway's: compares with the fingerprints in its records and diagnoses`
    case 'user':
      return `${k.path}, this user's (no gateway key in HOOKWARDEN_DATA_DIR or ./data): compares with this user's other runs; to compare with a gateway's records, run where its data directory is, or set HOOKWARDEN_DATA_DIR or HOOKWARDEN_FINGERPRINT_KEY`
    default:
      return `made for this run only (${k.problem ?? 'no key file could be kept'}): these fingerprints compare with nothing else; set HOOKWARDEN_FINGERPRINT_KEY, or HOOKWARDEN_DATA_DIR to a gateway's data directory`
  }
}

/**
 * Typed at a terminal, without echo; Enter ends it. Ctrl-C or Ctrl-D on an empty line gives
 * up (nothing read).
 */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin
    process.stderr.write(question)
    stdin.setRawMode(true)
    stdin.setEncoding('utf8')
    stdin.resume()
    let value = ''
    const finish = (error?: InputError) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (error) reject(error)
      else resolve(value)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish()
        if (ch === '\u0003')
          return finish(new InputError('ERR_CANCELLED', 'cancelled: no secret read'))
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('')
        else value += ch
      }
    }
    stdin.on('data', onData)
  })
}

/**
 * The secret: standard input when it is a pipe or a file, with the one line end a file or
 * `echo` puts after it dropped (as a config's `file:` drops it); a prompt on a terminal.
 */
async function readSecret(): Promise<{ secret: string; lineEndDropped: boolean }> {
  if (process.stdin.isTTY)
    return { secret: await prompt('secret (not shown): '), lineEndDropped: false }
  let text: string
  try {
    text = readFileSync(0, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    // No standard input at all (closed, or a detached run): nothing to read.
    if (code === 'EAGAIN' || code === 'EOF' || code === 'ENXIO') text = ''
    else
      throw new InputError(
        'ERR_READ',
        `cannot read standard input: ${code ?? (e as Error).message}`,
        {
          field: 'stdin',
        },
      )
  }
  const secret = text.replace(/\r?\n$/, '')
  if (/[\r\n]/.test(secret))
    throw new InputError(
      'ERR_SECRET_LINES',
      `standard input holds ${secret.split(/\r?\n|\r/).length} lines; give one secret (one line end after it is dropped)`,
      { field: 'stdin' },
    )
  return { secret, lineEndDropped: secret.length !== text.length }
}

function sameAs(secret: string, value: string): Configured['same'] {
  if (secret === '') return null
  if (safeEqual(secret, value)) return 'exact'
  const trimmed = secret.trim()
  return trimmed !== secret && trimmed !== '' && safeEqual(trimmed, value) ? 'trimmed' : null
}

function human(
  read: { secret: string; lineEndDropped: boolean } | null,
  configured: Configured[] | null,
  key: CliFingerprintKey,
  configFile: string | undefined,
): string {
  const out: string[] = []
  if (read) {
    const around = read.secret.trim() !== read.secret
    out.push(
      `${bold(fingerprint(read.secret))}  ${dim(`the secret read${read.lineEndDropped ? ' (the line end after it not counted)' : ''}`)}`,
    )
    if (around)
      out.push(
        `  it has whitespace around it, fingerprinted as it is: ${fingerprint(read.secret.trim())} without it`,
      )
  }
  if (configured) {
    out.push('', `configured in ${configFile}:`)
    const rows = configured.map((c) => [
      c.endpoint,
      `${c.field}${c.id ? ` "${c.id}"` : ''}${c.user !== undefined ? ` (user ${c.user})` : ''}`,
      c.fingerprint,
      c.same === 'exact'
        ? '← the secret read'
        : c.same === 'trimmed'
          ? '← the secret read, without the whitespace around it'
          : '',
    ])
    const w0 = Math.max(...rows.map((r) => r[0]!.length))
    const w1 = Math.max(...rows.map((r) => r[1]!.length))
    for (const r of rows)
      out.push(`  ${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}${r[3] ? `  ${r[3]}` : ''}`)
    if (rows.length === 0)
      out.push('  (no credentials: the endpoints verify with public keys only)')
    if (read && !configured.some((c) => c.same === 'exact'))
      out.push('  none of these is exactly the secret read')
  }
  out.push('', dim(`key: ${keyWords(key)}`))
  return `${out.join('\n')}\n`
}

export function registerFingerprint(program: Command): void {
  program
    .command('fingerprint')
    .description(
      "print a secret's keyed fingerprint (len=N fp:…), read from standard input or a prompt, to compare with the fingerprints in a diagnosis or a record",
    )
    .argument(
      '[secret]',
      'refused: the secret is read from standard input, never from the command line',
    )
    .option(
      '--config <file>',
      "hookwarden.yaml: also list the configured credentials' fingerprints",
    )
    .option('--endpoint <name>', 'with --config: only this endpoint')
    .option('--json', 'print as JSON')
    .action(async (given: string | undefined, o: Options) => {
      if (given !== undefined)
        // Not echoed: it is the secret, already in the shell history; saying so is all we can do.
        throw new InputError(
          'ERR_SECRET_ARGUMENT',
          'the secret is read from standard input, never from the command line (ps and the shell history keep it): run hookwarden fingerprint and type it, or hookwarden fingerprint < file; if it was a real secret, it is now in your shell history',
          { field: 'secret' },
        )
      if (o.endpoint !== undefined && o.config === undefined)
        throw new ConfigError('--endpoint needs --config (the endpoint is one of the config)', {
          field: '--endpoint',
        })
      // The config first: a bad one is reported before the prompt, not after the secret is typed.
      const config = o.config !== undefined ? readConfig(o.config) : null
      const endpoints = config
        ? o.endpoint !== undefined
          ? [selectEndpoint(config, null, o.endpoint)]
          : config.endpoints
        : null
      const key = resolveCliFingerprintKey(process.env)
      if (key.key) setFingerprintKey(key.key)
      const read = await readSecret()
      if (read.secret === '' && !endpoints)
        throw new InputError(
          'ERR_NO_SECRET',
          'no secret on standard input: hookwarden fingerprint < file, or run it in a terminal and type the secret',
          { field: 'stdin' },
        )
      const secretRead = read.secret === '' ? null : read
      const configured = endpoints
        ? endpoints.flatMap((e) =>
            credentialsOf(e).map(
              ({ value, ...where }): Configured => ({
                endpoint: e.name,
                ...where,
                fingerprint: fingerprint(value),
                same: secretRead ? sameAs(secretRead.secret, value) : null,
              }),
            ),
          )
        : null
      if (o.json) {
        const json = {
          fingerprint: secretRead ? fingerprint(secretRead.secret) : null,
          ...(secretRead && secretRead.secret.trim() !== secretRead.secret
            ? { fingerprint_trimmed: fingerprint(secretRead.secret.trim()) }
            : {}),
          line_end_dropped: secretRead?.lineEndDropped ?? false,
          key: { source: key.source, path: key.path },
          ...(configured ? { configured } : {}),
        }
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
      } else process.stdout.write(human(secretRead, configured, key, o.config))
      // 1: none is exactly the secret read (one that is, once trimmed, is named, and still differs).
      process.exitCode =
        secretRead && configured && !configured.some((c) => c.same === 'exact') ? 1 : 0
    })
}
