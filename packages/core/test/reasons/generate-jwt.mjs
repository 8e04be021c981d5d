// Writes the JWT captures of this folder (node generate-jwt.mjs). Tokens are HS256 with the
// secrets of hookwarden.yaml, made with node:crypto so the fixtures need nothing installed;
// the ES256 one is signed with a throwaway key (its kid is unknown to the config anyway).
import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import { writeFileSync } from 'node:fs'

const NOW = 1796000000
const SECRET = 'jwt-hs256-secret-for-fixtures-0001'
const RETIRED = 'jwt-hs256-retired-secret-fixtures-09'
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const hs = (payload, secret = SECRET, header = { alg: 'HS256', typ: 'JWT' }) => {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
const good = {
  iss: 'https://issuer.example',
  aud: 'webhooks',
  sub: 'make',
  iat: NOW - 60,
  exp: NOW + 3600,
}

function es256(payload, kid) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64(payload)}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

const token = hs(good)
const tokens = {
  jwt_malformed: 'eyJhbGciOiJIUzI1NiJ9.not-a-jwt',
  jwt_expired: hs({ ...good, iat: NOW - 7200, exp: NOW - 3600 }),
  jwt_not_yet_valid: hs({ ...good, nbf: NOW + 600 }),
  jwt_signature_invalid: hs(good, 'some-other-secret-the-sender-used'),
  jwt_alg_not_allowed: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(good)}.`,
  'jwt_alg_not_allowed--hs512': (() => {
    const input = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(good)}`
    return `${input}.${createHmac('sha512', SECRET).update(input).digest('base64url')}`
  })(),
  jwt_wrong_issuer: hs({ ...good, iss: 'https://other-issuer.example' }),
  jwt_wrong_audience: hs({ ...good, aud: 'billing' }),
  'credential_truncated--jwt': token.slice(0, -10),
  'credential_revoked--jwt': hs(good, RETIRED, { alg: 'HS256', typ: 'JWT', kid: '2026-09' }),
  'accepted--jwt': token,
}
for (const [name, t] of Object.entries(tokens)) {
  writeFileSync(
    `${name}.http`,
    `POST /hooks/jwt HTTP/1.1\nHost: receiver.example\nAuthorization: Bearer ${t}\nContent-Type: application/json\n\n{"event":"order.created","id":"ord_1"}\n`,
  )
}
const scoped = {
  jwt_insufficient_scope: hs({ sub: 'make', scope: 'webhooks:read', exp: NOW + 3600 }),
  'accepted--jwt-scoped': hs({
    sub: 'make',
    scp: ['webhooks:read', 'webhooks:write'],
    exp: NOW + 3600,
  }),
}
for (const [name, t] of Object.entries(scoped)) {
  writeFileSync(
    `${name}.http`,
    `POST /hooks/jwt-scoped HTTP/1.1\nHost: receiver.example\nAuthorization: Bearer ${t}\nContent-Type: application/json\n\n{"event":"order.created","id":"ord_1"}\n`,
  )
}
writeFileSync(
  'jwt_unknown_kid.http',
  `POST /hooks/jwt-es HTTP/1.1\nHost: receiver.example\nAuthorization: Bearer ${es256(good, 'es-2025')}\nContent-Type: application/json\n\n{"event":"order.created","id":"ord_1"}\n`,
)
