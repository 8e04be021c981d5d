/**
 * Provider presets are rows of data over the generic schemes: `provider: stripe` in a config
 * expands to the preset's auth fields, under the user's own fields (secrets, tolerance…).
 * @module
 */

export interface ProviderPreset {
  /** Config name: `provider: stripe`. */
  name: string
  /** Display name: `Stripe`. */
  title: string
  /** Auth fields (with `scheme`) the preset stands for; the user's auth block overrides them. */
  auth: Record<string, unknown>
  /** What is signed, in words, for `hookwarden providers`. */
  signs: string
  /** The secret's format, in words (`whsec_… string, used as is`). */
  secret_format: string
  /** Where the scheme is documented. */
  source: string
  /** How the preset is proven by tests: the provider's SDK, a published vector, or docs only. */
  proof: 'sdk' | 'vector' | 'docs'
  /** A config check on each configured secret: returns what is wrong, or null. */
  checkSecret?(value: string): string | null
}

const presets = new Map<string, ProviderPreset>()

export function registerProvider(preset: ProviderPreset): void {
  presets.set(preset.name, preset)
}

export function getProvider(name: string): ProviderPreset | undefined {
  return presets.get(name.toLowerCase())
}

export function listProviders(): ProviderPreset[] {
  return [...presets.values()].sort((a, b) => a.name.localeCompare(b.name))
}
