#!/usr/bin/env node
// Writes the diagnose fixture cases (one folder per case, the run-cases format of
// /work/shared/examples/README.md): request.http|request.json [+ response.http] [+ hookwarden.yaml]
// + expect.json. Signatures come from the real signer libraries where one exists (standardwebhooks,
// svix, stripe, @octokit/webhooks-methods, jose), else node:crypto. Deterministic: keys and
// timestamps are fixed, so re-running rewrites the same bytes.
//   node packages/core/test/cases/generate.mjs
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto'
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { getHmac as shopifyHmac } from '@shopify/shopify-api/test-helpers'
import { exportJWK, SignJWT } from 'jose'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { Webhook as SvixWebhook } from 'svix'
import twilio from 'twilio'

const here = dirname(fileURLToPath(import.meta.url))
const NOW = 1767225600 // 2026-01-01T00:00:00Z
const BODY = '{"event":"invoice.paid","invoice":{"id":"inv_77","amount":4200,"currency":"EUR"}}'
const PRETTY = JSON.stringify(JSON.parse(BODY), null, 2)
const TOKEN = 'hw_live_Q7mZk2Rx9Lp4Vt8NbW3c'
const STAGING_TOKEN = 'hw_test_Jd82kLmQ0pXa7ZrT5yVe'
const API_KEY = 'ak_9fK2mQ7xLp4Rt8VbN3cZ'
const HMAC_SECRET = 'hmac-secret-Vx81Qm3Lz7Rt'
const OLD_SECRET = 'hmac-secret-old-Pa44Kd9Wn2'
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const STRIPE_SECRET = 'whsec_stripe0Test0Secret0Ab12Cd34'
const GITHUB_SECRET = 'gh-webhook-secret-Tq71Xs'
const JWT_SECRET = 'jwt-shared-secret-0123456789abcdefXYZ'
const USER = 'make'
const PASSWORD = 's3cr3t?>pass:Kx7~' // base64 of make:<this> holds a / and = padding

const cases = []
const kase = (name, spec) => cases.push({ name, ...spec })

const hmacHex = (alg, key, data) => createHmac(alg, key).update(data).digest('hex')
const hmacB64 = (alg, key, data) => createHmac(alg, key).update(data).digest('base64')

function raw(method, path, headers, body = '') {
  const b = Buffer.from(body, 'utf8')
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: receiver.example.org',
    ...headers.map(([n, v]) => `${n}: ${v}`),
  ]
  if (b.length) lines.push(`Content-Length: ${b.length}`)
  return Buffer.concat([Buffer.from(`${lines.join('\n')}\n\n`, 'utf8'), b])
}
const post = (headers, body = BODY, path = '/hooks/invoices') =>
  raw('POST', path, [['Content-Type', 'application/json'], ...headers], body)

function rawResponse(status, text, headers, body) {
  return Buffer.from(
    `HTTP/1.1 ${status} ${text}\n${headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\n\n${body}`,
    'utf8',
  )
}

const bearerYaml = (extra = '') => `auth:\n  scheme: bearer\n  tokens:\n    - ${TOKEN}\n${extra}`
const apiKeyYaml = (where) => `auth:\n  scheme: api_key\n  ${where}\n  keys:\n    - ${API_KEY}\n`
const hmacYaml = (lines = '') =>
  `auth:\n  scheme: hmac\n  header: X-Signature\n  algorithm: sha256\n  encoding: hex\n${lines}  secrets:\n    - ${HMAC_SECRET}\n`
const basicYaml = `auth:\n  scheme: basic\n  users:\n    - username: ${USER}\n      password: "${PASSWORD}"\n`
const jwtYaml = (extra = '') =>
  `auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  audience: webhooks\n  algorithms: [HS256]\n  secret: ${JWT_SECRET}\n  leeway: 30\n${extra}`

// ── Presence and header construction ──────────────────────────────────────────────────────
kase('credentials-missing', {
  request: post([]),
  config: bearerYaml(),
  expect: { codes: ['credentials_missing'], status: 401 },
})
kase('header-name-wrong-underscore', {
  request: post([['X_API_KEY', API_KEY]]),
  config: apiKeyYaml('header: X-API-Key'),
  expect: { codes: ['header_name_wrong'] },
})
kase('header-name-wrong-token-header', {
  request: post([['X-Auth-Token', TOKEN]]),
  config: bearerYaml(),
  expect: { codes: ['header_name_wrong'] },
})
kase('credential-in-query', {
  request: post([], BODY, `/hooks/invoices?api_key=${API_KEY}`),
  config: apiKeyYaml('header: X-API-Key'),
  expect: { codes: ['credential_in_query'] },
})
kase('credential-in-header', {
  request: post([['X-API-Key', API_KEY]]),
  config: apiKeyYaml('query: api_key'),
  expect: { codes: ['credential_in_header'] },
})
kase('scheme-prefix-missing-glued', {
  request: post([['Authorization', `Bearer${TOKEN}`]]),
  config: bearerYaml(),
  expect: { codes: ['scheme_prefix_missing'], status: 401 },
})
kase('scheme-prefix-missing-make', {
  request: post([
    ['User-Agent', 'Make/production'],
    ['Authorization', TOKEN],
  ]),
  config: bearerYaml(),
  expect: { codes: ['scheme_prefix_missing'] },
})
kase('scheme-prefix-malformed', {
  request: post([['Authorization', `Bearer Bearer ${TOKEN}`]]),
  config: bearerYaml(),
  expect: { codes: ['scheme_prefix_malformed'] },
})
kase('scheme-mismatch-token', {
  request: post([['Authorization', `Token ${TOKEN}`]]),
  config: bearerYaml(),
  expect: { codes: ['scheme_mismatch'] },
})
kase('scheme-mismatch-bearer-for-basic', {
  request: post([
    ['Authorization', `Bearer ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`],
  ]),
  config: basicYaml,
  expect: { codes: ['scheme_mismatch'] },
})
kase('duplicate-auth-header', {
  request: post([
    ['Authorization', 'Bearer placeholder-from-auth-setting'],
    ['Authorization', `Bearer ${TOKEN}`],
  ]),
  config: bearerYaml(),
  expect: { codes: ['duplicate_auth_header'], status: 400 },
})
kase('credential-whitespace', {
  json: {
    method: 'POST',
    url: '/hooks/invoices',
    headers: [
      ['Host', 'receiver.example.org'],
      ['Authorization', `Bearer ${TOKEN}\n`],
    ],
    body: BODY,
  },
  config: bearerYaml(),
  expect: { codes: ['credential_whitespace'] },
})
kase('credential-invisible-chars', {
  request: post([['Authorization', `Bearer ${TOKEN}\u200b`]]),
  config: bearerYaml(),
  expect: { codes: ['credential_invisible_chars'] },
})
kase('credential-quoted', {
  request: post([['Authorization', `Bearer "${TOKEN}"`]]),
  config: bearerYaml(),
  expect: { codes: ['credential_quoted'] },
})
const SPECIAL = 'hw+live/Q7mZk2Rx9Lp4Vt8N=='
kase('credential-url-encoded', {
  request: post([['Authorization', `Bearer ${encodeURIComponent(SPECIAL)}`]]),
  config: `auth:\n  scheme: bearer\n  tokens:\n    - "${SPECIAL}"\n`,
  expect: { codes: ['credential_url_encoded'] },
})
kase('credential-truncated', {
  request: post([['Authorization', `Bearer ${TOKEN.slice(0, 18)}`]]),
  config: bearerYaml(),
  expect: { codes: ['credential_truncated'] },
})
kase('credential-unknown', {
  request: post([['Authorization', 'Bearer hw_live_totally0different0Tok']]),
  config: bearerYaml(),
  expect: { codes: ['credential_unknown'], status: 401 },
})
// `Bearer {{token}}` with an empty variable: the scheme word alone, not a token "Bearer".
kase('credentials-missing-scheme-only', {
  request: post([['Authorization', 'Bearer']]),
  config: bearerYaml(),
  expect: { codes: ['credentials_missing'], status: 401 },
})
kase('alone-credentials-missing-scheme-only', {
  request: post([['Authorization', 'Bearer']]),
  expect: { codes: ['credentials_missing'] },
})
// A BOM before the scheme word (a value pasted from a file saved as UTF-8 with BOM).
kase('credential-invisible-chars-bom-before-scheme', {
  json: {
    method: 'POST',
    url: '/hooks/invoices',
    headers: { Authorization: `\ufeffBearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: BODY,
  },
  config: bearerYaml(),
  expect: { codes: ['credential_invisible_chars'], status: 401 },
})
kase('alone-credential-invisible-chars-bom-before-scheme', {
  json: {
    method: 'POST',
    url: '/hooks/invoices',
    headers: { Authorization: `\ufeffBearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: BODY,
  },
  expect: { codes: ['credential_invisible_chars'] },
})
// Two Authorization lines a proxy or a logger merged into one (RFC 9110 §5.3).
kase('duplicate-auth-header-comma-joined', {
  request: post([['Authorization', `Bearer ${STAGING_TOKEN}, Bearer ${TOKEN}`]]),
  config: bearerYaml(),
  expect: { codes: ['duplicate_auth_header'] },
})
kase('alone-duplicate-auth-header-comma-joined', {
  request: post([['Authorization', `Bearer ${STAGING_TOKEN}, Bearer ${TOKEN}`]]),
  expect: { codes: ['duplicate_auth_header'] },
})
// A key holding "+" written into the URL unencoded: the receiver reads a space.
kase('credential-url-encoded-query-plus', {
  request: post([], BODY, `/hooks/invoices?api_key=${SPECIAL}`),
  config: `auth:\n  scheme: api_key\n  query: api_key\n  keys: ["${SPECIAL}"]\n`,
  expect: { codes: ['credential_url_encoded'], status: 401 },
})
// RFC 6750 allows 1*SP, so a config accepts it; receivers comparing "Bearer <token>" do not.
kase('bearer-double-space-ok', {
  request: post([['Authorization', `Bearer  ${TOKEN}`]]),
  config: bearerYaml(),
  expect: { ok: true },
})
kase('alone-credential-whitespace-double-space', {
  request: post([['Authorization', `Bearer  ${TOKEN}`]]),
  expect: { codes: ['credential_whitespace'] },
})
kase('basic-not-base64-template-placeholder', {
  request: post([['Authorization', 'Basic {{connection.basic_auth}}']]),
  config: basicYaml,
  expect: { codes: ['basic_not_base64'], status: 401 },
})

// ── Which credential ──────────────────────────────────────────────────────────────────────
kase('credential-wrong-environment', {
  request: post([['Authorization', `Bearer ${STAGING_TOKEN}`]], BODY, '/hooks/orders'),
  config: `endpoints:\n  - name: orders-prod\n    path: /hooks/orders\n    environment: production\n    auth:\n      scheme: bearer\n      tokens: ["${TOKEN}"]\n  - name: orders-staging\n    path: /hooks/orders-staging\n    environment: staging\n    auth:\n      scheme: bearer\n      tokens: ["${STAGING_TOKEN}"]\n`,
  expect: { codes: ['credential_wrong_environment'] },
})
kase('credential-wrong-tenant', {
  request: post([['X-API-Key', 'ak_globex_T5nW8qRz2Lm6Yx']], BODY, '/hooks/acme'),
  config: `endpoints:\n  - name: acme\n    path: /hooks/acme\n    tenant: acme\n    auth:\n      scheme: api_key\n      header: X-API-Key\n      keys: ["${API_KEY}"]\n  - name: globex\n    path: /hooks/globex\n    tenant: globex\n    auth:\n      scheme: api_key\n      header: X-API-Key\n      keys: ["ak_globex_T5nW8qRz2Lm6Yx"]\n`,
  expect: { codes: ['credential_wrong_tenant'] },
})
kase('credential-revoked-retired', {
  request: post([['Authorization', 'Bearer hw_live_old0Rotated0Tok3n99']]),
  config: bearerYaml('  retired:\n    - { value: hw_live_old0Rotated0Tok3n99, id: "2025-10" }\n'),
  expect: { codes: ['credential_revoked'] },
})
kase('credential-revoked-not-after', {
  request: post([['Authorization', 'Bearer hw_live_rotating0Tok3n0Ab']]),
  config: `auth:\n  scheme: bearer\n  tokens:\n    - ${TOKEN}\n    - { value: hw_live_rotating0Tok3n0Ab, id: "2025-11", not_after: "2025-12-15T00:00:00Z" }\n`,
  expect: { codes: ['credential_revoked'] },
})

// ── Basic ─────────────────────────────────────────────────────────────────────────────────
kase('basic-not-base64', {
  request: post([
    ['Authorization', `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64url')}`],
  ]),
  config: basicYaml,
  expect: { codes: ['basic_not_base64'] },
})
kase('basic-raw-credentials', {
  request: post([['Authorization', `Basic ${USER}:${PASSWORD}`]]),
  config: basicYaml,
  expect: { codes: ['basic_raw_credentials'] },
})
kase('basic-no-colon', {
  request: post([
    [
      'Authorization',
      `Basic ${Buffer.from(`${USER}${PASSWORD.replace(/:/g, '')}`).toString('base64')}`,
    ],
  ]),
  config: basicYaml,
  expect: { codes: ['basic_no_colon'] },
})
kase('basic-wrong-credentials', {
  request: post([
    ['Authorization', `Basic ${Buffer.from(`${USER}:wrong-password-1`).toString('base64')}`],
  ]),
  config: basicYaml,
  expect: { codes: ['basic_wrong_credentials'] },
})

// ── JWT (jose) ────────────────────────────────────────────────────────────────────────────
const jwtKey = new TextEncoder().encode(JWT_SECRET)
async function jwt(claims, { alg = 'HS256', key = jwtKey, kid } = {}) {
  const header = kid ? { alg, kid } : { alg }
  return new SignJWT(claims).setProtectedHeader(header).sign(key)
}
const goodClaims = {
  iss: 'https://issuer.example',
  aud: 'webhooks',
  sub: 'make-scenario-42',
  iat: NOW - 60,
  exp: NOW + 3600,
}
// Ed25519 keys from fixed seeds (PKCS#8 prefix + 32-byte seed): deterministic JWKs and signatures.
const ed = (seedByte) => {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.alloc(32, seedByte),
  ])
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  return { priv, pub: createPublicKey(priv) }
}

async function jwtCases() {
  kase('jwt-malformed', {
    request: post([['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.not-json!.c2ln']]),
    config: jwtYaml(),
    expect: { codes: ['jwt_malformed'] },
  })
  kase('jwt-expired', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt({ ...goodClaims, iat: NOW - 11640, exp: NOW - 8040 })}`,
      ],
    ]),
    config: jwtYaml(),
    expect: { codes: ['jwt_expired'], status: 401 },
  })
  kase('jwt-not-yet-valid', {
    request: post([['Authorization', `Bearer ${await jwt({ ...goodClaims, nbf: NOW + 600 })}`]]),
    config: jwtYaml(),
    expect: { codes: ['jwt_not_yet_valid'] },
  })
  kase('jwt-signature-invalid', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt(goodClaims, { key: new TextEncoder().encode('another-secret-entirely-0123456789') })}`,
      ],
    ]),
    config: jwtYaml(),
    expect: { codes: ['jwt_signature_invalid'] },
  })
  kase('jwt-alg-not-allowed', {
    request: post([['Authorization', `Bearer ${await jwt(goodClaims, { alg: 'HS384' })}`]]),
    config: jwtYaml(),
    expect: { codes: ['jwt_alg_not_allowed'] },
  })
  kase('jwt-wrong-issuer', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt({ ...goodClaims, iss: 'https://staging-issuer.example' })}`,
      ],
    ]),
    config: jwtYaml(),
    expect: { codes: ['jwt_wrong_issuer'] },
  })
  kase('jwt-wrong-audience', {
    request: post([
      ['Authorization', `Bearer ${await jwt({ ...goodClaims, aud: 'billing-api' })}`],
    ]),
    config: jwtYaml(),
    expect: { codes: ['jwt_wrong_audience'] },
  })
  kase('jwt-insufficient-scope', {
    request: post([
      ['Authorization', `Bearer ${await jwt({ ...goodClaims, scope: 'webhooks:read' })}`],
    ]),
    config: jwtYaml('  scopes: ["webhooks:write"]\n'),
    expect: { codes: ['jwt_insufficient_scope'], status: 403 },
  })
  // Signed with another key and lacking the scope: the signature is the cause, not the scope.
  kase('jwt-signature-invalid-and-no-scope', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt({ ...goodClaims, scope: 'webhooks:read' }, { key: new TextEncoder().encode('another-secret-entirely-0123456789') })}`,
      ],
    ]),
    config: jwtYaml('  scopes: ["webhooks:write"]\n'),
    expect: { codes: ['jwt_signature_invalid'], status: 401 },
  })
  // Auth0's RBAC grants scopes in `permissions`.
  kase('jwt-permissions-claim-ok', {
    request: post([
      ['Authorization', `Bearer ${await jwt({ ...goodClaims, permissions: ['webhooks:write'] })}`],
    ]),
    config: jwtYaml('  scopes: ["webhooks:write"]\n'),
    expect: { ok: true },
  })
  // exp in milliseconds: read as seconds it would never expire.
  kase('jwt-exp-milliseconds', {
    request: post([
      ['Authorization', `Bearer ${await jwt({ ...goodClaims, exp: (NOW - 3600) * 1000 })}`],
    ]),
    config: jwtYaml(),
    expect: { codes: ['timestamp_milliseconds'], status: 401 },
  })
  const current = ed(7)
  const rotated = ed(9)
  const jwk = { ...(await exportJWK(current.pub)), kid: 'key-2026', alg: 'EdDSA', use: 'sig' }
  kase('jwt-unknown-kid', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt(goodClaims, { alg: 'EdDSA', key: rotated.priv, kid: 'key-2025' })}`,
      ],
    ]),
    config: `auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  audience: webhooks\n  algorithms: [EdDSA]\n  jwks:\n    keys:\n      - ${JSON.stringify(jwk)}\n`,
    expect: { codes: ['jwt_unknown_kid'] },
  })
  // A JWT cut after its header, or after its payload: no config needed to see it.
  const jwtParts = (await jwt(goodClaims)).split('.')
  kase('alone-jwt-header-only', {
    request: post([['Authorization', `Bearer ${jwtParts[0]}`]]),
    expect: { codes: ['credential_truncated'] },
  })
  kase('alone-jwt-no-signature', {
    request: post([['Authorization', `Bearer ${jwtParts[0]}.${jwtParts[1]}`]]),
    expect: { codes: ['credential_truncated'] },
  })
  kase('alone-jwt-expired', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt({ ...goodClaims, exp: NOW - 8040, iat: NOW - 11640 })}`,
      ],
    ]),
    expect: { codes: ['jwt_expired'] },
  })
}

// ── Signatures ────────────────────────────────────────────────────────────────────────────
kase('signature-missing', {
  request: post([]),
  config: hmacYaml(),
  expect: { codes: ['signature_missing'], status: 401 },
})
kase('signature-header-malformed-prefix', {
  request: post([
    ['X-Hub-Signature-256', (await octokitSign(GITHUB_SECRET, BODY)).replace(/^sha256=/, '')],
  ]),
  config: `auth:\n  provider: github\n  secrets:\n    - ${GITHUB_SECRET}\n`,
  expect: { codes: ['signature_header_malformed'] },
})
kase('signature-mismatch', {
  request: post([['X-Signature', hmacHex('sha256', 'a-secret-nobody-configured', BODY)]]),
  config: hmacYaml(),
  expect: { codes: ['signature_mismatch'], status: 401 },
})
kase('signature-body-modified-minified', {
  request: post([['X-Signature', hmacHex('sha256', HMAC_SECRET, PRETTY)]]),
  config: hmacYaml(),
  expect: { codes: ['signature_body_modified'] },
})
kase('signature-body-modified-github-newline', {
  // GitHub signs JSON.stringify(x, null, 2) + "\n"; a framework re-serialized it minified.
  request: post([
    ['X-GitHub-Event', 'push'],
    ['X-Hub-Signature-256', await octokitSign(GITHUB_SECRET, `${PRETTY}\n`)],
  ]),
  config: `auth:\n  provider: github\n  secrets:\n    - ${GITHUB_SECRET}\n`,
  expect: { codes: ['signature_body_modified'] },
})
{
  const t = NOW - 5
  const header = Stripe.webhooks.generateTestHeaderString({
    payload: BODY,
    secret: STRIPE_SECRET,
    timestamp: t,
  })
  kase('signature-body-modified-stripe-pretty', {
    request: post([['Stripe-Signature', header]], PRETTY),
    config: `auth:\n  provider: stripe\n  secrets:\n    - ${STRIPE_SECRET}\n`,
    expect: { codes: ['signature_body_modified'] },
  })
  kase('stripe-ok', {
    request: post([['Stripe-Signature', header]]),
    config: `auth:\n  provider: stripe\n  secrets:\n    - ${STRIPE_SECRET}\n`,
    expect: { ok: true },
  })
  // A hand-built header: the pairs joined by ";" instead of ",". The timestamp is there; the
  // header's syntax is the fault, not a missing timestamp.
  kase('signature-header-malformed-stripe-separator', {
    request: post([['Stripe-Signature', header.replace(',', ';')]]),
    config: `auth:\n  provider: stripe\n  secrets:\n    - ${STRIPE_SECRET}\n`,
    expect: { codes: ['signature_header_malformed'], status: 400 },
  })
}
{
  const unicode = '{"customer":"Zoë Müller","note":"café ☕"}'
  const escaped = unicode.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  kase('signature-body-modified-unicode-escaped', {
    request: post([['X-Signature', hmacHex('sha256', HMAC_SECRET, escaped)]], unicode),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  const php = '{"url":"https://shop.example/orders/77","id":77}'
  kase('signature-body-modified-php-slashes', {
    request: post(
      [['X-Signature', hmacHex('sha256', HMAC_SECRET, php.replace(/\//g, '\\/'))]],
      php,
    ),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  kase('signature-body-modified-keys-sorted', {
    request: post(
      [
        [
          'X-Signature',
          hmacHex('sha256', HMAC_SECRET, '{"amount":4200,"currency":"EUR","id":"inv_77"}'),
        ],
      ],
      '{"id":"inv_77","amount":4200,"currency":"EUR"}',
    ),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  kase('signature-body-modified-trailing-newline', {
    request: post([['X-Signature', hmacHex('sha256', HMAC_SECRET, BODY)]], `${BODY}\n`),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  const form = 'event=invoice.paid&invoice=inv_77&amount=4200'
  kase('signature-body-modified-form-to-json', {
    request: post(
      [['X-Signature', hmacHex('sha256', HMAC_SECRET, form)]],
      '{"event":"invoice.paid","invoice":"inv_77","amount":"4200"}',
    ),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  // The JSON signed, sent URL-encoded in a form field (curl --data-urlencode 'payload=…').
  kase('signature-body-modified-json-in-form-field', {
    request: raw(
      'POST',
      '/hooks/invoices',
      [
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['X-Signature', hmacHex('sha256', HMAC_SECRET, BODY)],
      ],
      `payload=${encodeURIComponent(BODY)}`,
    ),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  // The flat JSON signed, its fields sent as a form (Zapier's Payload Type "form").
  const flat = '{"event":"invoice.paid","invoice":"inv_77","amount":4200,"paid":true}'
  kase('signature-body-modified-json-sent-as-form', {
    request: raw(
      'POST',
      '/hooks/invoices',
      [
        ['User-Agent', 'Zapier'],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['X-Signature', hmacHex('sha256', HMAC_SECRET, flat)],
      ],
      'event=invoice.paid&invoice=inv_77&amount=4200&paid=true',
    ),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
  const latin = '{"name":"Café Crème"}'
  kase('signature-body-modified-latin1', {
    request: post(
      [
        [
          'X-Signature',
          createHmac('sha256', HMAC_SECRET).update(Buffer.from(latin, 'latin1')).digest('hex'),
        ],
      ],
      latin,
    ),
    config: hmacYaml(),
    expect: { codes: ['signature_body_modified'] },
  })
}
// Content-Length counted in characters (JavaScript's body.length) on a UTF-8 body.
{
  const body = '{"event":"invoice.paid","customer":"Zoë"}'
  const head = [
    'POST /hooks/invoices HTTP/1.1',
    'Host: receiver.example.org',
    'Content-Type: application/json',
    `X-Signature: ${hmacHex('sha256', HMAC_SECRET, body)}`,
    `Content-Length: ${body.length}`,
  ]
  kase('content-length-mismatch-characters', {
    request: Buffer.concat([Buffer.from(`${head.join('\n')}\n\n`), Buffer.from(body, 'utf8')]),
    config: hmacYaml(),
    expect: { codes: ['content_length_mismatch'], status: 401 },
  })
  kase('alone-content-length-mismatch-characters', {
    request: Buffer.concat([
      Buffer.from(`${head.slice(0, 3).join('\n')}\nAuthorization: Bearer ${TOKEN}\n${head[4]}\n\n`),
      Buffer.from(body, 'utf8'),
    ]),
    expect: { codes: ['content_length_mismatch'] },
  })
}
kase('signature-wrong-encoding', {
  request: post([['X-Signature', hmacB64('sha256', HMAC_SECRET, BODY)]]),
  config: hmacYaml(),
  expect: { codes: ['signature_wrong_encoding'] },
})
kase('signature-wrong-algorithm', {
  request: post([['X-Signature', hmacHex('sha1', HMAC_SECRET, BODY)]]),
  config: hmacYaml(),
  expect: { codes: ['signature_wrong_algorithm'] },
})
kase('signature-wrong-payload', {
  request: post([
    ['X-Timestamp', String(NOW - 3)],
    ['X-Signature', hmacHex('sha256', HMAC_SECRET, BODY)],
  ]),
  config: hmacYaml(
    '  payload: "{timestamp}.{body}"\n  timestamp: { header: X-Timestamp, unit: seconds, tolerance: 300 }\n',
  ),
  expect: { codes: ['signature_wrong_payload'] },
})
{
  // Standard Webhooks: a sender that used the whsec_ string as the key instead of decoding it.
  const id = 'msg_2Lk9x'
  const ts = NOW - 2
  const bad = createHmac('sha256', WHSEC).update(`${id}.${ts}.${BODY}`).digest('base64')
  const swYaml = `auth:\n  scheme: standard_webhooks\n  secrets:\n    - ${WHSEC}\n`
  kase('signature-secret-encoding-whsec', {
    request: post([
      ['webhook-id', id],
      ['webhook-timestamp', String(ts)],
      ['webhook-signature', `v1,${bad}`],
    ]),
    config: swYaml,
    expect: { codes: ['signature_secret_encoding'] },
  })
  const wh = new StandardWebhook(WHSEC)
  kase('standard-webhooks-ok', {
    request: post([
      ['webhook-id', id],
      ['webhook-timestamp', String(ts)],
      ['webhook-signature', wh.sign(id, new Date(ts * 1000), BODY)],
    ]),
    config: swYaml,
    expect: { ok: true },
  })
  const svix = new SvixWebhook(WHSEC)
  kase('svix-ok', {
    request: post([
      ['svix-id', id],
      ['svix-timestamp', String(ts)],
      ['svix-signature', svix.sign(id, new Date(ts * 1000), BODY)],
    ]),
    config: swYaml,
    expect: { ok: true },
  })
  const old = NOW - 8040
  kase('timestamp-out-of-window', {
    request: post([
      ['webhook-id', id],
      ['webhook-timestamp', String(old)],
      ['webhook-signature', wh.sign(id, new Date(old * 1000), BODY)],
    ]),
    config: swYaml,
    expect: { codes: ['timestamp_out_of_window'], status: 401 },
  })
  kase('signature-body-modified-svix-pretty', {
    request: post(
      [
        ['svix-id', id],
        ['svix-timestamp', String(ts)],
        ['svix-signature', svix.sign(id, new Date(ts * 1000), BODY)],
      ],
      PRETTY,
    ),
    config: swYaml,
    expect: { codes: ['signature_body_modified'] },
  })
}
kase('signature-secret-encoding-stripe-decoded', {
  request: post([
    [
      'Stripe-Signature',
      `t=${NOW - 4},v1=${hmacHex('sha256', Buffer.from(STRIPE_SECRET.slice(6), 'base64'), `${NOW - 4}.${BODY}`)}`,
    ],
  ]),
  config: `auth:\n  provider: stripe\n  secrets:\n    - ${STRIPE_SECRET}\n`,
  expect: { codes: ['signature_secret_encoding'] },
})
kase('signature-secret-whitespace', {
  request: post([['X-Signature', hmacHex('sha256', `${HMAC_SECRET}\n`, BODY)]]),
  config: hmacYaml(),
  expect: { codes: ['signature_secret_whitespace'] },
})
kase('signature-previous-secret', {
  request: post([['X-Signature', hmacHex('sha256', OLD_SECRET, BODY)]]),
  config: `auth:\n  scheme: hmac\n  header: X-Signature\n  secrets:\n    - { value: ${HMAC_SECRET}, id: "2026-01" }\n  retired:\n    - { value: ${OLD_SECRET}, id: "2025-07" }\n`,
  expect: { codes: ['signature_previous_secret'] },
})
kase('signature-wrong-environment', {
  request: post(
    [['X-Signature', hmacHex('sha256', 'hmac-staging-secret-Wq20Nc', BODY)]],
    BODY,
    '/hooks/orders',
  ),
  config: `endpoints:\n  - name: orders-prod\n    path: /hooks/orders\n    environment: production\n    auth: { scheme: hmac, header: X-Signature, secrets: ["${HMAC_SECRET}"] }\n  - name: orders-staging\n    path: /hooks/orders-staging\n    environment: staging\n    auth: { scheme: hmac, header: X-Signature, secrets: ["hmac-staging-secret-Wq20Nc"] }\n`,
  expect: { codes: ['credential_wrong_environment'] },
})

kase('signature-header-name-underscore', {
  request: post([['X_Signature', hmacHex('sha256', HMAC_SECRET, BODY)]]),
  config: hmacYaml(),
  expect: { codes: ['header_name_wrong'] },
})
kase('scheme-mismatch-basic-for-bearer', {
  request: post([['Authorization', `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`]]),
  config: bearerYaml(),
  expect: { codes: ['scheme_mismatch'] },
})
kase('alone-header-underscore', {
  request: post([['X_API_KEY', API_KEY]]),
  expect: { codes: ['header_name_wrong'] },
})
{
  // The sender's clock runs 10 minutes fast: Svix-signed, timestamp in the future.
  const id = 'msg_future1'
  const ts = NOW + 600
  kase('timestamp-clock-skew-future', {
    request: post([
      ['webhook-id', id],
      ['webhook-timestamp', String(ts)],
      ['webhook-signature', new SvixWebhook(WHSEC).sign(id, new Date(ts * 1000), BODY)],
    ]),
    config: `auth:\n  scheme: standard_webhooks\n  secrets:\n    - ${WHSEC}\n`,
    expect: { codes: ['timestamp_out_of_window'] },
  })
}

// ── Time ──────────────────────────────────────────────────────────────────────────────────
const tsYaml = hmacYaml(
  '  payload: "{timestamp}.{body}"\n  timestamp: { header: X-Timestamp, unit: seconds, tolerance: 300 }\n',
)
kase('timestamp-missing', {
  request: post([['X-Signature', hmacHex('sha256', HMAC_SECRET, `${NOW}.${BODY}`)]]),
  config: tsYaml,
  expect: { codes: ['timestamp_missing'] },
})
kase('timestamp-malformed', {
  request: post([
    ['X-Timestamp', '2026-01-01T00:00:00Z'],
    ['X-Signature', hmacHex('sha256', HMAC_SECRET, `2026-01-01T00:00:00Z.${BODY}`)],
  ]),
  config: tsYaml,
  expect: { codes: ['timestamp_malformed'] },
})
kase('timestamp-milliseconds', {
  request: post([
    ['X-Timestamp', String(NOW * 1000 - 1500)],
    ['X-Signature', hmacHex('sha256', HMAC_SECRET, `${NOW * 1000 - 1500}.${BODY}`)],
  ]),
  config: tsYaml,
  expect: { codes: ['timestamp_milliseconds'] },
})
// The reverse: the endpoint expects milliseconds, the sender sends (and signs) seconds.
kase('timestamp-seconds-for-milliseconds', {
  request: post([
    ['X-Timestamp', String(NOW - 4)],
    ['X-Signature', hmacHex('sha256', HMAC_SECRET, `${NOW - 4}.${BODY}`)],
  ]),
  config: tsYaml.replace('unit: seconds', 'unit: milliseconds'),
  expect: { codes: ['timestamp_milliseconds'], status: 401 },
})

// ── Not authentication at all: what the response says ─────────────────────────────────────
const okReq = post([['Authorization', `Bearer ${TOKEN}`]])
kase('route-not-found', {
  request: okReq,
  response: rawResponse(
    404,
    'Not Found',
    [['Content-Type', 'application/json']],
    '{"error":"Not Found"}',
  ),
  expect: { codes: ['route_not_found'], class: 'not_found' },
})
// A near miss of the endpoint's path: the gateway answers 404 before any check.
const invoicesAtPath = `endpoints:\n  - name: invoices\n    path: /hooks/invoices\n    auth: { scheme: bearer, tokens: [${TOKEN}] }\n`
kase('route-trailing-slash', {
  request: post([['Authorization', `Bearer ${TOKEN}`]], BODY, '/hooks/invoices/'),
  config: invoicesAtPath,
  expect: { codes: ['route_not_found'] },
})
kase('route-proxy-prefix-404', {
  request: post([['Authorization', `Bearer ${TOKEN}`]], BODY, '/api/hooks/invoices'),
  response: rawResponse(
    404,
    'Not Found',
    [['Content-Type', 'application/problem+json']],
    JSON.stringify({
      type: 'https://hookwarden.dev/reasons/route_not_found',
      title: 'No endpoint at this path',
      status: 404,
      reason: 'route_not_found',
      detail:
        'No endpoint at /api/hooks/invoices; endpoint "invoices" is at /hooks/invoices: the URL carries the extra prefix /api. A proxy in front that forwards it should strip it; otherwise remove it from the webhook URL.',
    }),
  ),
  config: invoicesAtPath,
  expect: { codes: ['route_not_found'], class: 'not_found' },
})
kase('method-not-allowed', {
  request: okReq,
  response: rawResponse(
    405,
    'Method Not Allowed',
    [
      ['Allow', 'GET'],
      ['Content-Type', 'text/plain'],
    ],
    'Method Not Allowed',
  ),
  expect: { codes: ['method_not_allowed'], class: 'method_not_allowed' },
})
kase('payload-too-large', {
  request: okReq,
  response: rawResponse(
    413,
    'Request Entity Too Large',
    [
      ['Server', 'nginx'],
      ['Content-Type', 'text/html'],
    ],
    '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>',
  ),
  expect: { codes: ['payload_too_large'], class: 'payload_too_large' },
})
kase('rate-limited', {
  request: okReq,
  response: rawResponse(
    429,
    'Too Many Requests',
    [
      ['Retry-After', '30'],
      ['Content-Type', 'application/json'],
    ],
    '{"error":"rate limited"}',
  ),
  expect: { codes: ['rate_limited'], class: 'rate_limited' },
})
kase('insufficient-scope', {
  request: okReq,
  response: rawResponse(
    403,
    'Forbidden',
    [
      ['WWW-Authenticate', 'Bearer error="insufficient_scope", scope="webhooks:write"'],
      ['Content-Type', 'application/json'],
    ],
    '{"error":"insufficient_scope"}',
  ),
  expect: { codes: ['insufficient_scope'], class: 'authorization' },
})
kase('ip-not-allowed', {
  request: okReq,
  response: rawResponse(
    403,
    'Forbidden',
    [['Content-Type', 'application/json']],
    '{"error":"Forbidden","message":"Your IP address 203.0.113.9 is not in the allow list"}',
  ),
  expect: { codes: ['ip_not_allowed'], class: 'authorization' },
})
kase('endpoint-disabled-make', {
  request: post([['User-Agent', 'Make/production']], BODY, '/abcdef1234567890abcdef'),
  response: rawResponse(
    410,
    'Gone',
    [['Content-Type', 'text/plain']],
    'There is no scenario listening for this webhook.',
  ),
  expect: { codes: ['endpoint_disabled'], class: 'gone' },
})

// API Gateway's 403 "Missing Authentication Token" is its answer for a path no resource defines.
kase('apigw-missing-auth-token-wrong-path', {
  request: post([['Authorization', `Bearer ${TOKEN}`]], BODY, '/prod/hooks/invoice'),
  response: rawResponse(
    403,
    'Forbidden',
    [
      ['Content-Type', 'application/json'],
      ['x-amzn-RequestId', '1ee18fc5-78aa-4bcf-bb42-52977beb94e4'],
      ['x-amzn-ErrorType', 'MissingAuthenticationTokenException'],
    ],
    '{"message":"Missing Authentication Token"}',
  ),
  expect: { codes: ['route_not_found'], class: 'authorization', product: ['^aws-api-gateway$'] },
})
// An edge WAF's block page: refused for who or where the sender is, not its credential.
kase('waf-akamai-access-denied', {
  request: okReq,
  response: rawResponse(
    403,
    'Forbidden',
    [
      ['Server', 'AkamaiGHost'],
      ['Content-Type', 'text/html'],
    ],
    '<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>\nYou don\'t have permission to access "http&#58;&#47;&#47;receiver&#46;example&#46;org&#47;hooks&#47;invoices" on this server.<p>\nReference&#32;&#35;18&#46;4fef2e17&#46;1767225600&#46;12df5901\n</p></body></html>\n',
  ),
  expect: { codes: ['ip_not_allowed'], class: 'authorization', product: ['^akamai$'] },
})
// Kong key-auth found no key: the request has one, but under Authorization, not apikey.
kase('kong-key-under-authorization', {
  request: okReq,
  response: rawResponse(
    401,
    'Unauthorized',
    [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['WWW-Authenticate', 'Key realm="kong"'],
      ['X-Kong-Response-Latency', '1'],
      ['Server', 'kong/3.6.1'],
    ],
    '{"message":"No API key found in request"}',
  ),
  expect: { codes: ['header_name_wrong'], class: 'authentication', product: ['^kong$'] },
})
// curl -i -L: a 301 from http to https, then the final 401 to a request without Authorization.
kase('curl-follow-redirect-then-401', {
  request: okReq,
  response: Buffer.concat([
    rawResponse(
      301,
      'Moved Permanently',
      [
        ['Server', 'nginx'],
        ['Location', 'https://receiver.example.org/hooks/invoices'],
        ['Content-Length', '5'],
      ],
      'moved',
    ),
    rawResponse(
      401,
      'Unauthorized',
      [
        ['X-Powered-By', 'Express'],
        ['Content-Type', 'text/plain'],
      ],
      'Unauthorized',
    ),
  ]),
  expect: { codes: ['credentials_missing'], class: 'authentication', product: ['^express$'] },
})
// curl -i of a POST sent with Expect: 100-continue: the interim 100 is not the answer.
kase('curl-100-continue-then-403-waf', {
  request: okReq,
  response: Buffer.concat([
    Buffer.from('HTTP/1.1 100 Continue\n\n'),
    rawResponse(
      403,
      'Forbidden',
      [
        ['Server', 'cloudflare'],
        ['CF-RAY', '8f3a1c2b4d5e6f74-FRA'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
      ],
      'error code: 1020',
    ),
  ]),
  expect: { codes: ['ip_not_allowed'], class: 'authorization', product: ['^cloudflare$'] },
})

// A proxy's 502: the application behind it is down; the credential is not the problem.
kase('upstream-unavailable-nginx-502', {
  request: okReq,
  response: rawResponse(
    502,
    'Bad Gateway',
    [
      ['Server', 'nginx/1.24.0'],
      ['Content-Type', 'text/html'],
    ],
    '<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx/1.24.0</center>\n</body>\n</html>\n',
  ),
  expect: { codes: ['upstream_unavailable'], class: 'server_error', product: ['^nginx$'] },
})

// ── Without a config: what the request alone shows ────────────────────────────────────────
kase('alone-bearer-glued', {
  request: post([['Authorization', `Bearer${TOKEN}`]]),
  expect: { codes: ['scheme_prefix_missing'] },
})
kase('alone-basic-raw', {
  request: post([['Authorization', `Basic ${USER}:${PASSWORD}`]]),
  expect: { codes: ['basic_raw_credentials'] },
})
kase('alone-401-unexplained', {
  request: okReq,
  response: rawResponse(
    401,
    'Unauthorized',
    [
      ['WWW-Authenticate', 'Bearer realm="api", error="invalid_token"'],
      ['Content-Type', 'application/json'],
    ],
    '{"error":"invalid_token"}',
  ),
  expect: { codes: ['credential_unknown'], class: 'authentication' },
})
// A HAR export from the browser: the request and the 401 it got, in one file.
kase('har-make-prefix-missing', {
  har: {
    log: {
      version: '1.2',
      creator: { name: 'hookwarden-cases', version: '1' },
      entries: [
        {
          request: {
            method: 'POST',
            url: 'https://receiver.example.org/hooks/invoices',
            httpVersion: 'HTTP/1.1',
            headers: [
              { name: 'User-Agent', value: 'Make/production' },
              { name: 'Authorization', value: TOKEN },
              { name: 'Content-Type', value: 'application/json' },
            ],
            queryString: [],
            postData: { mimeType: 'application/json', text: BODY },
          },
          response: {
            status: 401,
            statusText: 'Unauthorized',
            httpVersion: 'HTTP/1.1',
            headers: [
              {
                name: 'WWW-Authenticate',
                value: 'Bearer realm="hookwarden", error="invalid_token"',
              },
              { name: 'Content-Type', value: 'application/problem+json' },
            ],
            content: { size: 2, mimeType: 'application/problem+json', text: '{}' },
          },
        },
      ],
    },
  },
  config: bearerYaml(),
  expect: { codes: ['scheme_prefix_missing'], class: 'authentication' },
})
kase('alone-nothing-wrong', {
  request: okReq,
  response: rawResponse(200, 'OK', [['Content-Type', 'application/json']], '{"ok":true}'),
  expect: { ok: true, class: 'success' },
})

await jwtCases()

// JWT near misses whose key or secret is right (red team 5). The public-key ones use the
// published example keys of RFC 7515 (A.2: RSA, A.3: P-256), so keys and tokens are fixed.
const RFC7515_RSA = {
  kty: 'RSA',
  n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  e: 'AQAB',
  d: 'Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ',
  p: '4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc',
  q: 'uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc',
  dp: 'BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0',
  dq: 'h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU',
  qi: 'IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U',
}
const RFC7515_P256 = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
}
const publicJwk = ({ d, p, q, dp, dq, qi, ...pub }) => pub

// ECDSA P-256 with a nonce derived from the key and the message (node:crypto draws a random
// one), so that the DER case is the same bytes every run; node:crypto checks each signature.
const P256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  G: [
    0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  ],
}
const mod = (a, m) => ((a % m) + m) % m
function inv(a, m) {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n]
  while (r1) {
    const q = r0 / r1
    ;[r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1]
  }
  return mod(s0, m)
}
function pointAdd(P, Q) {
  const { p } = P256
  if (!P) return Q
  if (!Q) return P
  if (P[0] === Q[0] && mod(P[1] + Q[1], p) === 0n) return null
  const l =
    P[0] === Q[0]
      ? mod((3n * P[0] * P[0] - 3n) * inv(2n * P[1], p), p)
      : mod((Q[1] - P[1]) * inv(Q[0] - P[0], p), p)
  const x = mod(l * l - P[0] - Q[0], p)
  return [x, mod(l * (P[0] - x) - P[1], p)]
}
function pointMul(k, P) {
  let R = null
  for (let b = k; b > 0n; b >>= 1n) {
    if (b & 1n) R = pointAdd(R, P)
    P = pointAdd(P, P)
  }
  return R
}
const big = (buf) => BigInt(`0x${Buffer.from(buf).toString('hex')}`)
/** ECDSA P-256 SHA-256 in DER, as node:crypto.sign and OpenSSL write it by default. */
function es256Der(jwk, data) {
  const { n, G } = P256
  const d = big(Buffer.from(jwk.d, 'base64url'))
  const e = big(createHash('sha256').update(data).digest())
  const k =
    mod(big(createHmac('sha256', Buffer.from(jwk.d, 'base64url')).update(data).digest()), n - 1n) +
    1n
  const r = mod(pointMul(k, G)[0], n)
  const s = mod(inv(k, n) * (e + r * d), n)
  const int = (v) => {
    let h = v.toString(16)
    if (h.length % 2) h = `0${h}`
    const b = Buffer.from(h, 'hex')
    const body = b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const seq = Buffer.concat([int(r), int(s)])
  const der = Buffer.concat([Buffer.from([0x30, seq.length]), seq])
  const key = createPublicKey({ key: publicJwk(jwk), format: 'jwk' })
  if (!cryptoVerify('sha256', Buffer.from(data), key, der))
    throw new Error('es256Der: bad signature')
  return der
}

async function jwtNearMissCases() {
  // An HS256 secret that is itself base64 text, as issuers that hand out base64 keys write it.
  const B64_SECRET = Buffer.from('hs256-key-material-for-webhooks-0042').toString('base64')
  const hsYaml = (extra = '') =>
    `auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  audience: webhooks\n  algorithms: [HS256]\n  secret: "${B64_SECRET}"\n${extra}`
  kase('jwt-hs256-signed-with-base64-decoded-secret', {
    request: post([
      [
        'Authorization',
        `Bearer ${await jwt(goodClaims, { key: Buffer.from(B64_SECRET, 'base64') })}`,
      ],
    ]),
    config: hsYaml(),
    expect: { codes: ['signature_secret_encoding'], status: 401 },
  })
  // n8n's JWT credential (Key Type: Passphrase) signs with the text; the endpoint decodes it.
  kase('jwt-hs256-n8n-passphrase-text-where-secret-is-base64', {
    request: post([
      ['User-Agent', 'n8n'],
      ['Authorization', `Bearer ${await jwt(goodClaims, { key: Buffer.from(B64_SECRET) })}`],
    ]),
    config: hsYaml('  secret_encoding: base64\n'),
    expect: { codes: ['signature_secret_encoding'], status: 401 },
  })
  kase('jwt-hs256-secret-with-trailing-newline', {
    request: post([
      ['Authorization', `Bearer ${await jwt(goodClaims, { key: Buffer.from(`${B64_SECRET}\n`) })}`],
    ]),
    config: hsYaml(),
    expect: { codes: ['signature_secret_whitespace'], status: 401 },
  })

  const rsaKey = createPrivateKey({ key: RFC7515_RSA, format: 'jwk' })
  const rsaJwks = (extra) =>
    `auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  audience: webhooks\n  algorithms: [RS256, RS512]\n  jwks:\n    keys:\n      - ${JSON.stringify({ ...publicJwk(RFC7515_RSA), kid: 'rsa-2026', ...extra })}\n`
  const rs256 = await jwt(goodClaims, { alg: 'RS256', key: rsaKey, kid: 'rsa-2026' })
  kase('jwt-rs256-signature-cut-short', {
    request: post([['Authorization', `Bearer ${rs256.slice(0, -10)}`]]),
    config: rsaJwks({ use: 'sig' }),
    expect: { codes: ['credential_truncated'], status: 401 },
  })
  kase('jwt-jwks-key-marked-use-enc', {
    request: post([['Authorization', `Bearer ${rs256}`]]),
    config: rsaJwks({ use: 'enc' }),
    expect: { codes: ['jwt_unknown_kid'], status: 401 },
  })
  kase('jwt-jwks-key-declares-another-alg', {
    request: post([['Authorization', `Bearer ${rs256}`]]),
    config: rsaJwks({ alg: 'RS512' }),
    expect: { codes: ['jwt_alg_not_allowed'], status: 401 },
  })

  // ES256 signed with node:crypto's default DER encoding instead of JWS's r || s.
  const esHeader = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'ec-2026' })).toString(
    'base64url',
  )
  const esInput = `${esHeader}.${Buffer.from(JSON.stringify(goodClaims)).toString('base64url')}`
  kase('jwt-es256-der-signature', {
    request: post([
      [
        'Authorization',
        `Bearer ${esInput}.${es256Der(RFC7515_P256, esInput).toString('base64url')}`,
      ],
    ]),
    config: `auth:\n  scheme: jwt\n  issuer: https://issuer.example\n  audience: webhooks\n  algorithms: [ES256]\n  jwks:\n    keys:\n      - ${JSON.stringify({ ...publicJwk(RFC7515_P256), kid: 'ec-2026', alg: 'ES256', use: 'sig' })}\n`,
    expect: { codes: ['signature_wrong_encoding'], status: 401 },
  })

  kase('jwt-issuer-trailing-slash', {
    request: post([
      ['Authorization', `Bearer ${await jwt({ ...goodClaims, iss: 'https://issuer.example/' })}`],
    ]),
    config: jwtYaml(),
    expect: { codes: ['jwt_wrong_issuer'], status: 401 },
  })
  kase('jwt-exp-absurd', {
    request: post([['Authorization', `Bearer ${await jwt({ ...goodClaims, exp: 1e300 })}`]]),
    config: jwtYaml(),
    expect: { codes: ['jwt_malformed'], status: 401 },
  })
}

await jwtNearMissCases()

// ── Provider presets: what their own SDKs accept, and near misses of them ─────────────────
{
  const stripeYaml = `auth:\n  provider: stripe\n  secrets:\n    - ${STRIPE_SECRET}\n`
  const stripeHeader = (secret, timestamp, payload = BODY) =>
    Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp })
  const stripePost = (header, body = BODY) =>
    post(
      [
        ['User-Agent', 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'],
        ['Stripe-Signature', header],
      ],
      body,
    )
  // stripe-node checks the age only: a timestamp ahead of the receiver's clock is accepted.
  kase('provider-stripe-future-timestamp-ok', {
    request: stripePost(stripeHeader(STRIPE_SECRET, NOW + 400)),
    config: stripeYaml,
    expect: { ok: true },
  })
  kase('provider-stripe-timestamp-milliseconds', {
    request: stripePost(stripeHeader(STRIPE_SECRET, NOW * 1000)),
    config: stripeYaml,
    expect: { codes: ['timestamp_milliseconds'] },
  })
  // Two Stripe-Signature headers a proxy joined with ", ": stripe-node takes the first t= (it
  // does not read the " t" after the space) and every v1=, so one valid signature verifies.
  kase('provider-stripe-two-headers-joined-ok', {
    request: stripePost(
      `${stripeHeader('whsec_another0endpoint0secret', NOW - 12)}, ${stripeHeader(STRIPE_SECRET, NOW - 12)}`,
    ),
    config: stripeYaml,
    expect: { ok: true },
  })
  kase('provider-stripe-two-headers-joined-other-timestamps', {
    request: stripePost(
      `${stripeHeader('whsec_another0endpoint0secret', NOW - 40)}, ${stripeHeader(STRIPE_SECRET, NOW - 12)}`,
    ),
    config: stripeYaml,
    expect: { codes: ['signature_header_malformed'] },
  })
  // Joined with bare commas, stripe-node reads the last t=: the valid signature of the first
  // header no longer verifies, and the diagnosis names the two timestamps.
  kase('provider-stripe-two-timestamps-bare-commas', {
    request: stripePost(
      `${stripeHeader(STRIPE_SECRET, NOW - 40)},${stripeHeader('whsec_another0endpoint0secret', NOW - 12)}`,
    ),
    config: stripeYaml,
    expect: { codes: ['signature_header_malformed'] },
  })
  kase('provider-stripe-two-timestamps-bare-commas-ok', {
    request: stripePost(
      `${stripeHeader('whsec_another0endpoint0secret', NOW - 40)},${stripeHeader(STRIPE_SECRET, NOW - 12)}`,
    ),
    config: stripeYaml,
    expect: { ok: true },
  })
  // stripe-node reads " v1" after ", " as another key and finds no signature.
  kase('provider-stripe-space-after-comma', {
    request: stripePost(stripeHeader(STRIPE_SECRET, NOW - 12).replace(',v1=', ', v1=')),
    config: stripeYaml,
    expect: { codes: ['signature_header_malformed'] },
  })
  kase('provider-stripe-whsec-prefix-stripped', {
    request: stripePost(stripeHeader(STRIPE_SECRET.slice(6), NOW - 12)),
    config: stripeYaml,
    expect: { codes: ['signature_secret_encoding'] },
  })

  // Svix / Clerk: the whole whsec_ secret base64-decoded, prefix included (lenient decode).
  const msg = 'msg_2rXo8Q1kJd0'
  const svixSig = createHmac('sha256', Buffer.from(WHSEC, 'base64'))
    .update(`${msg}.${NOW - 5}.${BODY}`)
    .digest('base64')
  kase('provider-svix-whsec-prefix-included-in-base64-decode', {
    request: post([
      ['svix-id', msg],
      ['svix-timestamp', String(NOW - 5)],
      ['svix-signature', `v1,${svixSig}`],
    ]),
    config: `auth:\n  provider: svix\n  secrets:\n    - ${WHSEC}\n`,
    expect: { codes: ['signature_secret_encoding'] },
  })

  // Shopify: Events deliveries sign under the unprefixed header (@shopify/shopify-api checks it first).
  const SHOPIFY_SECRET = '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'
  const shopBody =
    '{"id":820982911946154508,"email":"jon@example.com","note":"Livraison après 18h / porte B","customer":{"first_name":"Jöhn"},"landing_site":"https://shop.example/?ref=x&y=1"}'
  const shopYaml = `auth:\n  provider: shopify\n  secrets:\n    - ${SHOPIFY_SECRET}\n`
  kase('provider-shopify-events-unprefixed-header-ok', {
    request: post(
      [
        ['shopify-topic', 'orders/create'],
        ['shopify-webhook-id', 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043'],
        ['shopify-hmac-sha256', shopifyHmac(shopBody, SHOPIFY_SECRET)],
      ],
      shopBody,
    ),
    config: shopYaml,
    expect: { ok: true },
  })
  // Re-encoded by PHP json_encode (\u escapes, \/) with the id above 2^53 kept exactly.
  const php = shopBody
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  kase('provider-shopify-php-json-encode-big-id', {
    request: post([['X-Shopify-Hmac-Sha256', shopifyHmac(shopBody, SHOPIFY_SECRET)]], php),
    config: shopYaml,
    expect: { codes: ['signature_body_modified'] },
  })

  // GitHub: only the legacy SHA-1 header, or a SHA-1 digest in the SHA-256 header.
  const ghYaml = `auth:\n  provider: github\n  secrets:\n    - ${GITHUB_SECRET}\n`
  const sha1 = `sha1=${hmacHex('sha1', GITHUB_SECRET, BODY)}`
  kase('provider-github-sha1-header-only', {
    request: post([['X-Hub-Signature', sha1]]),
    config: ghYaml,
    expect: { codes: ['signature_wrong_algorithm'] },
  })
  kase('provider-github-sha1-value-in-sha256-header', {
    request: post([['X-Hub-Signature-256', sha1]]),
    config: ghYaml,
    expect: { codes: ['signature_wrong_algorithm'] },
  })

  // Discord (Ed25519): a body re-serialized after signing is found by the public-key verifier.
  const discord = ed(7)
  const dBody = '{"type":1,"id":"1190000000000000001","token":"aW50ZXJhY3Rpb24"}'
  const dTs = String(NOW - 3)
  const dSig = cryptoSign(null, Buffer.from(dTs + dBody), discord.priv).toString('hex')
  const dHex = discord.pub.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex')
  kase('provider-discord-body-pretty-printed', {
    request: post(
      [
        ['X-Signature-Ed25519', dSig],
        ['X-Signature-Timestamp', dTs],
      ],
      JSON.stringify(JSON.parse(dBody), null, 2),
    ),
    config: `auth:\n  provider: discord\n  public_keys:\n    - "${dHex}"\n`,
    expect: { codes: ['signature_body_modified'] },
  })

  // Twilio: the query re-ordered by a proxy (signed over the URL as configured in the console).
  const twUrl = 'https://receiver.example.org/hooks/voice?foo=1&bar=2'
  const params = { CallSid: 'CA1234567890ABCDE', From: '+14158675309', To: '+18005551212' }
  kase('provider-twilio-query-reordered-by-proxy', {
    request: raw(
      'POST',
      '/hooks/voice?bar=2&foo=1',
      [
        ['X-Forwarded-Proto', 'https'],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        [
          'X-Twilio-Signature',
          twilio.getExpectedTwilioSignature('0123456789abcdef0123456789abcdef', twUrl, params),
        ],
      ],
      new URLSearchParams(params).toString(),
    ),
    config: `auth:\n  provider: twilio\n  secrets:\n    - "0123456789abcdef0123456789abcdef"\n`,
    expect: { codes: ['signature_wrong_payload'] },
  })

  // Slack: milliseconds in the signed basestring, seconds in the header.
  const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'
  const slBody = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather&text=94070'
  kase('provider-slack-basestring-milliseconds', {
    request: raw(
      'POST',
      '/hooks/slack',
      [
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['X-Slack-Request-Timestamp', String(NOW - 10)],
        [
          'X-Slack-Signature',
          `v0=${hmacHex('sha256', SLACK_SECRET, `v0:${(NOW - 10) * 1000}:${slBody}`)}`,
        ],
      ],
      slBody,
    ),
    config: `auth:\n  provider: slack\n  secrets:\n    - ${SLACK_SECRET}\n`,
    expect: { codes: ['timestamp_milliseconds'] },
  })
}

// ── Write ─────────────────────────────────────────────────────────────────────────────────
for (const name of readdirSync(here)) {
  const p = join(here, name)
  if (statSync(p).isDirectory() && !name.startsWith('example-')) rmSync(p, { recursive: true })
}
for (const c of cases) {
  const dir = join(here, c.name)
  mkdirSync(dir, { recursive: true })
  if (c.har) writeFileSync(join(dir, 'request.har'), `${JSON.stringify(c.har, null, 2)}\n`)
  else if (c.json) writeFileSync(join(dir, 'request.json'), `${JSON.stringify(c.json, null, 2)}\n`)
  else writeFileSync(join(dir, 'request.http'), c.request)
  if (c.response) writeFileSync(join(dir, 'response.http'), c.response)
  if (c.config) writeFileSync(join(dir, 'hookwarden.yaml'), c.config)
  writeFileSync(join(dir, 'expect.json'), `${JSON.stringify({ now: NOW, ...c.expect }, null, 2)}\n`)
}
console.log(`${cases.length} cases written to ${here}`)
