/**
 * The causes of the origin cases that name them (`causes` in expect.json): diagnose() over the
 * request and response alone, as `hookwarden diagnose --json` runs it, must put one of them
 * first, and a case with causes is never "nothing wrong" (a 5xx, a block page sent with 200).
 * A case may also hold what the diagnosis must say (`says`, regexes) and must not
 * (`never_says`), over its words: the meaning, and each cause's code, summary, fix, evidence.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { diagnose, parseRequest, parseResponse } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('./origin-cases', import.meta.url))

interface Expect {
  now: number
  causes?: string[]
  says?: string[]
  never_says?: string[]
}

const cases = readdirSync(root)
  .sort()
  .map((name) => ({
    name,
    exp: JSON.parse(readFileSync(join(root, name, 'expect.json'), 'utf8')) as Expect,
  }))
  .filter((c) => c.exp.causes || c.exp.says || c.exp.never_says)

describe('origin cases: the top cause', () => {
  it('has cases with causes', () => {
    expect(cases.length).toBeGreaterThan(20)
  })

  for (const { name, exp } of cases) {
    it(name, async () => {
      const dir = join(root, name)
      const request = parseRequest(readFileSync(join(dir, 'request.http')), {
        file: 'request.http',
      })
      const response = parseResponse(readFileSync(join(dir, 'response.http')), {
        file: 'response.http',
      })
      const d = await diagnose(request, { now: exp.now, response })
      if (exp.causes)
        expect(exp.causes, JSON.stringify(d.causes.slice(0, 2))).toContain(d.causes[0]?.code)
      const words = [
        d.response?.meaning ?? '',
        ...d.causes.flatMap((c) => [c.code, c.summary, c.fix, ...c.evidence]),
        ...(d.origin?.evidence ?? []),
      ].join('\n')
      for (const re of exp.says ?? []) expect(words).toMatch(new RegExp(re))
      for (const re of exp.never_says ?? []) expect(words).not.toMatch(new RegExp(re))
    })
  }
})
