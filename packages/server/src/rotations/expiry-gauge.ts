/**
 * `hookwarden_credential_not_after_timestamp_seconds{endpoint,credential}`: when each current
 * credential with a `not_after` stops being accepted, so that an alert fires days before
 * (examples/prometheus-alerts.yaml). Set at start and at each reload, every series of the
 * previous config removed first (a credential taken out or given another id leaves no stale
 * series). `credential` is the label of credentials.ts (the id or the position), never a value
 * or a fingerprint. Retired credentials have no series: they are refused already.
 * @module
 */
import type { Config } from '@hookwarden/core'
import type { Gauge } from 'prom-client'
import { labelledCredentials } from './credentials.js'

export function setCredentialExpiry(gauge: Gauge<'endpoint' | 'credential'>, config: Config): void {
  gauge.reset()
  for (const endpoint of config.endpoints)
    for (const c of labelledCredentials(endpoint))
      if (!c.retired && c.not_after !== null)
        gauge.set({ endpoint: endpoint.name, credential: c.label }, c.not_after)
}
