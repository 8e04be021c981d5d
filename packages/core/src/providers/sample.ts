/**
 * A ready-to-copy config for one preset: the `provider:` line, what the user must add
 * (`needs`), and the secret list under the name the scheme reads, as `env:` references.
 * @module
 */
import { stringify } from 'yaml'
import type { ProviderPreset } from './types.js'

/** The credential list a scheme reads, for the sample config. */
function credentialField(scheme: unknown): string | null {
  switch (scheme) {
    case 'api_key':
      return 'keys'
    case 'bearer':
      return 'tokens'
    case 'basic':
    case 'jwt':
      return null
    case 'ed25519':
    case 'ecdsa':
    case 'rsa':
    case 'aws_sns':
      return 'public_keys'
    default:
      return 'secrets'
  }
}

/** The env variable a sample config reads the secret from: `STRIPE_WEBHOOK_SECRET`. */
export function envName(preset: ProviderPreset): string {
  return `${preset.name.replace(/[^a-z0-9]+/gi, '_').toUpperCase()}_WEBHOOK_SECRET`
}

/** YAML for one endpoint using the preset. */
export function sampleConfig(preset: ProviderPreset): string {
  const auth: Record<string, unknown> = { provider: preset.name }
  const field = credentialField(preset.auth.scheme)
  if (field && !(preset.needs && field in preset.needs)) auth[field] = [`env:${envName(preset)}`]
  Object.assign(auth, preset.needs ?? {})
  const endpoint = { name: preset.name, path: `/hooks/${preset.name}`, auth }
  return stringify({ endpoints: [endpoint] }, { lineWidth: 0 })
}
