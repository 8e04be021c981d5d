/**
 * The near-miss search for HMAC signatures. The received signature is decoded every way once
 * (encoding and algorithm become a lookup), then HMACs are computed directly over candidate
 * payloads — body variants × payload templates × key variants — in order of distance from the
 * configured policy: every single deviation first, then pairs, then triples. The first match
 * names what the sender did differently. No full verify per candidate: one HMAC each.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Endpoint, HmacAlgorithm, HmacPolicy } from '../config/types.js'
import { getAllHeaders, getHeader } from '../message/headers.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { compilePayload, feedPayload, signedUrl } from '../schemes/payload.js'
import { type BodyVariant, bodyHints, bodyVariants } from './transforms/body.js'
import { sameHeaderName } from './transforms/credential.js'
import {
  algorithmStep,
  noSignatureFix,
  type ReadSignatures,
  readSignatures,
  type SignatureTarget,
  signatureHeaderNameStep,
  signatureShape,
} from './transforms/encoding.js'
import { type PayloadVariant, payloadVariants } from './transforms/payload.js'
import { type KeyVariant, keyVariants } from './transforms/secret.js'
import { timestampStep } from './transforms/time.js'
import { type Budget, type Finding, findings, type Step, step } from './transforms/types.js'
import { headerFix, plainFix } from './wording.js'

export interface SignatureSearchContext {
  now: number
  endpoint?: Endpoint
  /** The same config's other signature endpoints, as HMAC policies. */
  others: { endpoint: Endpoint; policy: HmacPolicy }[]
  budget: Budget
}

export interface SignatureSearchResult {
  findings: Finding[]
  /** The signature verifies as configured (time aside). */
  signatureOk: boolean
}

interface Located {
  header: string
  value: string
  steps: Step[]
}

function locateSignature(req: HttpRequest, policy: HmacPolicy): Located | null {
  const values = getAllHeaders(req.headers, policy.header)
  // Repeated `t=…,v1=…` headers are read joined with ", ", as Node hands them over (hmac.ts).
  if (values.length > 0)
    return {
      header: policy.header,
      value: policy.format.kind === 'pairs' ? values.join(', ') : values[0]!,
      steps: [],
    }
  for (const [name, value] of req.headers) {
    if (sameHeaderName(name, policy.header) || /sig/i.test(name)) {
      if (readSignatures(value, policy).targets.length > 0)
        return { header: name, value, steps: [signatureHeaderNameStep(name, policy)] }
    }
  }
  return null
}

type Match = { target: SignatureTarget } | 'stop' | null

export function signatureSearch(
  req: HttpRequest,
  policy: HmacPolicy,
  ctx: SignatureSearchContext,
): SignatureSearchResult {
  const out: Finding[] = []
  const located = locateSignature(req, policy)
  if (!located) {
    return {
      signatureOk: false,
      findings: findings(
        [
          step(
            'signature_missing',
            `No signature was sent: the ${policy.header} header is absent.`,
            noSignatureFix(policy),
            [`headers sent: ${req.headers.map(([n]) => n).join(', ') || 'none'}`],
          ),
        ],
        0.9,
      ),
    }
  }
  const count = getAllHeaders(req.headers, policy.header).length
  if (count > 1 && policy.format.kind !== 'pairs') {
    out.push(
      ...findings(
        [
          step(
            'signature_header_malformed',
            `The ${policy.header} header was sent ${count} times.`,
            plainFix(`Send ${policy.header} once.`),
            [`${count} ${policy.header} headers`],
          ),
        ],
        0.9,
      ),
    )
  }
  const read = readSignatures(located.value, policy)
  const raw =
    policy.timestamp?.header !== undefined
      ? getHeader(req.headers, policy.timestamp.header)
      : read.timestamp
  const id = policy.id !== undefined ? getHeader(req.headers, policy.id.header) : undefined

  if (policy.timestamp) {
    const source =
      policy.timestamp.header !== undefined
        ? `the ${policy.timestamp.header} header`
        : `the timestamp in ${policy.header}`
    const t = timestampStep(raw, policy.timestamp, ctx.now, source, policy.timestamp.header)
    if (t) out.push(...findings([t], 0.9))
  }
  if (policy.id !== undefined && id === undefined) {
    out.push(
      ...findings(
        [
          step(
            'message_id_missing',
            `No message id was sent (the ${policy.id.header} header is absent).`,
            plainFix(`Send the ${policy.id.header} header with the message id that was signed.`),
            [`no ${policy.id.header} header`],
          ),
        ],
        0.9,
      ),
    )
  }
  if (read.targets.length === 0) {
    out.push(
      ...findings(
        [
          step(
            'signature_header_malformed',
            `The ${located.header} header holds no readable signature${read.parseError ? `: it ${read.parseError}` : ''}.`,
            plainFix(`Send the signature in ${policy.header} as ${signatureShape(policy)}.`),
            [`${located.header} ${fingerprint(located.value)}`],
          ),
        ],
        0.9,
      ),
    )
    return { findings: out, signatureOk: false }
  }

  const keys = keyVariants(policy, ctx.now, ctx.endpoint, ctx.others)
  const payloads = payloadVariants(policy, req.headers, { timestamp: raw, id }, signedUrl(req))
  const algorithms = [...new Set(read.targets.map((t) => t.algorithm))]
  const bodyCache: BodyVariant[] = []
  // The budget is also asked before each variant is built, not only before each HMAC.
  const bodyGen = bodyVariants(
    req.body,
    { curlDataUrlencode: req.curlDataUrlencode === true },
    ctx.budget,
  )
  let bodiesDone = false
  function* bodies(): Generator<BodyVariant> {
    yield* bodyCache
    while (!bodiesDone) {
      const n = bodyGen.next()
      if (n.done) {
        bodiesDone = true
        return
      }
      bodyCache.push(n.value)
      yield n.value
    }
  }

  const evaluate = (key: KeyVariant, p: PayloadVariant, body: Uint8Array): Match => {
    const r = body === req.body ? req : { ...req, body }
    for (const alg of algorithms) {
      if (!ctx.budget.spend()) return 'stop'
      const h = createHmac(alg, key.key)
      feedPayload(h, p.segments, r, p.values)
      const mac = h.digest()
      for (const t of read.targets) {
        if (t.algorithm === alg && t.bytes.length === mac.length && timingSafeEqual(t.bytes, mac))
          return { target: t }
      }
    }
    return null
  }

  const k0 = keys.filter((k) => k.identity)
  const k1 = keys.filter((k) => !k.identity)
  const p0 = payloads[0]!
  const p1 = payloads.slice(1)
  const b0: BodyVariant = { bytes: req.body, step: undefined as unknown as Step }

  type Combo = [KeyVariant, PayloadVariant, BodyVariant]
  function* combos(): Generator<Combo> {
    // Distance 0, then each single deviation, then pairs, then all three.
    for (const k of k0) yield [k, p0, b0]
    for (const k of k1) yield [k, p0, b0]
    for (const p of p1) for (const k of k0) yield [k, p, b0]
    for (const b of bodies()) for (const k of k0) yield [k, p0, b]
    for (const b of bodies()) for (const k of k1) yield [k, p0, b]
    for (const b of bodies()) for (const p of p1) for (const k of k0) yield [k, p, b]
    for (const p of p1) for (const k of k1) yield [k, p, b0]
    for (const b of bodies()) for (const p of p1) for (const k of k1) yield [k, p, b]
  }

  let signatureOk = false
  let found = false
  for (const [k, p, b] of combos()) {
    const m = evaluate(k, p, b.bytes)
    if (m === 'stop') break
    if (m === null) continue
    const otherAlgorithm = m.target.algorithm !== policy.algorithm
    const steps: Step[] = [
      // Another algorithm's header (X-Hub-Signature: sha1=… for X-Hub-Signature-256): the
      // algorithm is the cause, the name follows from it.
      ...(otherAlgorithm && located.steps.length > 0
        ? [algorithmHeaderStep(located.header, m.target.algorithm, policy)]
        : located.steps),
      ...k.steps,
      ...p.steps,
      ...(b.step ? [b.step] : []),
      ...m.target.steps,
    ]
    if (otherAlgorithm && located.steps.length === 0)
      steps.push(algorithmStep(m.target.algorithm, policy))
    if (steps.length === 0) signatureOk = true
    else out.push(...findings(steps, 0.95))
    found = true
    break
  }
  if (signatureOk) {
    // Only the time (or the id) is wrong: say that the signature itself is right.
    for (const f of out)
      f.evidence.push(
        'the signature itself verifies with the configured secret: only this is wrong',
      )
  }
  if (!found && read.timestamps !== undefined)
    out.push(...joinedHeaders(req, policy, read, keys, count))
  if (!found) {
    const tried = `tried ${ctx.budget.tried} candidates: ${bodyCache.length} body re-serializations, ${payloads.length} payload templates, ${keys.length} keys (configured, whitespace, encodings, retired${ctx.others.length ? ', other endpoints' : ''}), ${read.targets.length} signature readings${ctx.budget.exhausted ? ' — the search stopped at its budget' : ''}`
    out.push(
      ...findings(
        [
          step(
            'signature_mismatch',
            'The signature does not match, and no near miss explains it: most likely the sender signs with another secret than this endpoint has.',
            plainFix(
              `Check that the sender signs with the secret configured here (compare fingerprints: ${policy.secrets.map((s) => fingerprint(s.value)).join(', ')}), over the exact raw body.`,
            ),
            [tried, ...bodyHints(req.body, getHeader(req.headers, 'content-type'))],
          ),
        ],
        0.5,
      ),
    )
  }
  return { findings: out, signatureOk }
}

/** The signature sent only under another algorithm's header (X-Hub-Signature: sha1=…). */
function algorithmHeaderStep(sent: string, algorithm: HmacAlgorithm, policy: HmacPolicy): Step {
  const a = algorithm.toUpperCase()
  const e = policy.algorithm.toUpperCase()
  return step(
    'signature_wrong_algorithm',
    `The signature was sent only in ${sent}, made with HMAC-${a}; this endpoint reads ${policy.header} with HMAC-${e}, which the request lacks.`,
    headerFix(
      policy.header,
      signatureShape(policy),
      `Sign with HMAC-${e} (createHmac('${policy.algorithm}', secret)) and`,
    ),
    [`${sent} holds an HMAC-${a} signature that verifies with the configured secret`],
  )
}

/**
 * Two signature headers a proxy joined with a comma (`t=1,v1=…, t=2,v1=…`): verification reads
 * one t= (the first, or the last as stripe-node does; with exact_keys never one after a space).
 * When the t= differ and nothing verified, say so, which one was read, and whether a signature
 * verifies with another one.
 */
function joinedHeaders(
  req: HttpRequest,
  policy: HmacPolicy,
  read: ReadSignatures,
  keys: readonly KeyVariant[],
  sent: number,
): Finding[] {
  const all = read.timestamps!
  const distinct = [...new Set(all)]
  if (distinct.length < 2) return []
  const segments = compilePayload(policy.payload)
  const id = policy.id !== undefined ? getHeader(req.headers, policy.id.header) : undefined
  let own: string | undefined
  for (const t of distinct.filter((x) => x !== read.timestamp).slice(0, 7)) {
    for (const k of keys.filter((x) => x.identity)) {
      const h = createHmac(policy.algorithm, k.key)
      feedPayload(h, segments, req, { timestamp: t, id })
      const mac = h.digest()
      if (read.targets.some((x) => x.bytes.length === mac.length && timingSafeEqual(x.bytes, mac)))
        own = t
    }
    if (own !== undefined) break
  }
  const format = policy.format as Extract<HmacPolicy['format'], { kind: 'pairs' }>
  const key = format.timestamp_key ?? 't'
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const spaced =
    format.exact_keys === true &&
    new RegExp(`${literal(format.pair_separator)}\\s+${literal(key)}=`).test(
      getHeader(req.headers, policy.header) ?? '',
    )
  const rule = `${format.last_timestamp === true ? 'the last' : 'the first'}${spaced ? ' one not written after a space' : ''}${format.exact_keys === true || format.last_timestamp === true ? ', as stripe-node reads it' : ''}`
  const evidence = [
    `${policy.header} holds ${all.length} timestamps: ${all.join(', ')}; ${key}=${read.timestamp} is read (${rule})`,
  ]
  if (own !== undefined) evidence.push(`a signature verifies with the other timestamp ${own}`)
  return findings(
    [
      step(
        'signature_header_malformed',
        `${sent > 1 ? `${policy.header} was sent ${sent} times, which a receiver reads as one header joined with a comma (as Node does), ` : `The ${policy.header} header holds ${all.length} signature headers joined into one (a proxy merged two ${policy.header} headers with a comma), `}with different timestamps, so which one the receiver reads is a matter of its parser: ${key}=${read.timestamp} is read here (${rule})${own !== undefined ? `, and the signature that verifies belongs to ${key}=${own}` : ''}.`,
        plainFix(
          `Send one ${policy.header} header per request (${signatureShape(policy)}): find the hop that adds or repeats the header (a retry that appends a new signature to the old one, a proxy that merges duplicates) and make it replace the header instead.`,
        ),
        evidence,
      ),
    ],
    own !== undefined ? 0.9 : 0.7,
  )
}
