/**
 * Finding the curl commands in a paste: prompts, history numbers and `sudo` before `curl`,
 * variables set on earlier lines (`TOKEN=…`, `export TOKEN=…`), and option lines whose
 * continuation backslash was lost (bash would run `-H …` as a command; a person meant curl).
 * @module
 */
import type { ShellCommand, ShellWord } from './shell-words.js'

const IS_CURL = /^(?:.*[\\/>])?curl(?:\.exe)?$/i
/** Words a paste may hold before `curl`: prompts, history numbers, sudo, env assignments. */
const BEFORE_CURL =
  /^(?:\$|%|>|#|\d+|sudo|time|command|exec|env|noglob|PS|[A-Za-z]:.*|[A-Za-z_][A-Za-z0-9_]*=.*)$/s
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s

export interface Arg {
  text: string
  start: number
}

export interface CurlCommand {
  args: Arg[]
  start: number
  stdin?: string
}

/** Resolves variables from earlier `NAME=value` / `export NAME=value` lines and finds the curls. */
export function curlCommands(commands: ShellCommand[]): CurlCommand[] {
  const env = new Map<string, string>()
  const out: CurlCommand[] = []
  let last: CurlCommand | undefined
  for (const command of commands) {
    const args = command.words.map((w) => ({ text: expand(w, env), start: w.start }))
    // `-H …` alone on a line cannot be a command: the line before lost its backslash.
    if (last !== undefined && args[0]?.text.startsWith('-')) {
      for (const arg of args) last.args.push(arg)
      if (command.stdin !== undefined) last.stdin = command.stdin
      continue
    }
    last = undefined
    const at = args.findIndex((a) => IS_CURL.test(a.text))
    if (at !== -1 && at <= 4 && args.slice(0, at).every((a) => BEFORE_CURL.test(a.text))) {
      last = {
        args: args.slice(at + 1),
        start: args[at]!.start,
        ...(command.stdin !== undefined ? { stdin: command.stdin } : {}),
      }
      out.push(last)
      continue
    }
    let words = args
    while (words[0] && /^[$%]$/.test(words[0].text)) words = words.slice(1)
    if (words[0]?.text === 'export') words = words.slice(1)
    const assignments = words.map((a) => ASSIGNMENT.exec(a.text))
    if (words.length > 0 && assignments.every((m) => m !== null))
      for (const m of assignments) env.set(m![1]!, m![2]!)
  }
  return out
}

/** A variable the paste does not define is kept as typed (`$TOKEN`), so it shows. */
function expand(word: ShellWord, env: Map<string, string>): string {
  return word.parts.map((p) => ('text' in p ? p.text : (env.get(p.variable) ?? p.raw))).join('')
}
