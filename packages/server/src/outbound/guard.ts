/**
 * Where outbound replay and probe may connect. A server-side caller must not be turned into a
 * proxy to the inside network (SSRF): private, loopback, link-local and metadata addresses are
 * refused before any connect(), and the connection is pinned to the address that was checked
 * (no second DNS answer can rebind it). The CLI, run by the user on their own machine, allows
 * private targets explicitly.
 * @module
 */
import { lookup as dnsLookup } from 'node:dns'
import { BlockList, isIP } from 'node:net'

const v4 = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  v4.addSubnet(net, prefix, 'ipv4')
const v6 = new BlockList()
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const)
  v6.addSubnet(net, prefix, 'ipv6')

/** The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, if any. */
function embeddedV4(ip: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (m) return m[1]!
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip)
  if (!hex) return null
  const hi = Number.parseInt(hex[1]!, 16)
  const lo = Number.parseInt(hex[2]!, 16)
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

/** True for an address no server-side request should reach. */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const kind = isIP(bare)
  if (kind === 4) return v4.check(bare, 'ipv4')
  if (kind === 6) {
    const inner = embeddedV4(bare)
    if (inner) return v4.check(inner, 'ipv4')
    return v6.check(bare, 'ipv6')
  }
  return true
}

export class BlockedTargetError extends Error {
  readonly code = 'blocked_address'
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>

/** The system resolver (getaddrinfo), every address. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses as { address: string; family: number }[]),
    ),
  )

/**
 * A `lookup` for net/tls.connect that resolves, refuses private answers unless allowed, and
 * hands back only the checked addresses, so connect() uses exactly those (no rebinding
 * between the check and the connection).
 */
export function guardedLookup(allowPrivate: boolean, resolver: Resolver = systemResolver) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number } | number,
    callback: LookupCallback,
  ): void => {
    const opts = typeof options === 'number' ? { family: options } : (options ?? {})
    const answer = (
      err: NodeJS.ErrnoException | null,
      all: { address: string; family: number }[],
    ) => {
      if (err) return callback(err, '')
      const list = opts.family ? all.filter((a) => a.family === opts.family) : all
      if (!allowPrivate) {
        const bad = list.find((a) => isPrivateAddress(a.address))
        if (bad)
          return callback(
            new BlockedTargetError(
              `${hostname} resolves to ${bad.address}, a private or reserved address: refused`,
            ),
            '',
          )
      }
      if (list.length === 0)
        return callback(
          Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
          '',
        )
      if (opts.all) return callback(null, list)
      callback(null, list[0]!.address, list[0]!.family)
    }
    resolver(hostname).then(
      (all) => answer(null, all),
      (err: NodeJS.ErrnoException) => answer(err, []),
    )
  }
}

/** Checks a URL's literal IP host up front (connect() does not look those up). */
export function checkLiteralHost(url: URL, allowPrivate: boolean): void {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (allowPrivate) return
  if (isIP(host) && isPrivateAddress(host))
    throw new BlockedTargetError(`${host} is a private or reserved address: refused`)
  if (/^localhost\.?$|\.localhost\.?$|^metadata\.google\.internal\.?$/i.test(host))
    throw new BlockedTargetError(`${host} names this machine or a metadata service: refused`)
}
