/**
 * Prometheus metrics, one registry per gateway. Labels are bounded and secret-free: endpoint
 * names come from the config, outcomes and reasons from the reason table, never from the
 * request (T-DOS-8: no token, fingerprint or raw path in a label). Counters and histograms are
 * hot-metrics' (prom-client's exposition, without hashing a labels object on every attempt).
 * @module
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { HotCounter, HotHistogram } from './hot-metrics.js'

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

export interface GatewayMetrics {
  registry: Registry
  attempts: HotCounter<'endpoint' | 'kind' | 'outcome' | 'reason'>
  verifySeconds: HotHistogram<'endpoint'>
  recordSeconds: HotHistogram<never>
  forwardSeconds: HotHistogram<'endpoint' | 'result'>
  storeErrors: HotCounter<never>
  refusedUnavailable: HotCounter<'endpoint' | 'reason'>
  recordUpdatesHeld: HotCounter<never>
  recordUpdatesDropped: HotCounter<never>
  recordUpdatesPending: Gauge<never>
  rateLimited: HotCounter<'endpoint'>
  diagnosisShed: HotCounter<'endpoint'>
  diagnosisQueue: Gauge<never>
  retiredCredentialUsed: HotCounter<'endpoint'>
  /** Set at start and at each reload (rotations/expiry-gauge.ts). */
  credentialNotAfter: Gauge<'endpoint' | 'credential'>
  wouldHaveRefused: HotCounter<'endpoint'>
  /** Connections closed before a request was read (connection-guard.ts), by reason. */
  connectionsRefused: HotCounter<'reason'>
  /** Idle connections closed to make room for a new one at the connection cap. */
  connectionsClosedIdle: HotCounter<never>
  connectionsOpen: Gauge<never>
  connectionsMax: Gauge<never>
  /** Read by hookwarden_connections_open at each scrape; the connection guard sets it. */
  openConnections: () => number
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'hookwarden_' })
  const registers = [registry]
  const metrics: GatewayMetrics = {
    registry,
    attempts: new HotCounter({
      name: 'hookwarden_attempts_total',
      help: 'Attempts seen by the gateway, by endpoint, kind, outcome and reason',
      labelNames: ['endpoint', 'kind', 'outcome', 'reason'],
      registers,
    }),
    verifySeconds: new HotHistogram({
      name: 'hookwarden_verify_duration_seconds',
      help: 'Time to verify one attempt',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    recordSeconds: new HotHistogram({
      name: 'hookwarden_record_duration_seconds',
      help: 'Time to durably record one attempt',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    forwardSeconds: new HotHistogram({
      name: 'hookwarden_forward_duration_seconds',
      help: 'Time to forward one attempt upstream and read the answer',
      labelNames: ['endpoint', 'result'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    storeErrors: new HotCounter({
      name: 'hookwarden_store_errors_total',
      help: 'Attempts answered 503 because the store could not record them',
      registers,
    }),
    refusedUnavailable: new HotCounter({
      name: 'hookwarden_refused_unavailable_total',
      help: 'Attempts answered 503 and not recorded because a store was unavailable, by endpoint and reason (store_unavailable: the attempt store; nonce_store_unavailable: the replay check)',
      labelNames: ['endpoint', 'reason'],
      registers,
    }),
    recordUpdatesHeld: new HotCounter({
      name: 'hookwarden_record_updates_held_total',
      help: 'Record updates (forward results, diagnoses) the store refused at first, held in memory to be written again',
      registers,
    }),
    recordUpdatesDropped: new HotCounter({
      name: 'hookwarden_record_updates_dropped_total',
      help: 'Record updates given up: too many held at once, or still refused when the gateway stopped',
      registers,
    }),
    recordUpdatesPending: new Gauge({
      name: 'hookwarden_record_updates_pending',
      help: 'Record updates held in memory until the store takes them',
      registers,
    }),
    rateLimited: new HotCounter({
      name: 'hookwarden_rate_limited_total',
      help: 'Attempts answered 429 because their source sent too many rejected attempts',
      labelNames: ['endpoint'],
      registers,
    }),
    diagnosisShed: new HotCounter({
      name: 'hookwarden_diagnosis_shed_total',
      help: 'Rejected attempts left undiagnosed because the diagnosis queue was full',
      labelNames: ['endpoint'],
      registers,
    }),
    wouldHaveRefused: new HotCounter({
      name: 'hookwarden_would_have_refused_total',
      help: 'Attempts a report-only endpoint (enforce: false) would have refused but forwarded; they count as rejected in hookwarden_attempts_total, with their reason',
      labelNames: ['endpoint'],
      registers,
    }),
    retiredCredentialUsed: new HotCounter({
      name: 'hookwarden_retired_credential_used_total',
      help: 'Attempts that used a retired or expired credential (a sender missed a rotation)',
      labelNames: ['endpoint'],
      registers,
    }),
    credentialNotAfter: new Gauge({
      name: 'hookwarden_credential_not_after_timestamp_seconds',
      help: 'When a current credential stops being accepted (its not_after, Unix seconds), by endpoint and credential (the config id, or its position: #2); for an alert days before',
      labelNames: ['endpoint', 'credential'],
      registers,
    }),
    diagnosisQueue: new Gauge({
      name: 'hookwarden_diagnosis_queue_depth',
      help: 'Rejected attempts waiting for their diagnosis',
      registers,
    }),
    connectionsRefused: new HotCounter({
      name: 'hookwarden_connections_refused_total',
      help: 'Connections answered 503 and closed before a request was read, by reason (max_connections: HOOKWARDEN_MAX_CONNECTIONS open and none idle; per_source: the peer address holds HOOKWARDEN_CONNECTIONS_PER_SOURCE); never recorded as attempts',
      labelNames: ['reason'],
      registers,
    }),
    connectionsClosedIdle: new HotCounter({
      name: 'hookwarden_connections_closed_idle_total',
      help: 'Idle connections (no request being answered) closed, oldest first, to make room for a new one at HOOKWARDEN_MAX_CONNECTIONS',
      registers,
    }),
    // Read when scraped: counting it on every connection would cost each one a gauge update.
    connectionsOpen: new Gauge({
      name: 'hookwarden_connections_open',
      help: 'Client connections open now (refused ones not counted)',
      registers,
      collect() {
        this.set(metrics.openConnections())
      },
    }),
    connectionsMax: new Gauge({
      name: 'hookwarden_connections_max',
      help: 'The cap on open client connections (HOOKWARDEN_MAX_CONNECTIONS, or its default from the open-file limit)',
      registers,
    }),
    openConnections: () => 0,
  }
  return metrics
}
