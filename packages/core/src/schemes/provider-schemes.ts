/**
 * The schemes provider presets need beyond the generic ones, with their config schemas:
 * Twilio's URL + parameters, plain secret hashes (HubSpot v1/v2), public-key signatures
 * (Ed25519, ECDSA, RSA), and signatures carried in the body (Mailgun, Adyen, Figma, Graph).
 * Importing this list registers the schemas with the config loader.
 * @module
 */
import { registerAuthSchema } from '../config/schema.js'
import { adyen, adyenSchema } from './adyen.js'
import { awsSns, awsSnsSchema } from './aws-sns.js'
import { bodySecret, bodySecretSchema } from './body-secret.js'
import { contentful, contentfulSchema } from './contentful.js'
import { mailgun, mailgunSchema } from './mailgun.js'
import { ecdsa, ed25519, publicKeySchemas, rsa } from './public-key.js'
import { secretHash, secretHashSchema } from './secret-hash.js'
import { twilio, twilioSchema } from './twilio.js'
import type { Scheme } from './types.js'

registerAuthSchema('twilio', twilioSchema)
registerAuthSchema('secret_hash', secretHashSchema)
registerAuthSchema('ed25519', publicKeySchemas.ed25519)
registerAuthSchema('ecdsa', publicKeySchemas.ecdsa)
registerAuthSchema('rsa', publicKeySchemas.rsa)
registerAuthSchema('mailgun', mailgunSchema)
registerAuthSchema('adyen', adyenSchema)
registerAuthSchema('body_secret', bodySecretSchema)
registerAuthSchema('contentful', contentfulSchema)
registerAuthSchema('aws_sns', awsSnsSchema)

// biome-ignore lint/suspicious/noExplicitAny: the list holds schemes of every policy type
export const PROVIDER_SCHEMES: readonly Scheme<any>[] = [
  twilio,
  secretHash,
  ed25519,
  ecdsa,
  rsa,
  mailgun,
  adyen,
  bodySecret,
  contentful,
  awsSns,
]
