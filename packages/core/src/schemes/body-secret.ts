/**
 * A shared secret inside the JSON body: Figma's `passcode`, Microsoft Graph's `clientState`
 * in every `value[]` notification. `field` is a dotted path where `[]` means every element
 * (`value[].clientState`). Compared in constant time, like any credential.
 * @module
 */
import { z } from 'zod'
import { credential } from '../config/schema.js'
import type { Credential } from '../config/types.js'
import { bodyText, utf8 } from '../crypto/bytes.js'
import type { HttpRequest } from '../message/types.js'
import { fingerprint } from '../redact/fingerprint.js'
import { currentCredential, matchCredential, revokedDetail } from './credential.js'
import { fail, pass } from './provider-common.js'
import type { Check, Scheme } from './types.js'

export interface BodySecretPolicy {
  scheme: 'body_secret'
  field: string
  secrets: Credential[]
  retired: Credential[]
}

export const bodySecretSchema = z
  .object({
    scheme: z.literal('body_secret'),
    field: z
      .string()
      .regex(
        /^[A-Za-z_$][\w$-]*(\[\])?(\.[A-Za-z_$][\w$-]*(\[\])?)*$/,
        'must be a dotted path such as passcode or value[].clientState',
      ),
    secrets: z.array(credential).min(1, 'needs at least one secret'),
    retired: z.array(credential).default([]),
  })
  .strict()

type Json = unknown

/** Every value at `path` (`[]` fans out over arrays); undefined where a step is missing. */
export function valuesAt(root: Json, path: string): unknown[] {
  let current: unknown[] = [root]
  for (const step of path.split('.')) {
    const fan = step.endsWith('[]')
    const key = fan ? step.slice(0, -2) : step
    const next: unknown[] = []
    for (const v of current) {
      const child =
        v && typeof v === 'object' && !Array.isArray(v)
          ? (v as Record<string, unknown>)[key]
          : undefined
      if (fan) {
        if (Array.isArray(child)) next.push(...child)
        else next.push(undefined)
      } else next.push(child)
    }
    current = next
  }
  return current
}

function setAt(root: Record<string, unknown>, path: string, value: string): void {
  const steps = path.split('.')
  const walk = (node: unknown, i: number): void => {
    if (!node || typeof node !== 'object') return
    const step = steps[i]!
    const fan = step.endsWith('[]')
    const key = fan ? step.slice(0, -2) : step
    const obj = node as Record<string, unknown>
    if (i === steps.length - 1) {
      if (fan) {
        if (Array.isArray(obj[key])) obj[key] = (obj[key] as unknown[]).map(() => value)
      } else obj[key] = value
      return
    }
    if (fan) {
      if (!Array.isArray(obj[key])) obj[key] = [{}]
      for (const el of obj[key] as unknown[]) walk(el, i + 1)
    } else {
      if (!obj[key] || typeof obj[key] !== 'object') obj[key] = {}
      walk(obj[key], i + 1)
    }
  }
  walk(root, 0)
}

export const bodySecret: Scheme<BodySecretPolicy> = {
  name: 'body_secret',

  verify(req, policy, ctx): Check[] {
    let json: Json
    try {
      json = JSON.parse(bodyText(req.body))
    } catch {
      return [
        fail(
          'body_secret',
          'credentials_missing',
          `the body is not JSON, so it has no ${policy.field}`,
        ),
      ]
    }
    const values = valuesAt(json, policy.field)
    if (values.length === 0 || values.some((v) => v === undefined))
      return [fail('body_secret', 'credentials_missing', `the body has no ${policy.field}`)]
    let matched: Credential | undefined
    for (const v of values) {
      if (typeof v !== 'string')
        return [fail('body_secret', 'credentials_missing', `${policy.field} is not a string`)]
      const m = matchCredential(v, policy.secrets, policy.retired, ctx.now)
      if (m.kind === 'unknown')
        return [
          fail(
            'body_secret',
            'credential_unknown',
            `${policy.field} ${fingerprint(v)} is not configured`,
          ),
        ]
      if (m.kind === 'revoked') return [fail('body_secret', 'credential_revoked', revokedDetail(m))]
      matched ??= m.credential
    }
    return [pass('body_secret', `${policy.field} matches`, matched)]
  },

  sign(req, policy, options): HttpRequest {
    const c = currentCredential(policy.secrets, options.now, options.keyId)
    if (!c) throw new RangeError('body_secret: no secret to sign with')
    let json: Record<string, unknown> = {}
    try {
      const parsed = JSON.parse(bodyText(req.body)) as unknown
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        json = parsed as Record<string, unknown>
    } catch {
      // not JSON: a body holding the secret only
    }
    setAt(json, policy.field, c.value)
    return { ...req, body: utf8(JSON.stringify(json)) }
  },

  challenge: () => ({ scheme: 'Secret', params: { realm: 'hookwarden' } }),
}
