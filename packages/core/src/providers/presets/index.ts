/**
 * Every provider preset, as one array (no registration side effects: the registry reads it).
 * @module
 */
import type { OmittedProvider, ProviderPreset } from '../types.js'
import { AUTOMATION_PRESETS } from './automation.js'
import { BUSINESS_PRESETS } from './business.js'
import { CODE_PRESETS } from './code.js'
import { MESSAGING_PRESETS } from './messaging.js'
import { PAYMENT_PRESETS } from './payments.js'
import { PLATFORM_PRESETS } from './platforms.js'
import { STANDARD_WEBHOOKS_PRESETS } from './standard-webhooks.js'

export const PROVIDERS: readonly ProviderPreset[] = [
  ...STANDARD_WEBHOOKS_PRESETS,
  ...PAYMENT_PRESETS,
  ...CODE_PRESETS,
  ...MESSAGING_PRESETS,
  ...BUSINESS_PRESETS,
  ...AUTOMATION_PRESETS,
  ...PLATFORM_PRESETS,
]

/** Providers left out on purpose, with the reason (shown in the README table). */
export const OMITTED_PROVIDERS: readonly OmittedProvider[] = [
  {
    name: 'zapier',
    title: 'Zapier (Catch Hook)',
    why: 'no inbound authentication is documented: the hook URL itself is the secret',
  },
  {
    name: 'sendgrid-inbound-parse',
    title: 'SendGrid Inbound Parse',
    why: 'the header names and format of Parse security-policy signatures are not published',
  },
  {
    name: 'paddle-classic',
    title: 'Paddle Classic',
    why: 'RSA over PHP-serialized sorted fields: needs a PHP serializer, not done',
  },
  {
    name: 'microsoft-graph-rich',
    title: 'Microsoft Graph (rich notification validationTokens)',
    why: 'JWTs inside the body; the jwt scheme reads the Authorization header only',
  },
]
