/**
 * Web application firewalls in front of a receiver: Imperva (Incapsula), Sucuri, F5 BIG-IP
 * ASM and Azure Application Gateway. Each has a block page of its own (F5's comes with status
 * 200); their cookies and request-id headers ride on every answer they relay and only say they
 * are on the path.
 * @module
 */
import { answered, bodyEv, ev, type Fingerprint, h } from './types.js'

export const imperva: Fingerprint = {
  product: 'imperva',
  layer: 'gateway',
  answered(s) {
    const b =
      bodyEv(s, /Request unsuccessful\. Incapsula incident ID: [\d-]+/i) ??
      bodyEv(s, /_Incapsula_Resource/)
    const iinfo = h(s, 'x-iinfo')
    if (b) return answered(100, b, iinfo ? ev('x-iinfo', iinfo) : null)
    return null
  },
  onPath(s) {
    const out: string[] = []
    if (h(s, 'x-iinfo')) out.push(ev('x-iinfo', h(s, 'x-iinfo')))
    const cdn = h(s, 'x-cdn')
    if (cdn && /imperva|incapsula/i.test(cdn)) out.push(ev('x-cdn', cdn))
    if ((s.headers.get('set-cookie') ?? []).some((c) => /^(incap_ses_|visid_incap_)/i.test(c)))
      out.push('set-cookie: incap_ses_…/visid_incap_… (Imperva)')
    return out.length ? out : null
  },
}

export const sucuri: Fingerprint = {
  product: 'sucuri',
  layer: 'gateway',
  answered(s) {
    const b = bodyEv(
      s,
      /Access Denied - Sucuri Website Firewall|Sucuri WebSite Firewall - Access Denied/i,
    )
    const block = h(s, 'x-sucuri-block')
    if (b || block)
      return answered(
        100,
        b,
        block ? ev('x-sucuri-block', block) : null,
        ev('server', h(s, 'server')),
      )
    return null
  },
  onPath(s) {
    const out: string[] = []
    if (/sucuri/i.test(h(s, 'server') ?? '')) out.push(ev('server', h(s, 'server')))
    if (h(s, 'x-sucuri-id')) out.push(ev('x-sucuri-id', h(s, 'x-sucuri-id')))
    return out.length ? out : null
  },
}

/** F5 BIG-IP ASM / Advanced WAF's default blocking page (sent with status 200 by default). */
export const F5_REJECTED =
  /The requested URL was rejected\. Please consult with your administrator\./i

export const f5BigIp: Fingerprint = {
  product: 'f5-big-ip',
  layer: 'gateway',
  answered(s) {
    const b = bodyEv(s, F5_REJECTED)
    if (!b) return null
    return answered(100, b, bodyEv(s, /Your support ID is:?\s*\d+/i))
  },
  onPath(s) {
    const cookies = (s.headers.get('set-cookie') ?? []).filter((c) =>
      /^(TS[0-9a-f]{6,}|BIGipServer[\w.-]*)=/i.test(c),
    )
    const out = cookies.map((c) => `set-cookie: ${c.split('=')[0]}=… (BIG-IP)`)
    if (/^BigIP$/i.test(h(s, 'server') ?? '')) out.push(ev('server', h(s, 'server')))
    return out.length ? out.slice(0, 2) : null
  },
}

export const azureAppGateway: Fingerprint = {
  product: 'azure-application-gateway',
  layer: 'gateway',
  answered(s) {
    // Its own pages name it in the body; the Server header alone is also stamped on answers
    // it relays from a backend that sends none.
    const b = bodyEv(s, /<center>Microsoft-Azure-Application-Gateway\/v\d<\/center>/i)
    if (!b) return null
    const server = h(s, 'server')
    return answered(
      100,
      b,
      server && /Microsoft-Azure-Application-Gateway/i.test(server) ? ev('server', server) : null,
    )
  },
  onPath(s) {
    const server = h(s, 'server') ?? ''
    return /Microsoft-Azure-Application-Gateway/i.test(server) ? [ev('server', server)] : null
  },
}

export const WAFS: Fingerprint[] = [imperva, sucuri, f5BigIp, azureAppGateway]
