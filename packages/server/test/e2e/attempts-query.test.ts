/**
 * GET /api/attempts on the two real stores (SQLite in a temp dir, PostgreSQL in a schema of its
 * own): the tenant and environment filters, and a parameter the list does not know (a typo,
 * another case, a filter it lacks) refused with 400 problem+json naming it, never ignored.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/storage/open-store.js'
import type { AttemptStore } from '../../src/storage/types.js'
import { adminHeaders, type Running, startGateway } from './helpers.js'

const DATABASE_URL =
  process.env.HOOKWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const ACME = 'attempts-query-acme-token-8c1f'
const GLOBEX = 'attempts-query-globex-token-2b7e'
const YAML = `
endpoints:
  - name: orders-acme
    path: /hooks/acme
    tenant: acme
    environment: production
    auth: { scheme: bearer, tokens: ["${ACME}"] }
  - name: orders-globex
    path: /hooks/globex
    tenant: globex
    environment: staging
    auth: { scheme: bearer, tokens: ["${GLOBEX}"] }
`

interface Harness {
  open(): Promise<AttemptStore>
  cleanup(): Promise<void>
}

const adminQuery = async (sql: string) => {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    await admin.query(sql)
  } finally {
    await admin.end()
  }
}

const stores: [string, () => Harness][] = [
  [
    'sqlite',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hw-attempts-query-'))
      return {
        open: () => openStore({ dataDir }),
        cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
      }
    },
  ],
  [
    'postgres',
    () => {
      const schema = `hw_attempts_query_${process.pid}_${randomBytes(4).toString('hex')}`
      return {
        open: () => openStore({ databaseUrl: DATABASE_URL, dataDir: '/nonexistent', schema }),
        cleanup: () => adminQuery(`drop schema if exists "${schema}" cascade`),
      }
    },
  ],
]

describe.each(stores)('GET /api/attempts on %s', (_name, makeHarness) => {
  const harness = makeHarness()
  let gw: Running
  const api = async (query: string) => {
    const res = await request(`${gw.url}/api/attempts?${query}`, { headers: adminHeaders })
    const json = (await res.body.json()) as {
      attempts?: { tenant: string | null; environment: string | null; endpoint: string }[]
      reason?: string
      detail?: string
    }
    return { status: res.statusCode, type: res.headers['content-type'], json }
  }

  beforeAll(async () => {
    gw = await startGateway(YAML, { store: await harness.open() })
    for (const [path, token] of [
      ['/hooks/acme', ACME],
      ['/hooks/globex', GLOBEX],
      ['/hooks/globex', 'wrong-token-for-globex'],
    ] as const) {
      const res = await request(`${gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: '{}',
      })
      await res.body.dump()
    }
  })
  afterAll(async () => {
    await gw?.close()
    await harness.cleanup()
  })

  it('filters by tenant and by environment', async () => {
    const tenants = async (query: string) => {
      const r = await api(query)
      expect(r.status, query).toBe(200)
      return r.json.attempts!.map((a) => `${a.tenant}/${a.environment}`)
    }
    expect(await tenants('')).toHaveLength(3)
    expect(await tenants('tenant=globex')).toEqual(['globex/staging', 'globex/staging'])
    expect(await tenants('tenant=acme')).toEqual(['acme/production'])
    expect(await tenants('environment=staging')).toEqual(['globex/staging', 'globex/staging'])
    expect(await tenants('tenant=acme&environment=staging')).toEqual([])
    expect(await tenants('tenant=globex&outcome=rejected')).toEqual(['globex/staging'])
    // An empty value filters nothing, as for endpoint.
    expect(await tenants('tenant=&environment=')).toHaveLength(3)
  })

  it('refuses a parameter it does not know with the 400 of a bad value, naming it', async () => {
    const bad = await api('outcome=maybe')
    expect(bad.status).toBe(400)
    for (const name of ['endpont', 'Endpoint', 'tenants', 'env', 'offset', 'after']) {
      const r = await api(`${name}=orders-globex`)
      expect(r.status, name).toBe(400)
      expect(r.type, name).toBe(bad.type)
      expect(r.json.reason, name).toBe(bad.json.reason)
      expect(r.json.detail, name).toBe(
        `unknown parameter ${name}; /api/attempts takes endpoint, outcome, reason, tenant, environment, since, until, limit, before`,
      )
      expect(r.json.attempts, name).toBeUndefined()
    }
    // Next to known filters too: one unknown name spoils the query.
    expect((await api('tenant=globex&limt=1')).status).toBe(400)
    // Every parameter the dashboard sends is known.
    const all = await api(
      'endpoint=orders-globex&outcome=rejected&reason=invalid_credentials&tenant=globex&environment=staging&since=0&until=9999999999999&limit=10&before=7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
    )
    expect(all.status).toBe(200)
  })
})
