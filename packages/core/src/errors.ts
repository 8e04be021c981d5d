/**
 * Typed errors for misuse and unusable input. A refused request is never an error: it is a
 * Verdict. These are thrown only for a broken config, an unreadable capture or a bug.
 * @module
 */

const BRAND = Symbol.for('hookwarden.error')

export interface ErrorPosition {
  /** File the input came from, when known. */
  file?: string
  /** 1-based line. */
  line?: number
  /** 1-based column. */
  column?: number
  /** Field path, e.g. `endpoints[0].auth.encoding`. */
  field?: string
}

export class HookwardenError extends Error {
  readonly code: string
  readonly [BRAND] = true
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
  /** `instanceof` holds across duplicate installs of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    )
  }
}

/**
 * Input a user gave us that we cannot use (capture, config, flag). The CLI prints
 * `where: message` on one line and exits with 2.
 */
export class InputError extends HookwardenError {
  readonly position: ErrorPosition
  constructor(code: string, message: string, position: ErrorPosition = {}, options?: ErrorOptions) {
    super(code, message, options)
    this.position = position
  }
  /** `file:line:column: field message` — as much of it as is known. */
  where(): string {
    const p = this.position
    const parts: string[] = []
    if (p.file) parts.push(p.file)
    if (p.line !== undefined) parts.push(String(p.line))
    if (p.line !== undefined && p.column !== undefined) parts.push(String(p.column))
    return parts.join(':')
  }
  /** The one line the CLI prints. */
  oneLine(): string {
    const where = this.where()
    const msg = this.message.replace(/\s*\n\s*/g, ' ')
    return where ? `${where}: ${msg}` : msg
  }
  static is(value: unknown): value is InputError {
    return value instanceof HookwardenError && 'position' in (value as object)
  }
}

/** A capture (request or response text) that cannot be parsed. */
export class CaptureParseError extends InputError {
  constructor(message: string, position: ErrorPosition = {}) {
    super('ERR_CAPTURE_PARSE', message, position)
  }
}

/** A config that cannot be used: schema violation, missing env var, unreadable file. */
export class ConfigError extends InputError {
  constructor(message: string, position: ErrorPosition = {}) {
    super('ERR_CONFIG', message, position)
  }
}
