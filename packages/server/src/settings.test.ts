/**
 * readSettings: every environment setting of the README checked, a bad one a ConfigError whose
 * one line names the variable and what it takes (never a library's TypeError).
 * @module
 */
import { ConfigError } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'
import { createLogger, logLevelFrom } from './logging.js'
import { readSettings } from './settings.js'

function settingsError(env: Record<string, string>): ConfigError {
  try {
    readSettings(env)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error(`accepted ${JSON.stringify(env)}`)
}

describe('readSettings', () => {
  it('defaults: nothing set, or set empty, is the default', () => {
    const empty = {
      PORT: '',
      HOST: ' ',
      HOOKWARDEN_DATA_DIR: '',
      HOOKWARDEN_BODY_LIMIT: '',
      HOOKWARDEN_FORWARD_TIMEOUT_MS: '',
      HOOKWARDEN_TRUST_PROXY: '',
      HOOKWARDEN_LOG_LEVEL: '',
    }
    for (const env of [{}, empty]) {
      expect(readSettings(env)).toEqual({ trustProxy: false, logLevel: 'info' })
    }
  })

  it('HOOKWARDEN_TRUST_PROXY: true, false, a hop count, or addresses and CIDRs', () => {
    const trust = (v: string) => readSettings({ HOOKWARDEN_TRUST_PROXY: v }).trustProxy
    expect(trust('true')).toBe(true)
    expect(trust('TRUE')).toBe(true)
    expect(trust('false')).toBe(false)
    expect(trust('0')).toBe(false)
    expect(trust('2')).toBe(2)
    expect(trust(' 10.0.0.0/8, 127.0.0.1 ,::1/128,loopback')).toBe(
      '10.0.0.0/8,127.0.0.1,::1/128,loopback',
    )
    for (const bad of ['maybe', 'yes', '10.0.0.1/33', '10.0.0.0/8,,127.0.0.1', '300.1.1.1']) {
      const e = settingsError({ HOOKWARDEN_TRUST_PROXY: bad })
      expect(e.position.field).toBe('HOOKWARDEN_TRUST_PROXY')
      expect(e.oneLine()).toMatch(
        /^HOOKWARDEN_TRUST_PROXY must be true, false, a hop count, or comma-separated IP addresses or CIDR ranges \(e\.g\. 10\.0\.0\.0\/8,127\.0\.0\.1\); ".*" is none of these$/,
      )
    }
    expect(settingsError({ HOOKWARDEN_TRUST_PROXY: '1000' }).message).toBe(
      'HOOKWARDEN_TRUST_PROXY as a hop count must be from 0 to 100, not 1000 (true trusts every hop)',
    )
  })

  it('HOOKWARDEN_LOG_LEVEL: pino’s levels, any case; anything else names the variable and the levels', () => {
    expect(readSettings({ HOOKWARDEN_LOG_LEVEL: 'WARN' }).logLevel).toBe('warn')
    expect(readSettings({ HOOKWARDEN_LOG_LEVEL: 'silent' }).logLevel).toBe('silent')
    expect(settingsError({ HOOKWARDEN_LOG_LEVEL: 'loud' }).oneLine()).toBe(
      'HOOKWARDEN_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"',
    )
  })

  it('numbers: digits only, within bounds that are said; PORT named as PORT', () => {
    expect(
      readSettings({
        PORT: '0',
        HOOKWARDEN_BODY_LIMIT: '104857600',
        HOOKWARDEN_FORWARD_TIMEOUT_MS: '600000',
      }),
    ).toMatchObject({ port: 0, bodyLimit: 104_857_600, forwardTimeoutMs: 600_000 })
    expect(settingsError({ PORT: '70000' }).oneLine()).toBe(
      'PORT must be a port number in digits, from 0 to 65535 (0 picks a free port), not "70000"',
    )
    expect(settingsError({ PORT: 'abc' }).position.field).toBe('PORT')
    const body =
      /^HOOKWARDEN_BODY_LIMIT must be a number of bytes in digits, from 1 to 104857600 \(at most 100 MiB; the default is 1048576, 1 MiB\), not ".*"$/
    // 0 silently meant the default; 1e9 is a whole number, but digits only are read.
    for (const bad of ['0', '1e9', '1mb', '-1', '104857601', '1.5', '99999999999999999999'])
      expect(settingsError({ HOOKWARDEN_BODY_LIMIT: bad }).oneLine()).toMatch(body)
    for (const bad of ['0', '600001', '2147483648', '10s'])
      expect(settingsError({ HOOKWARDEN_FORWARD_TIMEOUT_MS: bad }).oneLine()).toMatch(
        /^HOOKWARDEN_FORWARD_TIMEOUT_MS must be a number of milliseconds in digits, from 1 to 600000 \(at most 10 minutes; the default is 10000\)/,
      )
  })

  it('HOOKWARDEN_BODY_BYTES_IN_FLIGHT (at least the body limit) and HOOKWARDEN_BODIES_PER_SOURCE', () => {
    expect(
      readSettings({
        HOOKWARDEN_BODY_BYTES_IN_FLIGHT: '67108864',
        HOOKWARDEN_BODIES_PER_SOURCE: '8',
      }),
    ).toMatchObject({ bodyBytesInFlight: 67_108_864, bodiesPerSource: 8 })
    // Below the body limit, the largest allowed body could never be read.
    expect(
      settingsError({
        HOOKWARDEN_BODY_LIMIT: '2000000',
        HOOKWARDEN_BODY_BYTES_IN_FLIGHT: '1999999',
      }).oneLine(),
    ).toMatch(
      /^HOOKWARDEN_BODY_BYTES_IN_FLIGHT must be a number of bytes in digits, from 2000000 to 68719476736 \(at least HOOKWARDEN_BODY_LIMIT/,
    )
    expect(settingsError({ HOOKWARDEN_BODY_BYTES_IN_FLIGHT: '1000' }).position.field).toBe(
      'HOOKWARDEN_BODY_BYTES_IN_FLIGHT',
    )
    for (const bad of ['0', '1e3', '-1', '100001'])
      expect(settingsError({ HOOKWARDEN_BODIES_PER_SOURCE: bad }).oneLine()).toMatch(
        /^HOOKWARDEN_BODIES_PER_SOURCE must be a number of requests in digits, from 1 to 100000 \(the default is 32\)/,
      )
  })

  it('HOOKWARDEN_MAX_CONNECTIONS and HOOKWARDEN_CONNECTIONS_PER_SOURCE: digits, 1 to 1000000', () => {
    expect(
      readSettings({
        HOOKWARDEN_MAX_CONNECTIONS: '5000',
        HOOKWARDEN_CONNECTIONS_PER_SOURCE: '1000000',
      }),
    ).toMatchObject({ maxConnections: 5000, connectionsPerSource: 1_000_000 })
    for (const bad of ['0', '1e4', '-1', '10k', '1000001', ' 12 34']) {
      expect(settingsError({ HOOKWARDEN_MAX_CONNECTIONS: bad }).oneLine()).toMatch(
        /^HOOKWARDEN_MAX_CONNECTIONS must be a number of connections in digits, from 1 to 1000000 \(the default is half of the open-file limit after 256 set aside, from 64 to 16384\), not ".*"$/,
      )
      expect(settingsError({ HOOKWARDEN_CONNECTIONS_PER_SOURCE: bad }).oneLine()).toMatch(
        /^HOOKWARDEN_CONNECTIONS_PER_SOURCE must be a number of connections in digits, from 1 to 1000000 \(the default is 256\), not ".*"$/,
      )
    }
  })

  it('PORT is not read when the caller gave a port (--port wins)', () => {
    expect(readSettings({ PORT: 'abc' }, { port: 8080 }).port).toBeUndefined()
  })

  it('HOST and HOOKWARDEN_DATA_DIR: trimmed; empty is the default, not the working directory', () => {
    expect(readSettings({ HOST: ' 0.0.0.0 ', HOOKWARDEN_DATA_DIR: '/var/lib/hw' })).toMatchObject({
      host: '0.0.0.0',
      dataDir: '/var/lib/hw',
    })
  })

  it('HOOKWARDEN_REDIS_URL: a redis:// or rediss:// URL, or a socket path; never quoted back', () => {
    for (const ok of ['redis://127.0.0.1:6379', 'rediss://:pw@cache:6380/2', '/run/redis.sock'])
      expect(() => readSettings({ HOOKWARDEN_REDIS_URL: ok })).not.toThrow()
    for (const bad of ['notaurl', 'http://cache:6379', 'redis://', 'cache:6379']) {
      const e = settingsError({ HOOKWARDEN_REDIS_URL: bad })
      expect(e.oneLine()).toBe(
        'HOOKWARDEN_REDIS_URL must be a redis:// or rediss:// URL with a host (e.g. redis://127.0.0.1:6379), or a Unix socket path',
      )
    }
    expect(settingsError({ HOOKWARDEN_REDIS_URL: 'http://u:hunter2@x' }).message).not.toContain(
      'hunter2',
    )
  })

  it('HOOKWARDEN_ADMIN_TOKEN: 16 characters or more, no whitespace around it, never quoted', () => {
    const e = settingsError({ HOOKWARDEN_ADMIN_TOKEN: 'admin-token-0123456789\n' })
    expect(e.oneLine()).toBe(
      'HOOKWARDEN_ADMIN_TOKEN begins or ends with whitespace (a space, tab or line break), which no Authorization header carries: remove it',
    )
    expect(settingsError({ HOOKWARDEN_ADMIN_TOKEN: 'short' }).oneLine()).toBe(
      'HOOKWARDEN_ADMIN_TOKEN must be at least 16 characters',
    )
  })
})

describe('createLogger', () => {
  it('refuses a level pino does not know in one line, instead of pino’s throw', () => {
    expect(() => createLogger({ level: 'loud' })).toThrow(
      'level must be one of trace, debug, info, warn, error, fatal, silent, not "loud"',
    )
    expect(logLevelFrom('  Debug ', 'X')).toBe('debug')
    expect(logLevelFrom(undefined, 'X')).toBeUndefined()
  })
})
