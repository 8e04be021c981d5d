/**
 * PowerShell captures (Chrome's "Copy as PowerShell", `curl` as PowerShell's alias for
 * Invoke-WebRequest) are refused in one line that says what to paste instead; curl.exe with
 * curl's own options is still curl.
 */
import { describe, expect, it } from 'vitest'
import { CaptureParseError } from '../errors.js'
import { parseCapture } from './parse.js'

const WORDS =
  'PowerShell Invoke-WebRequest/Invoke-RestMethod is not supported: use Copy as cURL (bash), or a HAR'

function refusal(text: string): CaptureParseError {
  try {
    parseCapture(text, { file: 'req.txt' })
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureParseError)
    return e as CaptureParseError
  }
  throw new Error('the capture parsed')
}

describe('PowerShell captures', () => {
  it("Chrome's Copy as PowerShell → one line naming the line of Invoke-WebRequest", () => {
    const e = refusal(
      [
        '$session = New-Object Microsoft.PowerShell.Commands.WebRequestSession',
        '$session.UserAgent = "Mozilla/5.0"',
        'Invoke-WebRequest -UseBasicParsing -Uri "https://h/hooks" `',
        '-Method "POST" `',
        '-Headers @{',
        '"authorization"="Bearer x"',
        '} `',
        '-Body "{}"',
      ].join('\r\n'),
    )
    expect(e.message).toBe(WORDS)
    expect(e.message).not.toContain('\n')
    expect(e.position.line).toBe(3)
    expect(e.oneLine()).toBe(`req.txt:3:1: ${WORDS}`)
  })

  it.each([
    [
      'curl as the alias, after a prompt',
      'PS C:\\Users\\dev> curl -Uri "https://h/hooks" -Method POST -Headers @{"Authorization"="Bearer x"} -Body \'{}\'',
    ],
    ['Invoke-RestMethod', 'Invoke-RestMethod -Uri https://h/hooks -Method Post -Body "{}"'],
    ['iwr', 'iwr https://h/hooks -Method POST -Headers @{ "X-Key" = "k" }'],
  ])('%s → refused', (_what, text) => {
    expect(refusal(text).message).toBe(WORDS)
  })

  it('curl.exe with curl options is curl', () => {
    const c = parseCapture('curl.exe -X POST https://h/hooks -H "Authorization: Bearer x" -d "{}"')
    expect(c.request?.method).toBe('POST')
    expect(c.request?.headers).toContainEqual(['Authorization', 'Bearer x'])
  })
})
