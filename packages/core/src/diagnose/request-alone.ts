/**
 * What the request alone shows, without a config: how the Authorization header is built
 * (the scheme word alone, prefix glued, doubled, another scheme, two spaces after it,
 * whitespace, invisible characters anywhere, quotes, an unrendered {{placeholder}}, two
 * values merged with a comma, a JWT cut short), Basic
 * that is not base64, two Authorization headers, credential header names with "_", a
 * credential in the URL, the claims of a JWT, a timestamp in milliseconds or far from now.
 * Each finding is a suspicion, so its confidence stays below what a config confirms.
 * @module
 */
import type { TimestampPolicy } from '../config/types.js'
import { decodeStrict } from '../crypto/encoding.js'
import { getAllHeaders, requestQuery } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { rawSeparator } from '../schemes/basic.js'
import { credentialShapeDefect } from '../schemes/credential.js'
import { credentialHeaders } from './stripping.js'
import {
  hasInvisible,
  invisibleHeaderStep,
  joinedAuthorization,
  joinedStep,
  nameSpaceStep,
  quotedAuthorization,
  quotedValueStep,
  schemeOnly,
  schemeOnlyStep,
  shapeStep,
  templatePlaceholder,
  templatePlaceholderStep,
  withoutInvisible,
} from './transforms/credential.js'
import { lengthMismatchStep } from './transforms/framing.js'
import { findJwt, inspectJwt, jwtFragment, truncatedJwtStep } from './transforms/jwt.js'
import { timestampStep } from './transforms/time.js'
import { type Finding, findings, type Step, step } from './transforms/types.js'
import { headerFix, plainFix } from './wording.js'

const QUERY_CREDENTIAL =
  /^(access_token|token|api_?key|apikey|key|auth|secret|password|signature|sig|jwt)$/i
const TIMESTAMP_HEADER = /^(webhook|svix)-timestamp$|^x-[\w-]*timestamp$/i

export function requestAloneFindings(req: HttpRequest, now: number): Finding[] {
  const out: Finding[] = []
  const auths = getAllHeaders(req.headers, 'authorization')
  if (auths.length > 1) {
    out.push(
      ...findings(
        [
          step(
            'duplicate_auth_header',
            `${auths.length} Authorization headers were sent; a receiver reads one of them, or refuses both.`,
            plainFix(
              'Send the Authorization header once (the tool may add its own from an auth setting as well as yours).',
            ),
            [`${auths.length} Authorization headers`],
          ),
        ],
        0.8,
      ),
    )
  }
  // `Bearer a, Bearer b` in one header: two header lines a proxy or a logger merged.
  const joined = auths.length === 1 ? joinedAuthorization(auths[0]!) : []
  if (joined.length > 1) out.push(...findings([joinedStep(joined)], 0.8))
  const values = joined.length > 1 ? joined : auths
  for (const value of values.slice(0, 2)) out.push(...authorizationFindings(value, now))

  // Header names a receiver cannot look up: `Authorization ` (a trailing space, as n8n's
  // Header Auth keeps it), or the scheme word as the name (`Bearer: tok_…`).
  let misnamed = false
  for (const [name, value] of req.headers) {
    if (name !== name.trim() && name.trim() !== '') {
      misnamed ||= /^authorization$/i.test(name.trim()) || value.trim() !== ''
      out.push(...findings([nameSpaceStep(name)], 0.85))
      if (/^authorization$/i.test(name.trim()) && value.trim() !== '')
        out.push(...authorizationFindings(value, now).map(lower))
    } else if (SCHEME_NAME.test(name) && value.trim() !== '') {
      misnamed = true
      out.push(...findings([schemeNameStep(name, value)], 0.85))
    }
  }

  for (const [name, value] of req.headers) {
    if (/^authorization$/i.test(name)) continue
    const isCred = credentialHeaders({ ...req, headers: [[name, value]] }).length > 0
    if (!isCred) continue
    if (name.includes('_')) {
      const dashed = name.replace(/_/g, '-')
      out.push(
        ...findings(
          [
            step(
              'header_name_wrong',
              `The credential travels in ${name}, a header name with "_": nginx (unless underscores_in_headers on) and Apache drop such headers, so it may never reach the receiver.`,
              headerFix(dashed, '<credential>', `Rename the header ${name}:`),
              [`header ${name}`],
            ),
          ],
          0.6,
        ),
      )
    }
    const d = credentialShapeDefect(value)
    if (d) out.push(...findings([shapeStep(d.reason, value)], 0.7))
    if (TIMESTAMP_HEADER.test(name)) {
      const tp: TimestampPolicy = { header: name, unit: 'seconds', tolerance: 300 }
      const t = timestampStep(value, tp, now, `the ${name} header`, name)
      if (t && t.code !== 'timestamp_missing') out.push(...findings([t], 0.55))
    }
  }
  for (const [name, value] of req.headers) {
    if (
      TIMESTAMP_HEADER.test(name) &&
      credentialHeaders({ ...req, headers: [[name, value]] }).length === 0
    ) {
      const t = timestampStep(
        value,
        { header: name, unit: 'seconds', tolerance: 300 },
        now,
        `the ${name} header`,
        name,
      )
      if (t && t.code !== 'timestamp_missing') out.push(...findings([t], 0.55))
    }
  }
  const q = requestQuery(req)
  if (q) {
    for (const [name, value] of new URLSearchParams(q)) {
      if (QUERY_CREDENTIAL.test(name) && value) {
        out.push(
          ...findings(
            [
              step(
                'credential_in_query',
                `A credential is sent in the URL as ?${name}=; most receivers read it from a header, and URLs end up in logs.`,
                headerFix(
                  auths.length ? 'Authorization' : 'X-API-Key',
                  '<credential>',
                  `Move ?${name}= out of the URL:`,
                ),
                [`query parameter ${name}`],
              ),
            ],
            0.45,
          ),
        )
      }
    }
  }
  // The body ends before its Content-Length: the receiver waits for the rest. It runs past
  // it: the receiver reads a body cut short (and the rest as the start of another request).
  const m = req.lengthMismatch
  if (m && m.held < m.declared)
    out.push(...findings([lengthMismatchStep(m, 'request_incomplete')], 0.5))
  else if (m && m.held > m.declared)
    out.push(...findings([lengthMismatchStep(m, 'content_length_mismatch')], 0.7))
  if (
    auths.length === 0 &&
    !misnamed &&
    credentialHeaders(req).length === 0 &&
    !out.some((f) => f.code === 'credential_in_query')
  ) {
    out.push(
      ...findings(
        [
          step(
            'credentials_missing',
            'The request carries no credential at all: no Authorization header, no key, token or signature header.',
            headerFix(
              'Authorization',
              'Bearer <token>',
              'Add the credential the receiver expects, e.g.',
            ),
            [`headers sent: ${req.headers.map(([n]) => n).join(', ') || 'none'}`],
          ),
        ],
        0.6,
      ),
    )
  }
  return out
}

/** A header named after an authentication scheme: the scheme word went into the name. */
const SCHEME_NAME = /^(bearer|basic|token|jwt)$/i

function schemeNameStep(name: string, value: string): Step {
  const word = name[0]!.toUpperCase() + name.slice(1).toLowerCase()
  const already = new RegExp(`^[ \\t]*${word}[ \\t]`, 'i').test(value)
  return step(
    'header_name_wrong',
    `The credential was sent in a header named "${name}": "${word}" is the scheme word, it belongs in the value of the Authorization header, and no receiver reads a header called ${name}.`,
    headerFix(
      'Authorization',
      `${word} <${word === 'Basic' ? 'credentials' : 'token'}>`,
      `Rename the header ${name} to Authorization${already ? '' : ` and write "${word} " before the value`}:`,
    ),
    [`header ${name} carries a value; no Authorization header`],
  )
}

/** A finding about a header the receiver never sees: below the finding that says so. */
const lower = (f: Finding): Finding => ({ ...f, confidence: Math.min(f.confidence, 0.7) })

function authorizationFindings(value: string, now: number): Finding[] {
  const out: Finding[] = []
  // `Authorization:` with nothing after it: the variable meant to fill it was empty.
  if (withoutInvisible(value).trim() === '') {
    out.push(
      ...findings(
        [
          step(
            'credentials_missing',
            'The Authorization header is empty: the variable or field meant to fill it was empty when the request was sent.',
            {
              ...headerFix(
                'Authorization',
                'Bearer <token>',
                'Fill the Authorization header, e.g.',
              ),
              make: 'In the HTTP module, the Authorization header item has no value: map the token from the module that produces it (and check that module ran).',
            },
            ['the Authorization header is sent with an empty value'],
          ),
        ],
        0.85,
      ),
    )
    return out
  }
  // Named where they sit (a BOM before the scheme too); the rest reads the value without them.
  if (hasInvisible(value)) out.push(...findings([invisibleHeaderStep('Authorization', value)], 0.8))
  const v = withoutInvisible(value).replace(/^[ \t]+/, '')
  // `"Bearer eyJ…"`: the whole value quoted; what is inside is read as it was meant.
  const inner = quotedAuthorization(v)
  if (inner !== null) {
    out.push(...findings([quotedValueStep('Authorization', v)], 0.9))
    out.push(...authorizationFindings(inner, now).map(lower))
    return out
  }
  const only = schemeOnly(v)
  if (only) {
    out.push(...findings([schemeOnlyStep(only)], 0.85))
    return out
  }
  const placeholder = templatePlaceholder(v)
  if (placeholder) {
    const basic = /^basic[ \t]/i.test(v)
    out.push(
      ...findings(
        [
          templatePlaceholderStep(
            basic ? 'basic_not_base64' : 'credential_unknown',
            'The Authorization header',
            placeholder,
          ),
        ],
        0.85,
      ),
    )
    return out
  }
  const doubled = /^(bearer|basic)[ \t:]+(bearer|basic)[ \t:]/i.exec(v)
  if (doubled) {
    out.push(
      ...findings(
        [
          step(
            'scheme_prefix_malformed',
            `The Authorization header repeats the scheme ("${doubled[1]} ${doubled[2]} …").`,
            headerFix('Authorization', `${doubled[2]} <…>`, 'Write the scheme once:'),
            ['the scheme word appears twice'],
          ),
        ],
        0.85,
      ),
    )
    return out
  }
  const colon = /^(bearer|basic)[ \t]*:/i.exec(v)
  if (colon) {
    out.push(
      ...findings(
        [
          step(
            'scheme_prefix_malformed',
            `The Authorization header has a colon after "${colon[1]}".`,
            headerFix('Authorization', `${colon[1]} <…>`, 'Remove the colon:'),
            ['"<scheme>:" instead of "<scheme> "'],
          ),
        ],
        0.85,
      ),
    )
    return out
  }
  const glued = /^(bearer|basic)(?=[A-Za-z0-9._~+/-]{8,})/i.exec(v)
  if (glued && !/^(bearer|basic)[ \t]/i.test(v)) {
    out.push(
      ...findings(
        [
          step(
            'scheme_prefix_missing',
            `Nothing separates "${glued[1]}" from the credential (a template like ${glued[1]}{{token}} without the space).`,
            {
              ...headerFix(
                'Authorization',
                `${glued[1]} <token>`,
                'Put one space after the scheme:',
              ),
              make: `In the HTTP module, Headers → Authorization: write \`${glued[1]} \` (with a space) before the token.`,
            },
            ['no space after the scheme word'],
          ),
        ],
        0.75,
      ),
    )
    return out
  }
  const m = /^([A-Za-z][\w.~+-]*)([ \t]+)([\s\S]*)$/.exec(v)
  if (!m) {
    if (v.trim() && !/\s/.test(v.trim())) {
      out.push(
        ...findings(
          [
            step(
              'scheme_prefix_missing',
              'The Authorization header holds a bare value with no scheme ("Bearer " or "Basic ") in front of it.',
              {
                ...headerFix(
                  'Authorization',
                  'Bearer <token>',
                  'Write the scheme before the value, usually',
                ),
                make: 'In the HTTP module, Headers → Authorization: write `Bearer ` before the token.',
              },
              ['the value does not start with a scheme word'],
            ),
          ],
          0.6,
        ),
      )
      out.push(...jwtFindings(v, now))
    }
    return out
  }
  const scheme = m[1]!.toLowerCase()
  const cred = m[3]!
  // RFC 9110 §11.4 (and RFC 6750) allow 1*SP, never a tab; receivers that compare the exact
  // string `Bearer <token>` (n8n's Header Auth, many hand-written checks) refuse either.
  if (m[2] !== ' ' && cred.trim() !== '') {
    const tab = /\t/.test(m[2]!)
    const gap = tab ? 'a tab' : `${m[2]!.length} spaces`
    const standard = tab
      ? 'the standard asks for a space there (RFC 9110 §11.4), some receivers tolerate a tab'
      : 'the standard allows it'
    const what = scheme === 'basic' ? '<credentials>' : '<token>'
    out.push(
      ...findings(
        [
          step(
            'credential_whitespace',
            `The Authorization header has ${gap} between "${m[1]}" and the credential: ${standard}, but receivers that compare the exact string "${m[1]} ${what}" (n8n's Header Auth, many hand-written checks) refuse it.`,
            headerFix('Authorization', `${m[1]} ${what}`, `Put exactly one space after "${m[1]}":`),
            [`${gap} after the scheme word`],
          ),
        ],
        0.65,
      ),
    )
  }
  const d = credentialShapeDefect(cred)
  if (d) out.push(...findings([shapeStep(d.reason, cred)], 0.75))
  const clean = d?.cleaned ?? cred
  if (scheme === 'basic') {
    if (!decodeStrict(clean, 'base64')) {
      const sep = rawSeparator(clean)
      if (sep)
        out.push(
          ...findings(
            [
              step(
                'basic_raw_credentials',
                sep === '|'
                  ? 'The Basic credentials are sent as plain "username|password" (the syntax of Zapier\'s Basic Auth field), not base64("username:password").'
                  : 'The Basic credentials are sent as plain "username:password", not base64.',
                sep === '|'
                  ? {
                      code: 'Send "Basic " + base64("username:password"): a colon between them, then base64.',
                      zapier:
                        'In the Webhooks by Zapier action, put `username|password` in the Basic Auth field (Zapier encodes it) and remove the Authorization header you wrote yourself.',
                    }
                  : plainFix(
                      'Send "Basic " + base64("username:password") (or let the tool build it from a Basic auth setting).',
                    ),
                [
                  sep === '|'
                    ? 'the value holds "|" between username and password and is not base64'
                    : 'the value holds a colon and is not base64',
                ],
              ),
            ],
            0.85,
          ),
        )
      else
        out.push(
          ...findings(
            [
              step(
                'basic_not_base64',
                'The Basic credentials are not standard base64.',
                plainFix(
                  'Encode "username:password" with standard base64 (A-Z a-z 0-9 + /, padded with =).',
                ),
                ['the value does not decode as strict base64'],
              ),
            ],
            0.8,
          ),
        )
    } else {
      const text = decodeStrict(clean, 'base64')!.toString('utf8')
      if (!text.includes(':'))
        out.push(
          ...findings(
            [
              step(
                'basic_no_colon',
                'The Basic credentials decode to a value without a colon: "username:password" is expected.',
                plainFix('Encode "username:password" with the colon between them.'),
                ['the decoded credentials hold no colon'],
              ),
            ],
            0.8,
          ),
        )
      else if (/[\r\n]$/.test(text))
        out.push(
          ...findings(
            [
              step(
                'credential_whitespace',
                'The Basic credentials end with a newline inside the base64 (echo without -n).',
                plainFix('Encode without a trailing newline: printf "%s" "user:pass" | base64.'),
                ['the decoded password ends with a newline'],
              ),
            ],
            0.8,
          ),
        )
    }
  } else if (scheme === 'token' || scheme === 'jwt') {
    out.push(
      ...findings(
        [
          step(
            'scheme_mismatch',
            `The Authorization header uses the "${m[1]}" scheme; most receivers expect "Bearer".`,
            headerFix(
              'Authorization',
              'Bearer <token>',
              `Write "Bearer " instead of "${m[1]} " if the receiver expects Bearer:`,
            ),
            [`scheme ${m[1]}`],
          ),
        ],
        0.5,
      ),
    )
  }
  if (scheme === 'bearer' || scheme === 'token' || scheme === 'jwt')
    out.push(...jwtFindings(clean, now))
  return out
}

/** What a JWT in `value` shows, or a JWT cut short (only its header, or no signature). */
function jwtFindings(value: string, now: number): Finding[] {
  const token = findJwt(value)
  if (token) return findings(inspectJwt(token, now).problems, 0.85)
  const kept = jwtFragment(value)
  return kept ? findings([truncatedJwtStep(kept, value.trim())], 0.85) : []
}
