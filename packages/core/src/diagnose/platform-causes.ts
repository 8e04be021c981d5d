/**
 * What a platform's or framework's own refusal means, where its words alone mislead: Azure
 * App Service Authentication (Easy Auth) wants an Entra ID token, a Lambda function URL with
 * auth type AWS_IAM a SigV4 signature, the Azure Functions host a function key under its own
 * names; FastAPI's security classes answer 403 "Not authenticated" when no credential came.
 * @module
 */
import { getAllHeaders } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { jsonField, type Signals } from './products/types.js'
import { credentialHeaders } from './stripping.js'
import { type Finding, findings, step } from './transforms/types.js'
import type { Origin } from './types.js'
import { headerFix, plainFix } from './wording.js'

export function platformFindings(
  req: HttpRequest,
  s: Signals,
  origin: Origin,
  ev: string[],
): Finding[] {
  switch (origin.product) {
    case 'azure-app-service-auth':
      return easyAuth(req, s, ev)
    case 'aws-lambda-url':
      return s.status === 403 ? lambdaUrl(req, ev) : []
    case 'azure-functions':
      return functionKey(req, ev)
    case 'fastapi':
      return fastapiMissing(req, s, ev)
  }
  return []
}

function bearerSent(req: HttpRequest): boolean {
  return getAllHeaders(req.headers, 'authorization').some((v) => /^\s*bearer\s+\S/i.test(v))
}

function easyAuth(req: HttpRequest, s: Signals, ev: string[]): Finding[] {
  if (s.status !== 401 && s.status !== 403) return []
  const how =
    "App Service Authentication (Easy Auth) answered before the app ran: it accepts only an Entra ID access token issued for the app's own audience (its client id or Application ID URI), from a client the app registration allows; the webhook's own credential never reaches the app."
  const fix = plainFix(
    'Either get the sender an Entra ID access token for this app (client credentials flow, scope "<app id URI>/.default") and send it as Authorization: Bearer <token>, or have the receiver let the webhook through: in Authentication set "Unauthenticated requests" to allow (HTTP 401 only for the app), or exclude the webhook path (authsettingsV2 globalValidation.excludedPaths), and check the webhook\'s own credential in the app.',
  )
  return findings(
    [
      step(
        bearerSent(req) ? 'credential_unknown' : 'credentials_missing',
        bearerSent(req)
          ? `${how} The Bearer credential sent is not such a token (another audience or issuer, or not a JWT at all).`
          : `${how} The request carries no Bearer token.`,
        fix,
        ev,
      ),
    ],
    0.75,
  )
}

function lambdaUrl(req: HttpRequest, ev: string[]): Finding[] {
  const auth = getAllHeaders(req.headers, 'authorization')
  const sigv4 = auth.some((v) => /^\s*AWS4-HMAC-SHA256\s/i.test(v))
  if (sigv4) return []
  const fix = plainFix(
    "The function URL's auth type is AWS_IAM: sign the request with AWS Signature Version 4 (service lambda) as an IAM identity allowed lambda:InvokeFunctionUrl, or set the URL's auth type to NONE and check the webhook's own credential in the function.",
  )
  const said =
    'The Lambda function URL answered 403 AccessDeniedException before the function ran: with auth type AWS_IAM it accepts only a request signed with AWS SigV4'
  return findings(
    [
      auth.length
        ? step(
            'scheme_mismatch',
            `${said}, and the request's Authorization is not a SigV4 signature (AWS4-HMAC-SHA256).`,
            fix,
            ev,
          )
        : step('credentials_missing', `${said}, and the request carries none.`, fix, ev),
    ],
    0.85,
  )
}

function functionKey(req: HttpRequest, ev: string[]): Finding[] {
  const url = new URL(req.url, 'https://h.invalid')
  const keySent =
    getAllHeaders(req.headers, 'x-functions-key').length > 0 || url.searchParams.has('code')
  if (keySent)
    return findings(
      [
        step(
          'credential_unknown',
          "The Azure Functions host refused the function key (an empty 401 before the function ran): the key sent in x-functions-key or ?code= is not one of the function's or the host's keys.",
          plainFix(
            'Copy the function key again from the portal (Function › Function Keys), or use a host key; keys of another function app or slot do not work.',
          ),
          ev,
        ),
      ],
      0.7,
    )
  const sent = credentialHeaders(req).filter((c) => !/^cookie$/i.test(c.name))
  if (sent.length === 0)
    return findings(
      [
        step(
          'credentials_missing',
          "The Azure Functions host answered an empty 401 before the function ran: the function's authorization level is function (or admin) and no function key came.",
          headerFix('x-functions-key', '<function key>', 'Send the function key:'),
          ev,
        ),
      ],
      0.7,
    )
  return findings(
    [
      step(
        'header_name_wrong',
        `The Azure Functions host answered an empty 401 before the function ran: it reads the function key from the x-functions-key header or the code query parameter only, and the request carries its credential in ${sent.map((c) => c.name).join(', ')}.`,
        headerFix(
          'x-functions-key',
          '<function key>',
          'Send the function key under x-functions-key (the key alone, without "Bearer "), or add ?code=<function key> to the URL:',
        ),
        [...sent.map((c) => `sent ${c.name}: ${c.redacted}`), ...ev],
      ),
    ],
    0.75,
  )
}

function fastapiMissing(req: HttpRequest, s: Signals, ev: string[]): Finding[] {
  if (jsonField(s, 'detail') !== 'Not authenticated') return []
  const sent = credentialHeaders(req).filter((c) => !/^cookie$/i.test(c.name))
  const why = `FastAPI's security dependency (HTTPBearer, APIKeyHeader or OAuth2PasswordBearer) found no credential where it reads one and answered ${s.status} "Not authenticated"${s.status === 403 ? ' (older FastAPI versions answer 403, not 401, when no credential came)' : ''}`
  if (sent.length === 0)
    return findings(
      [
        step(
          'credentials_missing',
          `${why}: the request carries none.`,
          headerFix('Authorization', 'Bearer <token>', 'Send the credential the app reads:'),
          ev,
        ),
      ],
      0.8,
    )
  const bearer = bearerSent(req)
  return findings(
    [
      step(
        'header_name_wrong',
        `${why}, yet the request carries one in ${sent.map((c) => c.name).join(', ')}: ${bearer ? 'so the app reads another header (the name given to APIKeyHeader)' : 'HTTPBearer and OAuth2PasswordBearer read Authorization: Bearer, APIKeyHeader the header it names'}.`,
        plainFix(
          `Send the credential where the app's dependency reads it: ${bearer ? 'the header named in APIKeyHeader(name=…)' : '"Authorization: Bearer <token>" for HTTPBearer or OAuth2PasswordBearer, or the header named in APIKeyHeader(name=…)'}; the app's code or OpenAPI page (/docs) shows which.`,
        ),
        [...sent.map((c) => `sent ${c.name}: ${c.redacted}`), ...ev],
      ),
    ],
    0.8,
  )
}
