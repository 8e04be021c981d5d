/**
 * THE reason-code table: every code a check or a cause can carry, with the HTTP answer it
 * leads to. Contract §4 fixes the names; a code may be added here, never renamed or reused.
 * `test/contract.test.ts` holds this table against CONTRACT.md in both directions.
 * @module
 */

/** RFC 6750 §3.1 error codes; null = no `error=` parameter (e.g. no credentials at all). */
export type ChallengeError = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | null

/**
 * How a gateway names the reason to an outside caller under `explain: safe`:
 * `safe` = named (header construction, time), `credential` = answered as
 * `invalid_credentials` (a CWE-204 oracle otherwise: it would tell an attacker that a stolen
 * credential is real somewhere).
 */
export type ExplainLevel = 'safe' | 'credential'

export interface ReasonSpec {
  status: number
  challenge: ChallengeError
  title: string
  hint: string
  explain: ExplainLevel
  /** Added by hookwarden beyond contract §4 (kept so the contract test knows). */
  addition?: true
}

const r = (
  status: number,
  challenge: ChallengeError,
  explain: ExplainLevel,
  title: string,
  hint: string,
  addition?: true,
): ReasonSpec =>
  addition
    ? { status, challenge, explain, title, hint, addition }
    : { status, challenge, explain, title, hint }

export const REASONS = {
  // Presence and header construction
  credentials_missing: r(
    401,
    null,
    'safe',
    'No credentials were sent',
    'Send the credential the endpoint expects.',
  ),
  header_name_wrong: r(
    401,
    'invalid_token',
    'safe',
    'The credential was sent under another header name',
    'Send it under the header the endpoint expects.',
  ),
  credential_in_query: r(
    400,
    'invalid_request',
    'safe',
    'The credential was sent in the query string',
    'Send it in the header the endpoint expects, not in the URL.',
  ),
  credential_in_header: r(
    400,
    'invalid_request',
    'safe',
    'The credential was sent in a header where the query string is expected',
    'Send it as the query parameter the endpoint expects.',
  ),
  scheme_prefix_missing: r(
    401,
    'invalid_token',
    'safe',
    'The Authorization header has no scheme prefix',
    'Send "Authorization: Bearer <token>", with one space after Bearer.',
  ),
  scheme_prefix_malformed: r(
    401,
    'invalid_token',
    'safe',
    'The Authorization scheme prefix is malformed',
    'Write the scheme once, followed by one space: "Bearer <token>".',
  ),
  scheme_mismatch: r(
    401,
    'invalid_token',
    'safe',
    'The Authorization header uses another scheme',
    'Use the scheme the endpoint expects (e.g. Bearer, not Basic or Token).',
  ),
  duplicate_auth_header: r(
    400,
    'invalid_request',
    'safe',
    'The credential header was sent more than once',
    'Send the header exactly once.',
  ),
  credential_whitespace: r(
    401,
    'invalid_token',
    'safe',
    'The credential has leading or trailing whitespace or a newline',
    'Remove the spaces or line break around the credential.',
  ),
  credential_invisible_chars: r(
    401,
    'invalid_token',
    'safe',
    'The credential contains invisible characters',
    'Retype the credential: it holds a zero-width space, NBSP or BOM.',
  ),
  credential_quoted: r(
    401,
    'invalid_token',
    'safe',
    'The credential is wrapped in quotes',
    'Remove the quotes around the credential.',
  ),
  credential_url_encoded: r(
    401,
    'invalid_token',
    'safe',
    'The credential is percent-encoded',
    'Send the credential as is, not URL-encoded.',
  ),
  credential_truncated: r(
    401,
    'invalid_token',
    'credential',
    'The credential is cut short',
    'Copy the whole credential.',
  ),
  credential_unknown: r(
    401,
    'invalid_token',
    'credential',
    'The credential is not known',
    'Check that the credential is the one configured for this endpoint.',
  ),
  // Which credential
  credential_wrong_environment: r(
    401,
    'invalid_token',
    'credential',
    'The credential belongs to another environment',
    "Use this environment's credential.",
  ),
  credential_wrong_tenant: r(
    401,
    'invalid_token',
    'credential',
    'The credential belongs to another tenant',
    "Use this tenant's credential.",
  ),
  credential_revoked: r(
    401,
    'invalid_token',
    'credential',
    'The credential has been retired',
    'Use the current credential; this one was rotated out.',
  ),
  // Basic
  basic_not_base64: r(
    401,
    'invalid_request',
    'safe',
    'The Basic credentials are not valid base64',
    'Encode "username:password" with standard base64.',
  ),
  basic_raw_credentials: r(
    401,
    'invalid_request',
    'safe',
    'The Basic credentials were sent without base64 encoding',
    'Send "Basic " + base64("username:password").',
  ),
  basic_no_colon: r(
    401,
    'invalid_request',
    'safe',
    'The Basic credentials have no colon between username and password',
    'Encode "username:password", with the colon.',
  ),
  basic_wrong_credentials: r(
    401,
    'invalid_token',
    'credential',
    'The username or password is wrong',
    'Check the username and password configured for this endpoint.',
  ),
  // JWT
  jwt_malformed: r(
    401,
    'invalid_token',
    'safe',
    'The token is not a well-formed JWT',
    'Send the JWT itself: three base64url parts separated by dots.',
  ),
  jwt_expired: r(
    401,
    'invalid_token',
    'safe',
    'The token has expired',
    'Request a new token before it expires.',
  ),
  jwt_not_yet_valid: r(
    401,
    'invalid_token',
    'safe',
    'The token is not valid yet',
    "Check the issuer's clock; nbf/iat lie in the future.",
  ),
  jwt_signature_invalid: r(
    401,
    'invalid_token',
    'credential',
    'The token signature does not verify',
    'Sign with the key the endpoint trusts.',
  ),
  jwt_alg_not_allowed: r(
    401,
    'invalid_token',
    'safe',
    'The token uses an algorithm that is not allowed',
    'Sign with one of the allowed algorithms.',
  ),
  jwt_wrong_issuer: r(
    401,
    'invalid_token',
    'credential',
    'The token was issued by another issuer',
    'Use a token from the expected issuer.',
  ),
  jwt_wrong_audience: r(
    401,
    'invalid_token',
    'credential',
    'The token is meant for another audience',
    'Request a token for this audience.',
  ),
  jwt_unknown_kid: r(
    401,
    'invalid_token',
    'credential',
    'The token names a key id that is not known',
    'Sign with a key whose kid is in the configured JWKS.',
  ),
  jwt_insufficient_scope: r(
    403,
    'insufficient_scope',
    'safe',
    'The token lacks a required scope',
    'Request a token with the required scope.',
  ),
  jwt_jwks_unavailable: r(
    503,
    null,
    'safe',
    'The signing keys (JWKS) could not be fetched',
    'The receiver could not load its jwks_url; retry later (the token may be fine).',
    true,
  ),
  // Signatures
  signature_missing: r(
    401,
    'invalid_request',
    'safe',
    'No signature was sent',
    'Send the signature header the endpoint expects.',
  ),
  signature_header_malformed: r(
    400,
    'invalid_request',
    'safe',
    'The signature header is malformed',
    'Send the signature in the documented format.',
  ),
  signature_mismatch: r(
    401,
    'invalid_token',
    'credential',
    'The signature does not match',
    'Sign the raw body with the configured secret.',
  ),
  signature_body_modified: r(
    401,
    'invalid_token',
    'credential',
    'The body was changed after it was signed',
    'Sign and send the same bytes; do not re-serialize the body.',
  ),
  signature_wrong_encoding: r(
    401,
    'invalid_token',
    'safe',
    'The signature uses the wrong encoding',
    'Encode the signature as the endpoint expects (hex, base64 or base64url).',
  ),
  signature_wrong_algorithm: r(
    401,
    'invalid_token',
    'credential',
    'The signature uses the wrong hash algorithm',
    'Use the configured hash algorithm.',
  ),
  signature_wrong_payload: r(
    401,
    'invalid_token',
    'credential',
    'The signature was computed over the wrong payload',
    'Sign the payload the endpoint expects (e.g. "{timestamp}.{body}").',
  ),
  signature_secret_encoding: r(
    401,
    'invalid_token',
    'credential',
    'The secret was used with the wrong encoding',
    'Base64-decode what follows whsec_ (or do not), as the scheme says.',
  ),
  signature_secret_whitespace: r(
    401,
    'invalid_token',
    'credential',
    'The secret was used with whitespace around it',
    'Remove spaces or a newline from the secret.',
  ),
  signature_previous_secret: r(
    401,
    'invalid_token',
    'credential',
    'The signature was made with a retired secret',
    'Sign with the current secret.',
  ),
  // Time and replay
  timestamp_missing: r(
    400,
    'invalid_request',
    'safe',
    'No timestamp was sent',
    'Send the timestamp header the endpoint expects.',
  ),
  timestamp_malformed: r(
    400,
    'invalid_request',
    'safe',
    'The timestamp is not a number',
    'Send the timestamp as integer seconds since the epoch.',
  ),
  timestamp_milliseconds: r(
    401,
    'invalid_token',
    'safe',
    'The timestamp is in the wrong unit',
    'Send the timestamp in the unit this endpoint expects (seconds or milliseconds since the epoch): the one sent is off by a factor of 1000.',
  ),
  timestamp_out_of_window: r(
    401,
    'invalid_token',
    'safe',
    'The timestamp is outside the accepted window',
    "Sign with the current time and check the sender's clock.",
  ),
  replay_detected: r(
    401,
    'invalid_token',
    'safe',
    'This message was already received',
    'Send each signed message once; to retry, sign it again (a retry keeps its id and gets a new timestamp and signature).',
  ),
  message_id_missing: r(
    400,
    'invalid_request',
    'safe',
    'No message id was sent',
    'Send the message id header the endpoint expects (e.g. webhook-id).',
    true,
  ),
  // What a gateway tells an outside caller in explain: safe
  invalid_credentials: r(
    401,
    'invalid_token',
    'safe',
    'The credentials are not valid',
    'Check the credential configured for this endpoint.',
  ),
  // Not authentication at all
  insufficient_scope: r(
    403,
    'insufficient_scope',
    'safe',
    'The credential lacks the required right',
    'Use a credential with the required right.',
  ),
  ip_not_allowed: r(
    403,
    null,
    'safe',
    'The source address is not allowed',
    'Send from an allowed address.',
  ),
  route_not_found: r(
    404,
    null,
    'safe',
    'No endpoint at this path',
    'Check the URL of the webhook.',
  ),
  method_not_allowed: r(
    405,
    null,
    'safe',
    'The method is not allowed here',
    'Use the method the endpoint expects.',
  ),
  payload_too_large: r(413, null, 'safe', 'The body is too large', 'Send a smaller body.'),
  rate_limited: r(
    429,
    null,
    'safe',
    'Too many requests',
    'Slow down and retry after the given time; stop retrying a 401.',
  ),
  endpoint_disabled: r(
    410,
    null,
    'safe',
    'The receiving endpoint is switched off',
    'Turn the receiving scenario or endpoint back on, or ask for the new URL; deliveries until then are lost.',
    true,
  ),
  request_incomplete: r(
    400,
    'invalid_request',
    'safe',
    'The request ended before its whole body arrived',
    "Send the whole body (its Content-Length) within the receiver's request timeout; a client or proxy timeout, or a connection cut mid-upload, leaves it short.",
    true,
  ),
  content_length_mismatch: r(
    400,
    'invalid_request',
    'safe',
    'Content-Length does not match the body',
    "Send Content-Length as the body's length in bytes (not characters), or let the HTTP client set it.",
    true,
  ),
  upstream_unavailable: r(
    502,
    null,
    'safe',
    'The application behind the gateway did not answer',
    'Check that the receiving application is running and reachable from the hop in front of it (its port, its timeouts), then retry.',
    true,
  ),
  server_error: r(
    500,
    null,
    'safe',
    'The receiver failed while handling the request',
    "Look the request up in the receiver's logs and fix the error there; it is not about the credential. Retries succeed once it is fixed.",
    true,
  ),
} as const satisfies Record<string, ReasonSpec>

export type ReasonCode = keyof typeof REASONS

export function isReasonCode(code: string): code is ReasonCode {
  return Object.hasOwn(REASONS, code)
}

export function reasonSpec(code: ReasonCode): ReasonSpec {
  return REASONS[code]
}
