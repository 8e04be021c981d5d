/**
 * @hookwarden/core — the public API. Re-exports only.
 * @module
 */

export {
  configFieldPosition,
  type LoadOptions,
  loadConfig,
  loadConfigFile,
  looksLikeKeyMaterial,
} from './config/load.js'
export { type NearRoute, nearRoute } from './config/near-route.js'
export { registerAuthSchema } from './config/schema.js'
export { selectEndpoint } from './config/select.js'
export type * from './config/types.js'
export { bodyText, concatBytes, utf8 } from './crypto/bytes.js'
export { decodeStrict, type Encoding, encode } from './crypto/encoding.js'
export { decodeSecret, hmacKey, secretProblem } from './crypto/hmac-key.js'
export { safeEqual } from './crypto/safe-equal.js'
export {
  type Difference,
  type DifferenceKind,
  diffRequests,
  type RequestDiff,
} from './diagnose/diff.js'
export { type DiagnoseOptions, diagnose, rankCauses } from './diagnose/index.js'
export {
  asHmacPolicy,
  type NearMissOptions,
  type NearMissResult,
  nearMissSearch,
} from './diagnose/near-miss.js'
export { detectOrigin, FINGERPRINTS, ORIGIN_PRODUCTS, readSignals } from './diagnose/origin.js'
export type {
  Fingerprint as OriginFingerprint,
  Signals as OriginSignals,
} from './diagnose/products/types.js'
export { type ClassifyContext, classifyResponse, responseClass } from './diagnose/response-class.js'
export {
  credentialHeaders,
  credentialStrippingHints,
  redactValue,
  type StrippingHint,
} from './diagnose/stripping.js'
export { findJwt, inspectJwt, type JwtReport, type JwtTime } from './diagnose/transforms/jwt.js'
export type {
  Cause,
  Diagnosis,
  Origin,
  OriginLayer,
  ResponseClass,
  ResponseSummary,
  Sender,
} from './diagnose/types.js'
export {
  durationWords,
  type Fix,
  guessSender,
  pickFix,
  relativeWords,
  SENDERS,
} from './diagnose/wording.js'
export {
  CaptureParseError,
  ConfigError,
  type ErrorPosition,
  HookwardenError,
  InputError,
} from './errors.js'
export { type CaptureFormat, detectFormat } from './message/detect.js'
export { missingBody } from './message/framing.js'
export {
  getAllHeaders,
  getHeader,
  hasHeader,
  requestPath,
  requestQuery,
  requestUrl,
  withHeader,
  withoutHeader,
} from './message/headers.js'
export {
  type ParsedCapture,
  type ParseOptions,
  parseCapture,
  parseRequest,
  parseResponse,
} from './message/parse.js'
export { type CurlParseOptions, parseCurl } from './message/parse-curl.js'
export { type CurlVerboseOptions, parseCurlVerbose } from './message/parse-curl-verbose.js'
export { type HarParseOptions, parseHar } from './message/parse-har.js'
export { type JsonCaptureOptions, parseJsonCapture } from './message/parse-json.js'
export { parseRawHttpRequest, parseRawHttpResponse } from './message/parse-raw-http.js'
export { type PrintCurlOptions, printCurl, shellQuote } from './message/print-curl.js'
export {
  printRawHttpRequest,
  printRawHttpRequestBytes,
  printRawHttpResponseBytes,
} from './message/print-raw-http.js'
export { posixShellWord, type ShellWordOptions } from './message/shell-word.js'
export type {
  Capture,
  EarlierResponse,
  Header,
  HttpRequest,
  HttpResponse,
} from './message/types.js'
export { MemoryNonceStore, type NonceSnapshot, NonceStoreFullError } from './nonce/memory.js'
export type { NonceStore } from './nonce/types.js'
export {
  detectHandshake,
  HANDSHAKE_DESCRIPTIONS,
  type HandshakeAnswer,
  type HandshakeOptions,
  type HandshakeTarget,
  handshake,
} from './providers/handshakes.js'
export {
  type Confidence,
  getProvider,
  type HandshakeKind,
  listProviders,
  type OmittedProvider,
  omittedProviders,
  type Pitfall,
  type Proof,
  type ProviderPreset,
  registerProvider,
} from './providers/registry.js'
export { sampleConfig } from './providers/sample.js'
export { type Fingerprint, fingerprint, setFingerprintKey } from './redact/fingerprint.js'
export { CREDENTIAL_QUERY, credentialValues, scrubShown, scrubText } from './redact/scrub.js'
export { apiKey } from './schemes/api-key.js'
export { type ParsedAuthorization, parseAuthorization } from './schemes/authorization.js'
export { basic, decodeUserPass } from './schemes/basic.js'
export { bearer } from './schemes/bearer.js'
export {
  credentialShapeDefect,
  currentCredential,
  isExpired,
  type MatchResult,
  matchCredential,
  revokedDetail,
} from './schemes/credential.js'
export {
  type CompiledHmac,
  checkTimestamp,
  compileHmac,
  hmac,
  hmacReplayKey,
  signHmac,
  verifyHmac,
} from './schemes/hmac.js'
export { getScheme, registerScheme, schemeNames } from './schemes/index.js'
export { jwt } from './schemes/jwt.js'
export {
  compilePayload,
  type PayloadValues,
  payloadBytes,
  payloadTemplateProblem,
  type Segment,
  signedUrl,
} from './schemes/payload.js'
export {
  formatSignatureHeader,
  MAX_SIGNATURES,
  type ParsedSignatures,
  parseSignatureHeader,
} from './schemes/signature-header.js'
export { standardWebhooks, standardWebhooksHmacPolicy } from './schemes/standard-webhooks.js'
export type {
  Check,
  ReplayKey,
  Scheme,
  SchemeChallenge,
  SignOptions,
  VerifyContext,
} from './schemes/types.js'
export { buildChallenge } from './verdict/challenge.js'
export { buildProblem, type ProblemBody, publicReason } from './verdict/problem.js'
export {
  type ChallengeError,
  type ExplainLevel,
  isReasonCode,
  REASONS,
  type ReasonCode,
  type ReasonSpec,
  reasonSpec,
} from './verdict/reasons.js'
export { refinable, refineVerdict } from './verdict/refine.js'
export { legacyClaimKey, REPLAY_KEY_FORMAT } from './verdict/replay-claim-key.js'
export { sign, signerNotice } from './verdict/sign.js'
export type { Verdict } from './verdict/types.js'
export {
  replayClaimKey,
  verdictFromChecks,
  verify,
  verifyEager,
  verifySync,
} from './verdict/verify.js'
