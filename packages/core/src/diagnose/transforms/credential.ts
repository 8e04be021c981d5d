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
import { rawSeparator } from '../../schemes/basic.js'
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
  | { kind: 'query'; name: string; value: string; raw: string }

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
    // The raw pairs too: whether a space was sent as a literal `+` is lost once decoded.
    const raws = q
      .split('&')
      .filter((p) => p !== '')
      .map((p) => p.slice(p.indexOf('=') + 1))
    let i = 0
    for (const [name, value] of new URLSearchParams(q)) {
      const raw = raws[i++] ?? ''
      if (value === '') continue
      const s: Source = { kind: 'query', name, value, raw }
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
  if (sent !== sent.trim() && sent.trim().toLowerCase() === expected.toLowerCase())
    return nameSpaceStep(sent)
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

/**
 * A header name with a space or tab around it (`Authorization ` typed into n8n's Header Auth
 * or a Make header item): the receiver looks the header up by its exact name and misses it.
 */
export function nameSpaceStep(sent: string): Step {
  const name = sent.trim()
  const where =
    sent.trimEnd() !== sent
      ? sent.trimStart() !== sent
        ? 'a space before and after it'
        : 'a trailing space'
      : 'a leading space'
  const shown = JSON.stringify(sent)
  return step(
    'header_name_wrong',
    `The header name ${shown} has ${where}: the receiver looks for ${name} and does not find it.`,
    {
      code: `Remove the space from the header name: send \`${name}\`, not ${shown}.`,
      make: `In the HTTP module, Headers → the item Name ${shown}: remove the space so it reads \`${name}\`.`,
      zapier: `In the Webhooks by Zapier action, Headers → the key ${shown}: remove the space so it reads \`${name}\`.`,
      n8n: `In the HTTP Request node (or the Header Auth credential), the header Name ${shown}: remove the space so it reads \`${name}\`.`,
      curl: `Write \`-H '${name}: …'\` with no space before the colon.`,
    },
    [`header name ${shown} (${sent.length} characters) instead of ${name}`],
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
  // `Bearer` alone (an empty template variable): no credential to read, not a token "Bearer".
  if (schemeOnly(value)) return out
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

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00A0\u202F\u2007\u00AD]/
const SPACE_LIKE = /[\u00A0\u202F\u2007]/g
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g

/** Whether a header value holds a zero-width character, a BOM or a non-breaking space. */
export function hasInvisible(value: string): boolean {
  return INVISIBLE.test(value)
}

/**
 * The value as the sender meant it: non-breaking spaces read as the spaces they stand for
 * (`Bearer\u00A0<token>` is `Bearer <token>`), zero-width characters and BOMs dropped.
 */
export function withoutInvisible(value: string): string {
  return value.replace(SPACE_LIKE, ' ').replace(ZERO_WIDTH, '')
}

/**
 * Invisible characters named by where they sit in a header value: before the scheme word (a
 * BOM from a file or a pasted value), between it and the credential, or in the credential.
 */
export function invisibleHeaderStep(name: string, value: string): Step {
  const at = value.search(INVISIBLE)
  const scheme = /^[ \t]*([A-Za-z][\w.~+-]*)/.exec(withoutInvisible(value))?.[1]
  const head = value.slice(0, at)
  const where =
    /authorization/i.test(name) && scheme && KNOWN_SCHEME.test(scheme)
      ? head.trim() === ''
        ? `before "${scheme}"`
        : head.trim().toLowerCase() === scheme.toLowerCase()
          ? `between "${scheme}" and the credential`
          : 'in the credential'
      : 'in the value'
  const kinds = invisibleKinds(value)
  const effect = where.startsWith('between')
    ? 'the receiver does not read it as the space that must follow the scheme'
    : where.startsWith('before')
      ? 'the receiver does not see the scheme word where the value starts'
      : 'the receiver compares them as part of the credential, so it does not match'
  return step(
    'credential_invisible_chars',
    `The ${name} header holds invisible characters (${kinds}) ${where}: ${effect}.`,
    {
      code: `Retype the ${name} header value as plain text, or strip U+FEFF, U+200B-U+200D and U+00A0 from it (a BOM often comes from a file saved as "UTF-8 with BOM").`,
      make: `In the HTTP module, delete the ${name} header value and type it again as plain text (the current value holds invisible characters).`,
      zapier: `Delete the ${name} header value and type it again as plain text (the current value holds invisible characters).`,
      n8n: `In the HTTP Request node, delete the ${name} header value and type it again as plain text (the current value holds invisible characters).`,
    },
    [`${name} value ${fingerprint(value)} holds ${kinds} ${where}`],
  )
}

const KNOWN_SCHEME = /^(bearer|basic|token|jwt|apikey|api-key|key|digest)$/i

/**
 * What an Authorization value wrapped whole in quotes holds (`"Bearer eyJ…"`: a JSON string
 * pasted with its quotes, a quoted env var), or null: only when a scheme word starts it.
 */
export function quotedAuthorization(value: string): string | null {
  const m = /^[ \t]*(["'])([\s\S]*)\1[ \t]*$/.exec(value)
  return m && OTHER_SCHEMES.test(m[2]!) ? m[2]! : null
}

/** The whole header value in quotes, which are sent as part of it. */
export function quotedValueStep(name: string, value: string): Step {
  const inner = quotedAuthorization(value) ?? value
  const word = /^[ \t]*(\S+)/.exec(inner)?.[1] ?? 'Bearer'
  return step(
    'credential_quoted',
    `The whole ${name} header value is wrapped in quotes ("${word} …"): the quotes are sent as part of it, so the receiver does not find "${word} " where the value starts.`,
    headerFix(
      name,
      `${word} <${/^basic$/i.test(word) ? 'credentials' : 'token'}>`,
      'Remove the quotation marks around the value:',
    ),
    [`${name} value ${fingerprint(value)} starts and ends with a quote`],
  )
}

/** The scheme word when a value is that word alone (`Authorization: Bearer`), else null. */
export function schemeOnly(value: string): string | null {
  const v = withoutInvisible(value).trim()
  return KNOWN_SCHEME.test(v) ? v : null
}

/** `Authorization: Bearer` with nothing after it: the variable that holds the token was empty. */
export function schemeOnlyStep(scheme: string): Step {
  const word = scheme[0]!.toUpperCase() + scheme.slice(1).toLowerCase()
  return step(
    'credentials_missing',
    `The Authorization header holds only the scheme ("${word}"), no ${word === 'Basic' ? 'credentials' : 'token'}: the variable or field meant to fill it was empty when the request was sent.`,
    {
      code: `Check the value put after "${word} " is set when the request is built (an unset env var or an empty variable gives "${word}" alone).`,
      make: `In the HTTP module, the Authorization header reads \`${word} {{…}}\` but the mapped value was empty: check the module that should produce it ran and returned a ${word === 'Basic' ? 'value' : 'token'} (map it from that module's output).`,
      zapier: `The Authorization header reads \`${word} {{…}}\` but the mapped field was empty: check the step that provides the ${word === 'Basic' ? 'value' : 'token'} ran and returned one.`,
      n8n: `The Authorization header reads \`${word} {{ … }}\` but the expression was empty: check the expression resolves for this item (or use a credential of type ${word === 'Basic' ? 'Basic Auth' : 'Bearer Auth'}).`,
    },
    ['the Authorization header holds the scheme word and nothing after it'],
  )
}

/**
 * The parts of an Authorization value that holds two credentials joined by a comma
 * (`Bearer a, Bearer b`: a proxy or a logger merged two header lines, RFC 9110 §5.3), or []
 * when it holds one. A credential (token68) never holds ", ".
 */
export function joinedAuthorization(value: string): string[] {
  const parts = value.split(/,[ \t]*(?=(?:bearer|basic|token|jwt|digest)(?:[ \t]|$))/i)
  return parts.length > 1 && parts.every((p) => OTHER_SCHEMES.test(`${p.trim()} `))
    ? parts.map((p) => p.trim())
    : []
}

export function joinedStep(parts: readonly string[], which?: number): Step {
  const count = parts.length
  const shape = parts.map((p) => `${/^\S+/.exec(p)?.[0] ?? ''} …`).join(', ')
  const evidence = [`${count} comma-separated credentials in one Authorization header`]
  if (which) evidence.push(`credential number ${which} of ${count} read alone`)
  return step(
    'duplicate_auth_header',
    `The Authorization header holds ${count} credentials joined by a comma ("${shape}"): two Authorization headers were sent and merged into one, which the receiver reads as one credential.`,
    plainFix(
      'Send the Authorization header once: remove the other one (an auth setting of the tool adds its own besides the header you wrote, or a proxy or logger merges the two lines).',
    ),
    evidence,
  )
}

/** The text of an unrendered template placeholder in a value (`{{1.access_token}}`), or null. */
export function templatePlaceholder(value: string): string | null {
  // `$NAME` too, as a shell leaves it inside single quotes or when the variable is unset: a
  // whole word, so that a `$` inside a real token is never taken for one.
  const m =
    /\{\{[^{}]*\}\}|\{\{[^{}]*$|\$\{[A-Za-z_][\w.]*\}|<%=?[^%]*%>/.exec(value) ??
    /(?<=^|[\s=:])\$[A-Za-z_][A-Za-z0-9_]*(?=$|[\s,;&])/.exec(value)
  if (!m) return null
  return m[0].length > 60 ? `${m[0].slice(0, 57)}…` : m[0]
}

/**
 * A placeholder sent as is: the tool did not substitute it (a mapping to a module that did not
 * run, a misspelt variable, a field pasted as text). `code` is the reason the verify gave.
 */
export function templatePlaceholderStep(
  code: ReasonCode,
  where: string,
  placeholder: string,
): Step {
  return step(
    code,
    `${where} holds the template placeholder ${placeholder} as literal text: the tool never replaced it with the credential.`,
    {
      code: `Render the template before sending: the value ${placeholder} must be replaced by the credential itself.`,
      make: `In the HTTP module, map the value from the module that produces it (pick it from the mapping panel) instead of typing ${placeholder}; a module that has not run yet leaves the placeholder as text.`,
      zapier: `Insert the field from the step that provides it (the + button) instead of typing ${placeholder} as text.`,
      n8n: `Switch the field to Expression (so that {{ … }} is evaluated) and check the expression resolves; in Fixed mode ${placeholder} is sent as text.`,
    },
    [`unrendered placeholder ${placeholder}`],
  )
}

/**
 * Why the credential where the endpoint reads it cannot be the right one whatever its value:
 * `Authorization: Bearer` alone (credentials_missing), or a template placeholder sent as text
 * (named under `code`, the reason the verification gave). Null when neither applies.
 */
export function unfilledStep(
  req: HttpRequest,
  target: CredentialTarget,
  code: ReasonCode,
): Step | null {
  const placed = sources(req, target).filter((s) =>
    s.kind === 'header'
      ? target.kind === 'authorization'
        ? s.name.toLowerCase() === 'authorization'
        : target.kind === 'header' && s.name.toLowerCase() === target.name.toLowerCase()
      : target.kind === 'query' && s.name === target.name,
  )
  // With a second Authorization header that one is the story (duplicate_auth_header).
  const only =
    target.kind === 'authorization' && placed.length === 1 ? schemeOnly(placed[0]!.value) : null
  if (only) return schemeOnlyStep(only)
  for (const s of placed) {
    const ph = templatePlaceholder(s.value)
    if (ph)
      return templatePlaceholderStep(
        code,
        s.kind === 'query' ? `?${s.name}= in the URL` : `The ${s.name} header`,
        ph,
      )
  }
  return null
}

function queryPlusStep(name: string): Step {
  return step(
    'credential_url_encoded',
    `The key holds "+", sent unencoded in ?${name}=: in a URL's query "+" means a space, so the receiver read a space where the key has "+".`,
    {
      code: `Percent-encode the key in the URL (encodeURIComponent: "+" → %2B, "/" → %2F, "=" → %3D).`,
      make: `In the HTTP module, Query String → Value: \`{{encodeURL(key)}}\`, or send the key in a header if the receiver accepts one.`,
      zapier: `Percent-encode the key before putting it in the URL ("+" → %2B), or pass it in Query String Params, which encodes it.`,
      n8n: `In the HTTP Request node, pass the key under Send Query Parameters (it encodes "+") instead of writing it into the URL.`,
      curl: `Use \`--data-urlencode ${name}=<key> -G\`, or write %2B for each "+" in the URL.`,
    },
    [`?${name}= holds a literal "+", decoded as a space`],
  )
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
  const sep = rawSeparator(credential)
  if (sep === '|') {
    const bar = credential.indexOf('|')
    const pair = `${credential.slice(0, bar)}:${credential.slice(bar + 1)}`
    return {
      credential: Buffer.from(pair, 'utf8').toString('base64'),
      steps: [
        step(
          'basic_raw_credentials',
          'The Basic credentials were sent as plain "username|password" (the syntax of Zapier\'s Basic Auth field) instead of base64("username:password").',
          {
            code: 'Send "Basic " + base64("username:password"): a colon between them, then base64.',
            zapier:
              'In the Webhooks by Zapier action, put `username|password` in the Basic Auth field (Zapier encodes it) and remove the Authorization header you wrote yourself.',
            make: 'In the HTTP module, use Authentication type → Basic auth (Make encodes it), or write `Basic {{base64(username + ":" + password)}}`.',
            n8n: 'In the HTTP Request node, use Generic Credential Type → Basic Auth instead of writing the header yourself.',
            curl: 'Use `-u username:password` (curl encodes it) instead of writing the header yourself.',
          },
          ['the value holds "|" between username and password and is not base64'],
        ),
      ],
    }
  }
  if (sep === ':') {
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
 * Basic credentials (token68) with username and password swapped back, or null: sent as
 * `password:username`, the username (which holds no colon) is what follows the last colon.
 */
function swappedBasic(token68: string): string | null {
  const text = decodeStrict(token68, 'base64')?.toString('utf8')
  if (!text) return null
  const last = text.lastIndexOf(':')
  if (last <= 0 || last === text.length - 1) return null
  return Buffer.from(`${text.slice(last + 1)}:${text.slice(0, last)}`, 'utf8').toString('base64')
}

function swappedStep(): Step {
  return step(
    'basic_wrong_credentials',
    'The username and password are swapped: the password was sent as the username and the username as the password.',
    {
      code: 'Swap them back: the Basic credentials are base64("username:password"), the username first.',
      make: 'In the HTTP module, Authentication type → Basic auth: put the username in User name and the password in Password (they are the other way round).',
      zapier:
        'In the Webhooks by Zapier action, fill the Basic Auth field as `username|password`, the username first (they are the other way round).',
      n8n: 'In the Basic Auth credential, put the username in User and the password in Password (they are the other way round).',
      curl: 'Use `-u username:password`, the username first (they are the other way round).',
    },
    ['read as password:username, the credentials match a configured user'],
  )
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
    for (const variant of sourceVariants(src, fromAuthorization)) {
      const readings: Reading[] =
        target.kind === 'authorization'
          ? readAuthorization(variant.credential, target.scheme, fromAuthorization)
          : [stripForeignPrefix(variant.credential)]
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
        const steps = [...loc, ...variant.steps, ...r.steps, ...clean.steps, ...extra]
        const tries: [string, Step[]][] = [[credential, steps]]
        const swapped =
          target.kind === 'authorization' && target.scheme === 'Basic'
            ? swappedBasic(credential)
            : null
        if (swapped) tries.push([swapped, [...steps, swappedStep()]])
        for (const [value, valueSteps] of tries) {
          const key = `${valueSteps.map((s) => s.code).join(',')}|${src.kind}:${src.name}|${value.length}`
          if (seen.has(key)) continue
          seen.add(key)
          const request = place(req, src, target, value)
          out.push({ steps: valueSteps, request, credential: value, inPlace: loc.length === 0 })
        }
      }
    }
  }
  return out.sort((a, b) => a.steps.length - b.steps.length)
}

/**
 * The value of a source as sent, then as it may have been meant before a defect that sits
 * outside the credential itself: invisible characters around the scheme word, two header
 * lines merged into one with a comma, a `+` that the query string read as a space.
 */
function sourceVariants(src: Source, fromAuthorization: boolean): Reading[] {
  const out: Reading[] = [{ credential: src.value, steps: [] }]
  if (src.kind === 'query') {
    // `?api_key=ak+9Rz…`: form decoding turns the key's own `+` into a space.
    if (src.raw.includes('+') && src.value.includes(' '))
      out.push({ credential: src.value.replace(/ /g, '+'), steps: [queryPlusStep(src.name)] })
    return out
  }
  let value = src.value
  if (INVISIBLE.test(value)) {
    value = withoutInvisible(value)
    out.push({ credential: value, steps: [invisibleHeaderStep(src.name, src.value)] })
  }
  if (fromAuthorization) {
    const inner = quotedAuthorization(value)
    if (inner !== null) {
      out.push({ credential: inner, steps: [quotedValueStep(src.name, value)] })
      return out
    }
    const parts = joinedAuthorization(value)
    parts.forEach((part, i) => {
      out.push({ credential: part, steps: [joinedStep(parts, i + 1)] })
    })
  }
  return out
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
