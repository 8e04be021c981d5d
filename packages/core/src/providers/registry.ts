/**
 * Provider presets are rows of data over the generic schemes: `provider: stripe` in a config
 * expands to the preset's auth fields, under the user's own fields (secrets, tolerance…).
 * The built-in presets come from presets/index.ts; `registerProvider` adds more at run time.
 * @module
 */
import { PROVIDER_SCHEMES } from '../schemes/provider-schemes.js'
import { OMITTED_PROVIDERS, PROVIDERS } from './presets/index.js'
import type { OmittedProvider, ProviderPreset } from './types.js'

export type {
  Confidence,
  HandshakeKind,
  OmittedProvider,
  Pitfall,
  Proof,
  ProviderPreset,
} from './types.js'

const presets = new Map<string, ProviderPreset>()
const aliases = new Map<string, string>()

function add(preset: ProviderPreset): void {
  presets.set(preset.name, preset)
  for (const a of preset.aliases ?? []) aliases.set(a, preset.name)
}

for (const p of PROVIDERS) add(p)

export function registerProvider(preset: ProviderPreset): void {
  add(preset)
}

/** The preset called `name` (or one of its aliases), case-insensitively. */
export function getProvider(name: string): ProviderPreset | undefined {
  const n = name.toLowerCase()
  return presets.get(n) ?? presets.get(aliases.get(n) ?? '')
}

export function listProviders(): ProviderPreset[] {
  return [...presets.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** Providers left out because their scheme is not public or not confirmed. */
export function omittedProviders(): readonly OmittedProvider[] {
  return OMITTED_PROVIDERS
}

/** The extra schemes the presets use; referenced so that their config schemas are registered. */
export const providerSchemeNames: readonly string[] = PROVIDER_SCHEMES.map((s) => s.name)
