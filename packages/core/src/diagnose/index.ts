/**
 * diagnose(request, {response?, config?, endpoint?, now, sender?}) → Diagnosis (contract §3):
 * the verdict, the causes ranked by confidence, which hop answered and the class of the
 * response. Without a config, what the request and the response alone show.
 * @module
 */

import { type NearRoute, nearRoute } from '../config/near-route.js'
import { selectEndpoint } from '../config/select.js'
import type { Config, Credential, Endpoint } from '../config/types.js'
import { requestPath } from '../message/headers.js'
import type { HttpRequest, HttpResponse } from '../message/types.js'
import { getProvider } from '../providers/registry.js'
import type { Pitfall } from '../providers/types.js'
import { credentialValues, scrubText } from '../redact/scrub.js'
import { type KeyType, publicKeyProblem } from '../schemes/public-key.js'
import { refineVerdict } from '../verdict/refine.js'
import type { Verdict } from '../verdict/types.js'
import { verify } from '../verdict/verify.js'
import { nearMissSearch } from './near-miss.js'
import { detectOrigin, inflatedBody } from './origin.js'
import { requestAloneFindings } from './request-alone.js'
import { responseFindings } from './response-causes.js'
import { classifyResponse } from './response-class.js'
import { lengthMismatchStep } from './transforms/framing.js'
import { type Finding, findings, type StepKind, step } from './transforms/types.js'
import type { Cause, Diagnosis, Origin, Sender } from './types.js'
import { guessSender, MAKE_401_NOTE, pickFix, plainFix } from './wording.js'

export interface DiagnoseOptions {
  response?: HttpResponse
  config?: Config
  /** The endpoint, or its name in `config` (default: by the request's path). */
  endpoint?: Endpoint | string
  /** Unix seconds for every time check. */
  now: number
  /** Who the fix is worded for (default: guessed from the User-Agent). */
  sender?: Sender
  /** The verdict already computed for this request and endpoint (saves one verification). */
  verdict?: Verdict
  /** Bounds of the near-miss search: candidates (default 5000) and milliseconds (default 250). */
  budget?: { candidates?: number; ms?: number }
}

const UNKNOWN_ORIGIN: Origin = { layer: 'unknown', product: null, evidence: [] }

/** Findings → causes: one per code (the surest kept, evidence merged), highest confidence first. */
export function rankCauses(found: readonly Finding[], sender: Sender): Cause[] {
  const byCode = new Map<string, Finding>()
  for (const f of found) {
    const prev = byCode.get(f.code)
    if (!prev) byCode.set(f.code, { ...f, evidence: [...f.evidence] })
    else {
      const [keep, other] =
        f.confidence > prev.confidence ? [{ ...f, evidence: [...f.evidence] }, prev] : [prev, f]
      for (const e of other.evidence) if (!keep.evidence.includes(e)) keep.evidence.push(e)
      byCode.set(f.code, keep)
    }
  }
  return [...byCode.values()]
    .sort((a, b) => b.confidence - a.confidence)
    .map((f) => ({
      code: f.code,
      confidence: Math.round(f.confidence * 100) / 100,
      summary: f.summary,
      fix: pickFix(f.fix, sender),
      evidence: f.evidence,
    }))
}

export async function diagnose(request: HttpRequest, options: DiagnoseOptions): Promise<Diagnosis> {
  const sender = options.sender ?? guessSender(request)
  const now = options.now
  let endpoint: Endpoint | undefined
  // A request at a near miss of an endpoint's path (a trailing slash, a proxy's prefix…) is
  // diagnosed against the endpoint it meant; the gateway would answer it 404 before any check.
  const misrouted =
    options.config && options.endpoint === undefined
      ? misroutedRequest(options.config, request)
      : null
  if (typeof options.endpoint === 'object') endpoint = options.endpoint
  else if (options.config)
    endpoint = misrouted?.endpoint ?? selectEndpoint(options.config, request, options.endpoint)

  const verdict: Verdict | null = endpoint
    ? (options.verdict ?? (await verify(request, endpoint, { now })))
    : null
  const found: Finding[] = []
  let tried = 0
  let exhausted = false
  if (endpoint && verdict && !verdict.ok) {
    const near = await nearMissSearch(request, endpoint, verdict, {
      now,
      ...(options.config ? { endpoints: options.config.endpoints } : {}),
      ...(options.budget ? { budget: options.budget } : {}),
    })
    found.push(...near.findings)
    tried = near.tried
    exhausted = near.exhausted
    // A Content-Length below the bytes sent: the receiver checked a body cut short, so the
    // signature's failure is the framing's (named above signature_mismatch and its near misses).
    const lm = request.lengthMismatch
    if (lm && lm.held > lm.declared && verdict.reason?.startsWith('signature_'))
      found.push(...findings([lengthMismatchStep(lm, 'content_length_mismatch')], 0.96))
    // What the search says about a signature is moot when the capture lacks the body signed.
    if (request.bodyNotCaptured !== undefined && verdict.reason?.startsWith('signature_')) {
      found.length = 0
      found.push(
        ...findings(
          [
            step(
              'signature_mismatch',
              `The capture holds no body, though the request carried ${request.bodyNotCaptured} bytes: the signature covers them, so it cannot be checked from this capture, and the refusal says nothing yet about the secret.`,
              plainFix(
                "Capture the request with its body: copy it as cURL (DevTools' Copy as cURL keeps the body), save the raw request, or turn on body capture where the HAR came from; then diagnose again.",
              ),
              [`declared ${request.bodyNotCaptured} bytes; the capture holds 0`],
            ),
          ],
          0.9,
        ),
      )
    }
  } else if (!verdict) {
    found.push(...requestAloneFindings(request, now))
  }

  let origin = UNKNOWN_ORIGIN
  let response: Diagnosis['response'] = null
  if (options.response) {
    // The answer's words are quoted (cut short) in the meaning and the evidence; a receiver may
    // have echoed the credential it refused (error_description="token … unknown").
    const answer = scrubResponse(options.response, credentialValues(request))
    origin = detectOrigin(answer, request)
    response = classifyResponse(answer, { origin, request })
    const fromAnswer = responseFindings(request, answer, response, origin, verdict, now)
    found.push(...fromAnswer)
    // The request alone looked fine and the answer is a success: nothing is wrong, unless the
    // success is a refusal in disguise (a WAF's block page or a GraphQL auth error with 200).
    if (!verdict && response.class === 'success' && fromAnswer.length === 0) found.length = 0
    // A refusal that nothing in the request explains is still a cause: the credential's value.
    if (
      !verdict &&
      found.length === 0 &&
      (response.class === 'authentication' || response.class === 'authorization')
    ) {
      found.push(
        ...findings(
          [
            step(
              'credential_unknown',
              `The receiver refused the request (${response.status}) and nothing in how the request is built explains it: most likely the credential's value is not the one the receiver expects.`,
              plainFix(
                'Check the credential against the receiver (run diagnose with --config to compare it), and that it belongs to this environment.',
              ),
              [response.meaning ?? `${response.status} from the receiver`],
            ),
          ],
          0.4,
        ),
      )
    }
  }

  // Unless the answer shows the route was found (anything but a 404): then a proxy in front
  // rewrote the path, and the path is not the cause. Credentials that fail too stay first.
  if (misrouted && (!response || response.class === 'not_found')) {
    const sure = response ? 0.95 : verdict?.ok ? 0.9 : 0.5
    found.push(
      ...findings(
        [
          step(
            'route_not_found',
            `The request's path is not the endpoint's: ${misrouted.detail}`,
            plainFix(`Change the webhook URL: ${misrouted.hint}.`),
            [`request path ${requestPath(request)}`, `endpoint path ${misrouted.endpoint.path}`],
          ),
        ],
        sure,
      ),
    )
  }

  const causes = rankCauses(found, sender)
  if (endpoint?.provider) addProviderPitfalls(causes, found, endpoint)
  // The note is about a 401 (Make's HTTP module and 4xx answers): not a 403's, nor a 5xx's.
  if (
    sender === 'make' &&
    causes[0] &&
    (response
      ? response.class === 'authentication'
      : verdict?.ok === false && verdict.status === 401)
  ) {
    causes[0].fix = `${causes[0].fix} ${MAKE_401_NOTE}`
  }
  // The verdict as verify --json gives it with the whole config (verdict/refine.ts); the
  // search above ran on the endpoint's own.
  const shown =
    endpoint && verdict && options.config
      ? await refineVerdict(request, endpoint, verdict, options.config.endpoints, now)
      : verdict
  const diagnosis: Diagnosis = {
    verdict: shown,
    causes,
    origin,
    response,
    candidates_tried: tried,
  }
  if (exhausted) diagnosis.budget_exhausted = true
  if (request.captureNotes?.length) {
    const secrets = credentialValues(request)
    diagnosis.notes = request.captureNotes.map((n) => scrubText(n, secrets))
  }
  return diagnosis
}

/**
 * The response with the request's credentials, wherever it repeats them (whole or cut
 * short), fingerprinted. A compressed body is looked at inflated: an echo inside gzip is still
 * an echo, and what is read from the body later would print it. Such a body, once scrubbed,
 * stays inflated (its Content-Encoding dropped).
 */
function scrubResponse(response: HttpResponse, secrets: readonly string[]): HttpResponse {
  const headers = response.headers.map(([n, v]): [string, string] => [n, scrubText(v, secrets)])
  const inflated = inflatedBody(response)
  const body = Buffer.from(inflated).toString('utf8')
  // Only a body that repeats one (or 12 characters of one) is rewritten: shorter runs are
  // words ("secret", "Bearer") that the origin and cause readers must still see.
  const echoed = secrets.some((secret) => {
    if (secret.length <= 12) return body.includes(secret)
    for (let i = 0; i + 12 <= secret.length; i++)
      if (body.includes(secret.slice(i, i + 12))) return true
    return false
  })
  const scrubbed = echoed ? scrubText(body, secrets) : body
  if (scrubbed === body) return { ...response, headers }
  return {
    ...response,
    headers:
      inflated === response.body
        ? headers
        : headers.filter(([n]) => n.toLowerCase() !== 'content-encoding'),
    body: Buffer.from(scrubbed),
  }
}

/** The near-miss route of a request whose path is no endpoint's, or null. */
function misroutedRequest(config: Config, request: HttpRequest): NearRoute | null {
  const path = requestPath(request)
  if (config.endpoints.some((e) => e.path === path)) return null
  const near = nearRoute(path, config.endpoints)
  return near?.kind === 'endpoint' ? near : null
}

/**
 * A preset knows its provider's usual mistakes (Stripe: the body parsed by express.json();
 * Shopify: base64, not hex): a cause of the same code gets the provider's own words, from the
 * first pitfall that can hold for it (its `when`: the kind of near miss found, the keys).
 */
function addProviderPitfalls(causes: Cause[], found: readonly Finding[], endpoint: Endpoint): void {
  const preset = getProvider(endpoint.provider!)
  if (!preset?.pitfalls) return
  for (const cause of causes) {
    const kind = keptFinding(found, cause.code)?.kind
    const pitfall = preset.pitfalls.find(
      (p) => p.code === cause.code && pitfallCanHold(p, kind, endpoint),
    )
    if (!pitfall) continue
    cause.evidence.push(`${preset.title}: a known pitfall — ${pitfall.title}`)
    cause.fix = `${cause.fix} For ${preset.title}: ${pitfall.fix}`
  }
}

/** The finding rankCauses kept for `code`: the surest, the first among equals. */
function keptFinding(found: readonly Finding[], code: string): Finding | undefined {
  let kept: Finding | undefined
  for (const f of found) if (f.code === code && (!kept || f.confidence > kept.confidence)) kept = f
  return kept
}

function pitfallCanHold(p: Pitfall, kind: StepKind | undefined, endpoint: Endpoint): boolean {
  const when = p.when
  if (!when) return true
  if (when.kind && (kind === undefined || !when.kind.includes(kind))) return false
  if (when.key_unreadable) {
    const auth = endpoint.auth as unknown as { scheme: string; public_keys?: Credential[] }
    const type = auth.scheme as KeyType
    if (!PUBLIC_KEY_TYPES.has(type) || !Array.isArray(auth.public_keys)) return false
    if (!auth.public_keys.some((k) => publicKeyProblem(k.value, type) !== null)) return false
  }
  return true
}

const PUBLIC_KEY_TYPES = new Set<string>(['ed25519', 'ecdsa', 'rsa'])
