/**
 * What a gateway's own refusal says, beyond who wrote it: an edge WAF's block page (refused
 * for who or where the sender is, not for its credential), API Gateway's "Missing
 * Authentication Token" (no such resource or method), and the "no credential found" messages
 * of gateways that read the credential from one header name only.
 * @module
 */
import { bodyEv, ev, h, jsonField, type Signals } from './types.js'

/** Product ids as people write them, for sentences. */
const NAMES: Record<string, string> = {
  akamai: 'Akamai',
  apache: 'Apache',
  apigee: 'Apigee',
  'aws-alb': 'the AWS load balancer (ALB)',
  'aws-api-gateway': 'AWS API Gateway',
  'aws-lambda-url': 'the Lambda function URL',
  'azure-apim': 'Azure API Management',
  'azure-application-gateway': 'Azure Application Gateway',
  'azure-app-service-auth': 'App Service Authentication (Easy Auth)',
  'azure-functions': 'the Azure Functions host',
  'azure-front-door': 'Azure Front Door',
  caddy: 'Caddy',
  cloudflare: 'Cloudflare',
  'cloudflare-access': 'Cloudflare Access',
  cloudfront: 'CloudFront',
  envoy: 'Envoy',
  'f5-big-ip': 'F5 BIG-IP ASM',
  fastapi: 'FastAPI',
  fastly: 'Fastly',
  flask: 'Flask',
  fly: 'the Fly.io proxy',
  'gcp-api-gateway': 'Google API Gateway',
  'gcp-cloud-run': 'Google Cloud Run',
  'gcp-iap': 'Google IAP',
  gravitee: 'Gravitee',
  haproxy: 'HAProxy',
  hasura: 'Hasura',
  heroku: 'the Heroku router',
  hookwarden: 'the hookwarden gateway',
  iis: 'IIS',
  imperva: 'Imperva',
  istio: 'Istio',
  kong: 'Kong',
  netlify: 'Netlify',
  nginx: 'nginx',
  ngrok: 'ngrok',
  postgrest: 'PostgREST',
  railway: 'the Railway edge',
  render: "Render's router",
  sucuri: 'the Sucuri firewall',
  supabase: "Supabase's Edge Functions gateway",
  traefik: 'Traefik',
  tyk: 'Tyk',
  varnish: 'Varnish',
  vercel: 'Vercel',
  wso2: 'WSO2 API Manager',
}

/** `aws-alb` → `the AWS load balancer (ALB)`; an id without a name is said as it is. */
export function productName(product: string): string {
  return NAMES[product] ?? product
}

/** A WAF or firewall rule of an edge product refused the request. */
export interface EdgeBlock {
  /** The product as people name it: `Akamai`, `CloudFront`, … */
  by: string
  /** Which of its rules can refuse a request this way. */
  rules: string
  /** The block page itself, as evidence. */
  evidence: string[]
  /** What the product's support or logs look the block up by (ray id, reference #), or null. */
  reference: string | null
  /** The fix, when the rule is not about who sends (a browser check, a policy violation). */
  fix?: string
}

/** WAFs whose block page may come with another status than 403 (F5 ASM's is a 200). */
const PAGE_AT_ANY_STATUS = new Set(['imperva', 'sucuri', 'f5-big-ip'])

/** Akamai writes its reference with HTML entities: `Reference&#32;&#35;18&#46;4fef…`. */
function decodeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
}

/** The edge block page in a 403 that `product` answered, or null. */
export function edgeBlock(s: Signals, product: string | null): EdgeBlock | null {
  if (!product || (s.status !== 403 && !PAGE_AT_ANY_STATUS.has(product))) return null
  switch (product) {
    case 'cloudflare': {
      // 1006–1009: IP or country banned; 1010: browser signature; 1012: access denied;
      // 1020: a firewall rule. A challenge (cf-mitigated) is its bot protection.
      const b =
        bodyEv(s, /error code: 10(0[6-9]|1[02]|20)\b/i) ??
        bodyEv(s, /Error 10(0[6-9]|1[02]|20)\b[^<\n]*/) ??
        bodyEv(s, /Sorry, you have been blocked|used Cloudflare to restrict access/i)
      const mitigated = h(s, 'cf-mitigated')
      if (!b && !mitigated) return null
      const ray = h(s, 'cf-ray') ?? null
      // 1010 is Browser Integrity Check: the request's signature (User-Agent, headers) looked
      // like a bot's; no IP allow-list lifts it.
      if (
        /error code: 1010\b|Error 1010\b|<span>1010<\/span>|based on your browser's signature/i.test(
          s.body,
        )
      )
        return {
          by: 'Cloudflare',
          rules:
            "Browser Integrity Check (error 1010: the request's browser signature, its User-Agent and headers, looked like a bot's)",
          evidence: [
            b ?? ev('cf-mitigated', mitigated),
            bodyEv(s, /banned your access based on your browser's signature[^<]*/i),
          ].filter((e): e is string => !!e),
          reference: ray ? `Ray ID ${ray}` : null,
          fix: "Ask the receiver's owner to turn off Browser Integrity Check for the webhook path (a Configuration Rule, or Security › Settings), or to add a WAF custom rule that skips it for that path; allow-listing the sender's IP addresses does not lift a 1010. Meanwhile a sender that can set headers may send a usual User-Agent.",
        }
      return {
        by: 'Cloudflare',
        rules: 'a WAF custom rule, an IP access rule or its bot protection',
        evidence: [b, mitigated ? ev('cf-mitigated', mitigated) : null].filter(
          (e): e is string => !!e,
        ),
        reference: ray ? `Ray ID ${ray}` : null,
      }
    }
    case 'akamai': {
      const b = bodyEv(s, /Access Denied/i)
      const ref = /Reference(?:&#32;| )(?:&#35;|#)([\d&#;.a-f]+)/i.exec(s.body)
      if (!b && !ref) return null
      return {
        by: 'Akamai',
        rules: 'a WAF (Kona, App & API Protector) or edge access rule',
        evidence: [b ?? 'Akamai "Access Denied" page'],
        reference: ref ? `Reference #${decodeEntities(ref[1]!)}` : null,
      }
    }
    case 'aws-alb':
      // An ALB answers 403 itself only when an AWS WAF web ACL (or a fixed-response rule)
      // blocks the request; otherwise it relays the target's answer.
      return {
        by: 'the AWS load balancer (ALB)',
        rules: 'an AWS WAF web ACL (or a fixed-response listener rule)',
        evidence: [ev('server', h(s, 'server')), '403 generated by the ALB, not by the target'],
        reference: null,
      }
    case 'azure-front-door': {
      const ref = h(s, 'x-azure-ref') ?? h(s, 'x-msedge-ref') ?? null
      return {
        by: 'Azure Front Door',
        rules: 'a rule of its WAF policy',
        evidence: [bodyEv(s, /The request is blocked\.?/i) ?? '403 from Front Door itself'],
        reference: ref ? `x-azure-ref ${ref}` : null,
      }
    }
    case 'cloudfront': {
      const b =
        bodyEv(s, /Request blocked\.?/i) ??
        bodyEv(s, /configured to block access from your country\.?/i)
      if (!b) return null
      const id = h(s, 'x-amz-cf-id') ?? null
      return {
        by: 'CloudFront',
        rules: 'an AWS WAF web ACL or its geographic restriction',
        evidence: [b],
        reference: id ? `CloudFront Request ID ${id}` : null,
      }
    }
    case 'haproxy': {
      // HAProxy's built-in 403 page: an `http-request deny` (or `block`) rule matched; such
      // rules are ACLs on the source address, path or headers, never on a credential.
      const b = bodyEv(s, /Request forbidden by administrative rules\.?/i)
      if (!b) return null
      return {
        by: 'HAProxy',
        rules: 'an http-request deny rule (an ACL, most often on the source address)',
        evidence: [b],
        reference: null,
      }
    }
    case 'imperva': {
      const id = /incident(?:_id=| ID: )([\d-]+)/i.exec(s.body)?.[1]
      return {
        by: 'Imperva',
        rules:
          'a security rule of its WAF (bot protection, IP reputation, a country or custom rule)',
        evidence: [
          bodyEv(s, /Request unsuccessful\. Incapsula incident ID: [\d-]+/i) ??
            'Imperva block page',
        ],
        reference: id ? `Incapsula incident ID ${id}` : null,
      }
    }
    case 'sucuri': {
      const id = h(s, 'x-sucuri-block') ?? /Block ID:<\/td><td>([\w]+)/i.exec(s.body)?.[1] ?? null
      const reason = /Block reason:<\/td><td>([^<]+)/i.exec(s.body)?.[1]
      return {
        by: 'the Sucuri firewall',
        rules:
          'a firewall rule (the Block ID names it: a blocked IP or country, a bad-bot or attack rule)',
        evidence: [
          bodyEv(s, /Access Denied - Sucuri Website Firewall/i) ?? 'Sucuri block page',
          reason ? `Block reason: ${reason.trim()}` : null,
        ].filter((e): e is string => !!e),
        reference: id ? `Sucuri Block ID ${id}` : null,
      }
    }
    case 'f5-big-ip': {
      const b = bodyEv(
        s,
        /The requested URL was rejected\. Please consult with your administrator\./i,
      )
      if (!b) return null
      const id = /support ID is:?\s*(\d+)/i.exec(s.body)?.[1]
      return {
        by: 'F5 BIG-IP ASM',
        rules:
          'a violation of its security policy (an attack signature, an illegal content type, length, URL, method or header)',
        evidence: [
          b,
          ...(s.status === 200
            ? ['status 200 with a block page: ASM answers its blocks with 200 by default']
            : []),
        ],
        reference: id ? `support ID ${id}` : null,
        fix: `Ask the receiver's owner to look the support ID up in BIG-IP ASM (Security › Event Logs › Application › Requests), and to relax the violation that matched for the webhook URL or exempt that URL from the policy; sending it again unchanged will not help. Note that the answer's 200 is no success: the webhook was not delivered.`,
      }
    }
    case 'azure-application-gateway':
      return {
        by: 'Azure Application Gateway',
        rules:
          'a rule of its WAF policy (the OWASP core rule set, or a custom rule on IP, country or headers)',
        evidence: [
          bodyEv(s, /<center>Microsoft-Azure-Application-Gateway\/v\d<\/center>/i) ??
            '403 from the Application Gateway itself',
        ],
        reference: null,
      }
    case 'envoy':
    case 'istio': {
      // Envoy's RBAC filter (an Istio AuthorizationPolicy) answers this itself, before the app.
      const b = bodyEv(s, /^RBAC: access denied\s*$/)
      if (!b) return null
      return {
        by: product === 'istio' ? 'Istio' : 'Envoy',
        rules:
          product === 'istio'
            ? 'an AuthorizationPolicy (its RBAC filter: source address, principal, path or header)'
            : 'an RBAC policy (source address, principal, path or header)',
        evidence: [b],
        reference: h(s, 'x-request-id') ? `x-request-id ${h(s, 'x-request-id')}` : null,
      }
    }
  }
  return null
}

/** CloudFront's 403 for a method the distribution does not allow (GET/HEAD only, by default). */
export function cloudfrontMethodRefused(s: Signals, product: string | null): string | null {
  if (product !== 'cloudfront' || s.status !== 403) return null
  return bodyEv(s, /This distribution is not configured to allow the HTTP request method[^<\n]*/i)
}

/**
 * API Gateway (REST) answers 403 "Missing Authentication Token" for a path or method no
 * resource defines, before any authorizer runs (and, on an AWS_IAM method, for a request
 * without a SigV4 signature).
 */
export function apiGatewayNoSuchResource(
  s: Signals,
  product: string | null,
): NoSuchResource | null {
  if (product !== 'aws-api-gateway') return null
  const type = h(s, 'x-amzn-errortype') ?? ''
  const msg = jsonField(s, 'message') ?? jsonField(s, 'Message')
  if (/^MissingAuthenticationTokenException/i.test(type))
    return { said: ev('x-amzn-ErrorType', type.split(':')[0]), sigv4: false }
  if (msg === 'Missing Authentication Token')
    return { said: 'body: "Missing Authentication Token"', sigv4: false }
  // The same answer to a request with an Authorization header: API Gateway parses it as a
  // SigV4 signature and says what that lacks.
  const incomplete =
    typeof msg === 'string' &&
    /not a valid key=value pair|Invalid key=value pair|Authorization header requires '(Credential|Signature|SignedHeaders)' parameter/i.test(
      msg,
    )
  if (/^IncompleteSignatureException/i.test(type) || incomplete)
    return {
      said: [
        type ? ev('x-amzn-ErrorType', type.split(':')[0]) : null,
        incomplete ? `body: "${(msg as string).replace(/\s+/g, ' ').slice(0, 90)}"` : null,
      ]
        .filter(Boolean)
        .join('; '),
      sigv4: true,
    }
  return null
}

/** API Gateway's "no such resource" answer, and whether it came as a SigV4 parse error. */
export interface NoSuchResource {
  said: string
  /** IncompleteSignatureException: the Authorization header was read as a SigV4 signature. */
  sigv4: boolean
}

/** The gateway says no credential reached it, and names (or defaults to) where it reads one. */
export interface MissingAt {
  /** The gateway as people name it. */
  by: string
  /** What the gateway said, as evidence. */
  said: string
  /** The header the gateway reads, and a value shaped as it wants it. */
  header: string
  value: string
  /** Why that header: the gateway's words or its default. */
  why: string
}

const JWT_GATEWAYS = {
  envoy: 'Envoy',
  istio: 'Istio',
  'gcp-api-gateway': 'Google API Gateway (ESPv2)',
} as const

export function gatewaySaysMissing(s: Signals, product: string | null): MissingAt | null {
  const said = (re: RegExp) => bodyEv(s, re)
  switch (product) {
    case 'kong': {
      const key = said(/No API key found in request/i)
      if (key)
        return {
          by: 'Kong',
          said: key,
          header: 'apikey',
          value: '<key>',
          why: "Kong's key-auth plugin reads the key from the header named in key_names, apikey by default",
        }
      const basic = said(/No mandatory 'Authorization' or 'Proxy-Authorization' header found/i)
      if (basic)
        return {
          by: 'Kong',
          said: basic,
          header: 'Authorization',
          value: '<scheme> <credentials>',
          why: 'Kong says it reads Authorization or Proxy-Authorization',
        }
      return null
    }
    case 'envoy':
    case 'istio':
    case 'gcp-api-gateway': {
      const jwt = said(/Jwt is missing/)
      return jwt
        ? {
            by: JWT_GATEWAYS[product],
            said: jwt,
            header: 'Authorization',
            value: 'Bearer <JWT>',
            why: 'its JWT filter reads Authorization: Bearer <JWT> unless configured otherwise',
          }
        : null
    }
    case 'azure-apim': {
      const key = said(/missing subscription key/i)
      if (!key) return null
      const www = (s.headers.get('www-authenticate') ?? []).find((v) =>
        /AzureApiManagementKey/i.test(v),
      )
      const named = www ? /\bname="([^"]+)"/i.exec(www)?.[1] : undefined
      return {
        by: 'Azure API Management',
        said: key,
        header: named ?? 'Ocp-Apim-Subscription-Key',
        value: '<subscription key>',
        why: named
          ? `its WWW-Authenticate names the header it reads (name="${named}")`
          : 'Azure API Management reads the subscription key from Ocp-Apim-Subscription-Key by default',
      }
    }
    case 'tyk': {
      const field = said(/Authorization field missing/i)
      return field
        ? {
            by: 'Tyk',
            said: field,
            header: 'Authorization',
            value: '<key>',
            why: "Tyk reads the key from the API's auth header name, Authorization by default",
          }
        : null
    }
    case 'supabase': {
      const missing = said(/Missing authorization header/i)
      return missing
        ? {
            by: "Supabase's Edge Functions gateway",
            said: missing,
            header: 'Authorization',
            value: 'Bearer <anon key or user JWT>',
            why: 'the gateway verifies a JWT in Authorization before the function runs (verify_jwt, on by default; a function deployed with --no-verify-jwt checks its own header instead)',
          }
        : null
    }
    case 'wso2': {
      const missing = said(/Missing Credentials/i)
      if (!missing) return null
      const auth = s.request?.headers.some(([n]) => /^authorization$/i.test(n))
      return {
        by: 'WSO2 API Manager',
        said: missing,
        header: auth ? 'Authorization' : 'apikey',
        value: auth ? 'Bearer <access token>' : '<API key>',
        why: 'WSO2 API Manager reads an OAuth2 access token from Authorization: Bearer, or an API key from the apikey header',
      }
    }
    case 'gcp-iap': {
      const empty = said(/Invalid IAP credentials: empty token/i)
      return empty
        ? {
            by: 'Google IAP',
            said: empty,
            header: 'Authorization',
            value: 'Bearer <OIDC ID token>',
            why: 'IAP reads a Google-signed ID token from Authorization (or Proxy-Authorization)',
          }
        : null
    }
  }
  return null
}
