/**
 * @hookwarden/core — the public API. Re-exports only.
 * @module
 */
export {
  HookwardenError,
  InputError,
  CaptureParseError,
  ConfigError,
  type ErrorPosition,
} from './errors.js'
export type { Header, HttpRequest, HttpResponse } from './message/types.js'
export {
  getHeader,
  getAllHeaders,
  hasHeader,
  withHeader,
  withoutHeader,
  requestUrl,
  requestPath,
  requestQuery,
} from './message/headers.js'
export type * from './config/types.js'
export { loadConfig, loadConfigFile, type LoadOptions } from './config/load.js'
export { selectEndpoint } from './config/select.js'
export { registerAuthSchema } from './config/schema.js'
export type {
  Check,
  Scheme,
  VerifyContext,
  SignOptions,
  SchemeChallenge,
  ReplayKey,
} from './schemes/types.js'
export { getScheme, registerScheme, schemeNames } from './schemes/index.js'
export { verify, verifySync, verifyEager, verdictFromChecks } from './verdict/verify.js'
export { sign } from './verdict/sign.js'
export type { Verdict } from './verdict/types.js'
export {
  REASONS,
  isReasonCode,
  reasonSpec,
  type ReasonCode,
  type ReasonSpec,
  type ExplainLevel,
  type ChallengeError,
} from './verdict/reasons.js'
export { buildChallenge } from './verdict/challenge.js'
export { buildProblem, publicReason, type ProblemBody } from './verdict/problem.js'
export { fingerprint, setFingerprintKey, type Fingerprint } from './redact/fingerprint.js'
export type { NonceStore } from './nonce/types.js'
export { MemoryNonceStore, NonceStoreFullError } from './nonce/memory.js'
export { safeEqual } from './crypto/safe-equal.js'
export { decodeStrict, encode, type Encoding } from './crypto/encoding.js'
export { utf8, concatBytes, bodyText } from './crypto/bytes.js'
export {
  registerProvider,
  getProvider,
  listProviders,
  type ProviderPreset,
} from './providers/registry.js'
export { parseRequest, parseResponse, type ParseOptions } from './message/parse.js'
export { parseRawHttpRequest, parseRawHttpResponse } from './message/parse-raw-http.js'
export {
  printRawHttpRequest,
  printRawHttpRequestBytes,
  printRawHttpResponseBytes,
} from './message/print-raw-http.js'
export {
  hmac,
  compileHmac,
  verifyHmac,
  signHmac,
  hmacReplayKey,
  checkTimestamp,
  type CompiledHmac,
} from './schemes/hmac.js'
export { standardWebhooks, standardWebhooksHmacPolicy } from './schemes/standard-webhooks.js'
export {
  compilePayload,
  payloadBytes,
  payloadTemplateProblem,
  signedUrl,
  type Segment,
  type PayloadValues,
} from './schemes/payload.js'
export {
  parseSignatureHeader,
  formatSignatureHeader,
  MAX_SIGNATURES,
  type ParsedSignatures,
} from './schemes/signature-header.js'
export { decodeSecret, secretProblem, hmacKey } from './crypto/hmac-key.js'
export type { Capture } from './message/types.js'
export { parseCapture, type ParsedCapture } from './message/parse.js'
export { detectFormat, type CaptureFormat } from './message/detect.js'
export { parseCurl, type CurlParseOptions } from './message/parse-curl.js'
export { parseHar, type HarParseOptions } from './message/parse-har.js'
export { parseJsonCapture, type JsonCaptureOptions } from './message/parse-json.js'
export { printCurl, shellQuote, type PrintCurlOptions } from './message/print-curl.js'
export { detectOrigin, readSignals, FINGERPRINTS, ORIGIN_PRODUCTS } from './diagnose/origin.js'
export { classifyResponse, responseClass, type ClassifyContext } from './diagnose/response-class.js'
export {
  credentialStrippingHints,
  credentialHeaders,
  redactValue,
  type StrippingHint,
} from './diagnose/stripping.js'
export type {
  Fingerprint as OriginFingerprint,
  Signals as OriginSignals,
} from './diagnose/products/types.js'
export type { Origin, OriginLayer, ResponseClass, ResponseSummary } from './diagnose/types.js'
export { diagnose, rankCauses, type DiagnoseOptions } from './diagnose/index.js'
export {
  nearMissSearch,
  asHmacPolicy,
  type NearMissOptions,
  type NearMissResult,
} from './diagnose/near-miss.js'
export type { Cause, Diagnosis, Sender } from './diagnose/types.js'
export {
  guessSender,
  pickFix,
  SENDERS,
  durationWords,
  relativeWords,
  type Fix,
} from './diagnose/wording.js'
export { inspectJwt, findJwt, type JwtReport, type JwtTime } from './diagnose/transforms/jwt.js'
export {
  omittedProviders,
  type Pitfall,
  type HandshakeKind,
  type Proof,
  type Confidence,
  type OmittedProvider,
} from './providers/registry.js'
export {
  handshake,
  detectHandshake,
  HANDSHAKE_DESCRIPTIONS,
  type HandshakeAnswer,
  type HandshakeOptions,
  type HandshakeTarget,
} from './providers/handshakes.js'
export { sampleConfig } from './providers/sample.js'
export {
  diffRequests,
  type Difference,
  type DifferenceKind,
  type RequestDiff,
} from './diagnose/diff.js'
export { parseCurlVerbose, type CurlVerboseOptions } from './message/parse-curl-verbose.js'
export { bearer } from './schemes/bearer.js'
export { apiKey } from './schemes/api-key.js'
export { basic, decodeUserPass } from './schemes/basic.js'
export { jwt } from './schemes/jwt.js'
export { parseAuthorization, type ParsedAuthorization } from './schemes/authorization.js'
export {
  matchCredential,
  currentCredential,
  isExpired,
  credentialShapeDefect,
  revokedDetail,
  type MatchResult,
} from './schemes/credential.js'
export { looksLikeKeyMaterial } from './config/load.js'
