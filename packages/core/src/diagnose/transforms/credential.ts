/**
 * Header-construction near misses for the credential schemes (bearer, basic, api_key, jwt):
 * every place a credential could have been put (any header, any query parameter) is read,
 * its construction undone step by step (prefix, whitespace, invisible characters, quotes,
 * percent-encoding, Basic encoding) and the credential put where the endpoint expects it.
 * A candidate that then verifies names the steps the sender got wrong.
 * @module
 */
import type { AuthPolicy } from '../../config/types.js'
import { decodeStrict } from '../../crypto/encoding.js'
import { requestQuery } from '../../message/headers.js'
import type { Header, HttpRequest } from '../../message/types.js'
import { fingerprint } from '../../redact/fingerprint.js'
import { credentialShapeDefect } from '../../schemes/credential.js'
import type { ReasonCode } from '../../verdict/reasons.js'
import { type Fix, headerFix, plainFix } from '../wording.js'
import { type Step, step } from './types.js'

export type CredentialTarget =
  | { kind: 'authorization'; scheme: 'Bearer' | 'Basic' }
  | { kind: 'header'; name: string }
  | { kind: 'query'; name: string }

/** Where the policy expects its credential, or null for the signature schemes. */
export function targetOf(policy: AuthPolicy): CredentialTarget | null {
  switch (policy.scheme) {
    case 'bearer':
    case 'jwt':
      return { kind: 'authorization', scheme: 'Bearer' }
    case 'basic':
      return { kind: 'authorization', scheme: 'Basic' }
    case 'api_key':
      return policy.query !== undefined
        ? { kind: 'query', name: policy.query }
        : { kind: 'header', name: policy.header ?? 'X-API-Key' }
    default:
      return null
  }
}

/** Headers that never carry a credential: skipped as sources. */
const NOT_CREDENTIAL =
  /^(host|content-type|content-length|content-encoding|transfer-encoding|user-agent|accept(-.*)?|connection|date|cache-control|pragma|expect|te|upgrade|via|forwarded|origin|referer|cookie|traceparent|tracestate|x-request-id|x-correlation-id|x-forwarded-.*|x-real-ip|cf-.*|x-amzn-.*|sec-.*|if-.*|keep-alive|priority|baggage|sentry-trace|x-b3-.*|webhook-id|webhook-timestamp)$/i

type Source =
  | { kind: 'header'; index: number; name: string; value: string }
  | { kind: 'query'; name: string; value: string }

export interface CredentialCandidate {
  steps: Step[]
  request: HttpRequest
  /** The credential after the steps were undone (for the which-credential checks; never printed). */
  credential: string
  /** The candidate keeps the credential where it was sent (no location step). */
  inPlace: boolean
}

/** Header names that differ only in `_` vs `-`, case or an `X-` prefix. */
export function sameHeaderName(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .replace(/^x(?=.)/, '')
  return norm(a) === norm(b)
}

function sources(req: HttpRequest, target: CredentialTarget): Source[] {
  const targetName =
    target.kind === 'authorization'
      ? 'authorization'
      : target.kind === 'header'
        ? target.name.toLowerCase()
        : null
  const first: Source[] = []
  const rest: Source[] = []
  req.headers.forEach(([name, value], index) => {
    if (NOT_CREDENTIAL.test(name) || value.trim() === '') return
    const s: Source = { kind: 'header', index, name, value }
    if (name.toLowerCase() === targetName) first.push(s)
    else rest.push(s)
  })
  const q = requestQuery(req)
  if (q !== '') {
    for (const [name, value] of new URLSearchParams(q)) {
      if (value === '') continue
      const s: Source = { kind: 'query', name, value }
      if (target.kind === 'query' && name === target.name) first.push(s)
      else rest.push(s)
    }
  }
  return [...first, ...rest]
}

function targetLabel(t: CredentialTarget): string {
  return t.kind === 'authorization'
    ? `Authorization: ${t.scheme} <…>`
    : t.kind === 'header'
      ? `the ${t.name} header`
      : `?${t.name}= in the URL`
}

function targetFix(t: CredentialTarget, before = ''): Fix {
  if (t.kind === 'authorization')
    return headerFix(
      'Authorization',
      t.scheme === 'Bearer' ? 'Bearer <token>' : 'Basic <base64 of username:password>',
      before,
    )
  if (t.kind === 'header') return headerFix(t.name, '<key>', before)
  return {
    code: `${before ? `${before} ` : ''}Add \`?${t.name}=<key>\` to the URL.`,
    make: `${before ? `${before} ` : ''}In the HTTP module, Query String → Name \`${t.name}\`, Value: the key.`,
    zapier: `${before ? `${before} ` : ''}In the Webhooks by Zapier action, Query String Params → \`${t.name}\`: the key.`,
    n8n: `${before ? `${before} ` : ''}In the HTTP Request node, Send Query Parameters → Name \`${t.name}\`, Value: the key.`,
  }
}

function locationSteps(
  src: Source,
  target: CredentialTarget,
  authCount: number,
  authOrdinal: number,
): Step[] {
  if (src.kind === 'header') {
    if (target.kind === 'authorization') {
      if (src.name.toLowerCase() === 'authorization') {
        return authCount > 1
          ? [
              step(
                'duplicate_auth_header',
                `${authCount} Authorization headers were sent; only header number ${authOrdinal} holds the working credential.`,
                plainFix(
                  'Send the Authorization header once: remove the other one (check the tool does not add its own as well as yours).',
                ),
                [`${authCount} Authorization headers in the request`],
              ),
            ]
          : []
      }
      return [nameStep(src.name, 'Authorization', target)]
    }
    if (target.kind === 'header')
      return src.name.toLowerCase() === target.name.toLowerCase()
        ? []
        : [nameStep(src.name, target.name, target)]
    return [
      step(
        'credential_in_header',
        `The key was sent in the ${src.name} header, but this endpoint reads it from ?${target.name}= in the URL.`,
        targetFix(target, `Move the key out of the ${src.name} header:`),
        [`header ${src.name} carries the key`],
      ),
    ]
  }
  if (target.kind === 'query') {
    return src.name === target.name
      ? []
      : [
          step(
            'header_name_wrong',
            `The key was sent as ?${src.name}= but this endpoint reads ?${target.name}=.`,
            targetFix(target, `Rename the parameter ${src.name}:`),
            [`query parameter ${src.name}`],
          ),
        ]
  }
  return [
    step(
      'credential_in_query',
      `The credential was sent in the URL as ?${src.name}=, but this endpoint reads ${targetLabel(target)}.`,
      targetFix(target, `Remove ?${src.name}= from the URL (URLs end up in logs) and instead:`),
      [`query parameter ${src.name} carries the credential`],
    ),
  ]
}

function nameStep(sent: string, expected: string, target: CredentialTarget): Step {
  const underscore = sent.includes('_') && sameHeaderName(sent, expected)
  const evidence = [`header ${sent} carries the credential; ${expected} is absent`]
  let summary = `The credential was sent in the ${sent} header, but this endpoint reads ${expected === 'Authorization' ? targetLabel(target) : `the ${expected} header`}.`
  if (underscore) {
    summary += ` Header names with "_" are dropped by nginx (unless underscores_in_headers on) and Apache, so it may never reach the receiver.`
    evidence.push('nginx and Apache 2.4 drop header names containing "_"')
  }
  return step(
    'header_name_wrong',
    summary,
    targetFix(target, `Rename the header ${sent}:`),
    evidence,
  )
}

interface Reading {
  credential: string
  steps: Step[]
}

const OTHER_SCHEMES = /^[ \t]*(token|bearer|basic|jwt|apikey|api-key|key|digest)[ \t]+/i

/** The ways a value may have been built, for an `Authorization: <scheme> …` target. */
function readAuthorization(
  value: string,
  expected: 'Bearer' | 'Basic',
  fromAuthorization: boolean,
): Reading[] {
  const exp = expected.toLowerCase()
  const out: Reading[] = []
  const twice = new RegExp(`^[ \\t]*${exp}[ \\t:]+${exp}[ \\t:]+([\\s\\S]*)$`, 'i').exec(value)
  if (twice) {
    out.push({
      credential: twice[1]!,
      steps: [
        step(
          'scheme_prefix_malformed',
          `"${expected}" is written twice in the Authorization header (${expected} ${expected} <…>).`,
          headerFix(
            'Authorization',
            `${expected} <${exp === 'bearer' ? 'token' : 'credentials'}>`,
            `Write "${expected} " once:`,
          ),
          ['the value starts with the scheme word twice'],
        ),
      ],
    })
    return out
  }
  const colon = new RegExp(`^[ \\t]*${exp}[ \\t]*:[ \\t]*([\\s\\S]*)$`, 'i').exec(value)
  if (colon) {
    out.push({
      credential: colon[1]!,
      steps: [
        step(
          'scheme_prefix_malformed',
          `The Authorization header has a colon after "${expected}" ("${expected}: <…>").`,
          headerFix(
            'Authorization',
            `${expected} <…>`,
            `Write "${expected} " followed by one space, no colon:`,
          ),
          ['"<scheme>:" instead of "<scheme> "'],
        ),
      ],
    })
    return out
  }
  const ok = new RegExp(`^[ \\t]*${exp}[ \\t]+([\\s\\S]*)$`, 'i').exec(value)
  if (ok) return [{ credential: ok[1]!, steps: [] }]
  const other = OTHER_SCHEMES.exec(value)
  if (other) {
    const word = other[1]!
    const sentBasicForBearer = word.toLowerCase() === 'basic'
    const mismatch = (credential: string) => ({
      credential,
      steps: [
        step(
          'scheme_mismatch',
          `The Authorization header uses the "${word}" scheme, but this endpoint expects "${expected}".`,
          headerFix(
            'Authorization',
            `${expected} <…>`,
            sentBasicForBearer
              ? `Switch the authentication type from Basic to ${expected}:`
              : `Write "${expected} " instead of "${word} ":`,
          ),
          [`scheme sent: ${word}; expected: ${expected}`],
        ),
      ],
    })
    const rest = value.slice(other[0].length)
    out.push(mismatch(rest))
    // Basic auth set up in the tool with the token as password (or username): try each part.
    const decoded = sentBasicForBearer
      ? decodeStrict(rest.trim(), 'base64')?.toString('utf8')
      : undefined
    if (decoded?.includes(':')) {
      const i = decoded.indexOf(':')
      for (const part of [decoded.slice(i + 1), decoded.slice(0, i)])
        if (part) out.push(mismatch(part))
    }
    return out
  }
  const glued = new RegExp(`^[ \\t]*${exp}(?=[^ \\t])`, 'i').exec(value)
  if (glued && fromAuthorization) {
    out.push({
      credential: value.slice(glued[0].length),
      steps: [
        step(
          'scheme_prefix_missing',
          `Nothing separates "${expected}" from the ${exp === 'bearer' ? 'token' : 'credentials'}: the header reads "${expected}<…>" with no space (a template like ${expected}{{token}}).`,
          {
            ...headerFix(
              'Authorization',
              `${expected} <token>`,
              `Put one space after "${expected}":`,
            ),
            make: `In the HTTP module, Headers → Authorization: write \`${expected} \` (with a space) before the token, e.g. \`${expected} {{token}}\`.`,
          },
          ['no space after the scheme word'],
        ),
      ],
    })
  }
  if (fromAuthorization) {
    out.push({
      credential: value,
      steps: [
        step(
          'scheme_prefix_missing',
          `The Authorization header holds the ${exp === 'bearer' ? 'token' : 'credentials'} without the "${expected} " prefix.`,
          {
            ...headerFix(
              'Authorization',
              `${expected} <${exp === 'bearer' ? 'token' : 'base64 of username:password'}>`,
              `Write "${expected} " before the value:`,
            ),
            make: `In the HTTP module, Headers → Authorization: write \`${expected} \` before the ${exp === 'bearer' ? 'token' : 'credentials'}.`,
            zapier: `In the Webhooks by Zapier action, Headers → Authorization: write \`${expected} \` before the ${exp === 'bearer' ? 'token' : 'credentials'}.`,
            n8n: `In the HTTP Request node, set the Authorization header to \`${expected} {{ $json.token }}\` (or use Generic Credential Type → ${expected === 'Bearer' ? 'Bearer Auth' : 'Basic Auth'}).`,
          },
          ['the value does not start with a scheme word'],
        ),
      ],
    })
  } else {
    out.push({ credential: value, steps: [] })
  }
  return out
}

/** Undoes shape defects (whitespace, invisible characters, quotes, percent-encoding), each a step. */
function cleanup(credential: string): Reading {
  const steps: Step[] = []
  let value = credential
  for (let i = 0; i < 4; i++) {
    const d = credentialShapeDefect(value)
    if (!d) break
    steps.push(shapeStep(d.reason, value))
    value = d.cleaned
  }
  return { credential: value, steps }
}

export function shapeStep(code: ReasonCode, value: string): Step {
  const fp = fingerprint(value)
  switch (code) {
    case 'credential_invisible_chars': {
      const kinds = invisibleKinds(value)
      return step(
        code,
        `The credential contains invisible characters (${kinds}), typically pasted along with it.`,
        {
          code: 'Retype or re-copy the credential from its source as plain text; the pasted value holds invisible characters.',
          make: 'In the HTTP module, delete the credential and paste it again as plain text (the current value holds invisible characters).',
        },
        [`credential ${fp} holds ${kinds}`],
      )
    }
    case 'credential_whitespace':
      return step(
        code,
        `The credential has ${/[\r\n]/.test(value) ? 'a line break' : 'spaces'} ${value.trimStart() !== value ? 'before' : 'after'} it.`,
        {
          code: 'Remove the spaces or the line break around the credential (a trailing newline often comes from a file or an env var).',
          make: 'In the HTTP module, remove the space or line break around the credential in the header value (use trim() if it comes from a variable).',
          zapier:
            'Remove the space or line break around the credential in the header value (a Formatter step with Trim Whitespace helps).',
          curl: 'Remove the line break: use $(cat file | tr -d "\\n") or printf instead of echo.',
        },
        [`credential ${fp} has whitespace around it`],
      )
    case 'credential_quoted':
      return step(
        code,
        'The credential is wrapped in quotes, which are sent as part of it.',
        plainFix('Remove the quotation marks around the credential.'),
        [`credential ${fp} starts and ends with a quote`],
      )
    case 'credential_url_encoded':
      return step(
        code,
        'The credential is percent-encoded (URL-encoded) in a header, where it is taken literally.',
        plainFix('Send the credential as is: do not URL-encode it in a header.'),
        [`credential ${fp} holds %XX sequences`],
      )
    default:
      return step(
        code,
        'The credential is malformed.',
        plainFix('Send the credential exactly as configured.'),
      )
  }
}

function invisibleKinds(v: string): string {
  const names: string[] = []
  if (/[\u200B-\u200D\u2060]/.test(v)) names.push('zero-width space')
  if (/[\u00A0\u202F\u2007]/.test(v)) names.push('non-breaking space')
  if (/\uFEFF/.test(v)) names.push('byte-order mark')
  if (/\u00AD/.test(v)) names.push('soft hyphen')
  return names.join(', ') || 'invisible characters'
}

/** Basic credentials in the token68 form the scheme wants, with the step that got there. */
function basicReading(credential: string): Reading {
  if (decodeStrict(credential, 'base64')) return { credential, steps: [] }
  const url = decodeStrict(credential, 'base64url')
  if (url) {
    const canonical = url.toString('base64')
    const why = /[-_]/.test(credential)
      ? 'URL-safe base64 (- and _)'
      : 'base64 without its = padding'
    return {
      credential: canonical,
      steps: [
        step(
          'basic_not_base64',
          `The Basic credentials are ${why}, not standard base64.`,
          plainFix(
            'Encode "username:password" with standard base64 (A-Z a-z 0-9 + /, padded with =).',
          ),
          [why],
        ),
      ],
    }
  }
  if (credential.includes(':')) {
    return {
      credential: Buffer.from(credential, 'utf8').toString('base64'),
      steps: [
        step(
          'basic_raw_credentials',
          'The Basic credentials were sent as plain "username:password" instead of base64.',
          {
            code: 'Send "Basic " + base64("username:password").',
            make: 'In the HTTP module, use Authentication type → Basic auth (Make encodes it), or write `Basic {{base64(username + ":" + password)}}`.',
            zapier:
              'In the Webhooks by Zapier action, fill the Basic Auth field as `username|password` instead of writing the header yourself.',
            n8n: 'In the HTTP Request node, use Generic Credential Type → Basic Auth instead of writing the header yourself.',
            curl: 'Use `-u username:password` (curl encodes it) instead of writing the header yourself.',
          },
          ['the value holds a colon and is not base64'],
        ),
      ],
    }
  }
  return { credential, steps: [] }
}

/**
 * Every way the request's credential could be read, undone into a request that puts it where
 * the endpoint expects it. Readings with fewer steps come first.
 */
export function credentialCandidates(
  req: HttpRequest,
  target: CredentialTarget,
): CredentialCandidate[] {
  const srcs = sources(req, target)
  const authSources = srcs.filter(
    (s) => s.kind === 'header' && s.name.toLowerCase() === 'authorization',
  )
  const out: CredentialCandidate[] = []
  const seen = new Set<string>()
  for (const src of srcs) {
    const loc = locationSteps(src, target, authSources.length, authSources.indexOf(src) + 1)
    const fromAuthorization = src.kind === 'header' && src.name.toLowerCase() === 'authorization'
    const readings: Reading[] =
      target.kind === 'authorization'
        ? readAuthorization(src.value, target.scheme, fromAuthorization)
        : [stripForeignPrefix(src.value)]
    for (const r of readings) {
      const clean = cleanup(r.credential)
      let credential = clean.credential
      const extra: Step[] = []
      if (target.kind === 'authorization' && target.scheme === 'Basic') {
        const b = basicReading(credential)
        credential = b.credential
        extra.push(...b.steps)
      }
      if (credential === '') continue
      const steps = [...loc, ...r.steps, ...clean.steps, ...extra]
      const request = place(req, src, target, credential)
      const key = `${steps.map((s) => s.code).join(',')}|${src.kind}:${src.name}|${credential.length}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ steps, request, credential, inPlace: loc.length === 0 })
    }
  }
  return out.sort((a, b) => a.steps.length - b.steps.length)
}

/** A value in a non-Authorization place may still carry `Bearer `: read past it. */
function stripForeignPrefix(value: string): Reading {
  const m = OTHER_SCHEMES.exec(value)
  return m ? { credential: value.slice(m[0].length), steps: [] } : { credential: value, steps: [] }
}

/** The request with the credential moved to the target and the source removed. */
function place(
  req: HttpRequest,
  src: Source,
  target: CredentialTarget,
  credential: string,
): HttpRequest {
  let headers: Header[] = req.headers.filter((_, i) => !(src.kind === 'header' && i === src.index))
  let url = req.url
  if (src.kind === 'query') url = withoutQueryParam(url, src.name)
  if (target.kind === 'authorization') {
    headers = headers.filter(([n]) => n.toLowerCase() !== 'authorization')
    headers.push(['Authorization', `${target.scheme} ${credential}`])
  } else if (target.kind === 'header') {
    headers = headers.filter(([n]) => n.toLowerCase() !== target.name.toLowerCase())
    headers.push([target.name, credential])
  } else {
    url = withoutQueryParam(url, target.name)
    url += `${url.includes('?') ? '&' : '?'}${encodeURIComponent(target.name)}=${encodeURIComponent(credential)}`
  }
  return { ...req, headers, url }
}

function withoutQueryParam(url: string, name: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const hash = url.indexOf('#', q)
  const query = url.slice(q + 1, hash === -1 ? undefined : hash)
  const kept = query.split('&').filter((p) => {
    const raw = p.split('=')[0] ?? ''
    let n = raw
    try {
      n = decodeURIComponent(raw.replace(/\+/g, ' '))
    } catch {}
    return p !== '' && n !== name
  })
  return (
    url.slice(0, q) +
    (kept.length ? `?${kept.join('&')}` : '') +
    (hash === -1 ? '' : url.slice(hash))
  )
}
